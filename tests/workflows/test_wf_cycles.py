"""Cycle transitions of every award: the happy path, cancellation, events
fired in the wrong state or by the wrong role, and each guard refusing."""

from dataclasses import replace

import pytest

from tests.workflows.wf_support import (
    ALL_AWARDS,
    HAPPY_PATHS,
    PANEL_AWARDS,
    PASSING_CYCLE,
    SHORTLIST_CYCLE,
    SHORTLIST_PATH,
    STANDARD_AWARDS,
    state_before,
)
from workflows import REGISTRY, ROLES, Refused


def refused_rules(code, state, event, role, facts):
    with pytest.raises(Refused) as caught:
        REGISTRY[code].fire_cycle(state, event, role, facts)
    assert caught.value.event == event and caught.value.state == state
    assert all(not r.ok for r in caught.value.rules)
    return [r.rule for r in caught.value.rules]


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_the_happy_path_runs_to_the_announcement(code):
    wf, state = REGISTRY[code], "draft"
    for event, role, reached in HAPPY_PATHS[code]:
        assert event in wf.cycle_events(state, role, PASSING_CYCLE)
        state = wf.fire_cycle(state, event, role, PASSING_CYCLE)
        assert state == reached
    assert state == "announced"
    assert all(wf.cycle_events(state, role, PASSING_CYCLE) == [] for role in ROLES)


@pytest.mark.parametrize("code", STANDARD_AWARDS)
def test_a_shortlist_round_runs_before_the_final_round(code):
    wf, state = REGISTRY[code], "draft"
    for event, role, reached in SHORTLIST_PATH:
        assert event in wf.cycle_events(state, role, SHORTLIST_CYCLE)
        state = wf.fire_cycle(state, event, role, SHORTLIST_CYCLE)
        assert state == reached
    assert state == "announced"


@pytest.mark.parametrize("code", STANDARD_AWARDS)
def test_a_cycle_takes_the_round_it_has_and_not_the_other(code):
    wf = REGISTRY[code]
    assert refused_rules(code, "screening", "open_shortlist", "admin", PASSING_CYCLE) == ["rounds.shortlist_round"]
    assert refused_rules(code, "screening", "open_judging", "admin", SHORTLIST_CYCLE) == [
        "rounds.no_shortlist_round"]
    # Neither is listed as a step waiting for something.
    assert "open_shortlist" not in dict(wf.cycle_events_waiting("screening", "admin", PASSING_CYCLE))
    assert "open_judging" not in dict(wf.cycle_events_waiting("screening", "admin", SHORTLIST_CYCLE))
    empty = replace(SHORTLIST_CYCLE, shortlist_size=0)
    assert refused_rules(code, "shortlisting", "decide_shortlist", "chair", empty) == ["shortlist.empty"]
    assert wf.round_in_play("screening", {"shortlist_round": True}) == "shortlist"
    assert wf.round_in_play("screening", {}) == "final"
    assert wf.round_in_play("shortlisting", {"shortlist_round": True}) == "shortlist"
    assert wf.round_in_play("judging", {"shortlist_round": True}) == "final"


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_the_secretariat_can_cancel_from_every_state_but_the_final_ones(code):
    wf = REGISTRY[code]
    for state in wf.cycle_states:
        if state in wf.cycle_final_states:
            assert refused_rules(code, state, "cancel", "admin", PASSING_CYCLE) == [
                "workflow.not_allowed_in_state"]
        else:
            assert wf.fire_cycle(state, "cancel", "admin", PASSING_CYCLE) == "cancelled"
    assert set(wf.cycle_final_states) == {"announced", "cancelled"}


def _wrong_state_cases():
    for code in ALL_AWARDS:
        wf = REGISTRY[code]
        legal = {(state_before(code, event), event) for event, _, _ in HAPPY_PATHS[code]}
        if wf.has_shortlist_round:
            legal |= {("screening", "open_shortlist"), ("shortlist_scoring", "close_shortlist"),
                      ("shortlisting", "decide_shortlist")}
        legal |= {(s, "cancel") for s in wf.cycle_states if s not in wf.cycle_final_states}
        if "reject" in wf.cycle_events_all:  # the board's rejection leaves where its ratification does
            legal |= {(s, "reject") for s in wf.awaiting_ratification_states}
        if "withdraw_recommendation" in wf.cycle_events_all:
            legal.add(("hearing" if code == "volunteer_award" else "recommended", "withdraw_recommendation"))
        for state in wf.cycle_states:
            for event in wf.cycle_events_all:
                if (state, event) not in legal:
                    yield code, state, event


