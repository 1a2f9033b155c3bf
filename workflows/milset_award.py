"""The MILSET Award: given at every ESI since 1987 to the organisation that
hosts it. There is no call and no panel: the secretariat designates the host
and the Executive Committee confirms it."""

from collections.abc import Mapping

from statemachine import State, StateMachine

from workflows import guards as g
from workflows.base import ADMIN, BOARD, N_, CandidateFacts, CycleFacts, RuleResult, check
from workflows.eligibility import kind_is
from workflows.rulebook import Rulebook
from workflows.workflow import Workflow


class MilsetAwardCycle(StateMachine):
    """Designation of the ESI host, its confirmation by the board, the ceremony."""

    draft = State(initial=True)
    designated = State()
    ratified = State()
    announced = State(final=True)
    cancelled = State(final=True)

    designate_host = draft.to(designated)
    confirm = designated.to(ratified)
    # The board's majority against the host sends the designation back to
    # the secretariat, which designates again (a new proposal) or cancels.
    reject = designated.to(draft)
    present = ratified.to(announced)
    cancel = draft.to(cancelled) | designated.to(cancelled) | ratified.to(cancelled)


def host_designated(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The candidate is whoever hosts the ESI, so the event must name one."""
    return check("milset_award.host_is_candidate", facts.host_designated,
                 N_("The ESI's host organisation must be recorded before it is designated."))


def is_host(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """Only the host organisation of the current ESI receives the MILSET Award."""
    return check("milset_award.host_organisation", candidate.is_host_organisation,
                 N_("The MILSET Award goes to the organisation hosting the ESI."),
                 passed=N_("The candidate is the organisation hosting the ESI."))


RULES = Rulebook(
    roles={"designate_host": ADMIN, "confirm": BOARD, "reject": BOARD, "present": ADMIN, "cancel": ADMIN},
    guards={
        "designate_host": (host_designated, g.settings_valid, g.esi_event_of_year),
        "confirm": g.BOARD_DECISION,
        "reject": (g.board_quorum, g.board_majority_rejects),
    },
)

WORKFLOW = Workflow(
    code="milset_award",
    names={"en": "MILSET Award", "fr": "Prix MILSET", "es": "Premio MILSET"},
    candidate_kind="organisation",
    cadence="every ESI",
    cycle_machine=MilsetAwardCycle,
    cycle_rules=RULES,
    # The board confirms the designated host; nobody scores, so there are
    # no panel results to show in any state.
    ratifying_event="confirm",
    results_visible_states=(),
    eligibility=(kind_is("candidate.kind", "organisation"), is_host),
    default_settings={
        "max_laureates": 1,
        "board_quorum": 3,
        "board_majority": 0.5,
        "required_fields": [],
        "judges_per_nomination": 0,
    },
    default_criteria=(),
    has_call=False,
    has_scoring=False,
)
