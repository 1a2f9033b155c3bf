"""The per-cycle settings: one declared list, read through one function.

Every name read anywhere is declared, an undeclared name raises, a stored
dict that lacks a key reads the award's default and then the declared one,
and every award's defaults pass the declared checks."""

from dataclasses import replace

import pytest

from tests.workflows.wf_support import ALL_AWARDS, PANEL_AWARDS, PASSING_CYCLE, state_before
from workflows import REGISTRY, Refused
from workflows.settings import AWARD_SETS, DECLARED, SETTINGS, UnknownSetting, check_settings, setting, undeclared

# --- the declarations ----------------------------------------------------------

def test_each_setting_is_declared_once_with_a_description():
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)
    for s in SETTINGS:
        assert s.description.strip().endswith("."), s.name
        assert s.kind in ("int", "number", "bool", "str", "names", "mapping"), s.name


@pytest.mark.parametrize("declared", [s for s in SETTINGS if s.default is not AWARD_SETS], ids=lambda s: s.name)
def test_each_declared_default_is_a_value_the_setting_accepts(declared):
    assert declared.accepts(declared.default)


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_each_awards_defaults_are_declared_and_valid(code):
    defaults = REGISTRY[code].default_settings
    assert undeclared(defaults) == []
    assert [r.rule for r in check_settings(defaults) if not r.ok] == []


def test_an_award_whose_defaults_break_a_setting_is_refused_when_declared():
    from workflows import Workflow
    from workflows.machines import StandardCycle
    from workflows.rulebook import STANDARD_CYCLE_RULES

    common = dict(code="test", names={"en": "Test"}, candidate_kind="individual", cadence="yearly",
                  cycle_machine=StandardCycle, cycle_rules=STANDARD_CYCLE_RULES, eligibility=())
    with pytest.raises(ValueError, match="board_qourum"):
        Workflow(**common, default_settings={"board_qourum": 3})
    with pytest.raises(ValueError, match="settings.max_age"):
        Workflow(**common, default_settings={"max_age": "thirty"})


# --- reading --------------------------------------------------------------------

def test_an_undeclared_name_raises():
    with pytest.raises(UnknownSetting, match="board_qourum"):
        setting({"board_qourum": 5}, "board_qourum")
    with pytest.raises(UnknownSetting):
        REGISTRY["cultural_award"].setting({}, "quorum")


def test_the_stored_value_then_the_awards_default_then_the_declared_one():
    cultural = REGISTRY["cultural_award"]
    assert cultural.setting({"max_laureates": 3}, "max_laureates") == 3
    assert cultural.setting({}, "max_laureates") == 2  # the award's own default
    assert cultural.setting({}, "endorsement_valid_days") == 14  # declared only
    assert setting({}, "max_laureates") == 1
    assert setting(None, "detect_same_country") is True


def test_a_default_read_is_a_copy():
    value = setting({}, "required_fields")
    value.append("mutated")
    assert setting({}, "required_fields") == []


def test_the_candidate_kind_comes_from_the_award_not_a_declared_default():
    with pytest.raises(LookupError, match="award sets"):
        setting({}, "candidate_kind")
    assert REGISTRY["young_scientists_award"].setting({}, "candidate_kind") == "delegation"


def test_stored_settings_from_before_a_setting_existed_keep_working():
    # A cycle stored with only a few keys (no migration fills the others in).
    old = {"max_laureates": 1, "candidate_kind": "individual"}
    volunteer = REGISTRY["volunteer_award"]
    assert volunteer.setting(old, "max_age") == 30
    assert volunteer.setting(old, "odd_years_only") is True
    assert [r.rule for r in volunteer.validate_settings(old, event_is_esi=False) if not r.ok] == []


# --- the defaults that used to disagree -----------------------------------------

@pytest.mark.parametrize("code", PANEL_AWARDS)
def test_a_panel_needs_three_judges_when_the_stored_settings_do_not_say(code):
    """panel_min_size: the guard fell back to 1, every award's defaults said 3,
    and 3 is what every stored cycle got. 3 stands."""
    assert setting({}, "panel_min_size") == 3
    facts = replace(PASSING_CYCLE, panel_size=2, settings={})
    with pytest.raises(Refused) as refused:
        REGISTRY[code].fire_cycle("screening", "open_judging", "admin", facts)
    [size] = [r for r in refused.value.rules if r.rule.endswith(("panel.size", "jury_of_three"))]
    assert size.detail["panel_min_size"] == 3


@pytest.mark.parametrize("code", ALL_AWARDS)
def test_the_board_quorum_is_three_votes_when_the_stored_settings_do_not_say(code):
    """board_quorum: the guard fell back to 1, every award's defaults said 3,
    and 3 is what every stored cycle got. 3 stands."""
    assert setting({}, "board_quorum") == 3
    wf = REGISTRY[code]
    event = wf.ratifying_event
    two = replace(PASSING_CYCLE, board_votes_approve=2, settings={})
    with pytest.raises(Refused) as refused:
        wf.fire_cycle(state_before(code, event), event, "board", two)
    [quorum] = [r for r in refused.value.rules if r.rule == "board.quorum"]
    assert quorum.detail == {"votes": 2, "quorum": 3}
    assert wf.fire_cycle(state_before(code, event), event, "board",
                         replace(two, board_votes_approve=3)) == "ratified"


# --- validation -----------------------------------------------------------------

BAD_VALUES = [
    ("max_age", "30", "settings.max_age"),
    ("min_volunteer_years", -1, "settings.min_volunteer_years"),
    ("odd_years_only", "yes", "settings.odd_years_only"),
    ("age_reference", "birthday", "settings.age_reference"),
    ("required_fields", "youth_work", "settings.required_fields"),
    ("max_load_per_judge", 0, "settings.max_load_per_judge"),
    ("aggregation", ["median"], "settings.aggregation"),
    ("panel_max_size", 0, "settings.panel_size"),
]


@pytest.mark.parametrize(("name", "value", "rule"), BAD_VALUES)
def test_a_value_a_setting_does_not_accept_is_refused_under_its_rule(name, value, rule):
    results = REGISTRY["volunteer_award"].validate_settings({name: value}, event_is_esi=False)
    failed = [r for r in results if not r.ok]
    assert [r.rule for r in failed] == [rule]
    assert failed[0].detail[name] == value


def test_an_empty_value_is_refused_unless_the_setting_allows_it():
    assert DECLARED["max_load_per_judge"].accepts(None)
    assert not DECLARED["max_age"].accepts(None)
    message = DECLARED["max_age"].refusal_message()
    assert message == "The max_age setting must be a whole number of at least 1."


def test_undeclared_keys_are_named():
    assert undeclared({"board_quorum": 3, "board_qourum": 5}) == ["board_qourum"]