@pytest.mark.parametrize(("code", "state", "event"), list(_wrong_state_cases()))
def test_an_event_fired_in_the_wrong_state_is_refused(code, state, event):
    facts = replace(PASSING_CYCLE, board_votes_reject=5)  # so only the state can refuse
    role = next(iter(REGISTRY[code].cycle_rules.roles[event]))
    assert refused_rules(code, state, event, role, facts) == ["workflow.not_allowed_in_state"]
    assert event not in REGISTRY[code].cycle_events(state, role, facts)


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_an_unknown_event_is_named_as_such(code):
    assert refused_rules(code, "draft", "publish_everything", "admin", PASSING_CYCLE) == [
        "workflow.unknown_event"]


# Who may fire what, written out rather than read from the rulebooks, so a
# change to a rulebook's roles fails here.
EXPECTED_ROLES = {
    "publish_criteria": {"admin"},
    "open_call": {"admin"},
    "close_call": {"admin"},
    "open_judging": {"admin", "chair"},
    "close_scoring": {"chair"},
    "recommend": {"chair"},
    "ratify": {"board"},
    "vote": {"board"},
    "announce": {"admin"},
    "designate_host": {"admin"},
    "confirm": {"board"},
    "present": {"admin"},
}


@pytest.mark.parametrize(("code", "event", "role"), [
    (code, event, role) for code in ALL_AWARDS for event, _, _ in HAPPY_PATHS[code] for role in ROLES
])
def test_only_the_declared_roles_fire_each_event(code, event, role):
    state = state_before(code, event)
    if role in EXPECTED_ROLES[event]:
        REGISTRY[code].fire_cycle(state, event, role, PASSING_CYCLE)
        assert event in REGISTRY[code].cycle_events(state, role, PASSING_CYCLE)
    else:
        assert refused_rules(code, state, event, role, PASSING_CYCLE) == ["workflow.role_not_allowed"]
        assert event not in REGISTRY[code].cycle_events(state, role, PASSING_CYCLE)


@pytest.mark.parametrize("code", ALL_AWARDS)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_the_secretariat_cancels(code, role):
    assert refused_rules(code, "draft", "cancel", role, PASSING_CYCLE) == ["workflow.role_not_allowed"]


# The Young Scientists jury must be chaired from the board, so a missing
# chair fails two of its rules (tested on its own below).
BOARD_CHAIR_OPTIONAL = tuple(c for c in PANEL_AWARDS if c != "young_scientists_award")

