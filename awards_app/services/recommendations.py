"""The panel's result: scores aggregated by the cycle's declared method, and
the chair's recommendation with its rationale."""

from datetime import UTC, datetime

from sqlalchemy import and_, exists, select

from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest, Cycle, Nomination, Recommendation, Score, TieVote
from awards_app.services import N_, Forbidden, Refusal, ServiceError, audit, facts, rounds, transitions
from awards_app.services import panels as panel_service
from judging import aggregation

DEFAULT_METHOD = "weighted_mean"


def criteria_of(cycle: Cycle, rows: list[dict] | None = None, round: str = rounds.FINAL) -> list:
    """The aggregation's criteria: the round's, or those of a rubric given as
    rows (services.rubric.as_rows: the rubric in force at an earlier step)."""
    if rows is not None:
        return [aggregation.Criterion(code=r["code"], weight=r["weight"], scale_min=r["scale_min"],
                                      scale_max=r["scale_max"]) for r in rows]
    return [aggregation.Criterion(code=c.code, weight=c.weight, scale_min=c.scale_min,
                                  scale_max=c.scale_max) for c in cycle.criteria_of(round)]


def submitted_sheets(cycle: Cycle, round: str = rounds.FINAL) -> list:
    """Every submitted sheet of the round, except any by a judge with a
    confirmed conflict on that nomination. The aggregation reads nothing
    else, so such scores cannot enter a result, whoever forgets what."""
    confirmed = exists().where(and_(ConflictOfInterest.judge_id == Assignment.judge_id,
                                    ConflictOfInterest.nomination_id == Assignment.nomination_id,
                                    ConflictOfInterest.status == "confirmed"))
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.nomination_id, Score.criterion_id, Score.value)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .join(Score, Score.assignment_id == Assignment.id)
        .where(Nomination.cycle_id == cycle.id, Assignment.round == round, Assignment.sheet_state == "submitted",
               ~confirmed)
        .order_by(Assignment.nomination_id, Assignment.judge_id)).all()
    codes = {c.id: c.code for c in cycle.criteria_of(round)}
    sheets: dict = {}
    for judge_id, nomination_id, criterion_id, value in rows:
        sheets.setdefault((judge_id, nomination_id), {})[codes[criterion_id]] = value
    return [aggregation.Sheet(judge_id=j, nomination_id=n, scores=s) for (j, n), s in sheets.items()]


def _aggregation_settings(cycle: Cycle, stored: dict | None = None) -> dict:
    """The cycle's settings["aggregation"]: method, trim, tie_break chain,
    resamples, seed and panel votes, as the secretariat declared them (or as
    ``stored``, the cycle's settings at an earlier step, held them)."""
    if stored is not None:
        return dict(cycle.award_type.workflow.setting(stored, "aggregation") or {})
    return dict(cycle.setting("aggregation") or {})


def latest_tie_vote(cycle: Cycle) -> TieVote | None:
    return db.session.scalar(select(TieVote).where(TieVote.cycle_id == cycle.id).order_by(TieVote.id.desc()))


def settings_of(cycle: Cycle, *, with_tie_vote: bool = True, stored: dict | None = None) -> dict:
    """The aggregation's settings: the declared ones, the cycle's laureates
    and, as ``panel_votes``, the counts of the panel's latest recorded tie
    vote (services.ties), so every ranking, the report's replay included,
    breaks the tie the way the panel voted. ``stored``: the cycle's settings
    as they stood at an earlier step (the replay's)."""
    declared = _aggregation_settings(cycle, stored)
    declared.pop("method", None)
    if not with_tie_vote:
        declared.pop("panel_votes", None)
    vote = latest_tie_vote(cycle) if with_tie_vote else None
    if vote is not None:
        declared.update(panel_votes={int(n): count for n, count in vote.votes.items()})
    laureates = cycle.max_laureates if stored is None else cycle.award_type.workflow.setting(stored, "max_laureates")
    return {"seed": cycle.id, **declared, "laureates": laureates}


def method_of(cycle: Cycle, stored: dict | None = None) -> str:
    return _aggregation_settings(cycle, stored).get("method", DEFAULT_METHOD)


def entry_as_json(entry) -> dict:
    """An entry as stored with the recommendation (JSON)."""
    return {"nomination_id": entry.nomination_id, "rank": entry.rank, "score": entry.score,
            "n_judges": entry.n_judges, "per_criterion_means": dict(entry.per_criterion_means),
            "tie_break": entry.tie_break, "confidence_top_k": entry.confidence_top_k}


def rank(cycle: Cycle, method: str | None = None, *, with_tie_vote: bool = True):
    return aggregation.rank(criteria_of(cycle), submitted_sheets(cycle), method or method_of(cycle),
                            settings_of(cycle, with_tie_vote=with_tie_vote))


def rank_from_sheets(cycle: Cycle, sheet_dicts: list[dict]):
    """The same ranking from sheets given as plain dicts (the audit trail's record)."""
    if not sheet_dicts:
        return None
    sheets = [aggregation.Sheet(judge_id=s["judge_id"], nomination_id=s["nomination_id"],
                                scores=s["scores"]) for s in sheet_dicts]
    return aggregation.rank(criteria_of(cycle), sheets, method_of(cycle), settings_of(cycle))


