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

ACTIONS = ("cycle.created", "cycle.settings_changed", "rubric.changed")


def in_force_before(cycle: Cycle, seq: int | None) -> tuple[dict, list[dict]]:
    """(the cycle's stored settings, its rubric rows) as they stood just
    before audit event ``seq`` (None: as they stand now)."""
    if seq is None:
        return dict(cycle.settings), rubric_service.as_rows(cycle)
    settings, rubric_after, rubric_later = None, None, None
    for action, payload, at in db.session.execute(
            select(AuditEvent.action, AuditEvent.payload, AuditEvent.seq)
            .where(AuditEvent.cycle_id == cycle.id, AuditEvent.action.in_(ACTIONS)).order_by(AuditEvent.seq)):
        if at >= seq:
            if action == "rubric.changed" and rubric_later is None:
                rubric_later = payload["before"]  # the first change after the step says what it replaced
            continue
        if action == "cycle.created":
            settings = dict(payload.get("settings") or {})
        elif action == "cycle.settings_changed":
            # Events before the whole settings were recorded carry the changed ones only.
            settings = dict(payload["settings"]) if "settings" in payload else {**(settings or {}),
                                                                                  **payload["after"]}
        else:
            rubric_after = payload["after"]
    if settings is None:
        settings = dict(cycle.settings)
    rows = rubric_after if rubric_after is not None else (
        rubric_later if rubric_later is not None else rubric_service.as_rows(cycle))
    return settings, rows