# (awards, event, fact changes, the rule that refuses)
GUARD_FAILURES = [
    (PANEL_AWARDS, "publish_criteria", {"criteria_count": 0}, "criteria.defined"),
    (PANEL_AWARDS, "publish_criteria", {"settings": {"max_laureates": 0}}, "settings.max_laureates"),
    (PANEL_AWARDS, "publish_criteria", {"is_esi": True, "settings": {"candidate_kind": "project"}},
     "esi.no_project_awards"),
    (PANEL_AWARDS, "open_call", {"criteria_published": False}, "criteria.published"),
    (PANEL_AWARDS, "open_judging", {"eligible_nominations": 0}, "screening.eligible_nominations"),
    (PANEL_AWARDS, "open_judging", {"unscreened_nominations": 1}, "screening.all_screened"),
    (BOARD_CHAIR_OPTIONAL, "open_judging", {"panel_has_chair": False}, "panel.chair"),
    (PANEL_AWARDS, "open_judging", {"missing_fields": ("youth_work",)}, "panel.expertise_covers_fields"),
    (PANEL_AWARDS, "open_judging", {"unresolved_conflicts": 1}, "conflicts.unresolved"),
    (PANEL_AWARDS, "close_scoring", {"assignments_submitted": 5}, "scoring.all_submitted"),
    (PANEL_AWARDS, "close_scoring", {"assignments_total": 0, "assignments_submitted": 0},
     "scoring.all_submitted"),
    (PANEL_AWARDS, "close_scoring", {"assignments_submitted": 5, "close_reason": "   "},
     "scoring.all_submitted"),
    (PANEL_AWARDS, "close_scoring", {"unresolved_conflicts": 1}, "conflicts.unresolved"),
    (PANEL_AWARDS, "close_scoring", {"panel_size": 2}, "panel.size"),
    (PANEL_AWARDS, "recommend", {"unresolved_conflicts": 1}, "conflicts.unresolved"),
    (PANEL_AWARDS, "withdraw_recommendation", {"recommendation_withdrawn": False},
     "recommendation.withdrawn_first"),
    (STANDARD_AWARDS, "ratify", {"unresolved_conflicts": 1}, "conflicts.unresolved"),
    (("volunteer_award",), "vote", {"unresolved_conflicts": 1}, "conflicts.unresolved"),
    (PANEL_AWARDS, "recommend", {"recommended_count": 0}, "cycle.max_laureates"),
    (PANEL_AWARDS, "recommend", {"recommended_count": 7}, "cycle.max_laureates"),
    (PANEL_AWARDS, "recommend", {"recommended_count": 2, "max_laureates": 1}, "cycle.max_laureates"),
    (PANEL_AWARDS, "recommend", {"recommended_count": 2, "settings": {"max_laureates": 1}},
     "cycle.max_laureates"),
    (("derek_gray_medal", "enrique_padilla_award", "best_delegation_award", "volunteer_award"),
     "open_judging", {"panel_size": 2}, "panel.size"),
    (("derek_gray_medal", "cultural_award", "volunteer_award"), "open_judging",
     {"chair_is_board": False, "settings": {"chair_must_be_board": True}}, "panel.chair_is_board"),
    (("derek_gray_medal", "cultural_award"), "open_judging",
     {"panel_size": 4, "settings": {"panel_max_size": 3}}, "panel.size"),
    (STANDARD_AWARDS, "ratify", {"board_votes_approve": 2}, "board.quorum"),
    (STANDARD_AWARDS, "ratify", {"board_votes_approve": 1, "board_votes_reject": 2}, "board.majority"),
    (STANDARD_AWARDS, "ratify", {"board_votes_approve": 2, "board_votes_reject": 2}, "board.majority"),
    (STANDARD_AWARDS, "ratify", {"board_votes_approve": 0, "board_votes_abstain": 3}, "board.majority"),
    (STANDARD_AWARDS, "ratify", {"board_votes_approve": 3, "board_votes_reject": 2,
                                 "settings": {"board_majority": 0.66}}, "board.majority"),
    (("young_scientists_award",), "open_judging", {"panel_size": 2}, "young_scientists.jury_of_three"),
    (("young_scientists_award",), "open_judging", {"panel_size": 4}, "young_scientists.jury_of_three"),
    (("young_scientists_award",), "open_judging", {"chair_is_board": False},
     "young_scientists.chair_is_board"),
    (("volunteer_award",), "publish_criteria", {"year": 2026}, "volunteer.odd_year"),
    (("volunteer_award",), "publish_criteria", {"year": 2026, "odd_year_override_reason": "  "},
     "volunteer.odd_year"),
    (("volunteer_award",), "open_call", {"year": 2028}, "volunteer.odd_year"),
    (("volunteer_award",), "vote", {"hearing_held": False}, "volunteer.hearing_held"),
    (("volunteer_award",), "vote", {"board_votes_approve": 2}, "board.quorum"),
    (("volunteer_award",), "vote", {"board_votes_approve": 1, "board_votes_reject": 2}, "board.majority"),
    (("milset_award",), "designate_host", {"host_designated": False}, "milset_award.host_is_candidate"),
    (("milset_award",), "designate_host", {"is_esi": True, "settings": {"candidate_kind": "project"}},
     "esi.no_project_awards"),
    (("milset_award",), "confirm", {"board_votes_approve": 2}, "board.quorum"),
    (("milset_award",), "confirm", {"board_votes_approve": 3, "board_votes_reject": 3}, "board.majority"),
]


