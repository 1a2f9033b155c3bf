"""The board's ratification, one path for every award: a proposal (the
panel's recommendation, an amendment of the decision, or the MILSET Award's
designated host) is voted on by the board (votes, quorum, majority,
recusal), then the decision record. A decision is never edited: an
amendment is a new decision that references the one it amends."""

import dataclasses
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

import workflows
from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import BoardVote, Cycle, Decision, Nomination, Recommendation, User
from awards_app.models.decisions import VOTES
from awards_app.services import (
    N_,
    Forbidden,
    Message,
    Refusal,
    ServiceError,
    audit,
    conflicts,
    decision_checkpoints,
    facts,
    outbox,
    transitions,
    volunteer,
)
from awards_app.services.facts import (  # noqa: F401 - the board reads them here
    current_recommendation,
    proposals,
    standing_recommendation,
    vote_counts,
)

# A nomination may be named laureate by an amendment only from these states:
# it was screened eligible and has not left the cycle.
AMENDABLE_STATES = ("eligible", "recommended", "laureate", "not_selected")


def _recommendation_awaits_board() -> tuple[str, ...]:
    """The states in which a proposal waits for the board's vote: wherever
    each award's ratifying event leaves from."""
    return tuple(dict.fromkeys(state for wf in workflows.REGISTRY.values()
                               for state in wf.awaiting_ratification_states))


def awaiting_board() -> list[Cycle]:
    """The cycles with a proposal pending before the board (an amendment
    included), or waiting for one in a state the board ratifies from."""
    pending = select(Recommendation.cycle_id).where(Recommendation.status == "pending")
    return list(db.session.scalars(select(Cycle).where(
        Cycle.state.in_(_recommendation_awaits_board()) | (Cycle.id.in_(pending) & (Cycle.state != "cancelled")))
        .order_by(Cycle.id)))


def _open_for_votes(cycle: Cycle, proposal: Recommendation) -> bool:
    if proposal.status != "pending":
        return False
    if proposal.kind == "amendment":
        return cycle.state in ("ratified", "announced")
    return cycle.state in cycle.award_type.workflow.awaiting_ratification_states


class VoteDecides(ServiceError):
    """Not a refusal: the vote would decide the proposal ("ratified" or
    "rejected", in `outcome`) and the member has not confirmed it yet, so
    nothing was written. The page asks them to confirm, like any step that
    cannot be undone."""

    status = 200

    def __init__(self, outcome: str):
        super().__init__("board.vote_decides", N_("Your vote decides the proposal: confirm it."))
        self.outcome = outcome


# The facts' tally each vote adds to (a recusal counts toward nothing).
_TALLY = {"approve": "board_votes_approve", "reject": "board_votes_reject", "abstain": "board_votes_abstain"}


def _with_vote(now: "workflows.CycleFacts", vote: str) -> "workflows.CycleFacts":
    """The cycle's facts once this vote is counted too."""
    if vote not in _TALLY:
        return now
    return dataclasses.replace(now, **{_TALLY[vote]: getattr(now, _TALLY[vote]) + 1})


def _pending(cycle_id: int):
    """The query of the proposal before the board (facts.current_recommendation)
    without its ranking: a line per nomination, which only the decision that
    rests on it reads (inputs_hash), loaded then."""
    return (select(Recommendation).where(Recommendation.cycle_id == cycle_id, Recommendation.status == "pending")
            .order_by(Recommendation.id.desc()).options(defer(Recommendation.ranking)))


def proposal_before_board(cycle: Cycle) -> Recommendation | None:
    """The proposal the board votes on now, as a vote reads it (see _pending)."""
    return db.session.scalar(_pending(cycle.id))


