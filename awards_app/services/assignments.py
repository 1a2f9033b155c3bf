"""Which judge scores which nomination: by hand (the chair) or computed
optimally for the whole cycle. A conflict is a hard exclusion either way."""

from sqlalchemy import exists, select

from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest, Nomination, Panel, PanelMember, User
from awards_app.models.judging import HIDING_STATUSES
from awards_app.services import Forbidden, ServiceError, audit
from awards_app.services import panels as panel_service


def _may_manage(actor, cycle) -> None:
    if isinstance(actor, str) or actor.has_role("admin"):
        return
    if not panel_service.is_chair(actor, cycle):
        raise Forbidden("assignment.chair_only", "Only the chair or the secretariat assigns judges.")


def _conflicted(judge_id: int, nomination_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ConflictOfInterest.judge_id == judge_id, ConflictOfInterest.nomination_id == nomination_id,
        ConflictOfInterest.status.in_(HIDING_STATUSES)))))


def add(actor, nomination: Nomination, judge: User, *, fit: float = 0.0, reasons=(),
        source: str = "manual") -> Assignment:
    cycle = nomination.cycle
    _may_manage(actor, cycle)
    on_panel = db.session.scalar(select(exists().where(
        PanelMember.user_id == judge.id, PanelMember.panel_id == Panel.id, Panel.cycle_id == cycle.id)))
    if not on_panel:
        raise ServiceError("assignment.not_on_panel", f"{judge.name} is not on this cycle's panel.")
    if _conflicted(judge.id, nomination.id):
        raise ServiceError("assignment.conflict",
                           f"{judge.name} has a conflict of interest with this nomination.")
    if nomination.state not in ("eligible",):
        raise ServiceError("assignment.not_eligible", "Only eligible nominations are judged.")
    if db.session.scalar(select(exists().where(Assignment.judge_id == judge.id,
                                               Assignment.nomination_id == nomination.id))):
        raise ServiceError("assignment.duplicate", f"{judge.name} is already assigned.")
    row = Assignment(nomination=nomination, judge=judge, fit=fit)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "assignment.added", row,
                 {"nomination_id": nomination.id, "judge_id": judge.id, "fit": fit,
                  "reasons": list(reasons), "source": source}, cycle_id=cycle.id)
    return row


def remove(actor, assignment: Assignment, reason: str | None = None) -> None:
    cycle = assignment.nomination.cycle
    _may_manage(actor, cycle)
    if assignment.sheet_state == "submitted":
        raise ServiceError("assignment.submitted", "A submitted score sheet cannot be unassigned.")
    audit.record(actor, "assignment.removed", assignment,
                 {"nomination_id": assignment.nomination_id, "judge_id": assignment.judge_id,
                  "reason": reason}, cycle_id=cycle.id)
    db.session.delete(assignment)
    db.session.flush()
