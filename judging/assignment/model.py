"""The assignment's inputs and outputs, as plain frozen dataclasses.

The rule codes name why a nomination is reported in `Result.uncovered`
(see the package docstring, judging.assignment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

RULE_TOO_FEW_ELIGIBLE = "assignment.too_few_eligible_judges"
RULE_CAPACITY = "assignment.judge_capacity"
RULE_FIELD_WITHOUT_JUDGE = "assignment.field_without_eligible_judge"
RULE_FIELDS_NOT_COVERED = "assignment.fields_not_covered"


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class JudgeInput:
    """A judge as the assignment sees it.

    ``expertise`` maps a field code (judging.expertise.FIELDS) to the
    judge's recorded years of experience in it (0 when recorded without
    years). ``max_load``, when set, replaces the cycle's maximum for this
    judge (0 means the judge takes no nomination).
    """

    id: int
    expertise: Mapping[str, float] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    max_load: int | None = None


@dataclass(frozen=True)
class NominationInput:
    """A nomination: the fields its judges should know (in the application,
    the cycle's required fields), and its language."""

    id: int
    fields: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class FitPolicy:
    """How fit is scored; `DEFAULT_POLICY` has these defaults.

    A field the judge holds with ``y`` years counts
    ``base_strength + (1 - base_strength) * min(y, years_cap) / years_cap``
    (0.5 for a field recorded without years, 1.0 from 10 years on). The fit
    of a judge for a nomination is the mean of that strength over the
    nomination's fields (a field the judge lacks counts 0), plus
    ``language_bonus`` when the judge reads the nomination's language. So a
    fit lies in [0, 1 + language_bonus]; 1.0 means every field at full
    strength.
    """

    years_cap: float = 10
    base_strength: float = 0.5
    language_bonus: float = 0.0

    def __post_init__(self):
        if self.years_cap <= 0:
            raise ValueError("years_cap must be positive")
        if not 0 <= self.base_strength <= 1:
            raise ValueError("base_strength must lie in [0, 1]")
        if self.language_bonus < 0:
            raise ValueError("language_bonus cannot be negative")


DEFAULT_POLICY = FitPolicy()


# --------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Fit:
    """A judge's fit for a nomination, with the reasons a reader can check."""

    value: float
    covers: tuple[str, ...]
    reasons: tuple[str, ...]
    units: int  # value in thousandths: what the solver maximises


@dataclass(frozen=True)
class Pair:
    """One judge on one nomination in the result, with its fit explained.

    (Not the `awards_app.models.Assignment` row the service records from it.)"""

    nomination_id: int
    judge_id: int
    fit: float
    covers: tuple[str, ...]
    reasons: tuple[str, ...]  # e.g. ("covers science_outreach (12 y)", "reads fr")
    kept: bool = False  # a pair the caller asked to keep


@dataclass(frozen=True)
class Uncovered:
    """A nomination the assignment cannot serve as the cycle asks, and why.

    ``needed`` is the number of judges asked (k); ``eligible`` how many
    judges could take it at all; ``assigned`` how many it got. ``fields``
    lists the fields left uncovered (field rules only)."""

    nomination_id: int
    rule: str
    needed: int
    eligible: int
    assigned: int
    reason: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bottleneck:
    """Nominations competing for the same judges, all at their maximum load.

    Any of ``nomination_ids`` could be the one left short; ``needed`` judge
    places are asked, ``available`` can be given."""

    nomination_ids: tuple[int, ...]
    judge_ids: tuple[int, ...]
    needed: int
    available: int
    reason: str


@dataclass(frozen=True)
class Result:
    assignments: tuple[Pair, ...]  # sorted by (nomination_id, judge_id)
    total_fit: float
    feasible: bool  # every nomination has k judges (and its fields covered, if asked)
    optimal: bool  # proved optimal for the objective asked
    method: str  # "min_cost_flow", "cp_sat" or "min_cost_flow+repair"
    uncovered: tuple[Uncovered, ...] = ()
    bottlenecks: tuple[Bottleneck, ...] = ()
    notes: tuple[str, ...] = ()

    def for_nomination(self, nomination_id: int) -> tuple[Pair, ...]:
        return tuple(a for a in self.assignments if a.nomination_id == nomination_id)

    def loads(self) -> dict[int, int]:
        loads: dict[int, int] = {}
        for a in self.assignments:
            loads[a.judge_id] = loads.get(a.judge_id, 0) + 1
        return loads
