"""Eligibility rules of each award, with their boundaries, and the checks
on a cycle's settings (no project award at an ESI)."""

from dataclasses import replace

import pytest

from tests.workflows.wf_support import ALL_AWARDS
from workflows import REGISTRY, CandidateFacts

# A candidate every rule of the award accepts.
IDEAL = {
    "milset_award": CandidateFacts(kind="organisation", is_host_organisation=True,
                                   organisation_is_member=True),
    "derek_gray_medal": CandidateFacts(kind="individual"),
    "enrique_padilla_award": CandidateFacts(kind="delegation", at_current_esi=True),
    "volunteer_award": CandidateFacts(kind="individual", age_at_reference=24, volunteer_years=6,
                                      endorsed_by_own_organisation=True),
    "cultural_award": CandidateFacts(kind="delegation", at_current_esi=True, organisation_is_member=True),
    "best_delegation_award": CandidateFacts(kind="delegation", at_current_esi=True, previously_won=True),
    "young_scientists_award": CandidateFacts(kind="delegation", at_current_esi=True,
                                             organisation_is_member=True, participant_ages=(15, 11, 17)),
}

# The rule ids each award checks, written out so removing a rule fails here.
RULES = {
    "milset_award": {"candidate.kind", "milset_award.host_organisation"},
    "derek_gray_medal": {"derek_gray.individual", "derek_gray.never_received"},
    "enrique_padilla_award": {"candidate.kind", "padilla.at_current_esi"},
    "volunteer_award": {"candidate.kind", "volunteer.age_under_30", "volunteer.min_years",
                        "volunteer.endorsed_by_organisation"},
    "cultural_award": {"candidate.kind", "cultural.at_current_esi", "cultural.member", "cultural.never_won"},
    "best_delegation_award": {"candidate.kind", "best_delegation.at_current_esi"},
    "young_scientists_award": {"candidate.kind", "young_scientists.at_current_esi",
                               "young_scientists.has_age_group", "young_scientists.member",
                               "young_scientists.never_won", "young_scientists.not_host"},
}


def failing(code, candidate, settings=None):
    return [r.rule for r in REGISTRY[code].check_eligibility(candidate, settings or {}) if not r.ok]


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_the_ideal_candidate_passes_every_rule_and_every_rule_is_reported(code):
    results = REGISTRY[code].check_eligibility(IDEAL[code], {})
    assert {r.rule for r in results} == RULES[code]
    assert all(r.ok and r.message for r in results)


# (award, changes to the ideal candidate, the one rule that fails)
FAILURES = [
    ("milset_award", {"is_host_organisation": False}, "milset_award.host_organisation"),
    ("milset_award", {"kind": "delegation"}, "candidate.kind"),
    ("derek_gray_medal", {"kind": "organisation"}, "derek_gray.individual"),
    ("derek_gray_medal", {"previously_won": True}, "derek_gray.never_received"),
    ("enrique_padilla_award", {"at_current_esi": False}, "padilla.at_current_esi"),
    ("enrique_padilla_award", {"kind": "individual"}, "candidate.kind"),
    ("volunteer_award", {"age_at_reference": 30}, "volunteer.age_under_30"),
    ("volunteer_award", {"age_at_reference": None}, "volunteer.age_under_30"),
    ("volunteer_award", {"volunteer_years": 4.9}, "volunteer.min_years"),
    ("volunteer_award", {"volunteer_years": None}, "volunteer.min_years"),
    ("volunteer_award", {"endorsed_by_own_organisation": False}, "volunteer.endorsed_by_organisation"),
    ("volunteer_award", {"kind": "delegation"}, "candidate.kind"),
    ("cultural_award", {"at_current_esi": False}, "cultural.at_current_esi"),
    ("cultural_award", {"organisation_is_member": False}, "cultural.member"),
    ("cultural_award", {"organisation_is_member": None}, "cultural.member"),
    ("cultural_award", {"previously_won": True}, "cultural.never_won"),
    ("best_delegation_award", {"at_current_esi": False}, "best_delegation.at_current_esi"),
    ("young_scientists_award", {"participant_ages": (13, 14, 8)}, "young_scientists.has_age_group"),
    ("young_scientists_award", {"participant_ages": ()}, "young_scientists.has_age_group"),
    ("young_scientists_award", {"organisation_is_member": False}, "young_scientists.member"),
    ("young_scientists_award", {"previously_won": True}, "young_scientists.never_won"),
    ("young_scientists_award", {"is_host_organisation": True}, "young_scientists.not_host"),
    ("young_scientists_award", {"at_current_esi": False}, "young_scientists.at_current_esi"),
]


@pytest.mark.parametrize(("code", "changes", "rule"), FAILURES)
def test_each_eligibility_rule_refuses_its_case(code, changes, rule):
    assert failing(code, replace(IDEAL[code], **changes)) == [rule]