@pytest.mark.parametrize(("code", "event", "changes", "rule"), [
    (code, event, changes, rule) for awards, event, changes, rule in GUARD_FAILURES for code in awards
])
def test_each_guard_refuses_with_its_rule(code, event, changes, rule):
    state = state_before(code, event)
    role = next(iter(REGISTRY[code].cycle_rules.roles[event]))
    facts = replace(PASSING_CYCLE, **changes)
    assert refused_rules(code, state, event, role, facts) == [rule]
    assert event not in REGISTRY[code].cycle_events(state, role, facts)


def test_a_refusal_names_every_failing_rule_at_once():
    facts = replace(PASSING_CYCLE, panel_size=1, panel_has_chair=False, unresolved_conflicts=2,
                    missing_fields=("performing_arts", "cultural_heritage"))
    with pytest.raises(Refused) as caught:
        REGISTRY["cultural_award"].fire_cycle("screening", "open_judging", "chair", facts)
    rules = {r.rule: r for r in caught.value.rules}
    assert set(rules) == {"panel.size", "panel.chair", "conflicts.unresolved",
                          "panel.expertise_covers_fields"}
    missing = rules["panel.expertise_covers_fields"]
    assert "performing_arts" in missing.message and "cultural_heritage" in missing.message
    assert missing.detail["missing_fields"] == ["performing_arts", "cultural_heritage"]


@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_scoring_closes_early_only_with_the_chairs_reason(code):
    facts = replace(PASSING_CYCLE, assignments_submitted=4, close_reason="A judge fell ill.")
    assert REGISTRY[code].fire_cycle("judging", "close_scoring", "chair", facts) == "deliberation"


@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_a_recommendation_may_name_up_to_the_allowed_laureates(code):
    limit = REGISTRY[code].default_settings["max_laureates"]
    facts = replace(PASSING_CYCLE, recommended_count=limit)
    state = state_before(code, "recommend")
    assert REGISTRY[code].fire_cycle(state, "recommend", "chair", facts) in ("recommended", "hearing")
    assert refused_rules(code, state, "recommend", "chair", replace(facts, recommended_count=limit + 1)) == [
        "cycle.max_laureates"]


def test_the_cultural_award_allows_two_laureates_and_best_delegation_one():
    two = replace(PASSING_CYCLE, recommended_count=2)
    assert REGISTRY["cultural_award"].fire_cycle("deliberation", "recommend", "chair", two) == "recommended"
    assert refused_rules("best_delegation_award", "deliberation", "recommend", "chair", two) == [
        "cycle.max_laureates"]


@pytest.mark.parametrize(("code", "state", "back_to"), [(c, "recommended", "deliberation") for c in STANDARD_AWARDS]
                         + [("volunteer_award", "hearing", "deliberation"), ("milset_award", "designated", "draft")])
def test_the_board_sends_a_recommendation_back_by_majority(code, state, back_to):
    against = replace(PASSING_CYCLE, board_votes_approve=1, board_votes_reject=3)
    assert REGISTRY[code].fire_cycle(state, "reject", "board", against) == back_to
    assert refused_rules(code, state, "reject", "board", PASSING_CYCLE) == ["board.majority_rejects"]
    assert refused_rules(code, state, "reject", "board", replace(against, board_votes_approve=0,
                                                                   board_votes_reject=2)) == ["board.quorum"]
    assert refused_rules(code, state, "reject", "chair", against) == ["workflow.role_not_allowed"]


@pytest.mark.parametrize("changes", [{"odd_year_override_reason": "The board named a laureate at ESE 2012."},
                                     {"settings": {"odd_years_only": False}}])
def test_the_volunteer_award_runs_in_an_even_year_with_the_boards_override(changes):
    wf = REGISTRY["volunteer_award"]
    facts = replace(PASSING_CYCLE, year=2026, **changes)
    assert wf.fire_cycle("draft", "publish_criteria", "admin", facts) == "criteria_published"
    assert wf.fire_cycle("criteria_published", "open_call", "admin", facts) == "call_open"


