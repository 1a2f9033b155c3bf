"""Gathers everything the board's audit report of one cycle shows.

Sized for a cycle of 2,000 nominations x 3 judges (about 50,000 score rows):
the long lists are read as plain rows (Core tuples), not ORM objects, and
the scores are read once and serve the per-nomination totals, the replay's
comparison and the charts."""

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import (
    Assignment,
    AuditEvent,
    BoardVote,
    ConflictOfInterest,
    Cycle,
    Nomination,
    Person,
    Score,
    User,
)
from awards_app.reports import charts, checkpoint_check, scores_from_audit, shortlist_round
from awards_app.services import audit, decisions, panels, recommendations, rules_history
from awards_app.services import nominations as nomination_service
from judging import aggregation
from workflows.base import FINAL

TIMELINE_ACTIONS = ("cycle.created", "cycle.transition", "cycle.odd_year_override", "cycle.hearing_held",
                    "decision.ratified", "decision.amended")
# The distribution chart shows the head of the ranking: a dot plot of 2,000
# candidates is neither readable nor printable (it would be one 44,000-pixel
# picture that no PDF page can hold).
DISTRIBUTION_TOP = 25
# Judges per severity chart, so that each chart fits on one printed page.
SEVERITY_ROWS_PER_CHART = 35


@dataclass
class SheetLine:
    """One judge's sheet on one nomination, as the per-nomination table shows it."""

    judge: str
    fit: float
    state: str
    total: float | None = None  # the sheet's total on 0..100, after ratification only
    excluded: bool = False  # submitted, but a confirmed conflict keeps it out of the result


@dataclass
class NominationRow:
    nomination_id: int
    candidate: str
    state: str
    entry: dict | None = None  # its line of the recommendation's ranking
    sheets: list[SheetLine] = field(default_factory=list)


@dataclass
class CycleReport:
    cycle: Cycle
    timeline: list = field(default_factory=list)
    actors: dict = field(default_factory=dict)  # the timeline's user ids -> their names today
    members: list = field(default_factory=list)
    expertise: dict = field(default_factory=dict)
    conflicts: list = field(default_factory=list)
    candidates: dict = field(default_factory=dict)  # nomination id -> candidate's name
    rows: list[NominationRow] = field(default_factory=list)  # ranked first, in rank order
    recommendation: object = None
    decision: object = None
    votes: list = field(default_factory=list)
    replay: dict | None = None
    tie_vote: object = None  # the panel's latest recorded vote on a boundary tie
    chain: audit_chain.Verification | None = None
    checkpoint: checkpoint_check.CheckpointCheck | None = None
    distribution_chart: object = None
    distribution_count: int = 0  # candidates in the distribution chart
    severity_charts: list = field(default_factory=list)
    shortlist: object = None  # the shortlist round (reports.shortlist_round), where the cycle had one
    _labels: dict = field(default_factory=dict, repr=False)

    def state_label(self, code: str) -> str:
        """labels.state_label, looked up once per code: the nominations
        table asks about 8,000 times for a handful of codes."""
        if code not in self._labels:
            self._labels[code] = labels.state_label(code)
        return self._labels[code]

    @property
    def laureates(self) -> list[str]:
        """The laureates in force: the latest decision's, else those recommended."""
        source = self.decision or self.recommendation
        return [self.candidates[n] for n in source.laureate_nomination_ids] if source else []


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a report is built and
    drawn. The report allocates about a million short-lived containers (the
    score rows twice, sheets, table rows), and each allocation burst makes
    the collector walk the whole heap again although none of it is a cycle:
    half of the page's time at 2,000 nominations. Reference counting still
    frees everything; collection resumes afterwards. The switch is
    process-wide: another thread's request goes without collection for the
    second this lasts (a PDF: about ten)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(cycle: Cycle) -> CycleReport:
    report = CycleReport(cycle=cycle)
    report.timeline = db.session.scalars(
        select(AuditEvent).where(AuditEvent.cycle_id == cycle.id, AuditEvent.action.in_(TIMELINE_ACTIONS))
        .order_by(AuditEvent.seq)).all()
    # The log names a user by id (no personal data in its hashed form): the
    # name is read now, so an erased person shows as their pseudonym.
    report.actors = dict(db.session.execute(
        select(User.id, Person.name).join(Person, Person.id == User.person_id)
        .where(User.id.in_({e.actor_id for e in report.timeline if e.actor_id}))).all())
    panel = panels.panel_of(cycle, FINAL)
    report.members = panel.members if panel else []
    report.shortlist = shortlist_round.section(cycle)
    shortlisters = report.shortlist.members if report.shortlist else []
    report.expertise = panels.expertise_of([m.user_id for m in (*report.members, *shortlisters)])
    report.conflicts = db.session.scalars(
        select(ConflictOfInterest).join(Nomination).where(Nomination.cycle_id == cycle.id)
        .options(selectinload(ConflictOfInterest.judge).selectinload(User.person))
        .order_by(ConflictOfInterest.id)).all()
    report.candidates, states = _candidates(cycle)
    report.recommendation = decisions.standing_recommendation(cycle)
    report.decision = decisions.final_decision(cycle)
    if report.recommendation is not None:
        report.votes = db.session.scalars(select(BoardVote).where(
            BoardVote.recommendation_id == report.recommendation.id)
            .options(selectinload(BoardVote.user).selectinload(User.person)).order_by(BoardVote.id)).all()
    # Scores are shown only after ratification, when they can no longer sway anyone.
    sheets = recommendations.submitted_sheets(cycle) if report.decision is not None else []
    criteria = recommendations.criteria_of(cycle)
    totals = aggregation.sheet_totals(criteria, sheets)
    report.rows = _rows(cycle, report, states, totals)
    report.tie_vote = recommendations.latest_tie_vote(cycle)
    if report.decision is not None:
        report.replay = _replay(cycle, report, sheets)
        _charts(report, criteria, sheets, totals)
    # From the latest checkpoint of `flask audit verify`: the whole chain is
    # re-verified there (and by the bundle's standalone verifier), not on
    # every view of a report.
    report.chain = audit.chain_status()
    report.checkpoint = checkpoint_check.check(report.decision)
    return report


