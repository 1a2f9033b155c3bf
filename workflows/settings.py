"""Every per-cycle setting, declared once: its name, the kind of value, its
default, the values it may take and what it means.

A cycle stores its settings as a JSON dict, copied from its award's
defaults when the cycle is created (see ``Workflow.default_settings``). A
stored dict may lack a key (it was stored before the setting existed, or a
test built it by hand): the award's default fills in, then the default
declared here. Read a setting only through ``setting()`` (or
``Workflow.setting`` / ``Cycle.setting``, which lay the award's defaults
first): it raises on a name that is not declared below, so a typo fails
loudly instead of quietly reading a default.

The rules MILSET may change (AWARDS.md: age limits, years of service,
panel size, quorum, cadence) live here as settings with their documented
default, never as constants in a guard or a service.
"""

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.base import CANDIDATE_KINDS, N_, Message, RuleResult, check


class UnknownSetting(LookupError):
    """A setting name nobody declared: a typo, or a setting added without
    its declaration."""


class _AwardSets:
    def __repr__(self) -> str:
        return "<set by the award>"


# The default of a setting that every award sets for itself (its candidate kind).
AWARD_SETS = _AwardSets()


@dataclass(frozen=True)
class Setting:
    """One per-cycle setting.

    ``kind`` is the JSON kind of its value: ``int``, ``number`` (int or
    float), ``bool``, ``str``, ``names`` (a list of strings) or ``mapping``
    (a JSON object). ``minimum`` and ``below`` bound a number (``below``
    excluded), ``choices`` list the values a string may take, ``empty``
    allows None (JSON null). ``rule`` is the id a refusal carries; settings
    checked together (a range's two ends) share one.
    ``internal`` settings are bookkeeping, not rules a person chooses.
    """

    name: str
    kind: str
    default: Any
    description: str
    minimum: float | None = None
    below: float | None = None
    choices: tuple[str, ...] | None = None
    empty: bool = False
    rule: str = ""
    internal: bool = False

    def __post_init__(self):
        if not self.rule:
            object.__setattr__(self, "rule", f"settings.{self.name}")

    def accepts(self, value) -> bool:
        """Is ``value`` one this setting may take?"""
        if value is None:
            return self.empty
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "str":
            return isinstance(value, str) and (self.choices is None or value in self.choices)
        if self.kind == "names":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self.kind == "mapping":
            return isinstance(value, dict)
        # JSON settings: a bool is an int to Python but never a sensible count.
        number = (int,) if self.kind == "int" else (int, float)
        return (isinstance(value, number) and not isinstance(value, bool)
                and (self.minimum is None or value >= self.minimum)
                and (self.below is None or value < self.below))

    def refusal_message(self) -> str:
        """What to tell the person who set a value this setting refuses."""
        if self.kind == "int" and self.minimum is not None:
            template = (N_("The %(setting)s setting must be empty or a whole number of at least %(low)s.")
                        if self.empty else N_("The %(setting)s setting must be a whole number of at least %(low)s."))
            return Message(template, setting=self.name, low=_plain(self.minimum))
        if self.kind == "number" and self.minimum is not None and self.below is None:
            return Message(N_("The %(setting)s setting must be a number of at least %(low)s."),
                           setting=self.name, low=_plain(self.minimum))
        if self.kind == "bool":
            return Message(N_("The %(setting)s setting must be yes or no."), setting=self.name)
        if self.kind == "str" and self.choices:
            return Message(N_("The %(setting)s setting must be one of %(choices)s."),
                           setting=self.name, choices=", ".join(self.choices))
        if self.kind == "names":
            return Message(N_("The %(setting)s setting must be a list of names."), setting=self.name)
        return Message(N_("The %(setting)s setting has a value of the wrong kind."), setting=self.name)


def _plain(number: float):
    return int(number) if float(number).is_integer() else number


_PANEL_SIZE = "settings.panel_size"
_YOUNG_AGES = "settings.young_age_range"

