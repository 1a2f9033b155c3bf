"""Where people come from: MILSET's regions, countries and organisations."""

from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.types import check_in

# member and associate: MILSET's own categories of membership; accredited: a
# non-member its regional office lets take part in an ESI; other: a body
# that is none of these (a host committee, a sponsor).
ORGANISATION_STATUSES = ("member", "associate", "accredited", "other")


def _localised(row, locale: str) -> str:
    return getattr(row, f"name_{locale}", None) or row.name


class Region(db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))  # English
    name_fr: Mapped[str | None] = mapped_column(String(80))
    name_es: Mapped[str | None] = mapped_column(String(80))

    countries: Mapped[list["Country"]] = relationship(back_populates="region")

    def name_in(self, locale: str) -> str:
        return _localised(self, locale)

    def __str__(self):
        return self.name


class Country(db.Model):
    __tablename__ = "country"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # English
    name_fr: Mapped[str | None] = mapped_column(String(120))
    name_es: Mapped[str | None] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="countries")

    def name_in(self, locale: str) -> str:
        return _localised(self, locale)

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
    # The name with case, accents, punctuation and word order ignored
    # (judging.names.normalise_name): two rows with the same key are one
    # organisation spelled twice, so the second is refused.
    name_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="member")
    # Deactivated: gone or merged; kept for the history that names it, no
    # longer offered in forms.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Merged by the secretariat into another record (one organisation entered
    # twice): everything that named this one now names that one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))

    country: Mapped[Country] = relationship()
    merged_into: Mapped["Organisation | None"] = relationship(remote_side=[id])
    aliases: Mapped[list["OrganisationAlias"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationAlias.name")

    @property
    def is_member(self) -> bool:
        return self.status == "member"

    @property
    def region(self) -> Region:
        return self.country.region

    def __str__(self):
        return self.name


class OrganisationAlias(db.Model):
    """Another name an organisation is known by (an acronym, a former name,
    a translation); its key is unique across names and aliases alike."""

    __tablename__ = "organisation_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="aliases")

    def __str__(self):
        return self.name