def _candidates(cycle: Cycle) -> tuple[dict, dict]:
    """({nomination id: candidate's name}, {nomination id: state}), in one query."""
    names, states = {}, {}
    for nomination_id, state, name in db.session.execute(
            nomination_service.with_candidate_name(Nomination.id, Nomination.state)
            .where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)):
        names[nomination_id], states[nomination_id] = name, state
    return names, states


def _rows(cycle: Cycle, report: CycleReport, states: dict, totals: dict) -> list[NominationRow]:
    """One row per nomination (drafts are the nominator's, not the cycle's):
    its judges with their fit and sheet, each judge's total and the aggregate."""
    rows = {n: NominationRow(n, report.candidates[n], state) for n, state in states.items() if state != "draft"}
    excluded = {(c.nomination_id, c.judge_id) for c in report.conflicts if c.status == "confirmed"}
    for nomination_id, judge_id, judge, fit, sheet_state in db.session.execute(
            select(Assignment.nomination_id, Assignment.judge_id, Person.name, Assignment.fit, Assignment.sheet_state)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .join(User, User.id == Assignment.judge_id).join(Person, Person.id == User.person_id)
            .where(Nomination.cycle_id == cycle.id, Assignment.round == FINAL)
            .order_by(Assignment.nomination_id, Person.name)):
        key = (nomination_id, judge_id)
        rows[nomination_id].sheets.append(SheetLine(
            judge=judge, fit=fit, state=sheet_state, total=totals.get(key),
            excluded=report.decision is not None and sheet_state == "submitted" and key in excluded))
    ranked = []
    for entry in report.recommendation.ranking if report.recommendation else []:
        row = rows.pop(entry["nomination_id"], None)
        if row is not None:
            row.entry = entry
            ranked.append(row)
    return ranked + list(rows.values())


def _replay(cycle: Cycle, report: CycleReport, stored_sheets: list) -> dict:
    """Recompute the recommendation from the scores in the audit trail and
    compare with what the board ratified; compare the scores stored today
    with those submitted."""
    from_audit = scores_from_audit.submitted(cycle)
    # The panel's recommendation the board ratified: an amendment after it is
    # a decision of its own, with no ranking to recompute.
    ratified = report.recommendation or report.decision.recommendation
    recomputed, digest = _recompute(cycle, from_audit, ratified)
    matches = (recomputed is not None and ratified is not None
               and list(recomputed.laureates) == list(ratified.laureate_nomination_ids)
               and digest == ratified.inputs_hash)
    # The score rows as stored now, against the scores as submitted: a row
    # changed behind the application's back shows here.
    stored = {(s.nomination_id, s.judge_id): dict(s.scores) for s in stored_sheets}
    submitted = {(s["nomination_id"], s["judge_id"]): s["scores"] for s in from_audit}
    return {"matches": matches, "recomputed": recomputed, "inputs_hash": report.decision.inputs_hash,
            "stored_scores_match": stored == submitted,
            "stored_rules_match": rules_history.for_replay(cycle, None)[2],
            "changed_sheets": sorted(k for k in stored.keys() | submitted.keys()
                                     if stored.get(k) != submitted.get(k))}