def cast_vote(actor, recommendation: Recommendation, vote: str, reason: str | None = None, *,
              confirmed: bool = True) -> str | None:
    """Record one board member's vote on a proposal. When the votes decide
    it (quorum, then a majority for or against), the decision follows at
    once. Returns the proposal's fate ("ratified" or "rejected") when this
    vote decided it, else None. With confirmed=False, a vote that would
    decide raises VoteDecides and records nothing: the member confirms first.

    The cycle's facts are gathered once, under the cycle's lock, and the
    vote is counted into them: every guard after (the ratifying or rejecting
    event's included) reads those, since nothing else can change them while
    the lock is held."""
    if not actor.has_role("board"):
        raise Forbidden("board.members_only", N_("Only Executive Committee members vote."))
    if vote not in VOTES:
        raise ServiceError("board.vote", N_("Approve, reject, abstain or recuse."), field="vote")
    tied = bool(conflicts.board_member_ties(actor, recommendation.laureate_nomination_ids))
    if not permissions.may_vote(actor, vote, tied):
        raise Forbidden("board.conflicted", N_("You nominated, are, belong to the organisation of, or have a "
                                               "conflict of interest with a proposed laureate: you may only "
                                               "recuse on this decision."))
    reason = (reason or "").strip() or None
    if vote == "reject" and not reason:
        raise ServiceError("board.reject_reason_required", N_("Give the reason for rejecting."), field="reason")
    # Votes on a cycle are cast one at a time: the same member voting twice
    # at once finds the first vote (board.already_voted, 409) instead of
    # failing on the unique constraint, and two members' votes cannot both
    # see the quorum unmet. Locked first, so what follows reads the latest.
    cycle = transitions.lock_row(Cycle, recommendation.cycle_id)
    current = db.session.scalar(_pending(cycle.id).execution_options(populate_existing=True))
    if current is None or current.id != recommendation.id or not _open_for_votes(cycle, current):
        raise Refusal([{"rule": "board.not_awaiting", "message": N_("This proposal is not awaiting a vote.")}])
    recommendation = current  # the same row, read afresh under the lock
    # Held to the end: each lock after this one reads the cycle afresh and
    # then finds its award in the session (it is only weakly kept there).
    award_type = cycle.award_type
    wf = award_type.workflow
    now = facts.cycle_facts(cycle)
    if recommendation.kind != "amendment":
        closed = wf.votes_refused(now)
        if closed:
            raise Refusal([{"rule": r.rule, "message": r.message} for r in closed])
    if db.session.scalar(select(BoardVote.id).where(BoardVote.recommendation_id == recommendation.id,
                                                    BoardVote.user_id == actor.id)):
        raise Refusal([{"rule": "board.already_voted", "message": N_("You have already voted on this.")}])
    after = _with_vote(now, vote)
    if not confirmed and vote in _TALLY:
        outcome = wf.ballot_outcome(after)
        if outcome:
            raise VoteDecides(outcome)
    row = BoardVote(recommendation=recommendation, user_id=actor.id, vote=vote, reason=reason)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "board.vote", row, {"recommendation_id": recommendation.id, "vote": vote,
                                            "reason": reason}, cycle_id=cycle.id)
    return _settle(actor, cycle, recommendation, after)


def _passes(cycle: Cycle, event: str, now: "workflows.CycleFacts") -> bool:
    """Whether the board may fire the event now, read from the facts in hand."""
    try:
        cycle.award_type.workflow.fire_cycle(cycle.state, event, "board", now)
    except workflows.Refused:
        return False
    return True


def _settle(actor, cycle: Cycle, proposal: Recommendation, now: "workflows.CycleFacts") -> str | None:
    """Once the votes decide, ratify or reject. A proposal that moves the
    cycle goes through the award's declared events (their guards: quorum,
    majority, a held hearing...); an amendment through the same quorum and
    majority rules, read from the workflow. `now` are the cycle's facts with
    this vote counted, gathered under the lock the vote holds."""
    wf = cycle.award_type.workflow
    if proposal.kind == "amendment":
        outcome = wf.ballot_outcome(now)
    elif _passes(cycle, wf.ratifying_event, now):
        transitions.fire_cycle_event(actor, cycle, wf.ratifying_event, as_role="board", cycle_facts=now)
        outcome = "ratified"
    elif wf.rejecting_event is not None:
        outcome = "rejected" if _passes(cycle, wf.rejecting_event, now) else None
        if outcome:
            transitions.fire_cycle_event(actor, cycle, wf.rejecting_event, as_role="board", cycle_facts=now)
    else:
        outcome = wf.ballot_outcome(now)
        outcome = outcome if outcome == "rejected" else None
    if outcome == "ratified":
        _record_decision(actor, cycle, proposal)
    elif outcome == "rejected":
        _reject(actor, cycle, proposal)
    return outcome


def _close(proposal: Recommendation, status: str, reason: str | None) -> None:
    proposal.status = status
    proposal.closed_at = datetime.now(UTC)
    proposal.closed_reason = reason
    db.session.flush()


