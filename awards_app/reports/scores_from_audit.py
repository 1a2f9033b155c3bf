"""A round's scores as the audit trail recorded them: what every replay
(the final round's result, the shortlist) recomputes from."""

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle
from workflows.base import FINAL


def submitted(cycle: Cycle, round: str = FINAL) -> list[dict]:
    """A round's scores as the audit trail recorded them at submission, the
    last submission of each sheet winning (a reopened sheet is submitted
    again). Events recorded before rounds existed are the final round's."""
    latest: dict = {}
    for action, payload in db.session.execute(select(AuditEvent.action, AuditEvent.payload).where(
            AuditEvent.cycle_id == cycle.id, AuditEvent.action.in_(("score.submitted", "score.reopened",
                                                                      "assignment.removed")))
            .order_by(AuditEvent.seq)):
        if payload.get("round", FINAL) != round:
            continue
        key = (payload["nomination_id"], payload["judge_id"])
        if action == "score.submitted":
            latest[key] = payload["scores"]
        else:
            latest.pop(key, None)
    return [{"nomination_id": n, "judge_id": j, "scores": s} for (n, j), s in sorted(latest.items())]