@pytest.mark.parametrize("code", STANDARD_AWARDS)
def test_the_odd_year_rule_belongs_to_the_volunteer_award_only(code):
    facts = replace(PASSING_CYCLE, year=2026, event_year=2026)
    assert REGISTRY[code].fire_cycle("draft", "publish_criteria", "admin", facts) == "criteria_published"


@pytest.mark.parametrize(("code", "event_year", "refused"), [
    ("cultural_award", None, True), ("best_delegation_award", 2025, True), ("young_scientists_award", 2027, False),
    ("enrique_padilla_award", None, True), ("derek_gray_medal", None, False), ("volunteer_award", None, False)])
def test_an_esi_award_belongs_to_the_esi_of_its_year(code, event_year, refused):
    facts = replace(PASSING_CYCLE, event_year=event_year)
    if refused:
        assert "esi.event_of_year" in refused_rules(code, "draft", "publish_criteria", "admin", facts)
    else:
        assert REGISTRY[code].fire_cycle("draft", "publish_criteria", "admin", facts) == "criteria_published"


def test_the_milset_award_designates_the_host_of_the_esi_of_its_year():
    facts = replace(PASSING_CYCLE, event_year=2026)
    assert "esi.event_of_year" in refused_rules("milset_award", "draft", "designate_host", "admin", facts)


def test_the_young_scientists_jury_of_three_is_chaired_from_the_board():
    wf = REGISTRY["young_scientists_award"]
    assert wf.fire_cycle("screening", "open_judging", "chair", PASSING_CYCLE) == "judging"
    no_chair = replace(PASSING_CYCLE, panel_has_chair=False, chair_is_board=True)
    assert set(refused_rules("young_scientists_award", "screening", "open_judging", "chair", no_chair)) == {
        "panel.chair", "young_scientists.chair_is_board"}


def test_other_awards_accept_a_chair_from_outside_the_board():
    facts = replace(PASSING_CYCLE, chair_is_board=False, panel_size=5)
    for code in ("derek_gray_medal", "cultural_award", "best_delegation_award", "volunteer_award"):
        assert REGISTRY[code].fire_cycle("screening", "open_judging", "chair", facts) == "judging"


def test_events_offered_are_those_whose_guards_pass():
    wf = REGISTRY["cultural_award"]
    assert wf.cycle_events("screening", "chair", PASSING_CYCLE) == ["open_judging"]
    assert wf.cycle_events("screening", "admin", PASSING_CYCLE) == ["open_judging", "cancel"]
    blocked = replace(PASSING_CYCLE, unresolved_conflicts=1)
    assert wf.cycle_events("screening", "admin", blocked) == ["cancel"]
    assert wf.cycle_events("screening", "auditor", PASSING_CYCLE) == []


def test_an_unknown_stored_state_is_refused_not_guessed():
    assert refused_rules("cultural_award", "limbo", "cancel", "admin", PASSING_CYCLE) == [
        "workflow.unknown_state"]
    with pytest.raises(ValueError):
        REGISTRY["cultural_award"].cycle_events("limbo", "admin", PASSING_CYCLE)


@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_a_withdrawn_recommendation_sends_the_cycle_back_to_deliberation(code):
    wf = REGISTRY[code]
    state = "hearing" if code == "volunteer_award" else "recommended"
    facts = replace(PASSING_CYCLE, recommendation_withdrawn=True)
    assert wf.fire_cycle(state, "withdraw_recommendation", "chair", facts) == "deliberation"
    assert wf.fire_cycle(state, "withdraw_recommendation", "admin", facts) == "deliberation"


@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_the_boards_votes_stay_closed_while_a_conflict_is_open(code):
    wf = REGISTRY[code]
    assert "conflicts.unresolved" in [r.rule for r in wf.votes_refused(replace(PASSING_CYCLE,
                                                                               unresolved_conflicts=1))]
    assert wf.votes_refused(PASSING_CYCLE) == []
