"""Expo-Sciences International editions and the delegations that attend them."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.organisations import Country, Organisation
from awards_app.models.types import check_in

PARTICIPANT_ROLES = ("participant", "leader", "teacher", "guide")


class Event(db.Model):
    """One ESI edition (the 1st was Québec 1987)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    year: Mapped[int]
    city: Mapped[str] = mapped_column(String(120))
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"))
    host_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # Deactivated: entered by mistake or cancelled; kept for what names it.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    country: Mapped[Country] = relationship()
    host_organisation: Mapped[Organisation | None] = relationship()
    delegations: Mapped[list["Delegation"]] = relationship(back_populates="event")

    @property
    def title(self) -> str:
        return f"ESI {self.year} {self.city}"

    def __str__(self):
        return self.title


class Delegation(db.Model):
    """An organisation's delegation to one event."""

    __tablename__ = "delegation"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(200))

    event: Mapped[Event] = relationship(back_populates="delegations")
    organisation: Mapped[Organisation] = relationship()
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="delegation", cascade="all, delete-orphan"
    )

    def __str__(self):
        return self.name


class Participant(db.Model):
    __tablename__ = "participant"
    __table_args__ = (CheckConstraint(check_in("role", PARTICIPANT_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date]
    role: Mapped[str] = mapped_column(String(40), default="participant")

    delegation: Mapped[Delegation] = relationship(back_populates="participants")
