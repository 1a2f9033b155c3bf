"""Sheet totals and the four methods that turn a nomination's sheets into
its score (weighted_mean, trimmed_mean, median, zscore)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from judging.aggregation.canonical import _canonical_criteria, _canonical_sheets, _prepare
from judging.aggregation.model import DECIMALS, Criterion, Id, Sheet


def _normalised(c: Criterion, value: float) -> float:
    return (value - c.scale_min) / (c.scale_max - c.scale_min)


def _total(criteria: Sequence[Criterion], scores: Mapping[str, float]) -> float:
    weights = math.fsum(c.weight for c in criteria)
    return 100 * math.fsum(c.weight * _normalised(c, scores[c.code]) for c in criteria) / weights


def sheet_total(criteria: Iterable[Criterion], scores: Mapping[str, float]) -> float:
    """A sheet's total on 0..100: the weighted mean of its scores, each
    normalised to 0..1 by its criterion's scale (see the package docstring)."""
    criteria = _canonical_criteria(criteria)
    (sheet,) = _canonical_sheets(criteria, [Sheet(0, 0, scores)])
    return _total(criteria, sheet.scores)


def sheet_totals(criteria: Iterable[Criterion], sheets: Iterable[Sheet]) -> dict[tuple[Id, Id], float]:
    """{(nomination id, judge id): sheet_total} for many sheets, the criteria
    and the sheets checked once rather than once a sheet."""
    criteria, sheets = _prepare(criteria, sheets)
    return {(s.nomination_id, s.judge_id): _total(criteria, s.scores) for s in sheets}


def _trim_count(n: int, trim: float) -> int:
    return math.floor(round(n * trim, DECIMALS))


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return math.fsum(values) / len(values)


def _zscores(sheets: Sequence[Sheet], totals: Sequence[float]) -> list[float]:
    """Each sheet's total standardised over all its judge's sheets (z = 0
    for a judge with one sheet or no spread)."""
    by_judge: dict[Id, list[int]] = defaultdict(list)
    for i, s in enumerate(sheets):
        by_judge[s.judge_id].append(i)
    z = [0.0] * len(sheets)
    for indices in by_judge.values():
        values = [totals[i] for i in indices]
        mean = _mean(values)
        sd = math.sqrt(_mean((v - mean) ** 2 for v in values))
        if len(values) < 2 or round(sd, DECIMALS) == 0:
            continue
        for i in indices:
            z[i] = (totals[i] - mean) / sd
    return z


def _sheet_values(criteria, sheets, method: str) -> list[float]:
    """What each sheet contributes under the method: its total, or its z."""
    totals = [_total(criteria, s.scores) for s in sheets]
    return _zscores(sheets, totals) if method == "zscore" else totals


def _combine(values: Sequence[float], method: str, trim: float) -> float:
    if method == "median":
        return statistics.median(values)
    if method == "trimmed_mean":
        ordered = sorted(values)
        g = _trim_count(len(ordered), trim)
        return _mean(ordered[g:len(ordered) - g])
    return _mean(values)  # weighted_mean (of the totals), zscore (of the z values)


def _group_by_nomination(sheets: Sequence[Sheet]) -> dict[Id, list[int]]:
    groups: dict[Id, list[int]] = defaultdict(list)
    for i, s in enumerate(sheets):  # sheets are in canonical order, so groups are too
        groups[s.nomination_id].append(i)
    return dict(groups)
