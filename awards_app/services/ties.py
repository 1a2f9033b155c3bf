"""The panel's vote between nominations tied at the last laureate place.

The chair records it (each judge's ballot, or the counts with the minutes)
as a TieVote; recommendations.settings_of hands the latest one's counts to
the aggregation as its ``panel_vote`` tie-break step, so the ranking, the
recommendation and the report's replay all break the tie the same way."""

from dataclasses import dataclass

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import ConflictOfInterest, Cycle, TieVote
from awards_app.models.judging import HIDING_STATUSES
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit, recommendations
from awards_app.services import panels as panel_service
from judging import aggregation

MINUTES_MAX = 20000


@dataclass(frozen=True)
class Tie:
    """The nominations the panel votes between (those the chain's panel vote
    step sees), the chain, and the ranking with the latest vote applied."""

    nomination_ids: tuple[int, ...]
    chain: tuple[str, ...]
    result: object  # the aggregation's Result, the latest vote applied
    vote: TieVote | None

    @property
    def chain_has_panel_vote(self) -> bool:
        return aggregation.PANEL_VOTE in self.chain

    @property
    def vote_tied(self) -> bool:
        """A vote is recorded and the tie still stands: the panel votes again."""
        return self.vote is not None and self.result.unresolved_tie


def chain_of(cycle: Cycle) -> tuple[str, ...]:
    """The cycle's declared tie-break chain (the aggregation's default if none)."""
    return tuple(aggregation.effective_settings(recommendations.settings_of(cycle, with_tie_vote=False),
                                                recommendations.criteria_of(cycle))["tie_break"])


def tie_of(cycle: Cycle) -> Tie | None:
    """The boundary tie that needs (or had) the panel's vote, or None.

    Found in the ranking without any vote: the group the panel-vote step
    sees (every nomination it needs a count for), else the nominations
    still tied across the boundary."""
    unvoted = recommendations.rank(cycle, with_tie_vote=False)
    if unvoted is None or not unvoted.unresolved_tie:
        return None
    boundary = set(unvoted.boundary_tie)
    group = next((t.nomination_ids for t in unvoted.tie_breaks
                  if t.step == aggregation.PANEL_VOTE and boundary <= set(t.nomination_ids)),
                 unvoted.boundary_tie)
    vote = recommendations.latest_tie_vote(cycle)
    # With no vote recorded, the ranking with the vote is the one just made.
    return Tie(nomination_ids=tuple(group), chain=chain_of(cycle),
               result=recommendations.rank(cycle) if vote is not None else unvoted, vote=vote)


def _conflicted(judge_ids: set[int], nomination_ids: set[int]) -> set[tuple[int, int]]:
    """(judge, nomination) pairs an open or confirmed conflict separates."""
    return set(db.session.execute(select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id).where(
        ConflictOfInterest.judge_id.in_(judge_ids), ConflictOfInterest.nomination_id.in_(nomination_ids),
        ConflictOfInterest.status.in_(HIDING_STATUSES))).all())


def _tally_ballots(cycle: Cycle, tied: tuple[int, ...], ballots: list[dict]) -> dict[int, int]:
    """Each panel member votes once, for a tied nomination they have no conflict with."""
    panel = panel_service.panel_of(cycle)
    members = {m.user_id: m.user for m in (panel.members if panel else [])}
    counts = dict.fromkeys(tied, 0)
    seen: set[int] = set()
    pairs = [(int(b["judge_id"]), int(b["nomination_id"])) for b in ballots]
    conflicted = _conflicted({j for j, _n in pairs}, {n for _j, n in pairs})
    for judge_id, nomination_id in pairs:
        field = f"ballot_{judge_id}"
        if judge_id not in members:
            raise ServiceError("tie.ballot_not_member", N_("Only the panel's members vote."), field=field)
        if judge_id in seen:
            raise ServiceError("tie.one_ballot", Message(N_("%(name)s has already voted."),
                                                         name=members[judge_id].name), field=field)
        if nomination_id not in counts:
            raise ServiceError("tie.not_tied", N_("Vote only for one of the tied nominations."), field=field)
        if (judge_id, nomination_id) in conflicted:
            raise ServiceError("tie.ballot_conflicted",
                               Message(N_("%(name)s has a conflict of interest with this nomination and may "
                                          "not vote for it."), name=members[judge_id].name), field=field)
        seen.add(judge_id)
        counts[nomination_id] += 1
    if not seen:
        raise ServiceError("tie.no_vote", N_("Record at least one judge's vote."), field="how")
    return counts