SETTINGS: tuple[Setting, ...] = (
    # --- the award and its laureates
    Setting("candidate_kind", "str", AWARD_SETS, N_("What the award goes to: an individual, a delegation, an "
            "organisation or a project (never a project at an ESI)."), choices=CANDIDATE_KINDS),
    Setting("max_laureates", "int", 1, N_("How many laureates the panel may recommend."), minimum=1),
    # --- the panel
    Setting("panel_min_size", "int", 3, N_("The fewest judges the panel may have when judging opens."),
            minimum=1, rule=_PANEL_SIZE),
    Setting("panel_max_size", "int", None, N_("The most judges the panel may have when judging opens; "
            "empty for no limit."), minimum=1, empty=True, rule=_PANEL_SIZE),
    Setting("chair_must_be_board", "bool", False, N_("Whether the panel's chair must be a member of the "
            "Executive Committee.")),
    Setting("required_fields", "names", [], N_("The fields of expertise the panel must cover, and that the "
            "assignment of judges matches against.")),
    Setting("shortlist_round", "bool", False, N_("Whether a shortlist round, with its own panel and criteria, "
            "comes before the final round: its chair shortlists by rank or by a threshold score.")),
    Setting("judges_per_nomination", "int", 3, N_("How many judges the assignment gives each nomination."),
            minimum=0),
    Setting("max_load_per_judge", "int", None, N_("The most nominations one judge is given; empty to share "
            "them out evenly."), minimum=1, empty=True),
    Setting("cover_fields", "bool", False, N_("Whether the assignment must give every nomination a judge for "
            "each required field.")),
    Setting("detect_same_country", "bool", True, N_("Whether a judge from the candidate's country is flagged "
            "as a possible conflict of interest.")),
    Setting("identity_threshold", "number", 90, N_("How alike, out of 100, two differently written names must "
            "be for detection to raise a possible conflict for the chair to decide (judging.identity)."),
            minimum=80, below=100.01),
    Setting("hide_nominator_from_judges", "bool", False, N_("Whether judges' score sheets leave out who "
            "nominated the candidate.")),
    # --- the board
    Setting("board_quorum", "int", 3, N_("How many Executive Committee votes (abstentions included) a "
            "decision needs."), minimum=1),
    Setting("board_majority", "number", 0.5, N_("The share of the votes for or against that a decision must "
            "exceed."), minimum=0.5, below=1),
    # --- nominations
    Setting("nominators", "names", [], N_("Who may nominate, where MILSET's rules say (e.g. member "
            "organisations, regional offices, board members); empty for every nominator.")),
    Setting("endorsement_valid_days", "int", 14, N_("How many days an endorsement request stays open."),
            minimum=1),
    Setting("max_attachments", "int", 10, N_("How many files a nomination may carry."), minimum=0),
    Setting("max_attachment_bytes", "int", 10 * 1024 * 1024, N_("The largest file a nomination may carry, in "
            "bytes."), minimum=1),
    # --- eligibility (the Volunteer and Young Scientists awards)
    Setting("max_age", "int", 30, N_("The Volunteer Award's nominee must be younger than this."), minimum=1),
    Setting("age_reference", "str", "nomination_deadline", N_("The day ages are measured on; MILSET does not "
            "say, so the nomination deadline by default."), choices=("nomination_deadline", "event_start")),
    Setting("min_volunteer_years", "number", 5, N_("The fewest years the Volunteer Award's nominee must have "
            "volunteered."), minimum=0),
    Setting("odd_years_only", "bool", True, N_("Whether the Volunteer Award runs only in odd years (the "
            "board may override it, with a reason on record).")),
    Setting("young_age_min", "int", 9, N_("The youngest age of the Young Scientists age group."), minimum=0,
            rule=_YOUNG_AGES),
    Setting("young_age_max", "int", 12, N_("The oldest age of the Young Scientists age group."), minimum=0,
            rule=_YOUNG_AGES),
    Setting("reminder_days_before", "int", 3, N_("How many days before the judging deadline judges with "
            "sheets still open are reminded (once), and board members who have not voted before the board's "
            "vote date."), minimum=1),
    # --- the panel's result
    Setting("aggregation", "mapping", {}, N_("How the panel's scores are combined into a ranking: the "
            "method, the share trimmed, the tie-break chain, the bootstrap's resamples and seed "
            "(judging/aggregation fills in what is left out).")),
    # --- bookkeeping
    Setting("generated", "str", None, "Marks a cycle the scale demo generated.", empty=True, internal=True),
    Setting("scale_index", "int", None, "The scale demo's slot for a generated cycle.", minimum=0, empty=True,
            internal=True),
)

DECLARED: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Settings the award fixes for every cycle: shown, never changed on a cycle.
SET_BY_THE_AWARD = frozenset({"candidate_kind"})

# When a setting stops changing: the last cycle state in which it may still
# change. A setting not named here governs the call (who may nominate, what
# a nomination carries, who is eligible) and may change until the call opens.
# The others govern a later step and may change until that step starts: the
# panel and the assignment until judging opens, the aggregation and the
# number of laureates until scoring closes, the board's vote until the panel
# recommends; the deciding method (the aggregation) until judging opens, so
# no judge scores under one method and is ranked by another. A cycle whose
# graph lacks the state (the MILSET Award's has no call) may change the
# setting only in its first state.
CHANGEABLE_UNTIL_CALL = "criteria_published"
CHANGEABLE_UNTIL: dict[str, str] = {
    "panel_min_size": "screening",
    "panel_max_size": "screening",
    "chair_must_be_board": "screening",
    "required_fields": "screening",
    "judges_per_nomination": "screening",
    "shortlist_round": "screening",
    "max_load_per_judge": "screening",
    "cover_fields": "screening",
    "detect_same_country": "screening",
    "identity_threshold": "screening",
    "hide_nominator_from_judges": "screening",
    "aggregation": "screening",
    "reminder_days_before": "judging",
    "max_laureates": "judging",
    "board_quorum": "deliberation",
    "board_majority": "deliberation",
}


