"""The aggregation's inputs and outputs, and the constants they are read with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERSION = "aggregation/1"  # bump whenever a result for the same inputs could change
METHODS = ("weighted_mean", "trimmed_mean", "median", "zscore")
PANEL_VOTE = "panel_vote"
CRITERION_STEP = "criterion:"
UNRESOLVED = "unresolved"
DECIMALS = 9  # scores and tie-break values are compared after rounding to this
DEFAULT_SETTINGS: Mapping[str, Any] = {
    "trim": 0.2,
    "tie_break": (PANEL_VOTE,),
    "laureates": 1,
    "seed": 0,
    "resamples": 1000,
    "panel_votes": None,
}

Id = int | str


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Criterion:
    """A scoring criterion: its weight in the total and its scale."""

    code: str
    weight: float
    scale_min: float
    scale_max: float


@dataclass(frozen=True)
class Sheet:
    """One judge's submitted scores for one nomination: criterion code -> score."""

    judge_id: Id
    nomination_id: Id
    scores: Mapping[str, float]


# ----------------------------------------------------------------- outputs


@dataclass(frozen=True)
class TieBreak:
    """One step of the chain applied to one tie group, and what it found.

    ``step`` is the chain step (``"criterion:impact"``, ``"panel_vote"``) or
    ``"unresolved"`` for a group still tied when the chain is exhausted.
    ``detail`` gives the values compared and the order they produce, e.g.
    ``"mean impact on 0..1: 12=0.8, 15=0.5, 17=0.5 -> 12 > 15 = 17"``."""

    nomination_ids: tuple[Id, ...]
    step: str
    detail: str


@dataclass(frozen=True)
class Entry:
    """A nomination's line in the ranking.

    ``score`` is on 0..100, except for ``zscore`` (standard deviations).
    ``per_criterion_means`` are the means over its sheets, each on the
    criterion's own scale. ``tie_break`` names the step that separated it
    from the nominations it was tied with, None when it was never tied or
    is still tied. ``confidence_top_k`` is None when the bootstrap is off
    (``resamples`` 0)."""

    nomination_id: Id
    score: float
    rank: int
    n_judges: int
    per_criterion_means: Mapping[str, float]
    tie_break: str | None
    confidence_top_k: float | None


@dataclass(frozen=True)
class Result:
    """The panel's ranked result, with what is needed to explain and replay it.

    ``settings`` are the effective settings (defaults filled in), those the
    hash covers."""

    method: str
    entries: tuple[Entry, ...]
    laureates: tuple[Id, ...]
    tie_breaks: tuple[TieBreak, ...]
    unresolved_tie: bool
    boundary_tie: tuple[Id, ...]
    settings: Mapping[str, Any]
    inputs_hash: str
    version: str = VERSION