def save_deliberation_notes(actor, cycle: Cycle, notes: str | None) -> None:
    """The chair's working notes of the panel's deliberation, kept on the
    cycle. The audit event records that they changed and their length, not
    their text: notes are the panel's, the trail is the board's."""
    if not panel_service.is_chair(actor, cycle):
        raise Forbidden("deliberation.chair_only", N_("Only the panel's chair keeps the deliberation notes."))
    cycle.deliberation_notes = notes
    db.session.flush()
    audit.record(actor, "deliberation.notes_saved", cycle,
                 {"length": len(notes or ""), "at": datetime.now(UTC).isoformat()}, cycle_id=cycle.id)


def recommend(actor, cycle: Cycle, rationale: str, laureate_ids: list[int] | None = None) -> Recommendation:
    """The chair recommends, with a written rationale. By default the
    laureates are the top of the declared method's ranking, a tie at the
    boundary broken by the declared chain (the panel's recorded vote among
    its steps). Named laureates, while a tie stays unresolved, may only add
    tied nominations to those certainly in the top."""
    if not panel_service.is_chair(actor, cycle):
        raise Forbidden("recommendation.chair_only", N_("Only the panel's chair recommends."))
    if cycle.state != "deliberation":
        raise Refusal([{"rule": "recommendation.not_in_deliberation",
                         "message": N_("The panel recommends once scoring has closed.")}])
    if not (rationale or "").strip():
        raise ServiceError("recommendation.rationale_required", N_("Write the panel's rationale."),
                           field="rationale")
    if facts.current_recommendation(cycle) is not None:
        raise Refusal([{"rule": "recommendation.pending",
                        "message": N_("A recommendation is already before the board.")}])
    result = rank(cycle)
    if laureate_ids is None:
        if result.unresolved_tie:
            raise Refusal([{"rule": "recommendation.unresolved_tie",
                             "message": N_("A tie at the last laureate place is not broken by the declared "
                                        "chain: record the panel's vote on the tie's page.")}])
        laureate_ids = list(result.laureates)
    elif result.unresolved_tie and not (set(result.laureates) <= set(laureate_ids)
                                        <= set(result.laureates) | set(result.boundary_tie)):
        raise ServiceError("recommendation.only_among_tied",
                           N_("Only the nominations tied at the last laureate place may be chosen between; "
                              "the others keep their place in the ranking."))
    ranked_ids = {e.nomination_id for e in result.entries}
    if not laureate_ids or not set(laureate_ids) <= ranked_ids:
        raise ServiceError("recommendation.laureates", N_("Choose laureates among the ranked nominations."))
    recommendation = Recommendation(
        cycle=cycle, kind="panel", status="pending", method=result.method, created_by_id=actor.id,
        rationale=rationale.strip(),
        ranking=[entry_as_json(e) for e in result.entries],
        laureate_nomination_ids=list(laureate_ids), inputs_hash=result.inputs_hash)
    db.session.add(recommendation)
    db.session.flush()
    for nomination in db.session.scalars(select(Nomination).where(Nomination.id.in_(laureate_ids))):
        transitions.fire_nomination_event(actor, nomination, "select", facts.nomination_facts(nomination),
                                          as_role="chair")
    audit.record(actor, "recommendation.made", recommendation,
                 {"method": result.method, "laureates": list(laureate_ids), "inputs_hash": result.inputs_hash,
                  "rationale": recommendation.rationale,
                  "tie_breaks": [{"nominations": list(t.nomination_ids), "step": t.step, "detail": t.detail}
                                 for t in result.tie_breaks]},
                 cycle_id=cycle.id)
    transitions.fire_cycle_event(actor, cycle, "recommend", as_role="chair")
    return recommendation


def withdraw(actor, cycle: Cycle, reason: str) -> Recommendation:
    """Withdraw the proposal awaiting the board (a conflict of interest was
    confirmed after it was made): it stays in the record, marked withdrawn
    with the reason; its board votes stay too but no longer count (they are
    votes on the withdrawn proposal); its laureates go back to eligible and
    the cycle to deliberation, where the panel recommends again on the
    sheets that remain. The chair or the secretariat, through the cycle's
    own guards (withdraw_recommendation)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("recommendation.withdraw_reason_required",
                           N_("Give the reason the recommendation is withdrawn."), field="reason")
    cycle = transitions.lock_row(Cycle, cycle.id)
    recommendation = facts.current_recommendation(cycle)
    if (recommendation is None or recommendation.status != "pending"
            or cycle.state not in cycle.award_type.workflow.awaiting_ratification_states):
        raise Refusal([{"rule": "recommendation.not_awaiting",
                        "message": N_("No recommendation awaits the board on this cycle.")}])
    recommendation.status = "withdrawn"
    recommendation.closed_at = datetime.now(UTC)
    recommendation.closed_reason = reason
    db.session.flush()
    transitions.fire_cycle_event(actor, cycle, "withdraw_recommendation", reason=reason)
    for nomination in db.session.scalars(select(Nomination).where(
            Nomination.id.in_(recommendation.laureate_nomination_ids), Nomination.state == "recommended")):
        transitions.fire_nomination_event(actor, nomination, "deselect", facts.nomination_facts(nomination),
                                          reason=reason)
    audit.record(actor, "recommendation.withdrawn", recommendation,
                 {"reason": reason, "laureates": list(recommendation.laureate_nomination_ids),
                  "void_votes": facts.vote_counts(recommendation)}, cycle_id=cycle.id)
    return recommendation