def _reject(actor, cycle: Cycle, proposal: Recommendation) -> None:
    """The board's majority against: the proposal is closed as rejected (kept
    in the record with its votes), its nominations go back to eligible so the
    chair can recommend again, and a heard cycle needs a new hearing."""
    reasons = list(db.session.scalars(select(BoardVote.reason).where(
        BoardVote.recommendation_id == proposal.id, BoardVote.vote == "reject").order_by(BoardVote.id)))
    _close(proposal, "rejected", "\n".join(reasons))
    if proposal.kind == "panel":
        for nomination in db.session.scalars(select(Nomination).where(
                Nomination.id.in_(proposal.laureate_nomination_ids), Nomination.state == "recommended")
                .order_by(Nomination.id)):
            transitions.fire_nomination_event(actor, nomination, "deselect", facts.nomination_facts(nomination),
                                              as_role="board", reason="board.rejected")
        if volunteer.has_hearing(cycle):
            volunteer.reopen_hearing(actor, cycle, proposal)
    audit.record(actor, "proposal.rejected", proposal,
                 {"kind": proposal.kind, "laureates": list(proposal.laureate_nomination_ids),
                  "votes": vote_counts(proposal), "reasons": reasons}, cycle_id=cycle.id)


def inputs_hash(cycle: Cycle, recommendation: Recommendation) -> str:
    """What the decision rests on: the rules in force, the rubric, the method
    and the ranking; the report recomputes the ranking and compares."""
    inputs = {"settings": cycle.settings,
              "criteria": [(c.code, c.weight, c.scale_min, c.scale_max) for c in cycle.criteria],
              "method": recommendation.method, "ranking": recommendation.ranking,
              "laureates": recommendation.laureate_nomination_ids}
    encoded = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _record_decision(actor, cycle: Cycle, proposal: Recommendation) -> Decision:
    """The decision record of a ratified proposal, and the nominations'
    states made to follow it: the laureates it names are conferred; an
    amendment also revokes those the decision it amends named and it does not."""
    amends = final_decision(cycle) if proposal.kind == "amendment" else None
    before = set(amends.laureate_nomination_ids) if amends else set()
    after = list(proposal.laureate_nomination_ids)
    decision = Decision(cycle=cycle, recommendation=proposal, amends=amends, laureate_nomination_ids=after,
                        inputs_hash=amends.inputs_hash if amends else inputs_hash(cycle, proposal),
                        reason=proposal.rationale if amends else None, ratified_at=datetime.now(UTC))
    db.session.add(decision)
    _close(proposal, "ratified", None)
    changed = db.session.scalars(select(Nomination).where(Nomination.id.in_(before ^ set(after)))
                                 .order_by(Nomination.id))
    for nomination in changed:
        event = "revoke" if nomination.id in before else "confer"
        if event == "confer" and nomination.state == "laureate":
            continue
        transitions.fire_nomination_event(actor, nomination, event, facts.nomination_facts(nomination),
                                          as_role="board", reason=proposal.rationale if amends else None)
        if event == "confer":
            outbox.notify(nomination.nominator.email, nomination.nominator.locale, cycle, N_("Decision: %(cycle)s"),
                          N_("The Executive Committee ratified %(candidate)s as laureate of %(cycle)s."),
                          candidate=str(nomination.candidate))
    if amends:
        audit.record(actor, "decision.amended", decision,
                     {"amends": amends.id, "laureates": after, "reason": proposal.rationale,
                      "recommendation_id": proposal.id, "votes": vote_counts(proposal)}, cycle_id=cycle.id)
    else:
        audit.record(actor, "decision.ratified", decision,
                     {"laureates": after, "inputs_hash": decision.inputs_hash,
                      "recommendation_id": proposal.id, "votes": vote_counts(proposal)}, cycle_id=cycle.id)
    # Last: the checkpoint signed here covers every event of the ratification.
    decision_checkpoints.seal(actor, cycle, decision)
    return decision


