"""Scores, the panel's recommendation, the board's votes and the final decision."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.awards import Criterion, Cycle
from awards_app.models.judging import Assignment
from awards_app.models.people import User
from awards_app.models.types import JSONType, UTCDateTime, check_in, utcnow

VOTES = ("approve", "reject", "abstain", "recused")


class Score(db.Model):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    value: Mapped[float]
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship()
    criterion: Mapped[Criterion] = relationship()


class Recommendation(db.Model):
    """The panel's ranked result, how it was computed and why."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    method: Mapped[str] = mapped_column(String(40))
    ranking: Mapped[list] = mapped_column(JSONType(), default=list)
    laureate_nomination_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    # Hash of the aggregation's inputs (rubric, sheets, method, settings, code
    # version): the replay recomputes it from the audit trail and compares.
    inputs_hash: Mapped[str] = mapped_column(String(64))
    rationale: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    created_by: Mapped[User] = relationship()


class BoardVote(db.Model):
    __tablename__ = "board_vote"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "user_id"),
        CheckConstraint(check_in("vote", VOTES), name="vote"),
        CheckConstraint("vote <> 'reject' OR reason IS NOT NULL", name="reject_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    vote: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship()
    user: Mapped[User] = relationship()


class Decision(db.Model):
    """The ratified outcome of a cycle. Never edited: an amendment is a new row."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), unique=True)
    laureate_nomination_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    ratified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    recommendation: Mapped[Recommendation | None] = relationship()
    amends: Mapped["Decision | None"] = relationship(remote_side=[id])
