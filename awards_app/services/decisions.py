"""The board's ratification: votes on the panel's recommendation, and the
final decision, which is never edited (an amendment is a new decision that
references the old one)."""

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import select

import workflows
from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import BoardVote, Cycle, Decision, Nomination, Recommendation
from awards_app.models.decisions import VOTES
from awards_app.services import N_, Forbidden, Refusal, ServiceError, audit, facts, outbox, transitions
from awards_app.services.facts import current_recommendation, vote_counts  # noqa: F401 - the board reads them here


def _recommendation_awaits_board() -> tuple[str, ...]:
    """The states in which a panel's recommendation waits for the board's
    vote: wherever each scored award's ratifying event leaves from."""
    return tuple(dict.fromkeys(state for wf in workflows.REGISTRY.values() if wf.has_scoring
                               for state in wf.awaiting_ratification_states))


def awaiting_board() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).where(Cycle.state.in_(_recommendation_awaits_board()))
                                   .order_by(Cycle.id)))


def cast_vote(actor, recommendation: Recommendation, vote: str, reason: str | None = None) -> str | None:
    """Record one board member's vote; when the quorum and majority are met,
    the cycle is ratified at once. Returns the cycle's new state if it moved."""
    if not actor.has_role("board"):
        raise Forbidden("board.members_only", N_("Only Executive Committee members vote."))
    if vote not in VOTES:
        raise ServiceError("board.vote", N_("Approve, reject, abstain or recuse."), field="vote")
    if not permissions.may_vote(actor, recommendation, vote):
        raise Forbidden("board.conflicted", N_("You nominated, are, or have a conflict of interest with a "
                                               "recommended laureate: you may only recuse on this decision."))
    reason = (reason or "").strip() or None
    if vote == "reject" and not reason:
        raise ServiceError("board.reject_reason_required", N_("Give the reason for rejecting."), field="reason")
    # Votes on a cycle are cast one at a time: the same member voting twice
    # at once finds the first vote (board.already_voted, 409) instead of
    # failing on the unique constraint, and two members' votes cannot both
    # see the quorum unmet. Locked first, so what follows reads the latest.
    cycle = transitions.lock_row(Cycle, recommendation.cycle_id)
    if (cycle.state not in cycle.award_type.workflow.awaiting_ratification_states
            or current_recommendation(cycle).id != recommendation.id):
        raise Refusal([{"rule": "board.not_awaiting", "message": N_("This recommendation is not awaiting a vote.")}])
    closed = cycle.award_type.workflow.votes_refused(facts.cycle_facts(cycle))
    if closed:
        raise Refusal([{"rule": r.rule, "message": r.message} for r in closed])
    if db.session.scalar(select(BoardVote).where(BoardVote.recommendation_id == recommendation.id,
                                                 BoardVote.user_id == actor.id)):
        raise Refusal([{"rule": "board.already_voted", "message": N_("You have already voted on this.")}])
    row = BoardVote(recommendation=recommendation, user_id=actor.id, vote=vote, reason=reason)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "board.vote", row, {"recommendation_id": recommendation.id, "vote": vote,
                                            "reason": reason}, cycle_id=cycle.id)
    return _ratify_if_decided(actor, cycle, recommendation)


def _ratify_if_decided(actor, cycle: Cycle, recommendation: Recommendation) -> str | None:
    """Fire the award's declared ratifying event once its guards (quorum,
    majority, a held hearing...) pass, and record the decision."""
    event = cycle.award_type.workflow.ratifying_event
    if transitions.preview_cycle_event(cycle, event, "board"):
        return None
    state = transitions.fire_cycle_event(actor, cycle, event, as_role="board")
    _record_decision(actor, cycle, recommendation)
    return state


def inputs_hash(cycle: Cycle, recommendation: Recommendation) -> str:
    """What the decision rests on: the rules in force, the rubric, the method
    and the ranking; the report recomputes the ranking and compares."""
    inputs = {"settings": cycle.settings,
              "criteria": [(c.code, c.weight, c.scale_min, c.scale_max) for c in cycle.criteria],
              "method": recommendation.method, "ranking": recommendation.ranking,
              "laureates": recommendation.laureate_nomination_ids}
    encoded = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _record_decision(actor, cycle: Cycle, recommendation: Recommendation) -> Decision:
    decision = Decision(cycle=cycle, recommendation=recommendation,
                        laureate_nomination_ids=list(recommendation.laureate_nomination_ids),
                        inputs_hash=inputs_hash(cycle, recommendation), ratified_at=datetime.now(UTC))
    db.session.add(decision)
    db.session.flush()
    for nomination in db.session.scalars(select(Nomination).where(
            Nomination.id.in_(recommendation.laureate_nomination_ids))):
        transitions.fire_nomination_event(actor, nomination, "confer", facts.nomination_facts(nomination),
                                          as_role="board")
        outbox.notify(nomination.nominator.email, nomination.nominator.locale, cycle, N_("Decision: %(cycle)s"),
                      N_("The Executive Committee ratified %(candidate)s as laureate of %(cycle)s."),
                      candidate=str(nomination.candidate))
    audit.record(actor, "decision.ratified", decision,
                 {"laureates": decision.laureate_nomination_ids, "inputs_hash": decision.inputs_hash,
                  "recommendation_id": recommendation.id, "votes": vote_counts(recommendation)},
                 cycle_id=cycle.id)
    return decision


def amend(actor, decision: Decision, laureate_ids: list[int], reason: str) -> Decision:
    """A correction after ratification is a new decision referencing the old one."""
    if not actor.has_role("board"):
        raise Forbidden("board.members_only", N_("Only the Executive Committee amends a decision."))
    if not (reason or "").strip():
        raise ServiceError("decision.amend_reason_required", N_("Give the reason for the amendment."),
                           field="reason")
    if db.session.scalar(select(Decision).where(Decision.amends_id == decision.id)):
        raise Refusal([{"rule": "decision.already_amended", "message": N_("Amend the latest decision instead.")}])
    amended = Decision(cycle=decision.cycle, recommendation=decision.recommendation, amends=decision,
                       laureate_nomination_ids=list(laureate_ids), inputs_hash=decision.inputs_hash,
                       reason=reason.strip(), ratified_at=datetime.now(UTC))
    db.session.add(amended)
    db.session.flush()
    audit.record(actor, "decision.amended", amended,
                 {"amends": decision.id, "laureates": list(laureate_ids), "reason": reason.strip()},
                 cycle_id=decision.cycle_id)
    return amended


def final_decision(cycle: Cycle) -> Decision | None:
    """The latest decision in the amendment chain."""
    return db.session.scalar(select(Decision).where(Decision.cycle_id == cycle.id)
                             .order_by(Decision.id.desc()))


def announced_laureates() -> list[tuple[Cycle, list[Nomination]]]:
    """For the public page: announced cycles and their laureates, nothing else."""
    result = []
    for cycle in db.session.scalars(select(Cycle).where(Cycle.state == "announced")
                                    .order_by(Cycle.year.desc(), Cycle.id)):
        decision = final_decision(cycle)
        if decision is None:
            continue
        laureates = list(db.session.scalars(select(Nomination).where(
            Nomination.id.in_(decision.laureate_nomination_ids))))
        result.append((cycle, laureates))
    return result
