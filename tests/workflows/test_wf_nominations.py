"""Nomination transitions (shared by every award) and the scoring gate."""

from dataclasses import replace

import pytest

from tests.workflows.wf_support import ALL_AWARDS, passing_nomination
from workflows import REGISTRY, ROLES, Refused, RuleResult

# (event, role, from, to, cycle state in which it is allowed)
LEGAL = [
    ("submit", "nominator", "draft", "submitted", "call_open"),
    ("withdraw", "nominator", "draft", "withdrawn", "call_open"),
    ("withdraw", "nominator", "submitted", "withdrawn", "screening"),
    ("withdraw", "nominator", "eligible", "withdrawn", "screening"),
    ("mark_eligible", "admin", "submitted", "eligible", "screening"),
    ("mark_eligible", "admin", "submitted", "eligible", "call_open"),
    ("mark_ineligible", "admin", "submitted", "ineligible", "screening"),
    ("select", "chair", "eligible", "recommended", "deliberation"),
    ("deselect", "chair", "recommended", "eligible", "deliberation"),
    ("deselect", "board", "recommended", "eligible", "deliberation"),
    ("set_aside", "chair", "eligible", "not_selected", "deliberation"),
    ("set_aside", "admin", "eligible", "not_selected", "ratified"),
    ("set_aside", "admin", "recommended", "not_selected", "announced"),
    ("lapse", "admin", "draft", "cancelled", "screening"),
    ("confer", "board", "recommended", "laureate", "ratified"),
    ("confer", "board", "recommended", "laureate", "announced"),
    # A ratified amendment: an eligible or set-aside nomination in, a laureate out.
    ("confer", "board", "eligible", "laureate", "ratified"),
    ("confer", "board", "not_selected", "laureate", "announced"),
    ("revoke", "board", "laureate", "not_selected", "ratified"),
    ("void", "admin", "draft", "cancelled", "cancelled"),
    ("void", "admin", "submitted", "cancelled", "cancelled"),
    ("void", "admin", "eligible", "cancelled", "cancelled"),
    ("void", "admin", "recommended", "cancelled", "cancelled"),
]

EXPECTED_ROLES = {
    "submit": {"nominator"},
    "withdraw": {"nominator"},
    "mark_eligible": {"admin"},
    "mark_ineligible": {"admin"},
    "select": {"chair"},
    "deselect": {"admin", "chair", "board"},
    "set_aside": {"admin", "chair"},
    "confer": {"board"},
    "revoke": {"board"},
    "void": {"admin"},
    "lapse": {"admin"},
}


def refused_rules(code, state, event, role, facts):
    with pytest.raises(Refused) as caught:
        REGISTRY[code].fire_nomination(state, event, role, facts)
    return [r.rule for r in caught.value.rules]


@pytest.mark.parametrize("code", ALL_AWARDS)
@pytest.mark.parametrize(("event", "role", "source", "target", "cycle_state"), LEGAL)
def test_each_legal_nomination_transition(code, event, role, source, target, cycle_state):
    facts = passing_nomination(cycle_state)
    assert event in REGISTRY[code].nomination_events(source, role, facts)
    assert REGISTRY[code].fire_nomination(source, event, role, facts) == target


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_a_candidature_runs_from_draft_to_laureate(code):
    wf, state = REGISTRY[code], "draft"
    steps = [("submit", "nominator", "call_open"), ("mark_eligible", "admin", "screening"),
             ("select", "chair", "deliberation"), ("confer", "board", "ratified")]
    for event, role, cycle_state in steps:
        state = wf.fire_nomination(state, event, role, passing_nomination(cycle_state))
    assert state == "laureate"


def _wrong_state_cases():
    wf = REGISTRY["cultural_award"]
    legal = {(source, event) for event, _, source, _, _ in LEGAL}
    for state in wf.nomination_states:
        for event in wf.nomination_events_all:
            if (state, event) not in legal:
                yield state, event


@pytest.mark.parametrize(("state", "event"), list(_wrong_state_cases()))
def test_a_nomination_event_in_the_wrong_state_is_refused(state, event):
    role = next(iter(EXPECTED_ROLES[event]))
    for cycle_state in ("call_open", "deliberation", "ratified", "cancelled"):
        assert refused_rules("cultural_award", state, event, role, passing_nomination(cycle_state)) == [
            "workflow.not_allowed_in_state"]


# What a ratified amendment may still do to an outcome: the board only, once the cycle is ratified.
AMENDMENT_EXITS = {("laureate", "board", "ratified"): ["revoke"], ("not_selected", "board", "ratified"): ["confer"]}


@pytest.mark.parametrize("code", ["volunteer_award", "young_scientists_award"])
def test_final_nomination_states_offer_nothing_but_the_boards_amendment(code):
    wf = REGISTRY[code]
    assert set(wf.nomination_final_states) == {"ineligible", "withdrawn", "laureate", "not_selected",
                                               "cancelled"}
    for state in wf.nomination_final_states:
        for role in ROLES:
            for cycle_state in ("call_open", "deliberation", "ratified", "cancelled"):
                assert wf.nomination_events(state, role, passing_nomination(cycle_state)) == \
                    AMENDMENT_EXITS.get((state, role, cycle_state), [])


