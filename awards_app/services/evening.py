"""The cultural evening: the candidates of an award performed live (the
workflow's ``has_running_order``: the ESI Cultural Award) perform one after
another in a running order the secretariat or the cycle's chair sets; during
the evening they call each performance on stage, and the judges follow on
their phones.

A Performance's ``on_stage_at`` is when it was last called: the one called
last is on stage now. "Back to the previous" calls the previous one again,
so the trail of calls is the evening as it went."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Nomination, Performance
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit, transitions
from awards_app.services.nominations import with_candidate_name

# The running order is set from screening (eligible nominations only) to
# the end of judging; performances are called on stage while the panel judges.
ORDER_STATES = ("screening", "shortlist_scoring", "shortlisting", "judging")
STAGE_STATES = ("judging",)
TITLE_MAX = 200
DIRECTIONS = ("next", "previous")


class OrderErrors(ServiceError):
    """Every problem with a running order, at its field ({field: [problems]},
    each problem {"rule", "message"}; "_order" for the order as a whole);
    nothing was saved."""

    def __init__(self, problems: list[ServiceError]):
        first = problems[0]
        super().__init__(first.rule, first.message, field=first.field)
        self.problems = problems
        self.errors: dict[str, list[dict]] = {}
        for p in problems:
            self.errors.setdefault(p.field or "_order", []).append({"rule": p.rule, "message": p.message})


@dataclass
class Slot:
    """One performance as a page shows it. ``name`` and ``title`` are None
    where a conflict hides the nomination from the reader."""

    performance_id: int
    nomination_id: int
    position: int
    title: str | None
    name: str | None
    hidden: bool = False
    sheet_state: str | None = None  # the reader's sheet: open, submitted, or None (not theirs to score)
    round: str | None = None


@dataclass
class Evening:
    slots: list[Slot]
    now: Slot | None  # on stage
    next: Slot | None
    previous: Slot | None
    stamp: str  # changes whenever the stage or the order changes


def has_running_order(cycle: Cycle) -> bool:
    return cycle.award_type.workflow.has_running_order and db.session.scalar(
        select(Performance.id).where(Performance.cycle_id == cycle.id).limit(1)) is not None


def _check_may(actor, cycle: Cycle) -> None:
    if not permissions.may_set_running_order(actor, cycle):
        raise Forbidden("running_order.managers_only",
                        N_("Only the secretariat and the cycle's chair set the running order and call the stage."))


def candidates(cycle: Cycle) -> list[tuple[int, str]]:
    """The cycle's eligible nominations with their candidate's name, by id:
    the ones that may perform."""
    return list(db.session.execute(with_candidate_name(Nomination.id).where(
        Nomination.cycle_id == cycle.id, Nomination.state == "eligible").order_by(Nomination.id)).all())


def performances(cycle: Cycle) -> list[Performance]:
    return list(db.session.scalars(select(Performance).where(Performance.cycle_id == cycle.id)
                                   .order_by(Performance.position, Performance.id)))


def _on_stage(rows: list[Performance]) -> Performance | None:
    called = [p for p in rows if p.on_stage_at is not None]
    return max(called, key=lambda p: (p.on_stage_at, p.id)) if called else None


def set_order(actor, cycle: Cycle, rows: list[tuple[str, str, str]]) -> list[Performance]:
    """Set the running order: rows of (nomination id, position, title) as
    typed. Every eligible nomination of the cycle gets a position, each a
    different whole number from 1 (gaps close up: the positions are stored
    1, 2, 3...); the title is optional. A performance already called keeps
    its call: who is on stage does not change with the order. Refusals at
    their field (OrderErrors): running_order.position_missing,
    running_order.position_number, running_order.position_taken,
    running_order.title_long, running_order.not_in_cycle,
    running_order.not_eligible, running_order.incomplete; running_order.not_now
    (Refusal) outside screening and judging."""
    _check_may(actor, cycle)
    cycle = transitions.lock_row(Cycle, cycle.id)
    if cycle.state not in ORDER_STATES:
        raise Refusal([{"rule": "running_order.not_now",
                        "message": N_("The running order is set from screening until the end of judging.")}])
    nominations = {n.id: n for n in db.session.scalars(select(Nomination).where(
        Nomination.id.in_([int(r[0]) for r in rows if str(r[0]).isdigit()])))}
    eligible = {nid for nid, _ in candidates(cycle)}
    problems: list[ServiceError] = []
    taken: dict[int, int] = {}
    chosen: list[tuple[int, int, str | None]] = []
    for raw_id, raw_position, raw_title in rows:
        nid = int(raw_id) if str(raw_id).isdigit() else None
        nomination = nominations.get(nid)
        field = f"position-{raw_id}"
        if nomination is None or nomination.cycle_id != cycle.id:
            problems.append(ServiceError("running_order.not_in_cycle",
                                         N_("This nomination is not one of this cycle's."), field=field))
            continue
        if nid not in eligible:
            problems.append(ServiceError("running_order.not_eligible",
                                         N_("Only an eligible nomination performs; this one is not (or no longer)."),
                                         field=field))
            continue
        text = (raw_position or "").strip()
        title = (raw_title or "").strip() or None
        if title is not None and len(title) > TITLE_MAX:
            problems.append(ServiceError("running_order.title_long",
                                         Message(N_("A title of at most %(n)s characters."), n=TITLE_MAX),
                                         field=f"title-{nid}"))
        if not text:
            problems.append(ServiceError("running_order.position_missing",
                                         N_("Give this performance its place in the order."), field=field))
            continue
        if not text.isdigit() or int(text) < 1:
            problems.append(ServiceError("running_order.position_number",
                                         N_("A place is a whole number from 1."), field=field))
            continue
        position = int(text)
        if position in taken:
            problems.append(ServiceError("running_order.position_taken",
                                         Message(N_("Place %(n)s is taken twice: give each performance its own."),
                                                 n=position), field=field))
            first = f"position-{taken[position]}"
            if not any(p.field == first and p.rule == "running_order.position_taken" for p in problems):
                problems.append(ServiceError("running_order.position_taken",
                                             Message(N_("Place %(n)s is taken twice: give each performance its "
                                                        "own."), n=position), field=first))
            continue
        taken[position] = nid
        chosen.append((position, nid, title))
    listed = {int(r[0]) for r in rows if str(r[0]).isdigit()}
    for nid in sorted(eligible - listed):
        problems.append(ServiceError("running_order.incomplete",
                                     N_("A nomination became eligible since the page was opened: give it a place too."),
                                     field=f"position-{nid}"))
    if problems:
        raise OrderErrors(problems)
    existing = {p.nomination_id: p for p in performances(cycle)}
    kept = {nid for _, nid, _ in chosen}
    gone = [p.id for nid, p in existing.items() if nid not in kept]
    if gone:
        db.session.execute(delete(Performance).where(Performance.id.in_(gone)))
    result = []
    for place, (_, nid, title) in enumerate(sorted(chosen), start=1):
        row = existing.get(nid)
        if row is None:
            row = Performance(cycle_id=cycle.id, nomination_id=nid, position=place, title=title)
            db.session.add(row)
        else:
            row.position, row.title = place, title
        result.append(row)
    db.session.flush()
    # Ids only: which nomination performs in which place (titles are the page's, not the record's).
    audit.record(actor, "running_order.set", cycle,
                 {"order": [p.nomination_id for p in result], "removed": sorted(
                     nid for nid in existing if nid not in kept)}, cycle_id=cycle.id)
    return result


def call(actor, cycle: Cycle, direction: str, *, seen: int | None = None) -> Performance:
    """Call the next performance on stage, or back to the previous one.
    ``seen``: the performance on stage when the caller pressed (0: none);
    if the stage moved since, nothing is called (edit.stale), so two
    presses at once do not skip a performance."""
    _check_may(actor, cycle)
    if direction not in DIRECTIONS:
        raise ServiceError("running_order.direction", N_("Call the next performance or the previous one."))
    cycle = transitions.lock_row(Cycle, cycle.id)
    if cycle.state not in STAGE_STATES:
        raise Refusal([{"rule": "running_order.stage_not_now",
                        "message": N_("Performances are called on stage while the panel judges.")}])
    rows = performances(cycle)
    if not rows:
        raise Refusal([{"rule": "running_order.empty", "message": N_("Set the running order first.")}])
    current = _on_stage(rows)
    if seen is not None and seen != (current.id if current else 0):
        raise Refusal([{"rule": "edit.stale",
                        "message": N_("The stage moved in the meantime: here is who is on stage now.")}])
    if current is None:
        if direction == "previous":
            raise Refusal([{"rule": "running_order.at_start",
                            "message": N_("No performance has been on stage yet.")}])
        target = rows[0]
    else:
        index = rows.index(current) + (1 if direction == "next" else -1)
        if index >= len(rows):
            raise Refusal([{"rule": "running_order.at_end", "message": N_("That was the last performance.")}])
        if index < 0:
            raise Refusal([{"rule": "running_order.at_start", "message": N_("This is the first performance.")}])
        target = rows[index]
    target.on_stage_at = datetime.now(UTC)
    db.session.flush()
    audit.record(actor, "running_order.on_stage", target,
                 {"nomination_id": target.nomination_id, "position": target.position, "direction": direction,
                  "from_nomination_id": current.nomination_id if current else None}, cycle_id=cycle.id)
    return target


def evening(reader, cycle: Cycle, *, as_judge: bool) -> Evening:
    """The running order as ``reader`` sees it: on stage now, next, previous.
    As a judge: each slot with the state of their own sheet for it; a
    performance a conflict hides from them keeps its place, without its
    candidate or title (they see it in the hall, not in the app)."""
    names = dict(db.session.execute(with_candidate_name(Nomination.id).join(
        Performance, Performance.nomination_id == Nomination.id).where(Performance.cycle_id == cycle.id)).all())
    rows = performances(cycle)
    hidden: set[int] = set()
    sheets: dict[int, tuple[str, str]] = {}
    if as_judge and rows:
        ids = [p.nomination_id for p in rows]
        hidden = set(db.session.scalars(select(Nomination.id).where(
            Nomination.id.in_(ids), permissions.hides(reader.id, Nomination.id))))
        # The latest sheet of the judge's for each (the final round's after the shortlist's).
        for nid, state, round_ in db.session.execute(
                select(Assignment.nomination_id, Assignment.sheet_state, Assignment.round)
                .where(Assignment.judge_id == reader.id, Assignment.nomination_id.in_(ids))
                .order_by(Assignment.id)):
            if nid not in hidden:
                sheets[nid] = (state, round_)
    slots = []
    for p in rows:
        secret = p.nomination_id in hidden
        state, round_ = sheets.get(p.nomination_id, (None, None))
        slots.append(Slot(p.id, p.nomination_id, p.position, None if secret else p.title,
                          None if secret else names.get(p.nomination_id), secret, state, round_))
    current = _on_stage(rows)
    now = next((s for s in slots if current is not None and s.performance_id == current.id), None)
    index = slots.index(now) if now is not None else -1
    upcoming = slots[index + 1] if index + 1 < len(slots) else None
    before = slots[index - 1] if index > 0 else None
    stamp = f"{current.id if current else 0}-{current.on_stage_at.timestamp() if current else 0}-{len(rows)}"
    return Evening(slots, now, upcoming, before, stamp)