@pytest.mark.parametrize(("age", "ok"), [(0, True), (29, True), (30, False), (31, False)])
def test_the_volunteer_must_be_under_thirty(age, ok):
    candidate = replace(IDEAL["volunteer_award"], age_at_reference=age)
    assert ("volunteer.age_under_30" not in failing("volunteer_award", candidate)) is ok


@pytest.mark.parametrize(("years", "ok"), [(5, True), (5.0, True), (12.5, True), (4.9, False), (0, False)])
def test_the_volunteer_served_at_least_five_years(years, ok):
    candidate = replace(IDEAL["volunteer_award"], volunteer_years=years)
    assert ("volunteer.min_years" not in failing("volunteer_award", candidate)) is ok


def test_volunteer_limits_come_from_the_cycle_settings():
    candidate = replace(IDEAL["volunteer_award"], age_at_reference=32, volunteer_years=3)
    assert set(failing("volunteer_award", candidate)) == {"volunteer.age_under_30", "volunteer.min_years"}
    assert failing("volunteer_award", candidate, {"max_age": 35, "min_volunteer_years": 3}) == []


@pytest.mark.parametrize(("ages", "ok"), [((9,), True), ((12,), True), ((16, 10), True), ((8,), False),
                                          ((13,), False), ((8, 13, 25), False)])
def test_young_scientists_include_the_nine_to_twelve_age_group(ages, ok):
    candidate = replace(IDEAL["young_scientists_award"], participant_ages=ages)
    assert ("young_scientists.has_age_group" not in failing("young_scientists_award", candidate)) is ok


def test_the_young_age_group_comes_from_the_cycle_settings():
    candidate = replace(IDEAL["young_scientists_award"], participant_ages=(13,))
    assert failing("young_scientists_award", candidate, {"young_age_max": 13}) == []


def test_a_failed_rule_explains_itself_with_its_values():
    result = next(r for r in REGISTRY["volunteer_award"].check_eligibility(
        replace(IDEAL["volunteer_award"], age_at_reference=30), {}) if r.rule == "volunteer.age_under_30")
    assert not result.ok and result.severity == "error"
    assert result.detail == {"max_age": 30, "age": 30}
    assert "30" in result.message


@pytest.mark.parametrize("code", ALL_AWARDS)
@pytest.mark.parametrize("esi", [True, False])
def test_the_default_settings_are_valid(code, esi):
    assert [r.rule for r in REGISTRY[code].validate_settings({}, event_is_esi=esi) if not r.ok] == []


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_a_project_award_is_refused_at_an_esi_only(code):
    project = {"candidate_kind": "project"}
    refused = [r.rule for r in REGISTRY[code].validate_settings(project, event_is_esi=True) if not r.ok]
    assert refused == ["esi.no_project_awards"]
    assert all(r.ok for r in REGISTRY[code].validate_settings(project, event_is_esi=False))


# (award, settings, the rule that refuses)
BAD_SETTINGS = [
    ("cultural_award", {"candidate_kind": "team"}, "settings.candidate_kind"),
    ("cultural_award", {"max_laureates": 0}, "settings.max_laureates"),
    ("cultural_award", {"max_laureates": True}, "settings.max_laureates"),
    ("derek_gray_medal", {"panel_min_size": 4, "panel_max_size": 3}, "settings.panel_size"),
    ("derek_gray_medal", {"panel_min_size": 0}, "settings.panel_size"),
    ("volunteer_award", {"board_quorum": 0}, "settings.board_quorum"),
    ("volunteer_award", {"board_majority": 0.4}, "settings.board_majority"),
    ("milset_award", {"board_majority": 1}, "settings.board_majority"),
    ("young_scientists_award", {"young_age_min": 13}, "settings.young_age_range"),
]


@pytest.mark.parametrize(("code", "settings", "rule"), BAD_SETTINGS)
def test_each_settings_rule_refuses_its_case(code, settings, rule):
    results = REGISTRY[code].validate_settings(settings, event_is_esi=True)
    assert [r.rule for r in results if not r.ok] == [rule]


@pytest.mark.parametrize(("code", "changes", "rule"), FAILURES)
def test_a_passed_rule_says_what_holds_not_what_would_fail(code, changes, rule):
    """Shown beside a tick, a failure's text reads as a failure ("✓ The
    candidate has already received the Derek Gray Medal")."""
    passed = {r.rule: r.message for r in REGISTRY[code].check_eligibility(IDEAL[code], {})}
    failed = {r.rule: r.message for r in REGISTRY[code].check_eligibility(replace(IDEAL[code], **changes), {})}
    assert passed[rule] and passed[rule] != failed[rule]
