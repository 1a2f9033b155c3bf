"""The interface the services rely on: registry, constants, defaults,
diagrams, and the shape of results and refusals."""

import dataclasses
import json

import pytest

import workflows
from tests.workflows.wf_support import ALL_AWARDS
from workflows import REGISTRY, CycleFacts, Refused, RuleResult
from workflows.machines import StandardCycle
from workflows.rulebook import STANDARD_CYCLE_RULES, Rulebook
from workflows.workflow import Workflow


def test_roles_and_candidate_kinds_are_the_documented_ones():
    assert workflows.ROLES == ("admin", "nominator", "judge", "chair", "board", "auditor")
    assert workflows.CANDIDATE_KINDS == ("individual", "delegation", "organisation", "project")


def test_registry_holds_the_seven_awards_under_their_codes():
    assert sorted(REGISTRY) == sorted(ALL_AWARDS)
    for code, wf in REGISTRY.items():
        assert wf.code == code


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_each_award_describes_itself_in_three_languages(code):
    wf = REGISTRY[code]
    assert set(wf.names) == {"en", "fr", "es"} and all(wf.names.values())
    assert wf.candidate_kind in workflows.CANDIDATE_KINDS
    assert wf.candidate_kind != "project"
    assert wf.cadence
    assert wf.cycle_initial_state == "draft"
    assert wf.nomination_initial_state == "draft"


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_defaults_are_json_copies_a_caller_cannot_corrupt(code):
    wf = REGISTRY[code]
    settings, criteria = wf.default_settings, wf.default_criteria
    json.dumps(settings)
    json.dumps(criteria)
    settings["max_laureates"] = 99
    if criteria:
        criteria[0]["weight"] = 99.0
    assert wf.default_settings["max_laureates"] != 99
    assert all(c["weight"] != 99.0 for c in wf.default_criteria)
    assert settings["candidate_kind"] == wf.candidate_kind
    for key in ("max_laureates", "board_quorum", "board_majority", "required_fields"):
        assert key in wf.default_settings


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_criteria_have_codes_names_weights_and_scales(code):
    for c in REGISTRY[code].default_criteria:
        assert set(c) == {"code", "names", "weight", "scale_min", "scale_max", "comment_required"}
        assert set(c["names"]) == {"en", "fr", "es"} and all(c["names"].values())
        assert isinstance(c["weight"], float) and c["weight"] > 0
        assert c["scale_min"] < c["scale_max"]


def test_the_milset_award_has_no_call_no_scoring_and_no_criteria():
    wf = REGISTRY["milset_award"]
    assert (wf.has_call, wf.has_scoring, wf.default_criteria) == (False, False, [])
    assert "open_call" not in wf.cycle_events_all


@pytest.mark.parametrize("code", [c for c in ALL_AWARDS if c != "milset_award"])
def test_the_other_awards_have_a_call_scoring_and_criteria(code):
    wf = REGISTRY[code]
    assert wf.has_call and wf.has_scoring and wf.default_criteria


def test_defaults_follow_the_awards_reference():
    volunteer = REGISTRY["volunteer_award"].default_settings
    assert (volunteer["max_age"], volunteer["min_volunteer_years"], volunteer["odd_years_only"],
            volunteer["max_laureates"], volunteer["age_reference"]) == (30, 5, True, 1, "nomination_deadline")
    young = REGISTRY["young_scientists_award"].default_settings
    assert (young["panel_min_size"], young["panel_max_size"], young["chair_must_be_board"]) == (3, 3, True)
    assert (young["young_age_min"], young["young_age_max"]) == (9, 12)
    assert young["max_laureates"] > 1
    assert REGISTRY["cultural_award"].default_settings["max_laureates"] >= 2
    assert REGISTRY["derek_gray_medal"].candidate_kind == "individual"
    assert REGISTRY["milset_award"].candidate_kind == "organisation"
    for code in ("cultural_award", "best_delegation_award", "young_scientists_award",
                 "enrique_padilla_award"):
        assert REGISTRY[code].candidate_kind == "delegation"


def test_state_lists_cover_every_machine_once():
    cycle = [s for wf in REGISTRY.values() for s in wf.cycle_states]
    nomination = [s for wf in REGISTRY.values() for s in wf.nomination_states]
    assert set(workflows.CYCLE_STATES) == set(cycle)
    assert set(workflows.NOMINATION_STATES) == set(nomination)
    assert len(set(workflows.CYCLE_STATES)) == len(workflows.CYCLE_STATES)
    assert len(set(workflows.NOMINATION_STATES)) == len(workflows.NOMINATION_STATES)
    assert {"hearing", "designated", "recommended", "announced", "cancelled"} <= set(workflows.CYCLE_STATES)
    assert {"laureate", "not_selected", "withdrawn", "ineligible"} <= set(workflows.NOMINATION_STATES)


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_diagrams_are_mermaid_naming_every_state(code):
    wf = REGISTRY[code]
    for text, states in ((wf.cycle_diagram(), wf.cycle_states),
                         (wf.nomination_diagram(), wf.nomination_states)):
        assert text.startswith("stateDiagram-v2")
        for state in states:
            assert f" as {state}" in text


def test_a_volunteer_diagram_shows_the_hearing_and_the_milset_one_the_designation():
    assert "hearing --> ratified" in REGISTRY["volunteer_award"].cycle_diagram()
    assert "draft --> designated" in REGISTRY["milset_award"].cycle_diagram()


def test_rule_results_are_frozen_and_hashable():
    result = RuleResult("volunteer.age_under_30", False, "Too old.", detail={"age": 30})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = True  # type: ignore[misc]
    assert hash(result) == hash(RuleResult("volunteer.age_under_30", False, "Too old.", detail={"age": 30}))
    assert result.blocks
    assert not RuleResult("x.y", False, "Only a warning.", severity="warning").blocks


def test_a_refusal_keeps_only_failures_and_names_them():
    refused = Refused([RuleResult("a.ok", True, "fine"), RuleResult("b.no", False, "no"),
                       RuleResult("c.no", False, "no")], event="ratify", state="recommended")
    assert [r.rule for r in refused.rules] == ["b.no", "c.no"]
    assert (refused.event, refused.state) == ("ratify", "recommended")
    assert "b.no" in str(refused) and "c.no" in str(refused) and "a.ok" not in str(refused)


def test_a_workflow_whose_rulebook_misses_an_event_is_refused_at_declaration():
    roles = dict(STANDARD_CYCLE_RULES.roles)
    del roles["announce"]
    with pytest.raises(ValueError, match="announce"):
        Workflow(code="broken", names={"en": "x", "fr": "x", "es": "x"}, candidate_kind="individual",
                 cadence="never", cycle_machine=StandardCycle, cycle_rules=Rulebook(roles=roles),
                 eligibility=(), default_settings={})


def test_facts_have_neutral_defaults():
    facts = CycleFacts()
    assert facts.settings == {} and facts.missing_fields == () and facts.close_reason is None