def _checked_counts(cycle: Cycle, tied: tuple[int, ...], votes: dict) -> dict[int, int]:
    """A count for every tied nomination and none for another; no more votes than judges."""
    counts: dict[int, int] = {}
    for key, count in votes.items():
        nomination_id = int(key)
        field = f"count_{nomination_id}"
        if nomination_id not in tied:
            raise ServiceError("tie.not_tied", N_("Give counts only for the tied nominations."), field=field)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ServiceError("tie.count", N_("A count is a whole number, 0 or more."), field=field)
        counts[nomination_id] = count
    missing = [n for n in tied if n not in counts]
    if missing:
        raise ServiceError("tie.count_missing", N_("Give the count for each tied nomination (0 if none)."),
                           field=f"count_{missing[0]}")
    panel = panel_service.panel_of(cycle)
    size = len(panel.members) if panel else 0
    if sum(counts.values()) > size:
        raise ServiceError("tie.too_many_votes", Message(N_("The counts add up to more votes than the panel has "
                                                            "judges (%(size)s)."), size=size), field="how")
    if not any(counts.values()):
        raise ServiceError("tie.no_vote", N_("Record at least one judge's vote."), field="how")
    return counts


def record_vote(actor, cycle: Cycle, votes: dict | None = None, ballots: list[dict] | None = None,
                minutes: str = "") -> TieVote:
    """The chair of this cycle's panel records the panel's vote between the
    nominations tied at the last laureate place: each judge's ballot
    ([{"judge_id", "nomination_id"}]) or the count for each tied nomination,
    with the minutes. A later vote replaces the earlier (a tied vote is
    voted again); both stay on record."""
    if not panel_service.is_chair(actor, cycle):
        raise Forbidden("tie.chair_only", N_("Only the panel's chair records the panel's vote."))
    if cycle.state != "deliberation":
        raise Refusal([{"rule": "tie.not_in_deliberation",
                         "message": N_("The panel votes on a tie during deliberation only.")}])
    tie = tie_of(cycle)
    if tie is None:
        raise Refusal([{"rule": "tie.no_tie",
                         "message": N_("No tie at the last laureate place waits for the panel's vote.")}])
    if not tie.chain_has_panel_vote:
        raise Refusal([{"rule": "tie.chain_without_vote",
                         "message": N_("This cycle's declared tie-break chain has no panel vote, so a vote "
                                    "cannot break the tie: the secretariat must declare the panel's vote "
                                    "in the chain.")}])
    minutes = (minutes or "").strip()
    if not minutes:
        raise ServiceError("tie.minutes_required", N_("Write the minutes of the panel's vote."), field="minutes")
    if len(minutes) > MINUTES_MAX:
        raise ServiceError("tie.minutes_length", N_("The minutes are too long."), field="minutes")
    if (votes is None) == (ballots is None):
        raise ServiceError("tie.how", N_("Give either each judge's vote or the counts."), field="how")
    counts = (_tally_ballots(cycle, tie.nomination_ids, ballots) if ballots is not None
              else _checked_counts(cycle, tie.nomination_ids, votes))
    row = TieVote(cycle=cycle, tied_nomination_ids=list(tie.nomination_ids),
                  votes={str(n): c for n, c in sorted(counts.items())},
                  ballots=([{"judge_id": int(b["judge_id"]), "nomination_id": int(b["nomination_id"])}
                            for b in ballots] if ballots is not None else None),
                  minutes=minutes, recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    # The minutes are the panel's text and stay in the table; the trail keeps the counts.
    audit.record(actor, "tie.vote_recorded", row,
                 {"tied": list(tie.nomination_ids), "votes": row.votes, "ballots": row.ballots,
                  "minutes_length": len(minutes)}, cycle_id=cycle.id)
    return row
