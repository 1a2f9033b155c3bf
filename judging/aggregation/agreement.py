"""The chair's view: judges' severity and the panel's agreement
(Krippendorff's alpha)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from judging.aggregation.canonical import _id_key, _number
from judging.aggregation.methods import _mean
from judging.aggregation.model import Criterion, Id, Sheet
from judging.aggregation.prepared import Prepared, prepare

ALPHA_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def judge_severity(criteria: Iterable[Criterion] | Prepared, sheets: Iterable[Sheet] = ()) -> dict[Id, float]:
    """Each judge's mean offset from the rest of the panel, on 0..100.

    For every sheet of the judge on a nomination that others also scored:
    the sheet's total minus the mean total of the *other* judges on that
    nomination; the judge's severity is the mean of these offsets. Negative
    means severe, positive lenient. A judge who shares no nomination with
    another judge has nothing to be compared with and is left out. Takes
    the criteria and the sheets, or sheets already prepared (`prepare`)."""
    data = criteria if isinstance(criteria, Prepared) else prepare(criteria, sheets)
    sheets, totals = data.sheets, data.totals
    offsets: dict[Id, list[float]] = defaultdict(list)
    for idx in data.groups.values():
        if len(idx) < 2:
            continue
        total = math.fsum(totals[i] for i in idx)
        for i in idx:
            others = (total - totals[i]) / (len(idx) - 1)
            offsets[sheets[i].judge_id].append(totals[i] - others)
    return {j: _mean(offsets[j]) for j in sorted(offsets, key=_id_key)}


def panel_agreement(criteria: Iterable[Criterion] | Prepared, sheets: Iterable[Sheet] = ()) -> float:
    """Krippendorff's interval alpha over the sheet totals: units are the
    nominations, coders the judges. Nominations with a single sheet do not
    count (nothing to agree with). NaN when alpha is undefined. Takes the
    criteria and the sheets, or sheets already prepared (`prepare`)."""
    data = criteria if isinstance(criteria, Prepared) else prepare(criteria, sheets)
    totals = data.totals
    return krippendorff_alpha([[totals[i] for i in idx] for idx in data.groups.values()], level="interval")


def krippendorff_alpha(data: Iterable[Sequence[Any]], level: str = "interval") -> float:
    """Krippendorff's alpha, by the coincidence-matrix method.

    ``data`` is a units x coders table, ``None`` where a coder did not code
    a unit (rows may have different lengths: only which values share a unit
    matters). ``level`` is ``nominal``, ``ordinal``, ``interval`` or
    ``ratio``. Units with fewer than two values are not pairable and are
    ignored. With ``o_ck`` the coincidences (each ordered pair of values
    in a unit of ``m_u`` values counts ``1 / (m_u - 1)``), ``n_c`` their
    marginals and ``n`` the number of pairable values::

        alpha = 1 - (n - 1) * sum(o_ck * d2(c, k)) / sum(n_c * n_k * d2(c, k))

    with ``d2`` the level's squared difference: nominal ``c != k``; interval
    ``(c - k)**2``; ordinal ``(sum of n_g for g from c to k - (n_c + n_k)/2)**2``,
    computed as the interval difference of mid-ranks; ratio
    ``((c - k) / (c + k))**2`` (cost grows with the square of the number of
    distinct values). Returns NaN when alpha is undefined (no pairable
    values, or no variation at all: 0/0). Krippendorff (2011), "Computing
    Krippendorff's Alpha-Reliability"."""
    if level not in ALPHA_LEVELS:
        raise ValueError(f"unknown level {level!r}; one of {ALPHA_LEVELS}")
    units = [[v for v in unit if v is not None] for unit in data]
    units = [u for u in units if len(u) >= 2]
    n = sum(len(u) for u in units)
    if n < 2:
        return math.nan
    if level != "nominal":
        units = [[_number(v, "a value") for v in u] for u in units]

    if level == "nominal":
        marginals: dict[Any, int] = defaultdict(int)
        observed = []
        for u in units:
            counts: dict[Any, int] = defaultdict(int)
            for v in u:
                counts[v] += 1
                marginals[v] += 1
            observed.append((len(u) ** 2 - sum(c * c for c in counts.values())) / (len(u) - 1))
        disagreement, expected = math.fsum(observed), n * n - sum(c * c for c in marginals.values())
    elif level == "ratio":
        def d2(a, b):
            return 0.0 if a == b else ((a - b) / (a + b)) ** 2

        disagreement = math.fsum(d2(a, b) / (len(u) - 1) for u in units for a in u for b in u)
        marginals = defaultdict(int)
        for u in units:
            for v in u:
                marginals[v] += 1
        expected = math.fsum(na * nb * d2(a, b) for a, na in marginals.items() for b, nb in marginals.items())
    else:
        if level == "ordinal":
            marginals = defaultdict(int)
            for u in units:
                for v in u:
                    marginals[v] += 1
            midrank, below = {}, 0
            for v in sorted(marginals):
                midrank[v] = below + marginals[v] / 2
                below += marginals[v]
            units = [[midrank[v] for v in u] for u in units]
        # For squared differences, the sum over ordered pairs of a set of m
        # values is 2 * m * (sum of squared deviations from their mean).
        disagreement = math.fsum(2 * len(u) * _squared_deviations(u) / (len(u) - 1) for u in units)
        expected = 2 * n * _squared_deviations([v for u in units for v in u])
    if expected == 0:
        return math.nan
    return 1 - (n - 1) * disagreement / expected


def _squared_deviations(values: Sequence[float]) -> float:
    mean = _mean(values)
    return math.fsum((v - mean) ** 2 for v in values)
