"""Where people come from: MILSET's regions, countries and organisations."""

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.types import check_in

ORGANISATION_STATUSES = ("member", "accredited", "other")


class Region(db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))

    countries: Mapped[list["Country"]] = relationship(back_populates="region")

    def __str__(self):
        return self.name


class Country(db.Model):
    __tablename__ = "country"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="countries")

    def __str__(self):
        return self.name


class Organisation(db.Model):
    """A member organisation, an accredited non-member, or another body."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(check_in("status", ORGANISATION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="member")

    country: Mapped[Country] = relationship()

    @property
    def is_member(self) -> bool:
        return self.status == "member"

    @property
    def region(self) -> Region:
        return self.country.region

    def __str__(self):
        return self.name
