"""Facts and paths the workflow tests share."""

from dataclasses import replace

from workflows import CycleFacts, NominationFacts, RuleResult
from workflows.base import NOMINATOR_KINDS

STANDARD_AWARDS = ("derek_gray_medal", "enrique_padilla_award", "cultural_award",
                   "best_delegation_award", "young_scientists_award")
PANEL_AWARDS = (*STANDARD_AWARDS, "volunteer_award")
ALL_AWARDS = ("milset_award", *PANEL_AWARDS)

# Facts under which every cycle guard of every award holds.
PASSING_CYCLE = CycleFacts(
    year=2027,
    event_year=2027,  # the ESI of its year
    criteria_count=3,
    criteria_published=True,
    panel_size=3,
    panel_has_chair=True,
    chair_is_board=True,
    eligible_nominations=2,
    assignments_total=6,
    assignments_submitted=6,
    recommended_count=1,
    board_votes_approve=3,
    board_members=7,
    host_designated=True,
    hearing_held=True,
)

ELIGIBLE = (RuleResult("candidate.kind", True, "ok"),)


def passing_nomination(cycle_state: str, **changes) -> NominationFacts:
    """Nomination facts under which every guard holds, for a cycle in ``cycle_state``."""
    facts = NominationFacts(eligibility=ELIGIBLE, cycle_state=cycle_state, screening_reason="Not a member.",
                            judge_has_attested=True, nominator_standing=NOMINATOR_KINDS)
    return replace(facts, **changes)


# (event, role, state reached), from the initial state to the announcement.
STANDARD_PATH = (
    ("publish_criteria", "admin", "criteria_published"),
    ("open_call", "admin", "call_open"),
    ("close_call", "admin", "screening"),
    ("open_judging", "chair", "judging"),
    ("close_scoring", "chair", "deliberation"),
    ("recommend", "chair", "recommended"),
    ("ratify", "board", "ratified"),
    ("announce", "admin", "announced"),
)
# The same with the optional shortlist round (the shortlist_round setting).
SHORTLIST_PATH = (
    *STANDARD_PATH[:3],
    ("open_shortlist", "admin", "shortlist_scoring"),
    ("close_shortlist", "chair", "shortlisting"),
    ("decide_shortlist", "chair", "judging"),
    *STANDARD_PATH[4:],
)
SHORTLIST_CYCLE = replace(PASSING_CYCLE, settings={"shortlist_round": True}, shortlist_size=2)
VOLUNTEER_PATH = (
    *STANDARD_PATH[:5],
    ("recommend", "chair", "hearing"),
    ("vote", "board", "ratified"),
    ("announce", "admin", "announced"),
)
MILSET_PATH = (
    ("designate_host", "admin", "designated"),
    ("confirm", "board", "ratified"),
    ("present", "admin", "announced"),
)
HAPPY_PATHS = {code: STANDARD_PATH for code in STANDARD_AWARDS} | {
    "volunteer_award": VOLUNTEER_PATH,
    "milset_award": MILSET_PATH,
}


def state_before(code: str, event: str) -> str:
    """The state from which ``event`` fires on the award's happy path (a
    withdrawn recommendation: from where the board would ratify it)."""
    if event == "withdraw_recommendation":
        from workflows import REGISTRY

        event = REGISTRY[code].ratifying_event
    state = "draft"
    for step, _role, reached in HAPPY_PATHS[code]:
        if step == event:
            return state
        state = reached
    raise LookupError(event)
