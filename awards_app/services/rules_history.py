"""The rules in force at any step of a cycle, read back from the audit
trail: the settings the cycle was created with, then every applied change
of its settings (cycle.settings_changed, which records the whole settings
after it) and of its rubric (rubric.changed, the whole rubric before and
after). The report's replay ranks with what was in force when the panel
recommended, not with what a later approved change put in force."""

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle
from awards_app.services import rubric as rubric_service
from workflows.base import FINAL

ACTIONS = ("cycle.created", "cycle.settings_changed", "rubric.changed")
LATEST = float("inf")


def for_replay(cycle: Cycle, seq: int | None, round: str = FINAL) -> tuple[dict, list[dict], bool]:
    """(the settings, the rubric rows) to replay the step at audit event
    ``seq`` with, and whether the rules stored today are those the trail
    says are in force. When no recorded change came after the step, the
    rules stored today are replayed, so that a rule changed behind the
    application's back shows as a different result; after an approved
    change, the rules the trail says were in force at the step."""
    stored = in_force_before(cycle, None, round)
    recorded = in_force_before(cycle, LATEST, round)
    at_step = in_force_before(cycle, seq, round) if seq is not None else recorded
    settings, rows = stored if at_step == recorded else at_step
    return settings, rows, stored == recorded


def in_force_before(cycle: Cycle, seq: float | None, round: str = FINAL) -> tuple[dict, list[dict]]:
    """(the cycle's stored settings, the round's rubric rows) as the audit
    trail says they stood just before audit event ``seq`` (None: as they
    stand now in the cycle's row; ``LATEST``: as the trail says they stand
    now). What the trail does not record (a cycle created before its events
    carried the rubric) is read from the cycle as it stands."""
    if seq is None:
        return dict(cycle.settings), rubric_service.as_rows(cycle, round)
    settings, rubric_after, rubric_later = None, None, None
    for action, payload, at in db.session.execute(
            select(AuditEvent.action, AuditEvent.payload, AuditEvent.seq)
            .where(AuditEvent.cycle_id == cycle.id, AuditEvent.action.in_(ACTIONS)).order_by(AuditEvent.seq)):
        if action == "rubric.changed" and payload.get("round", FINAL) != round:
            continue  # the other round's rubric
        if at >= seq:
            if action == "rubric.changed" and rubric_later is None:
                rubric_later = payload["before"]  # the first change after the step says what it replaced
            continue
        if action == "cycle.created":
            settings = dict(payload.get("settings") or {})
            if round == FINAL:  # a cycle is created with its final round's criteria only
                rubric_after = payload.get("rubric", rubric_after)
        elif action == "cycle.settings_changed":
            # Events before the whole settings were recorded carry the changed ones only.
            settings = dict(payload["settings"]) if "settings" in payload else {**(settings or {}),
                                                                                  **payload["after"]}
        else:
            rubric_after = payload["after"]
    if settings is None:
        settings = dict(cycle.settings)
    rows = rubric_after if rubric_after is not None else (
        rubric_later if rubric_later is not None else rubric_service.as_rows(cycle, round))
    return settings, rows
