"""Gathers everything the board's audit report of one cycle shows."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    AuditEvent,
    BoardVote,
    ConflictOfInterest,
    Cycle,
    Nomination,
    Score,
    User,
)
from awards_app.services import audit, decisions, panels


@dataclass
class CycleReport:
    cycle: Cycle
    timeline: list = field(default_factory=list)
    members: list = field(default_factory=list)
    expertise: dict = field(default_factory=dict)
    conflicts: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    nominations: dict = field(default_factory=dict)
    matrix: dict | None = None  # {(nomination_id, judge_id): {criterion_code: value}} after ratification
    judges: list = field(default_factory=list)
    recommendation: object = None
    decision: object = None
    votes: list = field(default_factory=list)
    replay: dict | None = None
    chain_ok: bool = False
    chain_count: int = 0
    head_hash: str = ""
    chain_problem: str | None = None
    distribution_chart: object = None
    severity_chart: object = None


def build(cycle: Cycle) -> CycleReport:
    report = CycleReport(cycle=cycle)
    report.timeline = db.session.scalars(
        select(AuditEvent).where(AuditEvent.cycle_id == cycle.id,
                                 AuditEvent.action.in_(("cycle.created", "cycle.transition",
                                                        "cycle.odd_year_override", "cycle.hearing_held",
                                                        "decision.ratified", "decision.amended")))
        .order_by(AuditEvent.seq)).all()
    panel = panels.panel_of(cycle)
    report.members = panel.members if panel else []
    report.expertise = panels.expertise_of([m.user_id for m in report.members])
    report.conflicts = db.session.scalars(
        select(ConflictOfInterest).join(Nomination).where(Nomination.cycle_id == cycle.id)
        .options(selectinload(ConflictOfInterest.judge).selectinload(User.person))
        .order_by(ConflictOfInterest.id)).all()
    report.nominations = {n.id: n for n in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id))}
    report.assignments = db.session.scalars(
        select(Assignment).join(Nomination).where(Nomination.cycle_id == cycle.id)
        .options(selectinload(Assignment.judge).selectinload(User.person))
        .order_by(Assignment.nomination_id, Assignment.judge_id)).all()
    report.recommendation = decisions.current_recommendation(cycle)
    report.decision = decisions.final_decision(cycle)
    if report.recommendation is not None:
        report.votes = db.session.scalars(select(BoardVote).where(
            BoardVote.recommendation_id == report.recommendation.id).order_by(BoardVote.id)).all()
    if report.decision is not None:
        report.matrix, report.judges = _score_matrix(cycle, report.assignments)
        report.replay = _replay(cycle, report)
        _charts(cycle, report)
    report.chain_ok, report.chain_count, report.head_hash, report.chain_problem = audit.verify_chain()
    return report


def _score_matrix(cycle: Cycle, assignments):
    """Shown only after ratification, when it can no longer sway anyone."""
    codes = {c.id: c.code for c in cycle.criteria}
    scores = db.session.scalars(select(Score).where(
        Score.assignment_id.in_([a.id for a in assignments if a.sheet_state == "submitted"]))).all()
    by_assignment = {a.id: a for a in assignments}
    matrix: dict = {}
    for s in scores:
        a = by_assignment[s.assignment_id]
        matrix.setdefault((a.nomination_id, a.judge_id), {})[codes[s.criterion_id]] = s.value
    judges = sorted({a.judge for a in assignments if a.sheet_state == "submitted"}, key=lambda u: u.name)
    return matrix, judges


def submitted_scores_from_audit(cycle: Cycle) -> list[dict]:
    """The scores as the audit trail recorded them at submission, the last
    submission of each sheet winning (a reopened sheet is submitted again)."""
    latest: dict = {}
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.cycle_id == cycle.id, AuditEvent.action.in_(("score.submitted", "score.reopened",
                                                                      "assignment.removed")))
            .order_by(AuditEvent.seq)):
        key = (event.payload["nomination_id"], event.payload["judge_id"])
        if event.action == "score.submitted":
            latest[key] = event.payload["scores"]
        else:
            latest.pop(key, None)
    return [{"nomination_id": n, "judge_id": j, "scores": s} for (n, j), s in sorted(latest.items())]


def _replay(cycle: Cycle, report: CycleReport) -> dict:
    """Recompute the recommendation from the scores in the audit trail and
    compare with what the board ratified."""
    from awards_app.services import recommendations

    from_audit = submitted_scores_from_audit(cycle)
    recomputed = recommendations.rank_from_sheets(cycle, from_audit)
    ratified = report.recommendation
    matches = (recomputed is not None and ratified is not None
               and list(recomputed.laureates) == list(ratified.laureate_nomination_ids)
               and recomputed.inputs_hash == ratified.inputs_hash)
    # The score rows as stored now, against the scores as submitted: a row
    # changed behind the application's back shows here.
    stored = {(s.nomination_id, s.judge_id): dict(s.scores) for s in recommendations.submitted_sheets(cycle)}
    submitted = {(s["nomination_id"], s["judge_id"]): s["scores"] for s in from_audit}
    return {"matches": matches, "recomputed": recomputed, "inputs_hash": report.decision.inputs_hash,
            "stored_scores_match": stored == submitted,
            "changed_sheets": sorted(k for k in stored.keys() | submitted.keys()
                                     if stored.get(k) != submitted.get(k))}


def _charts(cycle: Cycle, report: CycleReport) -> None:
    from awards_app import aggregation
    from awards_app.reports import charts
    from awards_app.services import recommendations

    criteria = recommendations.criteria_of(cycle)
    sheets = recommendations.submitted_sheets(cycle)
    if not sheets:
        return
    totals: dict = {}
    for s in sheets:
        totals.setdefault(s.nomination_id, []).append(aggregation.sheet_total(criteria, s.scores))
    report.distribution_chart = charts.dot_plot(
        [(report.nominations[n].candidate, v) for n, v in sorted(totals.items())], "Score distribution")
    names = {j.id: j.name for j in report.judges}
    report.severity_chart = charts.offset_bars(
        [(names.get(j, j), v) for j, v in sorted(aggregation.judge_severity(criteria, sheets).items())],
        "Judge severity")
