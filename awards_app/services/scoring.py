"""Score sheets: a judge's scores for one nomination, saved as a draft,
then submitted and locked. Only the chair reopens a locked sheet, with a
reason on the record."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, null, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

import workflows
from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Assignment, Criterion, Cycle, Nomination, Performance, Score, User
from awards_app.services import N_, Forbidden, Message, NotFound, Refusal, ServiceError, audit
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service


class SheetErrors(ServiceError):
    """Field-level problems, {criterion_code: [messages]}; nothing was saved."""

    def __init__(self, errors: dict):
        super().__init__("scoring.invalid", "Some scores need attention.")
        self.errors = errors


@dataclass
class ScoreSheet:
    """A judge's score sheet as they open it: the nomination, their
    assignment (the sheet's state and version) and whether they attested."""

    nomination: Nomination
    assignment: Assignment
    attested: bool  # the judge has stated no conflict with this nomination
    next_id: int | None = None  # the nomination of the judge's next open sheet (next_open_sheet)


# What the sheet shows beside the scores, joined into the one statement that
# finds the sheet (the criteria follow in one more).
_SHEET_LOADS = (
    joinedload(Nomination.cycle).joinedload(Cycle.award_type),
    joinedload(Nomination.cycle).selectinload(Cycle.criteria),
    joinedload(Nomination.nominator).joinedload(User.person),
    joinedload(Nomination.nominator).lazyload(User.role_rows),
    joinedload(Nomination.candidate_person),
    joinedload(Nomination.candidate_delegation),
    joinedload(Nomination.candidate_organisation),
)


def sheet_for(judge, nomination_id: int, *, with_next: bool = False, round: str | None = None) -> ScoreSheet:
    """The judge's sheet for this nomination: of ``round``, by default of the
    latest round they were given it in; NotFound when there is none or a
    conflict hides the nomination from them (the same answer as a missing id).
    with_next: also the judge's next open sheet (the page's link; the API
    and the scoring itself need not look for it)."""
    next_open = _next_open(judge.id, nomination_id) if with_next else null()
    statement = (
        select(Nomination, Assignment, permissions.attested(judge.id, Nomination.id), next_open)
        .join(Assignment, and_(Assignment.nomination_id == Nomination.id, Assignment.judge_id == judge.id))
        .where(Nomination.id == nomination_id, ~conflict_service.hides(judge.id, Nomination.id))
        .order_by(Assignment.id.desc()).limit(1).options(*_SHEET_LOADS))
    if round is not None:
        statement = statement.where(Assignment.round == round)
    row = db.session.execute(statement).first()
    if row is None:
        raise NotFound("score sheet")
    return ScoreSheet(*row)


def criteria_of(assignment: Assignment) -> list[Criterion]:
    """The criteria the sheet is scored on: its round's."""
    return assignment.nomination.cycle.criteria_of(assignment.round)


def scores_of(assignment: Assignment) -> dict[int, Score]:
    return {s.criterion_id: s for s in db.session.scalars(
        select(Score).where(Score.assignment_id == assignment.id))}


def scores_by_sheet(assignments) -> dict[int, dict[int, Score]]:
    """{assignment id: {criterion id: score}} for several sheets in one statement."""
    by_sheet: dict[int, dict[int, Score]] = {a.id: {} for a in assignments}
    for s in db.session.scalars(select(Score).where(Score.assignment_id.in_(list(by_sheet)))):
        by_sheet[s.assignment_id][s.criterion_id] = s
    return by_sheet


def _can_score(assignment: Assignment, *, hidden: bool, attested: bool) -> None:
    """Ask the award's workflow whether this judge may score now, with the
    facts read under the sheet's lock."""
    cycle = assignment.nomination.cycle
    wf = cycle.award_type.workflow
    facts = workflows.NominationFacts(settings=cycle.settings, cycle_state=cycle.state, sheet_round=assignment.round,
                                      judge_has_unresolved_conflict=hidden, judge_has_attested=attested)
    refusals = [r for r in wf.can_score(facts) if not r.ok]
    if refusals:
        raise Refusal([{"rule": r.rule, "message": r.message} for r in refusals])


def _problem(rule: str, template: str, **values) -> Message:
    """A score's problem: its message, which also carries its rule id."""
    message = Message(template, **values)
    message.rule = rule
    return message


# A score is on the scale's steps when it is this close to one (0.1 steps are not exact in binary).
STEP_TOLERANCE = 1e-9


def on_step(c: Criterion, number: float) -> bool:
    steps = (number - c.scale_min) / (c.scale_step or 1)
    return abs(steps - round(steps)) < STEP_TOLERANCE * max(1.0, abs(steps))


def scale_points(c: Criterion) -> list[float]:
    """Every score the criterion's scale allows, lowest first."""
    step = c.scale_step or 1
    count = round((c.scale_max - c.scale_min) / step)
    return [round(c.scale_min + k * step, 9) for k in range(count + 1)]


def _parse(criteria: list[Criterion], raw: dict, *, complete: bool):
    """raw: {criterion_code: (value text or number, comment)}. Returns
    ({criterion_id: (value, comment)}, errors); each error's ``rule`` names
    its rule (scoring.required, scoring.number, scoring.range, scoring.step,
    scoring.comment_required)."""
    parsed, errors = {}, {}
    for c in criteria:
        value, comment = raw.get(c.code, (None, ""))
        comment = (comment or "").strip()
        if value is None or str(value).strip() == "":
            if complete:
                errors.setdefault(c.code, []).append(_problem("scoring.required", N_("Give a score.")))
            continue
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            errors.setdefault(c.code, []).append(_problem("scoring.number", N_("Enter a number.")))
            continue
        if number != number or not c.scale_min <= number <= c.scale_max:  # NaN fails too
            errors.setdefault(c.code, []).append(_problem(
                "scoring.range", N_("Enter a score from %(low)s to %(high)s."), low=c.scale_min, high=c.scale_max))
            continue
        if not on_step(c, number):
            step = c.scale_step
            errors.setdefault(c.code, []).append(_problem(
                "scoring.step", N_("Scores on this criterion go in steps of %(step)s from %(low)s."),
                step=int(step) if float(step).is_integer() else step, low=c.scale_min))
            continue
        if complete and c.comment_required and not comment:
            errors.setdefault(c.code, []).append(_problem("scoring.comment_required",
                                                          N_("A comment is required for this criterion.")))
            continue
        parsed[c.id] = (number, comment)
    return parsed, errors


def _write(assignment: Assignment, parsed: dict) -> None:
    existing = scores_of(assignment)
    for criterion_id, (value, comment) in parsed.items():
        row = existing.get(criterion_id)
        if row is None:
            db.session.add(Score(assignment=assignment, criterion_id=criterion_id, value=value,
                                 comment=comment))
        else:
            row.value, row.comment = value, comment


def _check_open(assignment: Assignment, expected_version: int | None) -> None:
    if assignment.sheet_state != "open":
        raise Refusal([{"rule": "scoring.locked",
                         "message": N_("These scores are submitted and locked; only the chair can reopen them.")}])
    if expected_version is not None and expected_version != assignment.version:
        raise Refusal([{"rule": "edit.stale",
                         "message": N_("This sheet changed in the meantime; reload and try again.")}])


def _lock(assignment: Assignment) -> Assignment:
    return db.session.execute(select(Assignment).where(Assignment.id == assignment.id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()


def _lock_for_scoring(judge, assignment: Assignment) -> tuple[Assignment, bool, bool]:
    """The sheet locked, with whether a conflict now hides its nomination from
    the judge and whether they attested, read under the same lock."""
    nomination_id = Assignment.nomination_id
    row = db.session.execute(
        select(Assignment, conflict_service.hides(judge.id, nomination_id),
               permissions.attested(judge.id, nomination_id))
        .where(Assignment.id == assignment.id)
        .with_for_update(of=Assignment).execution_options(populate_existing=True)).one()
    return row[0], bool(row[1]), bool(row[2])


def save_draft(judge, assignment: Assignment, raw: dict, *, expected_version: int | None = None) -> None:
    assignment, hidden, attested = _lock_for_scoring(judge, assignment)
    _can_score(assignment, hidden=hidden, attested=attested)
    _check_open(assignment, expected_version)
    parsed, errors = _parse(criteria_of(assignment), raw, complete=False)
    if errors:
        raise SheetErrors(errors)
    _write(assignment, parsed)
    db.session.flush()
    audit.record(judge, "score.draft_saved", assignment,
                 {"nomination_id": assignment.nomination_id, "criteria": len(parsed)},
                 cycle_id=assignment.nomination.cycle_id)


def submit(judge, assignment: Assignment, raw: dict, *, expected_version: int | None = None) -> None:
    """Every criterion scored (and commented where required), then locked.
    The submitted scores go into the audit trail, so the result can be
    recomputed from the trail alone."""
    assignment, hidden, attested = _lock_for_scoring(judge, assignment)
    _can_score(assignment, hidden=hidden, attested=attested)
    _check_open(assignment, expected_version)
    criteria = criteria_of(assignment)
    parsed, errors = _parse(criteria, raw, complete=True)
    if errors:
        raise SheetErrors(errors)
    _write(assignment, parsed)
    assignment.sheet_state = "submitted"
    assignment.submitted_at = datetime.now(UTC)
    try:
        db.session.flush()
    except StaleDataError:  # another submission won; the caller rolls back
        raise Refusal([{"rule": "scoring.locked", "message": N_("These scores were just submitted.")}]) from None
    by_id = {c.id: c.code for c in criteria}
    audit.record(judge, "score.submitted", assignment,
                 {"nomination_id": assignment.nomination_id, "judge_id": judge.id, "round": assignment.round,
                  "scores": {by_id[cid]: value for cid, (value, _) in sorted(parsed.items())}},
                 cycle_id=assignment.nomination.cycle_id)


def reopen(actor, assignment: Assignment, reason: str) -> None:
    cycle = assignment.nomination.cycle
    if not panel_service.is_chair(actor, cycle):
        raise Forbidden("scoring.chair_only", N_("Only the panel's chair can reopen a submitted sheet."))
    if not (reason or "").strip():
        raise ServiceError("scoring.reopen_reason_required", N_("Give the reason for reopening."), field="reason")
    assignment = _lock(assignment)
    if assignment.sheet_state != "submitted":
        raise Refusal([{"rule": "scoring.not_submitted", "message": N_("This sheet is not submitted.")}])
    assignment.sheet_state = "open"
    assignment.submitted_at = None
    db.session.flush()
    audit.record(actor, "score.reopened", assignment,
                 {"nomination_id": assignment.nomination_id, "judge_id": assignment.judge_id, "round": assignment.round,
                  "reason": reason.strip()}, cycle_id=cycle.id)


def _next_open(judge_id: int, nomination_id: int):
    """The nomination of the judge's next sheet still open in the same cycle
    as this one, or NULL: a column of the statement that finds the sheet, not
    a statement of its own, in the round of the sheet it finds (Assignment,
    correlated). Where the cycle has a running order (the cultural evening),
    the next on stage after this one, then from the start of the order (a
    nomination without a place comes last); otherwise after this one by
    number, then from the start."""
    other, sheet, this = aliased(Nomination), aliased(Assignment), aliased(Nomination)
    cycle_id = select(this.cycle_id).where(this.id == nomination_id).scalar_subquery()
    here = aliased(Performance)
    this_place = select(here.position).where(here.nomination_id == nomination_id).scalar_subquery()
    # With no running order every place is NULL and the order falls to the numbers.
    place = Performance.position
    return (select(other.id).join(sheet, sheet.nomination_id == other.id)
            .outerjoin(Performance, Performance.nomination_id == other.id)
            .where(sheet.judge_id == judge_id, sheet.sheet_state == "open", sheet.round == Assignment.round,
                   other.cycle_id == cycle_id, other.id != nomination_id,
                   ~conflict_service.hides(judge_id, other.id))
            .order_by(place.is_(None), place < func.coalesce(this_place, 0), place,
                      other.id < nomination_id, other.id).limit(1).scalar_subquery())


def may_see_other_scores(judge, assignment: Assignment) -> bool:
    """Independence: others' scores stay hidden until this judge has
    submitted and the chair has opened deliberation."""
    cycle = assignment.nomination.cycle
    return assignment.sheet_state == "submitted" and cycle.award_type.workflow.results_visible(cycle.state)
