"""Judges' recorded expertise, panels, assignments and conflicts of interest."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.awards import Cycle
from awards_app.models.nominations import Nomination
from awards_app.models.people import User
from awards_app.models.types import JSONType, UTCDateTime, check_in, utcnow
from workflows.base import FINAL, ROUNDS

PANEL_ROLES = ("chair", "member")
CONFLICT_KINDS = (
    "self", "family", "same_organisation", "same_country", "nominator", "endorser",
    "collaborator", "financial", "other",
)
CONFLICT_SOURCES = ("declared", "detected")
# How sure detection is that two spellings are one person or organisation
# (judging.identity): certain (same email, same normalised name) or possible
# (initials, transliteration, a near miss), which the chair decides. A
# declared conflict and a match by id have no tier.
CONFLICT_TIERS = ("certain", "possible")
# open and confirmed hide the nomination from the judge; waived and dismissed
# carry the chair's written rationale.
CONFLICT_STATUSES = ("open", "confirmed", "waived", "dismissed")
HIDING_STATUSES = ("open", "confirmed")
SHEET_STATES = ("open", "submitted")


class JudgeProfile(db.Model):
    __tablename__ = "judge_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    languages: Mapped[list] = mapped_column(JSONType(), default=list)
    regions: Mapped[list] = mapped_column(JSONType(), default=list)
    vetted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # People the judge declares a relation with: [{"name", "email", "kind"}].
    relations: Mapped[list] = mapped_column(JSONType(), default=list)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    expertise: Mapped[list["Expertise"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan"
    )


class Expertise(db.Model):
    """One field from the controlled vocabulary, with the evidence for it."""

    __tablename__ = "expertise"
    __table_args__ = (UniqueConstraint("profile_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("judge_profile.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[str] = mapped_column(Text, default="")
    years: Mapped[int] = mapped_column(default=0)

    profile: Mapped[JudgeProfile] = relationship(back_populates="expertise")


class Panel(db.Model):
    """A round's panel: the final round's, and the shortlist round's where the cycle has one."""

    __tablename__ = "panel"
    __table_args__ = (
        UniqueConstraint("cycle_id", "round"),
        CheckConstraint(check_in("round", ROUNDS), name="round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    round: Mapped[str] = mapped_column(String(16), default=FINAL, server_default=FINAL)

    cycle: Mapped[Cycle] = relationship()
    # Ordered so that pages and the report list a panel the same way on
    # every database (PostgreSQL returns unordered rows in any order).
    members: Mapped[list["PanelMember"]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id"
    )


class PanelMember(db.Model):
    __tablename__ = "panel_member"
    __table_args__ = (
        UniqueConstraint("panel_id", "user_id"),
        CheckConstraint(check_in("role", PANEL_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(8), default="member")

    panel: Mapped[Panel] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A judge's score sheet for one nomination in one round."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("nomination_id", "judge_id", "round"),
        CheckConstraint(check_in("round", ROUNDS), name="round"),
        CheckConstraint(check_in("sheet_state", SHEET_STATES), name="sheet_state"),
        CheckConstraint(
            "sheet_state = 'open' OR submitted_at IS NOT NULL", name="submitted_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    round: Mapped[str] = mapped_column(String(16), default=FINAL, server_default=FINAL)
    fit: Mapped[float] = mapped_column(default=0.0)
    sheet_state: Mapped[str] = mapped_column(String(16), default="open")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship()
    judge: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ConflictOfInterest(db.Model):
    __tablename__ = "conflict_of_interest"
    __table_args__ = (
        UniqueConstraint("judge_id", "nomination_id", "kind", "source"),
        CheckConstraint(check_in("kind", CONFLICT_KINDS), name="kind"),
        CheckConstraint(check_in("source", CONFLICT_SOURCES), name="source"),
        CheckConstraint(check_in("status", CONFLICT_STATUSES), name="status"),
        CheckConstraint(check_in("tier", CONFLICT_TIERS), name="tier"),
        CheckConstraint(
            "status NOT IN ('waived', 'dismissed') OR rationale IS NOT NULL",
            name="waiver_has_rationale",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    rule: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[dict] = mapped_column(JSONType(), default=dict)
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # the judge's own words when declared
    rationale: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    nomination: Mapped[Nomination] = relationship()


class ConflictAttestation(db.Model):
    """A judge's statement that they have no conflict with a nomination."""

    __tablename__ = "conflict_attestation"
    __table_args__ = (UniqueConstraint("judge_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), index=True)
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship()
    nomination: Mapped[Nomination] = relationship()
