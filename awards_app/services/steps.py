"""A cycle's steps as people take them by hand: the cycle page's buttons,
the API's transitions and the `flask cycles fire` command.

Some events belong to a service that records more than a state: the board's
ratifying and rejecting events come only from the ballot (votes, quorum,
majority, recusal, then the decision record), and the chair's `recommend`
only with a recommendation. Fired by hand they would move the cycle with
nothing behind it (a Volunteer cycle "ratified" by the generic `vote`
event had no decision), so they are refused here and never offered.
"""

from awards_app.models import Cycle
from awards_app.services import N_, Refusal, host, transitions


def _service_events(cycle: Cycle) -> dict[str, dict]:
    """{event: the refusal it gets by hand} for this cycle's award."""
    by_ballot = {"rule": "board.decided_by_ballot",
                 "message": N_("The board decides this by its votes on the board's page, not by an event.")}
    refused = {event: by_ballot for event in cycle.award_type.workflow.ballot_events}
    refused["recommend"] = {"rule": "recommendation.by_the_chair",
                            "message": N_("The chair recommends from the chair's view, with the panel's "
                                          "rationale.")}
    refused["decide_shortlist"] = {"rule": "shortlist.by_the_chair",
                                   "message": N_("The shortlist round's chair draws the shortlist on the "
                                                 "shortlist page, with the reason.")}
    return refused


def offered(user, cycle: Cycle) -> list[str]:
    """The events this user may fire by hand on the cycle now."""
    return on_the_page(user, cycle)[0]


# Fired by a service once what it needs is recorded (the conflicts' recusals
# withdraw the proposal first): never a step anyone waits to take by hand.
_AFTER_A_SERVICE = ("withdraw_recommendation",)


def on_the_page(user, cycle: Cycle) -> tuple[list[str], list[tuple[str, list[dict]]]]:
    """(the events this user may fire by hand now, the steps they could take
    by hand but may not yet with the rules holding each back: the cycle
    page's "not yet")."""
    barred = _service_events(cycle)
    offered, waiting = transitions.cycle_steps_for(user, cycle)
    return ([e for e in offered if e not in barred],
            [(event, rules) for event, rules in waiting if event not in barred and event not in _AFTER_A_SERVICE])


def fire(actor, cycle: Cycle, event: str, *, as_role: str | None = None, expected_version: int | None = None,
         reason: str | None = None) -> str:
    """Fire ``event`` on the cycle, unless only its service may (see above);
    designating the MILSET Award's host also puts the host before the board."""
    barred = _service_events(cycle).get(event)
    if barred:
        raise Refusal([barred])
    state = transitions.fire_cycle_event(actor, cycle, event, as_role=as_role, expected_version=expected_version,
                                         reason=reason)
    if event == "designate_host":
        host.propose(actor, cycle)
    return state