def _amendment_laureates(cycle: Cycle, laureate_ids, current: Decision) -> list[int]:
    """The laureates an amendment names, checked against the cycle: existing
    nominations of this cycle, screened eligible and still in it, at least
    one and at most the cycle's maximum, and not the decision as it stands."""
    ids = list(dict.fromkeys(int(i) for i in laureate_ids or []))
    limit = cycle.max_laureates  # set when the cycle is created (the award's default or the secretariat's)
    if not ids:
        raise ServiceError("amendment.laureates_required", N_("Choose at least one laureate."), field="laureates")
    found = {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id,
                                                                          Nomination.id.in_(ids)))}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ServiceError("amendment.unknown_nominations",
                           Message(N_("These are not nominations of this cycle: %(ids)s."),
                                   ids=", ".join(map(str, unknown))), field="laureates")
    barred = [found[i] for i in ids if found[i].state not in AMENDABLE_STATES]
    if barred:
        raise ServiceError("amendment.not_eligible",
                           Message(N_("%(candidate)s was not screened eligible or has left the cycle."),
                                   candidate=str(barred[0].candidate)), field="laureates")
    if len(ids) > limit:
        raise ServiceError("amendment.max_laureates",
                           Message(N_("This cycle allows at most %(limit)s laureate(s); %(count)s chosen."),
                                   limit=limit, count=len(ids)), field="laureates")
    if set(ids) == set(current.laureate_nomination_ids):
        raise ServiceError("amendment.unchanged", N_("These are the laureates the decision names already."),
                           field="laureates")
    return ids


def propose_amendment(actor, cycle: Cycle, laureate_ids, reason: str) -> Recommendation:
    """A board member proposes to amend the cycle's latest decision: the new
    laureates and why. The board then votes on it like any decision; nothing
    changes before it is ratified."""
    if not actor.has_role("board") or getattr(actor, "id", None) is None:
        raise Forbidden("board.members_only", N_("Only the Executive Committee amends a decision."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("decision.amend_reason_required", N_("Give the reason for the amendment."),
                           field="reason")
    cycle = transitions.lock_row(Cycle, cycle.id)  # one pending proposal at a time
    current = final_decision(cycle)
    if current is None or cycle.state not in ("ratified", "announced"):
        raise Refusal([{"rule": "decision.not_ratified",
                        "message": N_("Only a ratified decision can be amended.")}])
    if current_recommendation(cycle) is not None:
        raise Refusal([{"rule": "decision.proposal_pending",
                        "message": N_("A proposal is already before the board: vote on it first.")}])
    ids = _amendment_laureates(cycle, laureate_ids, current)
    base = current.recommendation
    proposal = Recommendation(cycle=cycle, kind="amendment", method=base.method if base else "amendment",
                              ranking=list(base.ranking) if base else [], laureate_nomination_ids=ids,
                              inputs_hash=base.inputs_hash if base else current.inputs_hash, rationale=reason,
                              created_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.opened", proposal,
                 {"kind": "amendment", "amends": current.id, "laureates": ids, "reason": reason},
                 cycle_id=cycle.id)
    return proposal


def board_progress(cycle: Cycle) -> dict:
    """The proposal before the board and the history of past ones, with
    their votes (and the voters' names, read with them): what the board page
    and the chair's view show alike."""
    history = proposals(cycle)
    votes = {p.id: [] for p in history}
    for vote in db.session.scalars(select(BoardVote).where(BoardVote.recommendation_id.in_(votes))
                                   .options(selectinload(BoardVote.user).selectinload(User.person))
                                   .order_by(BoardVote.id)):
        votes[vote.recommendation_id].append(vote)
    current = next((p for p in history if p.status == "pending"), None)
    counts = {v: 0 for v in VOTES} | Counter(v.vote for v in votes.get(current.id, [])) if current else {}
    return {"proposal": current, "history": [p for p in history if p is not current], "votes_by": votes,
            "cast": sum(n for v, n in counts.items() if v != "recused"), "quorum": cycle.setting("board_quorum"),
            "counts": counts}


def final_decision(cycle: Cycle) -> Decision | None:
    """The latest decision in the amendment chain."""
    return db.session.scalar(select(Decision).where(Decision.cycle_id == cycle.id)
                             .order_by(Decision.id.desc()))


def announced_laureates() -> list[tuple[Cycle, Decision, list[Nomination]]]:
    """For the public page: announced cycles, their decision and its laureates, nothing else."""
    result = []
    for cycle in db.session.scalars(select(Cycle).where(Cycle.state == "announced")
                                    .order_by(Cycle.year.desc(), Cycle.id)):
        decision = final_decision(cycle)
        if decision is None:
            continue
        laureates = list(db.session.scalars(select(Nomination).where(
            Nomination.id.in_(decision.laureate_nomination_ids))))
        result.append((cycle, decision, laureates))
    return result
