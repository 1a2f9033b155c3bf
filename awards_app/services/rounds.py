"""A cycle's judging rounds: the optional shortlist round (its own panel and
criteria, scored by every eligible nomination) and the final round, whose
panel judges what the chair's shortlist kept and recommends to the board.

The workflow says which round a cycle is at (Workflow.round_in_play); this
module answers the questions the services ask of it from the database.
"""

from sqlalchemy import select, true

from awards_app.extensions import db
from awards_app.models import Cycle, Nomination, ShortlistDecision
from workflows.base import FINAL, ROUNDS, SHORTLIST

__all__ = ["FINAL", "ROUNDS", "SHORTLIST", "criterion_codes", "finalists", "has_shortlist", "in_play",
           "panel_round", "rounds_of", "shortlist_of"]


def has_shortlist(cycle: Cycle) -> bool:
    """Does this cycle run a shortlist round before the final one?"""
    wf = cycle.award_type.workflow
    return wf.has_shortlist_round and bool(cycle.setting("shortlist_round"))


def rounds_of(cycle: Cycle) -> tuple[str, ...]:
    """The cycle's rounds in the order they run."""
    return ROUNDS if has_shortlist(cycle) else (FINAL,)


def in_play(cycle: Cycle) -> str:
    """The round the cycle is at (or prepares next, before judging)."""
    return cycle.award_type.workflow.round_in_play(cycle.state, cycle.settings)


def panel_round(cycle: Cycle) -> str:
    """The round whose panel the cycle's next step concerns: the chair's
    shortlist opens the final round, so its guards read the final panel."""
    return FINAL if cycle.state == "shortlisting" else in_play(cycle)


def shortlist_of(cycle: Cycle) -> ShortlistDecision | None:
    return db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.cycle_id == cycle.id))


def finalists(cycle: Cycle, shortlist: ShortlistDecision | None = None):
    """SQL: true for the nominations the final round judges: the shortlisted
    ones where the chair has shortlisted, every one otherwise (the eligible
    state is asked separately)."""
    shortlist = shortlist if shortlist is not None else shortlist_of(cycle)
    if shortlist is None:
        return true()
    return Nomination.id.in_(list(shortlist.nomination_ids))


def judged_in(cycle: Cycle, round: str):
    """SQL: true for the nominations a round judges."""
    return finalists(cycle) if round == FINAL else true()


def criterion_codes(cycle: Cycle) -> dict[int, str]:
    """{criterion id: code} over every round: a sheet's scores name their criterion by id."""
    return {c.id: c.code for round in rounds_of(cycle) for c in cycle.criteria_of(round)}
