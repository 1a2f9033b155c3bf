"""Firing workflow events on cycles and nominations.

Each call: lock the row, check the version the user saw, build the plain
facts, let the pure workflow decide, then change the state and append one
audit event in the same transaction. A refusal raises Refusal naming every
rule that refused, and changes nothing.
"""

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

import workflows
from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Cycle, Nomination
from awards_app.models.types import utcnow
from awards_app.services import N_, Forbidden, Refusal, audit, conflicts, facts, locks, season


def _rules(refused: "workflows.Refused") -> list[dict]:
    return [{"rule": r.rule, "message": r.message} for r in refused.rules]


def _roles_of(actor, as_role: str | None) -> list[str]:
    """A person (or a SystemActor) may hold several roles; the event is
    fired in the first that may."""
    if isinstance(actor, str):
        raise TypeError(f"the actor must be a user or a SystemActor, not {actor!r}")
    if as_role is not None:
        return [as_role] if as_role in actor.roles else []
    return sorted(actor.roles)


def _roles_on_cycle(actor, cycle: Cycle, as_role: str | None) -> list[str]:
    """The roles the actor may fire this cycle's (or its nominations') events in."""
    return [role for role in _roles_of(actor, as_role) if permissions.holds_role_on(actor, role, cycle)]


def _fire(fire, state: str, event: str, roles: list[str], facts):
    refusal = None
    for role in roles or ["none"]:
        try:
            return fire(state, event, role, facts), role
        except workflows.Refused as exc:
            refusal = exc
            if any(r.rule != "workflow.role_not_allowed" for r in exc.rules):
                break  # the role was right, a rule refused: report that rule
    rules = _rules(refusal)
    if all(r["rule"] == "workflow.role_not_allowed" for r in rules):
        # Not theirs to do: a permission refusal, with no guard's details.
        raise Forbidden("workflow.role_not_allowed", N_("You may not do this here."))
    raise Refusal(rules)


def _lock(model, row_id: int, expected_version: int | None, options=()):
    # of=model: the row itself, not the rows its joined loads bring (PostgreSQL
    # refuses FOR UPDATE on the nullable side of an outer join).
    result = db.session.execute(
        select(model).where(model.id == row_id).options(*options).with_for_update(of=model).execution_options(
            populate_existing=True))
    row = (result.unique() if options else result).scalar_one()
    if expected_version is not None and row.version != expected_version:
        raise Refusal([{"rule": "edit.stale",
                         "message": N_("Someone changed this in the meantime; reload and try again.")}])
    return row


def fire_nomination_events(actor, cycle: Cycle, nominations: list[Nomination], event: str, *,
                           as_role: str | None = None, reason: str | None = None) -> list[Nomination]:
    """The same event fired on many nominations of one cycle, as a step of the
    cycle does it (the announcement sets aside every runner-up): the rows are
    locked in one statement, the pure workflow decides for each on its own
    facts, the states are written in one batch and audited in one append.
    The first refusal refuses the whole step, which then changes nothing."""
    if not nominations:
        return []
    ids = sorted(n.id for n in nominations)
    locked = list(db.session.scalars(
        select(Nomination).where(Nomination.id.in_(ids)).order_by(Nomination.id).with_for_update()
        .execution_options(populate_existing=True)))
    wf = cycle.award_type.workflow
    roles = _roles_on_cycle(actor, cycle, as_role)
    moves: dict[tuple[str, str], list[int]] = {}
    pending = []
    for nomination, now in zip(locked, facts.nomination_facts_many(cycle, locked), strict=True):
        before = nomination.state
        new_state, role = _fire(wf.fire_nomination, before, event, roles, now)
        moves.setdefault((before, new_state), []).append(nomination.id)
        pending.append(audit.PendingEvent(
            "nomination.transition", nomination,
            {"event": event, "from": before, "to": new_state, "role": role, "reason": reason}, cycle_id=cycle.id))
    # One UPDATE per move rather than one per row (the ORM writes a versioned
    # row alone); the rows are locked, so their version needs no check here.
    for (before, new_state), moved in moves.items():
        db.session.execute(update(Nomination).where(Nomination.id.in_(moved), Nomination.state == before)
                           .values(state=new_state, version=Nomination.version + 1, updated_at=utcnow())
                           .execution_options(synchronize_session="evaluate"))
    audit.record_many(actor, pending)
    return locked


def lock_row(model, row_id: int, expected_version: int | None = None, *, options=()):
    """The row, locked until the transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL) and read afresh: a service that must see what a concurrent
    request committed first locks the parent row before reading. With
    ``expected_version``, a row changed since the user saw it is refused
    (edit.stale). ``options``: loader options, so what the service reads next
    comes with the row in the same statement."""
    return _lock(model, row_id, expected_version, options)