def changeable_until(name: str) -> str:
    """The last cycle state in which setting ``name`` may change."""
    declaration(name)
    return CHANGEABLE_UNTIL.get(name, CHANGEABLE_UNTIL_CALL)


def may_change(name: str, state: str, states: tuple[str, ...]) -> bool:
    """May setting ``name`` change in a cycle now in ``state``, whose graph
    declares ``states`` in order (the first is where a cycle starts)?"""
    if name in SET_BY_THE_AWARD or declaration(name).internal:
        return False
    return _not_past(changeable_until(name), state, states)


# The rubric (criteria, weights, scales, descriptors) is no setting but
# freezes like one: nominators write to it, so it stops when the call opens.
RUBRIC_CHANGEABLE_UNTIL = CHANGEABLE_UNTIL_CALL


def may_change_rubric(state: str, states: tuple[str, ...]) -> bool:
    """May the rubric change in a cycle now in ``state``?"""
    return _not_past(RUBRIC_CHANGEABLE_UNTIL, state, states)


def _not_past(last: str, state: str, states: tuple[str, ...]) -> bool:
    if last not in states:
        return state == states[0]
    return state in states and states.index(state) <= states.index(last)

# The messages of the rules that check several settings or say more than the
# generic sentence (their wording predates this list; refusals keep it).
_RULE_MESSAGES = {
    "settings.candidate_kind": Message(N_("The candidate kind must be one of %(kinds)s."),
                                       kinds=", ".join(CANDIDATE_KINDS)),
    "settings.max_laureates": N_("At least one laureate must be allowed."),
    _PANEL_SIZE: N_("The panel size range must start at 1 or more and not be empty."),
    "settings.board_quorum": N_("The board quorum must be at least one vote."),
    "settings.board_majority": N_("The board majority is a share of votes from 0.5 up to (not including) 1."),
    _YOUNG_AGES: N_("The young age group needs a minimum age not above its maximum."),
    "settings.identity_threshold": N_("How alike two names must be is a number from 80 to 100."),
}

# Checks across the settings that share a rule: a range must not be empty.
_RELATIONS = {
    _PANEL_SIZE: lambda v: v["panel_max_size"] is None or v["panel_max_size"] >= v["panel_min_size"],
    _YOUNG_AGES: lambda v: v["young_age_min"] <= v["young_age_max"],
}


def declaration(name: str) -> Setting:
    """The declaration of setting ``name``; raises UnknownSetting."""
    try:
        return DECLARED[name]
    except KeyError:
        raise UnknownSetting(f"no setting is declared as {name!r}") from None


def setting(settings: Mapping | None, name: str):
    """The value of setting ``name`` in ``settings``, or its declared default
    when ``settings`` lacks it. Raises UnknownSetting for an undeclared name.

    Pass a cycle's effective settings (``Workflow.settings_for``) so the
    award's own defaults come before the declared ones.
    """
    declared = declaration(name)
    if settings is not None and name in settings:
        return settings[name]
    if declared.default is AWARD_SETS:
        raise LookupError(f"the award sets {name!r}; it has no default of its own")
    return copy.deepcopy(declared.default)


def undeclared(settings: Mapping) -> list[str]:
    """The keys of ``settings`` that no declaration names, sorted."""
    return sorted(set(settings) - set(DECLARED))


def check_settings(settings: Mapping) -> list[RuleResult]:
    """One result per settings rule, ok or not, for a cycle's effective
    settings; a missing setting is checked at its declared default."""
    values = {s.name: settings[s.name] if s.name in settings else s.default for s in SETTINGS}
    by_rule: dict[str, list[Setting]] = {}
    for s in SETTINGS:
        by_rule.setdefault(s.rule, []).append(s)
    results = []
    for rule, group in by_rule.items():
        ok = all(s.accepts(values[s.name]) for s in group)
        if ok and rule in _RELATIONS:
            ok = _RELATIONS[rule](values)
        bad = next((s for s in group if not s.accepts(values[s.name])), group[0])
        message = _RULE_MESSAGES.get(rule) or bad.refusal_message()
        detail = {s.name: (None if values[s.name] is AWARD_SETS else values[s.name]) for s in group}
        results.append(check(rule, ok, message, **detail))
    return results