def _recommended_at(cycle: Cycle, recommendation) -> int | None:
    """The audit sequence number of the recommendation the board ratified."""
    if recommendation is None:
        return None
    return db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.cycle_id == cycle.id, AuditEvent.action == "recommendation.made",
        AuditEvent.object_id == str(recommendation.id)).order_by(AuditEvent.seq.desc()).limit(1))


def _recompute(cycle: Cycle, sheet_dicts: list[dict], ratified=None):
    """(the ranking, its inputs hash) from the sheets the audit trail recorded,
    with the rubric and the method in force when the panel recommended
    (services.rules_history: a change the board approved later does not
    rewrite it).

    The ranking runs without the bootstrap: the resamples only estimate each
    nomination's confidence, they change neither the laureates nor the
    scores, and at 2,000 nominations they cost seconds. The hash is computed
    separately with the declared settings, resamples included, because
    those are what the ratified hash covers."""
    if not sheet_dicts:
        return None, None
    stored, rows, _ = rules_history.for_replay(cycle, _recommended_at(cycle, ratified))
    criteria, method = recommendations.criteria_of(cycle, rows), recommendations.method_of(cycle, stored)
    declared = recommendations.settings_of(cycle, stored=stored)
    sheets = [aggregation.Sheet(judge_id=s["judge_id"], nomination_id=s["nomination_id"], scores=s["scores"])
              for s in sheet_dicts]
    ranking = aggregation.rank(criteria, sheets, method, {**declared, "resamples": 0})
    return ranking, aggregation.inputs_hash(criteria, sheets, method, declared)


def _charts(report: CycleReport, criteria: list, sheets: list, totals: dict) -> None:
    if not sheets:
        return
    per_nomination: dict = {}
    for (nomination_id, _judge), total in totals.items():
        per_nomination.setdefault(nomination_id, []).append(total)
    head = [row for row in report.rows if row.nomination_id in per_nomination][:DISTRIBUTION_TOP]
    report.distribution_count = len(head)
    report.distribution_chart = charts.dot_plot(
        [(row.candidate, per_nomination[row.nomination_id]) for row in head], "Score distribution")
    names = _judge_names(report, sheets)
    # Most severe first, and one scale for every chart, so that bars compare across charts.
    severity = sorted(aggregation.judge_severity(criteria, sheets).items(), key=lambda item: (item[1], item[0]))
    bars = [(names.get(j, j), v) for j, v in severity]
    span = charts.span_of(bars)
    report.severity_charts = [charts.offset_bars(bars[i:i + SEVERITY_ROWS_PER_CHART], "Judge severity", span)
                              for i in range(0, len(bars), SEVERITY_ROWS_PER_CHART)]


def _judge_names(report: CycleReport, sheets: list) -> dict:
    """Names of the judges who submitted sheets: all are panel members, but
    a judge may have left the panel after scoring."""
    names = {m.user_id: m.user.name for m in report.members}
    missing = {s.judge_id for s in sheets} - names.keys()
    if missing:
        names.update(db.session.execute(select(User.id, Person.name).join(Person, Person.id == User.person_id)
                                        .where(User.id.in_(missing))).all())
    return names


def score_rows(cycle: Cycle) -> tuple[list[str], list[tuple]] | None:
    """The full score matrix for the CSV export: (criterion codes, rows of
    nomination id, candidate, judge and one score per code), every submitted
    sheet. None before ratification: until then no reader sees scores."""
    if decisions.final_decision(cycle) is None:
        return None
    codes = [c.code for c in cycle.criteria]
    code_of = {c.id: c.code for c in cycle.criteria}
    candidates, _ = _candidates(cycle)
    sheets: dict = {}
    for nomination_id, judge_id, judge, criterion_id, value in db.session.execute(
            select(Assignment.nomination_id, Assignment.judge_id, Person.name, Score.criterion_id, Score.value)
            .select_from(Score).join(Assignment, Assignment.id == Score.assignment_id)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .join(User, User.id == Assignment.judge_id).join(Person, Person.id == User.person_id)
            .where(Nomination.cycle_id == cycle.id, Assignment.round == FINAL, Assignment.sheet_state == "submitted")):
        sheet = sheets.setdefault((nomination_id, judge_id), (judge, {}))
        sheet[1][code_of[criterion_id]] = value
    return codes, [(n, candidates[n], judge, [scores.get(c, "") for c in codes])
                   for (n, _j), (judge, scores) in sorted(sheets.items())]