def _flush():
    """Write the change, checking the version counter: a row changed since it
    was locked (another transaction won) is a stale edit. The caller rolls
    back (the session cannot go on after a failed flush)."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Refusal([{"rule": "edit.stale",
                         "message": N_("Someone changed this in the meantime; reload and try again.")}]
                       ) from None


def _stamp_criteria(cycle: Cycle) -> None:
    cycle.criteria_published_at = datetime.now(UTC)


# What an event records on the cycle besides its new state.
_CYCLE_EFFECTS = {"publish_criteria": _stamp_criteria}


def _detect_whole_cycle(actor, cycle: Cycle) -> None:
    """Judging opens on the people as they are now: one detection run over
    the whole panel and every nomination. What it finds stays recorded (open)
    and blocks the conflicted judge's sheet and the close of scoring until the
    chair resolves it, rather than refusing the opening and losing the finding."""
    conflicts.detect(actor, cycle)


# What an event does once the cycle has moved and the move is audited.
_CYCLE_AFTERMATH = {"open_judging": _detect_whole_cycle, "open_shortlist": _detect_whole_cycle,
                    "decide_shortlist": _detect_whole_cycle}


def fire_cycle_event(actor, cycle: Cycle, event: str, *, as_role: str | None = None,
                     expected_version: int | None = None, reason: str | None = None,
                     cycle_facts: "workflows.CycleFacts | None" = None) -> str:
    """Fire the event on the cycle (locked here). `cycle_facts`: the facts a
    caller already gathered under this cycle's lock, in this transaction (the
    board's vote), so the guards read them instead of gathering them again."""
    if event in _CYCLE_AFTERMATH:
        # The whole-cycle detection's lock comes before any other this
        # transaction takes (services.conflicts.detect).
        locks.hold(conflicts.DETECTING, cycle.id)
    cycle = _lock(Cycle, cycle.id, expected_version)
    wf = cycle.award_type.workflow
    before = cycle.state
    if event in ("close_scoring", "close_shortlist") and reason:
        # The chair may close before every sheet is in, with the reason on the record.
        cycle.close_reason = reason
    new_state, role = _fire(wf.fire_cycle, before, event, _roles_on_cycle(actor, cycle, as_role),
                            facts.cycle_facts(cycle) if cycle_facts is None else cycle_facts)
    cycle.state = new_state
    if event in _CYCLE_EFFECTS:
        _CYCLE_EFFECTS[event](cycle)
    _flush()
    audit.record(actor, "cycle.transition", cycle,
                 {"event": event, "from": before, "to": new_state, "role": role, "reason": reason},
                 cycle_id=cycle.id)
    if event in _CYCLE_AFTERMATH:
        _CYCLE_AFTERMATH[event](actor, cycle)
    # The nominations the step settles (drafts at the close of the call, the
    # runners-up at the announcement), in this same transaction and in bulk.
    season.follow(actor, cycle, event, new_state, fire_nomination_events)
    return new_state


def cycle_events_for(user, cycle: Cycle) -> list[str]:
    """The events this user may fire on the cycle now (what the page offers)."""
    return cycle_steps_for(user, cycle)[0]


def cycle_steps_for(user, cycle: Cycle) -> tuple[list[str], list[tuple[str, list[dict]]]]:
    """(the events this user may fire on the cycle now, the ones they could
    fire but may not yet, each with the rules that hold it back), read from
    one gathering of the cycle's facts: the page says what is missing
    instead of showing no button at all."""
    wf = cycle.award_type.workflow
    now = facts.cycle_facts(cycle)
    roles = _roles_on_cycle(user, cycle, None)
    offered: list[str] = []
    for role in roles:
        offered += [e for e in wf.cycle_events(cycle.state, role, now) if e not in offered]
    waiting: dict[str, list[dict]] = {}
    for role in roles:
        for event, refused in wf.cycle_events_waiting(cycle.state, role, now):
            if event not in offered and event not in waiting:
                waiting[event] = [{"rule": r.rule, "message": r.message} for r in refused]
    return offered, list(waiting.items())


def preview_cycle_event(cycle: Cycle, event: str, role: str) -> list[dict]:
    """The rules that would refuse the event now ([] when it would pass), so a
    page can say what is missing before anyone presses the button."""
    try:
        cycle.award_type.workflow.fire_cycle(cycle.state, event, role, facts.cycle_facts(cycle))
    except workflows.Refused as refused:
        return _rules(refused)
    return []


def fire_nomination_event(actor, nomination: Nomination, event: str, facts, *,
                          as_role: str | None = None, expected_version: int | None = None,
                          reason: str | None = None, locked: bool = False) -> str:
    """locked: the caller already holds the row's lock, read afresh in this
    transaction (lock_row), so it is not read a second time."""
    if not locked:
        nomination = _lock(Nomination, nomination.id, expected_version)
    wf = nomination.cycle.award_type.workflow
    before = nomination.state
    new_state, role = _fire(wf.fire_nomination, before, event,
                            _roles_on_cycle(actor, nomination.cycle, as_role), facts)
    nomination.state = new_state
    _flush()
    audit.record(actor, "nomination.transition", nomination,
                 {"event": event, "from": before, "to": new_state, "role": role, "reason": reason},
                 cycle_id=nomination.cycle_id)
    return new_state
