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
# What the board votes on: the panel's recommendation, an amendment of a
# ratified decision, or (MILSET Award) the designated host.
PROPOSAL_KINDS = ("panel", "amendment", "host")
# A proposal waits for the board's vote, then is ratified or rejected by it,
# or withdrawn before the vote ends (a conflict confirmed after it was made).
PROPOSAL_STATUSES = ("pending", "ratified", "rejected", "withdrawn")


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
    """A proposal the board votes on: the panel's ranked result (how it was
    computed and why), an amendment of a ratified decision, or the MILSET
    Award's designated host. Kept whatever the board decides: a rejected or
    withdrawn proposal stays in the record beside the one that followed."""

    __tablename__ = "recommendation"
    __table_args__ = (
        CheckConstraint(check_in("kind", PROPOSAL_KINDS), name="kind"),
        CheckConstraint(check_in("status", PROPOSAL_STATUSES), name="status"),
    )

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
    kind: Mapped[str] = mapped_column(String(16), default="panel", server_default="panel")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(Text)

    cycle: Mapped[Cycle] = relationship()
    created_by: Mapped[User] = relationship()


class TieVote(db.Model):
    """The panel's vote between nominations tied at the last laureate place,
    recorded by the chair: the count for each tied nomination, each judge's
    ballot where the panel voted by name, and the minutes. The ranking reads
    the counts as its ``panel_vote`` tie-break step, so the report's replay
    reproduces the tie-break from the record."""

    __tablename__ = "tie_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    tied_nomination_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    # {"<nomination id>": votes}
    votes: Mapped[dict] = mapped_column(JSONType(), default=dict)
    # [{"judge_id": .., "nomination_id": ..}] when the panel voted by name
    ballots: Mapped[list | None] = mapped_column(JSONType())
    minutes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    recorded_by: Mapped[User] = relationship()


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
