"""Random runs of every award's machines (Hypothesis): whatever events,
roles and facts arrive, the workflow keeps its promises.

- it answers with a new state or Refused, and refuses exactly the events
  cycle_events/nomination_events do not offer;
- a cycle is ratified (and later announced) only after a board decision that
  met the quorum and the majority;
- a recommendation never names more laureates than allowed;
- a final state stays final;
- a nomination becomes a laureate only by the board once the cycle is ratified.
"""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.workflows.wf_support import ALL_AWARDS, ELIGIBLE, PASSING_CYCLE
from workflows import REGISTRY, ROLES, NominationFacts, Refused, RuleResult

RUNS = settings(max_examples=10, stateful_step_count=20, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
ANY_ROLE = st.sampled_from((*ROLES, "none"))
BOARD_EVENTS = {"ratify", "vote", "confirm"}

random_cycle_facts = st.builds(
    replace,
    st.just(PASSING_CYCLE),
    year=st.sampled_from([2026, 2027]),
    settings=st.sampled_from([{}, {"max_laureates": 2}, {"odd_years_only": False}, {"board_majority": 0.66}]),
    is_esi=st.booleans(),
    odd_year_override_reason=st.sampled_from([None, "", "The board's 2012 decision."]),
    criteria_count=st.integers(0, 2),
    criteria_published=st.booleans(),
    panel_size=st.integers(1, 5),
    panel_has_chair=st.booleans(),
    chair_is_board=st.booleans(),
    missing_fields=st.sampled_from([(), ("youth_work",)]),
    unresolved_conflicts=st.integers(0, 2),
    assignments_total=st.integers(0, 4),
    assignments_submitted=st.integers(0, 4),
    close_reason=st.sampled_from([None, "A judge fell ill."]),
    eligible_nominations=st.integers(0, 2),
    recommended_count=st.integers(0, 8),
    max_laureates=st.sampled_from([None, 1, 3]),
    board_votes_approve=st.integers(0, 5),
    board_votes_reject=st.integers(0, 5),
    board_votes_abstain=st.integers(0, 3),
    host_designated=st.booleans(),
    hearing_held=st.booleans(),
)
# Facts where most guards pass and the decisive numbers vary, so runs get
# deep and the board and laureate limits are tried on both sides.
nearly_passing_cycle_facts = st.builds(
    replace,
    st.just(PASSING_CYCLE),
    year=st.sampled_from([2027, 2027, 2026]),
    unresolved_conflicts=st.sampled_from([0, 0, 0, 1]),
    assignments_submitted=st.sampled_from([6, 6, 4]),
    close_reason=st.sampled_from([None, None, "A judge fell ill."]),
    recommended_count=st.sampled_from([1, 1, 2, 0, 7]),
    max_laureates=st.sampled_from([None, None, 2]),
    board_votes_approve=st.integers(0, 4),
    board_votes_reject=st.integers(0, 3),
    board_votes_abstain=st.integers(0, 2),
)
cycle_facts = st.one_of(
    st.just(PASSING_CYCLE),
    st.builds(replace, st.just(PASSING_CYCLE), recommended_count=st.integers(0, 8)),
    st.builds(replace, st.just(PASSING_CYCLE), board_votes_approve=st.integers(0, 4),
              board_votes_reject=st.integers(0, 4)),
    st.builds(replace, st.just(PASSING_CYCLE), year=st.sampled_from([2026, 2027])),
)
cycle_facts = st.one_of(nearly_passing_cycle_facts, random_cycle_facts)


def board_decided(wf, facts) -> bool:
    """The quorum and majority, recomputed here rather than trusted."""
    s = wf.settings_for(facts.settings)
    cast = facts.board_votes_approve + facts.board_votes_reject + facts.board_votes_abstain
    approve, reject = facts.board_votes_approve, facts.board_votes_reject
    return cast >= s["board_quorum"] and approve > 0 and approve > s["board_majority"] * (approve + reject)


def laureate_limit(wf, facts) -> int:
    return facts.max_laureates if facts.max_laureates is not None else wf.settings_for(facts.settings)[
        "max_laureates"]


class CycleRun(RuleBasedStateMachine):
    """One cycle of ``wf`` driven by random events, roles and facts."""

    wf = None

    def __init__(self):
        super().__init__()
        self.state = self.wf.cycle_initial_state
        self.board_approved = False

    @rule(event=st.data(), role=ANY_ROLE, facts=cycle_facts)
    def fire_any_event(self, event, role, facts):
        self.attempt(event.draw(st.sampled_from(self.wf.cycle_events_all)), role, facts)

    @rule(data=st.data(), facts=cycle_facts)
    def advance(self, data, facts):
        # Offered events other than cancel, so runs get deep instead of ending early.
        options = [(role, event) for role in ROLES for event in self.wf.cycle_events(self.state, role, facts)
                   if event != "cancel"]
        if options:
            role, event = data.draw(st.sampled_from(options))
            self.attempt(event, role, facts)

    def attempt(self, event, role, facts):
        offered = event in self.wf.cycle_events(self.state, role, facts)
        try:
            new = self.wf.fire_cycle(self.state, event, role, facts)
        except Refused as refused:
            assert not offered, f"{event} was offered to {role} yet refused: {refused}"
            assert refused.rules and all(not r.ok and r.rule for r in refused.rules)
            if self.state in self.wf.cycle_final_states:
                assert [r.rule for r in refused.rules] == ["workflow.not_allowed_in_state"]
            return
        assert offered, f"{event} fired by {role} in {self.state} without being offered"
        assert self.state not in self.wf.cycle_final_states
        assert new in self.wf.cycle_states
        if new == "ratified":
            assert event in BOARD_EVENTS and role == "board" and board_decided(self.wf, facts)
            self.board_approved = True
        elif new not in ("announced", "cancelled"):
            self.board_approved = False
        if event == "recommend":
            assert 1 <= facts.recommended_count <= laureate_limit(self.wf, facts)
        if new == "judging":
            assert facts.unresolved_conflicts == 0 and not facts.missing_fields and facts.panel_has_chair
        if new == "cancelled":
            assert role == "admin"
        self.state = new

    @invariant()
    def ratified_and_announced_only_after_the_board(self):
        if self.state in ("ratified", "announced"):
            assert self.board_approved

    @invariant()
    def final_states_offer_nothing(self):
        if self.state in self.wf.cycle_final_states:
            for role in ROLES:
                assert self.wf.cycle_events(self.state, role, PASSING_CYCLE) == []


NOMINATION_EXITS = {"withdraw", "void", "set_aside", "mark_ineligible"}
FAIL = RuleResult("volunteer.age_under_30", False, "Too old.")
WARN = RuleResult("volunteer.age_reference", False, "Unverified.", severity="warning")
nomination_facts = st.builds(
    NominationFacts,
    deadline_passed=st.booleans(),
    eligibility=st.sampled_from([(), ELIGIBLE, (*ELIGIBLE, FAIL), (*ELIGIBLE, WARN)]),
    cycle_state=st.sampled_from(["call_open", "screening", "judging", "deliberation", "ratified",
                                 "announced", "cancelled"]),
    judge_has_unresolved_conflict=st.booleans(),
    screening_reason=st.sampled_from([None, "", "Not a member."]),
)


class NominationRun(RuleBasedStateMachine):
    """One nomination of ``wf`` driven by random events, roles and facts."""

    wf = None

    def __init__(self):
        super().__init__()
        self.state = self.wf.nomination_initial_state

    @rule(data=st.data(), role=ANY_ROLE, facts=nomination_facts)
    def fire_any_event(self, data, role, facts):
        self.attempt(data.draw(st.sampled_from(self.wf.nomination_events_all)), role, facts)

    @rule(data=st.data(), facts=nomination_facts)
    def advance(self, data, facts):
        # Offered events that move the candidature on, so runs reach the outcome.
        options = [(role, event) for role in ROLES
                   for event in self.wf.nomination_events(self.state, role, facts)
                   if event not in NOMINATION_EXITS]
        if options:
            role, event = data.draw(st.sampled_from(options))
            self.attempt(event, role, facts)

    def attempt(self, event, role, facts):
        offered = self.wf.nomination_events(self.state, role, facts)
        try:
            new = self.wf.fire_nomination(self.state, event, role, facts)
        except Refused as refused:
            assert event not in offered
            assert refused.rules and all(not r.ok for r in refused.rules)
            return
        assert event in offered
        # An outcome is left only by the board's amendment of a ratified decision.
        assert self.state not in self.wf.nomination_final_states or (
            role == "board" and event in ("confer", "revoke") and facts.cycle_state in ("ratified", "announced"))
        blocking = [r for r in facts.eligibility if r.blocks]
        if new == "submitted":
            assert role == "nominator" and facts.cycle_state == "call_open" and not facts.deadline_passed
            assert facts.eligibility and not blocking
        if new == "eligible" and event == "mark_eligible":
            assert role == "admin" and not blocking
        if new == "ineligible":
            assert (facts.screening_reason or "").strip()
        if new == "laureate":
            assert role == "board" and facts.cycle_state in ("ratified", "announced")
        if new == "withdrawn":
            assert role == "nominator" and facts.cycle_state in ("call_open", "screening")
        self.state = new

    @invariant()
    def final_states_offer_nothing(self):
        if self.state in self.wf.nomination_final_states:
            for role in ROLES:
                facts = NominationFacts(cycle_state="ratified")
                amendment = {"laureate": ["revoke"], "not_selected": ["confer"]}.get(self.state, [])
                assert self.wf.nomination_events(self.state, role, facts) == (amendment if role == "board" else [])


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_random_cycle_runs_keep_the_rules(code):
    run = type(f"CycleRun_{code}", (CycleRun,), {"wf": REGISTRY[code]})
    run_state_machine_as_test(run, settings=RUNS)


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_random_nomination_runs_keep_the_rules(code):
    run = type(f"NominationRun_{code}", (NominationRun,), {"wf": REGISTRY[code]})
    run_state_machine_as_test(run, settings=RUNS)
