"""What each workflow declares so the services need not guess from state and
event names: its ratifying event, the states in which the panel's results
may be shown, and the attestation a judge gives before scoring."""

import pytest

from tests.workflows.wf_support import ALL_AWARDS, HAPPY_PATHS, PANEL_AWARDS, PASSING_CYCLE, passing_nomination
from workflows import REGISTRY, NominationFacts, Workflow
from workflows.machines import StandardCycle
from workflows.rulebook import STANDARD_CYCLE_RULES


def _reachable(wf: Workflow, start: str) -> set[str]:
    """Every cycle state reachable from ``start``, ``start`` included."""
    seen, todo = set(), [start]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        todo += [t.target.id for t in wf.cycle_machine.states_map[state].transitions]
    return seen


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_the_ratifying_event_is_the_boards_step_into_ratified(code):
    wf = REGISTRY[code]
    assert wf.cycle_rules.roles[wf.ratifying_event] == {"board"}
    steps = {step: reached for step, _role, reached in HAPPY_PATHS[code]}
    assert steps[wf.ratifying_event] == "ratified"


def test_each_award_names_its_own_ratifying_event():
    assert {code: wf.ratifying_event for code, wf in REGISTRY.items()} == {
        "milset_award": "confirm",
        "volunteer_award": "vote",
        **{code: "ratify" for code in PANEL_AWARDS if code != "volunteer_award"},
    }


def test_a_decision_awaits_the_board_where_the_ratifying_event_leaves():
    awaiting = {code: wf.awaiting_ratification_states for code, wf in REGISTRY.items()}
    assert awaiting["volunteer_award"] == ("hearing",)
    assert awaiting["milset_award"] == ("designated",)
    assert awaiting["cultural_award"] == ("recommended",)


@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_results_are_visible_from_the_close_of_scoring_on_and_never_after_a_cancellation(code):
    wf = REGISTRY[code]
    after_scoring = _reachable(wf, wf.fire_cycle("judging", "close_scoring", "chair", PASSING_CYCLE))
    assert set(wf.results_visible_states) == after_scoring - {"cancelled"}
    for state in ("draft", "call_open", "screening", "judging", "cancelled"):
        assert not wf.results_visible(state)
    assert wf.results_visible("deliberation") and wf.results_visible("ratified")


def test_the_milset_award_has_no_panel_results_to_show():
    wf = REGISTRY["milset_award"]
    assert wf.results_visible_states == ()
    assert not any(wf.results_visible(state) for state in wf.cycle_states)


def _workflow(**changes) -> Workflow:
    return Workflow(code="test", names={"en": "Test"}, candidate_kind="individual", cadence="yearly",
                    cycle_machine=StandardCycle, cycle_rules=STANDARD_CYCLE_RULES, eligibility=(),
                    default_settings={}, **changes)


def test_a_workflow_cannot_declare_an_event_or_states_its_machine_lacks():
    with pytest.raises(ValueError, match="ratifying event 'vote'"):
        _workflow(ratifying_event="vote")
    with pytest.raises(ValueError, match="hearing"):
        _workflow(results_visible_states=("deliberation", "hearing"))
    assert _workflow().ratifying_event == "ratify"


@pytest.mark.parametrize("code", [c for c in ALL_AWARDS if c != "milset_award"])
def test_a_judge_who_has_not_attested_may_not_score(code):
    wf = REGISTRY[code]
    unattested = wf.can_score(passing_nomination("judging", judge_has_attested=False))
    assert [r.rule for r in unattested if not r.ok] == ["scoring.attestation_required"]
    both = wf.can_score(passing_nomination("judging", judge_has_attested=False,
                                           judge_has_unresolved_conflict=True))
    assert [r.rule for r in both if not r.ok] == ["scoring.conflict_unresolved", "scoring.attestation_required"]


def test_no_attestation_is_assumed():
    assert NominationFacts().judge_has_attested is False
