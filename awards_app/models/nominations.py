"""Candidatures and what supports them: attachments and endorsements."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import workflows
from awards_app.extensions import db
from awards_app.models.awards import Cycle
from awards_app.models.events import Delegation
from awards_app.models.organisations import Organisation
from awards_app.models.people import Person, User
from awards_app.models.types import JSONType, UTCDateTime, check_in, utcnow

# Exactly one candidate column is filled, and it is the one the kind names.
_ONE_CANDIDATE = (
    "(candidate_kind = 'individual' AND candidate_person_id IS NOT NULL"
    " AND candidate_delegation_id IS NULL AND candidate_organisation_id IS NULL)"
    " OR (candidate_kind = 'delegation' AND candidate_delegation_id IS NOT NULL"
    " AND candidate_person_id IS NULL AND candidate_organisation_id IS NULL)"
    " OR (candidate_kind = 'organisation' AND candidate_organisation_id IS NOT NULL"
    " AND candidate_person_id IS NULL AND candidate_delegation_id IS NULL)"
)


class Nomination(db.Model):
    __tablename__ = "nomination"
    __table_args__ = (
        CheckConstraint(check_in("state", workflows.NOMINATION_STATES), name="state"),
        CheckConstraint(_ONE_CANDIDATE, name="one_candidate"),
        CheckConstraint(
            "state NOT IN ('ineligible') OR screening_reason IS NOT NULL",
            name="ineligible_has_reason",
        ),
        # One nominator, one candidate, one nomination per cycle; also makes a
        # double-clicked "create" land once.
        UniqueConstraint("cycle_id", "nominator_id", "candidate_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    candidate_kind: Mapped[str] = mapped_column(String(16))
    candidate_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    candidate_delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    candidate_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # "delegation:12", "organisation:5", or "person:" + email or normalised name.
    candidate_key: Mapped[str] = mapped_column(String(300))
    statement: Mapped[str] = mapped_column(Text, default="")
    volunteer_years: Mapped[float | None]
    volunteer_places: Mapped[str | None] = mapped_column(Text)
    # Relations the nominator declares between the candidate and people who
    # might judge: [{"name", "email", "kind"}]; conflict detection reads them.
    declared_relations: Mapped[list] = mapped_column(JSONType(), default=list)
    state: Mapped[str] = mapped_column(String(32), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    eligibility: Mapped[list] = mapped_column(JSONType(), default=list)
    screening_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cycle: Mapped[Cycle] = relationship()
    nominator: Mapped[User] = relationship()
    # Loaded together with the nominations (one IN query per kind), so a
    # page listing 2,000 candidates does not send 2,000 queries.
    candidate_person: Mapped[Person | None] = relationship(lazy="selectin")
    candidate_delegation: Mapped[Delegation | None] = relationship(lazy="selectin")
    candidate_organisation: Mapped[Organisation | None] = relationship(lazy="selectin")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="nomination", cascade="all, delete-orphan"
    )
    endorsements: Mapped[list["Endorsement"]] = relationship(
        back_populates="nomination", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def candidate(self):
        return self.candidate_person or self.candidate_delegation or self.candidate_organisation

    def __str__(self):
        return f"{self.candidate} ({self.cycle})"


class Attachment(db.Model):
    """A file stored under a server-generated name, outside static/."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nomination.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="attachments")


class Endorsement(db.Model):
    """A request to an endorser and, once answered, what they wrote.

    Only the token's hash is kept: the link in the email is the secret.
    """

    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nomination.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    endorser_name: Mapped[str | None] = mapped_column(String(200))
    endorser_organisation: Mapped[str | None] = mapped_column(String(200))
    endorser_role: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    from_candidate_organisation: Mapped[bool] = mapped_column(default=False)

    nomination: Mapped[Nomination] = relationship(back_populates="endorsements")
