"""A judge's fit for a nomination, in integer thousandths (`FIT_SCALE`).

`fit()` scores one pair and explains it; `judging.assignment.cycle` computes
the same integers for every pair at once, from the helpers here."""

from __future__ import annotations

from collections.abc import Iterable

from judging.assignment.model import DEFAULT_POLICY, Fit, FitPolicy, JudgeInput, NominationInput

FIT_SCALE = 1000  # fits are integers in thousandths


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (exact, portable)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _strength_units(years: float, policy: FitPolicy) -> int:
    share = min(max(float(years), 0.0), policy.years_cap) / policy.years_cap
    strength = policy.base_strength + (1 - policy.base_strength) * share
    return int(round(strength * FIT_SCALE))


def _bonus_units(policy: FitPolicy) -> int:
    return int(round(policy.language_bonus * FIT_SCALE))


def _years_label(years: float) -> str:
    return f"{years:g} y"


def _unique(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fields))


def _lang(code: str | None) -> str | None:
    return code.strip().lower() if code else None


def fit(judge: JudgeInput, nomination: NominationInput, policy: FitPolicy = DEFAULT_POLICY) -> Fit:
    """Score one judge for one nomination (see `FitPolicy` for the formula).

    The solver computes the same integers for all pairs at once; a test
    checks that the two agree."""
    fields = _unique(nomination.fields)
    covers = tuple(f for f in fields if f in judge.expertise)
    reasons = []
    total = 0
    for f in fields:
        if f in judge.expertise:
            total += _strength_units(judge.expertise[f], policy)
            reasons.append(f"covers {f} ({_years_label(judge.expertise[f])})")
        else:
            reasons.append(f"no expertise in {f}")
    units = _round_div(total, len(fields)) if fields else 0
    language = _lang(nomination.language)
    if language is not None:
        if language in {_lang(code) for code in judge.languages}:
            units += _bonus_units(policy)
            reasons.append(f"reads {language}")
        else:
            reasons.append(f"does not read {language}")
    return Fit(units / FIT_SCALE, covers, tuple(reasons), units)