@pytest.mark.parametrize(("event", "role", "source", "cycle_state"), [
    (event, role, source, cycle_state) for event, _, source, _, cycle_state in LEGAL for role in ROLES
])
def test_only_the_declared_roles_fire_nomination_events(event, role, source, cycle_state):
    wf, facts = REGISTRY["volunteer_award"], passing_nomination(cycle_state)
    if role in EXPECTED_ROLES[event]:
        wf.fire_nomination(source, event, role, facts)
    else:
        assert refused_rules("volunteer_award", source, event, role, facts) == ["workflow.role_not_allowed"]


AGE = RuleResult("volunteer.age_under_30", False, "The nominee must be under 30.")
YEARS = RuleResult("volunteer.min_years", False, "Five years needed.")
WARNING = RuleResult("volunteer.age_reference", False, "Birth date unverified.", severity="warning")

# A cycle state in which each event is allowed, from the first LEGAL row.
LEGAL_CYCLE_STATE = {event: cycle_state for event, _, _, _, cycle_state in reversed(LEGAL)}

# (event, source, fact changes, rules that refuse)
GUARD_FAILURES = [
    ("submit", "draft", {"deadline_passed": True}, ["nomination.deadline"]),
    ("submit", "draft", {"cycle_state": "criteria_published"}, ["nomination.call_open"]),
    ("submit", "draft", {"cycle_state": "screening"}, ["nomination.call_open"]),
    ("submit", "draft", {"eligibility": ()}, ["nomination.eligibility_checked"]),
    ("submit", "draft", {"eligibility": (AGE,)}, ["volunteer.age_under_30"]),
    ("submit", "draft", {"eligibility": (AGE, YEARS, WARNING)},
     ["volunteer.age_under_30", "volunteer.min_years"]),
    ("withdraw", "eligible", {"cycle_state": "judging"}, ["nomination.withdraw_before_judging"]),
    ("withdraw", "submitted", {"cycle_state": "deliberation"}, ["nomination.withdraw_before_judging"]),
    ("mark_eligible", "submitted", {"eligibility": (YEARS,)}, ["volunteer.min_years"]),
    ("mark_eligible", "submitted", {"cycle_state": "judging"}, ["screening.period"]),
    ("mark_eligible", "submitted", {"eligibility": (AGE, WARNING)}, ["volunteer.age_under_30"]),
    ("mark_ineligible", "submitted", {"screening_reason": None}, ["screening.reason_required"]),
    ("mark_ineligible", "submitted", {"screening_reason": "  "}, ["screening.reason_required"]),
    ("mark_ineligible", "submitted", {"cycle_state": "judging"}, ["screening.period"]),
    ("select", "eligible", {"cycle_state": "judging"}, ["nomination.cycle_in_deliberation"]),
    ("select", "eligible", {"cycle_state": "recommended"}, ["nomination.cycle_in_deliberation"]),
    ("deselect", "recommended", {"cycle_state": "ratified"}, ["nomination.cycle_in_deliberation"]),
    ("set_aside", "eligible", {"cycle_state": "judging"}, ["nomination.selection_under_way"]),
    ("confer", "recommended", {"cycle_state": "recommended"}, ["nomination.cycle_ratified"]),
    ("confer", "recommended", {"cycle_state": "deliberation"}, ["nomination.cycle_ratified"]),
    ("revoke", "laureate", {"cycle_state": "deliberation"}, ["nomination.cycle_ratified"]),
    ("void", "submitted", {"cycle_state": "judging"}, ["nomination.cycle_cancelled"]),
]


@pytest.mark.parametrize(("event", "source", "changes", "rules"), GUARD_FAILURES)
def test_each_nomination_guard_refuses_with_its_rule(event, source, changes, rules):
    role = next(iter(EXPECTED_ROLES[event]))
    facts = replace(passing_nomination(LEGAL_CYCLE_STATE[event]), **changes)
    assert refused_rules("volunteer_award", source, event, role, facts) == rules
    assert event not in REGISTRY["volunteer_award"].nomination_events(source, role, facts)



def test_the_secretariat_screens_without_rerunning_the_rules():
    facts = passing_nomination("screening", eligibility=())
    wf = REGISTRY["volunteer_award"]
    assert wf.fire_nomination("submitted", "mark_eligible", "admin", facts) == "eligible"


def test_an_eligibility_warning_does_not_block_submission():
    facts = passing_nomination("call_open", eligibility=(RuleResult("candidate.kind", True, "ok"), WARNING))
    assert REGISTRY["volunteer_award"].fire_nomination("draft", "submit", "nominator", facts) == "submitted"


@pytest.mark.parametrize("code", [c for c in ALL_AWARDS if c != "milset_award"])
def test_a_judge_scores_only_while_judging_and_without_an_open_conflict(code):
    wf = REGISTRY[code]
    assert all(r.ok for r in wf.can_score(passing_nomination("judging")))
    conflicted = wf.can_score(passing_nomination("judging", judge_has_unresolved_conflict=True))
    assert [r.rule for r in conflicted if not r.ok] == ["scoring.conflict_unresolved"]
    late = wf.can_score(passing_nomination("deliberation"))
    assert [r.rule for r in late if not r.ok] == ["scoring.cycle_judging"]


def test_nobody_scores_the_milset_award():
    results = REGISTRY["milset_award"].can_score(passing_nomination("judging"))
    assert [r.rule for r in results if not r.ok] == ["scoring.not_applicable"]
