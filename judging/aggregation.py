"""The panel's result: from submitted score sheets to a ranked, explainable,
reproducible recommendation.

Pure Python on plain data (no Flask, no SQLAlchemy). The scoring service
loads the cycle's criteria and its *submitted* sheets (a judge recused for a
confirmed conflict has no sheet by construction: the query that builds the
sheets cannot contain one, so this module takes no exclusion filter), calls
`rank()` with the cycle's method and settings, and records the `Result`
with its `inputs_hash`. Replaying the same inputs gives the same result, to
the bit: `inputs_hash()` recomputes the hash for the replay check.

Sheet total
-----------
Each criterion score ``v`` is normalised to 0..1 by its own scale,
``(v - scale_min) / (scale_max - scale_min)``, so that criteria on different
scales mix fairly; a sheet's total is the weighted mean of the normalised
scores, times 100::

    total = 100 * sum(w_c * (v_c - min_c) / (max_c - min_c)) / sum(w_c)

Totals therefore lie on 0..100 whatever the scales.

Methods (the cycle's setting; recorded in the result)
-----------------------------------------------------
``weighted_mean`` (default)
    A nomination's score is the mean of its sheet totals (0..100).
``trimmed_mean``
    Sort the nomination's ``n`` totals; drop ``g = floor(n * trim)`` from
    each end (scipy's ``trim_mean`` convention; ``n * trim`` is rounded to 9
    decimals first, so 0.29 * 100 drops 29, not 28); mean of the rest.
    ``trim`` (default 0.2) must lie in [0, 0.5). With fewer than 3 judges
    nothing is dropped (it follows from the formula: ``g`` is 0 for ``n`` < 3
    whenever ``trim`` < 0.5). With the default, trimming starts at 5 judges.
``median``
    The median of the totals (the mean of the two middle ones for an even
    count).
``zscore``
    Each judge's totals are standardised over all the sheets that judge
    submitted in the cycle: ``z = (total - mean_j) / sd_j`` with the
    population standard deviation (divide by the count). A judge with one
    sheet, or whose totals are all equal (sd 0 when rounded to 9 decimals),
    gets z = 0 on those sheets: they say nothing about relative merit. The
    nomination's score is the mean z, in standard deviations (not 0..100).
    This corrects for lenient and severe judges: a judge whose totals are
    all higher (or lower) by the same amount gives the same z values, so
    every score stays the same (up to float rounding, far below the 9
    decimals compared).

Order, ties and the tie-break chain
-----------------------------------
Scores are compared after rounding to 9 decimals, so float noise never
makes or breaks a tie. Nominations of equal score form a tie group, and
every tie group (not only at the laureates' boundary) goes through the
chain ``settings["tie_break"]``, a list of steps, in order:

``"criterion:<code>"``
    The tied nominations' mean normalised (0..1) score on that criterion,
    over all their sheets, whatever the method; higher first.
``"panel_vote"``
    ``settings["panel_votes"]``, a mapping nomination id -> number of votes
    (keys may also be the ids written as strings, as JSON stores them);
    more votes first. When no votes are given, or a tied nomination has no
    recorded count, the step cannot decide and says so.

A step splits its group into sub-groups of equal value; a sub-group of one
is decided (its entry's ``tie_break`` names the step), a larger one goes on
to the next step. Each attempted step leaves a `TieBreak` record; a group
still tied when the chain is exhausted gets a final record with step
``"unresolved"``, and its nominations share one rank (competition ranking:
1, 2, 2, 4). The default chain is ``["panel_vote"]``.

Laureates
---------
``k = settings["laureates"]`` (default 1). ``laureates`` lists the
nominations certainly in the top k. When an unresolved tie straddles the
boundary (some of its members within the first k places, some after), those
members are not laureates: ``unresolved_tie`` is true, ``boundary_tie``
names the tied nominations, and the caller asks the panel to vote (then
calls `rank()` again with ``panel_votes``). A tie that does not straddle the
boundary never sets ``unresolved_tie``.

Confidence (`bootstrap_top_k`)
------------------------------
For each nomination, the share of bootstrap resamples in which it is in the
top k. A resample draws as many judges as the panel has, with replacement,
from the panel (the judges with at least one sheet); each drawn judge
brings all their sheets, as many times as drawn, and every nomination is
scored again by the cycle's method. Resampling the panel as a whole (not
each nomination's sheets separately) keeps what the result really depends
on: which judges happened to sit. For ``zscore`` a drawn judge brings all
their sheets, so their mean and sd, hence their z values, are unchanged.

* A nomination none of whose judges is drawn has no score in that resample
  and counts as *not* in the top k. In a partially crossed panel (each
  nomination seen by 3 of J judges) that happens in about
  ``(1 - 3/J)**J`` (about e**-3, 5%) of resamples, which caps such a
  nomination's confidence near 0.95: the figure reads "how often these
  judges' evidence puts it in the top k", not a probability of merit.
* Ties inside a resample share the remaining places: a group of ``t``
  equal scores competing for ``r`` remaining places gives each ``r / t``
  (the tie-break chain is not replayed inside resamples). So the
  confidences of a resample always add up to k (or to the number of scored
  nominations, if fewer).
* Reproducibility: the draws come from ``random.Random(seed).random()``,
  whose sequence Python guarantees across versions for a given seed (numpy's
  Generator streams carry no such promise), with ``seed`` a setting
  (default 0) recorded in the result. numpy only does the arithmetic.

Chair's view
------------
`judge_severity` (each judge's mean offset from the rest of the panel, on
0..100; negative = severe) and `panel_agreement` (Krippendorff's interval
alpha over sheet totals); `krippendorff_alpha` is the general coefficient.

Identifiers
-----------
Judge and nomination ids are ints or strings (what JSON can carry
unchanged). Internally everything is put in a canonical order (criteria by
code; sheets by nomination then judge; ints before strings), and sums use
``math.fsum`` (exactly rounded, so independent of order): the result does
not depend on the order in which the caller lists criteria, sheets or a
sheet's scores, and `inputs_hash` does not either.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
ALPHA_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_BOOTSTRAP_CELLS = 2_000_000  # resamples x nominations x sheets held in memory at once

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


# -------------------------------------------------------- canonical inputs


def _id_key(value: Id) -> tuple[int, int, str]:
    """Sort key putting int ids (numerically) before str ids."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"ids must be int or str, not {value!r}")
    return (0, value, "") if isinstance(value, int) else (1, 0, value)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return value


def _integer(value: Any, what: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, not {value}")
    return value


def _canonical_criteria(criteria: Iterable[Criterion]) -> tuple[Criterion, ...]:
    out = []
    for c in criteria:
        if not isinstance(c.code, str) or not c.code:
            raise ValueError(f"criterion code must be a non-empty string, not {c.code!r}")
        weight = _number(c.weight, f"weight of {c.code}")
        low, high = _number(c.scale_min, f"scale_min of {c.code}"), _number(c.scale_max, f"scale_max of {c.code}")
        if weight < 0:
            raise ValueError(f"weight of {c.code} cannot be negative")
        if high <= low:
            raise ValueError(f"scale of {c.code} is empty: {low}..{high}")
        out.append(Criterion(c.code, weight, low, high))
    out.sort(key=lambda c: c.code)
    if not out:
        raise ValueError("no criteria")
    if len({c.code for c in out}) != len(out):
        raise ValueError("criterion codes must be unique")
    if math.fsum(c.weight for c in out) <= 0:
        raise ValueError("criteria weights must not all be zero")
    return tuple(out)


def _canonical_sheets(criteria: Sequence[Criterion], sheets: Iterable[Sheet]) -> tuple[Sheet, ...]:
    codes = {c.code for c in criteria}
    out, seen = [], set()
    for s in sheets:
        _id_key(s.judge_id)
        _id_key(s.nomination_id)
        pair = (s.judge_id, s.nomination_id)
        if pair in seen:
            raise ValueError(f"two sheets from judge {s.judge_id!r} for nomination {s.nomination_id!r}")
        seen.add(pair)
        if set(s.scores) != codes:
            raise ValueError(f"sheet of judge {s.judge_id!r} for nomination {s.nomination_id!r} must score exactly "
                             f"{sorted(codes)}, not {sorted(s.scores)}")
        scores = {}
        for c in criteria:
            v = _number(s.scores[c.code], f"score {c.code} of judge {s.judge_id!r}")
            if not c.scale_min <= v <= c.scale_max:
                raise ValueError(f"score {c.code}={v} of judge {s.judge_id!r} for nomination {s.nomination_id!r} "
                                 f"is outside {c.scale_min}..{c.scale_max}")
            scores[c.code] = v
        out.append(Sheet(s.judge_id, s.nomination_id, scores))
    out.sort(key=lambda s: (_id_key(s.nomination_id), _id_key(s.judge_id)))
    return tuple(out)


def effective_settings(settings: Mapping[str, Any] | None, criteria: Iterable[Criterion] = ()) -> dict[str, Any]:
    """The settings with defaults filled in and checked; unknown keys are
    refused (a misspelt ``tie_brake`` must not silently fall back to the
    default). When ``criteria`` are given, criterion steps must name one."""
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown aggregation settings: {unknown}")
    merged = {**DEFAULT_SETTINGS, **settings}
    trim = _number(merged["trim"], "trim")
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must lie in [0, 0.5), not {trim}")
    steps = merged["tie_break"]
    if isinstance(steps, str) or not isinstance(steps, Iterable):
        raise ValueError("tie_break must be a list of steps")
    steps = list(steps)
    codes = {c.code for c in criteria}
    for step in steps:
        if step == PANEL_VOTE:
            continue
        if not (isinstance(step, str) and step.startswith(CRITERION_STEP)):
            raise ValueError(f"unknown tie-break step {step!r}")
        if codes and step[len(CRITERION_STEP):] not in codes:
            raise ValueError(f"tie-break step {step!r} names no criterion")
    votes = merged["panel_votes"]
    if votes is not None:
        if not isinstance(votes, Mapping):
            raise ValueError("panel_votes must map nomination ids to vote counts")
        checked = {}
        for key, count in votes.items():
            _id_key(key)
            checked[key] = _integer(count, f"panel votes of {key!r}", 0)
        if len({str(k) for k in checked}) != len(checked):
            raise ValueError("panel_votes has the same nomination both as an int and as a string")
        votes = checked
    return {
        "trim": trim,
        "tie_break": steps,
        "laureates": _integer(merged["laureates"], "laureates", 1),
        "seed": _integer(merged["seed"], "seed"),
        "resamples": _integer(merged["resamples"], "resamples", 0),
        "panel_votes": votes,
    }


def _hash_document(criteria, sheets, method: str, settings: Mapping[str, Any]) -> str:
    votes = settings["panel_votes"]
    doc = {
        "version": VERSION,
        "method": method,
        "criteria": [{"code": c.code, "weight": c.weight, "scale_min": c.scale_min, "scale_max": c.scale_max}
                     for c in criteria],
        "sheets": [{"judge_id": s.judge_id, "nomination_id": s.nomination_id, "scores": dict(s.scores)}
                   for s in sheets],
        "settings": {
            **settings,
            "panel_votes": None if votes is None else sorted([str(k), v] for k, v in votes.items()),
        },
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; one of {METHODS}")


def _prepare(criteria, sheets):
    criteria = _canonical_criteria(criteria)
    return criteria, _canonical_sheets(criteria, sheets)


def inputs_hash(criteria: Iterable[Criterion], sheets: Iterable[Sheet], method: str,
                settings: Mapping[str, Any] | None = None) -> str:
    """SHA-256 (hex) of the canonical JSON of the inputs and `VERSION`.

    The JSON holds the criteria sorted by code, the sheets sorted by
    nomination then judge (numbers as floats, so 7 and 7.0 hash alike), the
    method, the effective settings (so ``{}`` and the spelt-out defaults
    hash alike) and the module version; keys sorted, no spaces, UTF-8. The
    replay check recomputes it from the stored inputs and compares."""
    _check_method(method)
    criteria, sheets = _prepare(criteria, sheets)
    return _hash_document(criteria, sheets, method, effective_settings(settings, criteria))


# ---------------------------------------------------------------- scoring


def _normalised(c: Criterion, value: float) -> float:
    return (value - c.scale_min) / (c.scale_max - c.scale_min)


def _total(criteria: Sequence[Criterion], scores: Mapping[str, float]) -> float:
    weights = math.fsum(c.weight for c in criteria)
    return 100 * math.fsum(c.weight * _normalised(c, scores[c.code]) for c in criteria) / weights


def sheet_total(criteria: Iterable[Criterion], scores: Mapping[str, float]) -> float:
    """A sheet's total on 0..100: the weighted mean of its scores, each
    normalised to 0..1 by its criterion's scale (see the module docstring)."""
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


# -------------------------------------------------------------- tie-breaks


def _order_text(subgroups: Sequence[Sequence[Id]]) -> str:
    return " > ".join(" = ".join(str(n) for n in group) for group in subgroups)


class _Chain:
    """Applies the tie-break chain to tie groups, recording every step."""

    def __init__(self, steps, criterion_means, votes):
        self.steps = steps
        self.criterion_means = criterion_means  # nomination -> code -> normalised mean
        self.votes = votes
        self.records: list[TieBreak] = []
        self.decided_by: dict[Id, str] = {}

    def _values(self, step: str, group: Sequence[Id]) -> dict[Id, float] | None:
        if step == PANEL_VOTE:
            if self.votes is None:
                return None
            values = {}
            for n in group:
                count = self.votes.get(n, self.votes.get(str(n)))
                if count is None:
                    return None
                values[n] = count
            return values
        code = step[len(CRITERION_STEP):]
        return {n: round(self.criterion_means[n][code], DECIMALS) for n in group}

    def resolve(self, group: list[Id], index: int = 0) -> list[list[Id]]:
        """Split a tie group into blocks, best first; a block of more than
        one nomination is a tie the chain could not break."""
        if len(group) == 1:
            return [group]
        ids = tuple(group)
        if index == len(self.steps):
            tried = ", ".join(self.steps) or "no tie-break step declared"
            self.records.append(TieBreak(ids, UNRESOLVED, f"still tied after the chain ({tried})"))
            return [group]
        step = self.steps[index]
        values = self._values(step, group)
        if values is None:
            missing = "no panel votes recorded" if self.votes is None else "votes missing for " + ", ".join(
                str(n) for n in group if self.votes.get(n, self.votes.get(str(n))) is None)
            self.records.append(TieBreak(ids, step, f"cannot decide: {missing}; the panel must vote"))
            return self.resolve(group, index + 1)
        ordered = sorted(group, key=lambda n: (-values[n], _id_key(n)))
        subgroups: list[list[Id]] = []
        for n in ordered:
            if subgroups and values[subgroups[-1][0]] == values[n]:
                subgroups[-1].append(n)
            else:
                subgroups.append([n])
        label = "panel votes" if step == PANEL_VOTE else f"mean {step[len(CRITERION_STEP):]} on 0..1"
        shown = ", ".join(f"{n}={values[n]}" for n in ordered)
        self.records.append(TieBreak(ids, step, f"{label}: {shown} -> {_order_text(subgroups)}"))
        blocks: list[list[Id]] = []
        for sub in subgroups:
            if len(sub) == 1 and len(subgroups) > 1:
                self.decided_by[sub[0]] = step
            blocks.extend(self.resolve(sub, index + 1) if len(sub) > 1 else [sub])
        return blocks


# ------------------------------------------------------------------ rank


def rank(criteria: Iterable[Criterion], sheets: Iterable[Sheet], method: str = "weighted_mean",
         settings: Mapping[str, Any] | None = None) -> Result:
    """Rank the nominations that have sheets; see the module docstring for
    the methods, the tie-break chain, the laureates and the confidence.

    Raises ValueError on inconsistent input (unknown method or setting, a
    sheet missing a criterion or scoring outside its scale, two sheets of
    one judge for one nomination)."""
    _check_method(method)
    criteria, sheets = _prepare(criteria, sheets)
    config = effective_settings(settings, criteria)
    digest = _hash_document(criteria, sheets, method, config)
    k = config["laureates"]

    values = _sheet_values(criteria, sheets, method)
    groups = _group_by_nomination(sheets)
    scores = {n: _combine([values[i] for i in idx], method, config["trim"]) for n, idx in groups.items()}
    raw_means = {n: {c.code: _mean(sheets[i].scores[c.code] for i in idx) for c in criteria}
                 for n, idx in groups.items()}
    normalised_means = {n: {c.code: _mean(_normalised(c, sheets[i].scores[c.code]) for i in idx) for c in criteria}
                        for n, idx in groups.items()}

    ordered = sorted(groups, key=lambda n: (-round(scores[n], DECIMALS), _id_key(n)))
    chain = _Chain(config["tie_break"], normalised_means, config["panel_votes"])
    blocks: list[list[Id]] = []
    for n in ordered:
        if blocks and round(scores[blocks[-1][0]], DECIMALS) == round(scores[n], DECIMALS):
            blocks[-1].append(n)
        else:
            blocks.append([n])
    blocks = [block for group in blocks for block in chain.resolve(group)]

    confidence: dict[Id, float] | None = None
    if config["resamples"]:
        confidence = _bootstrap(criteria, sheets, method, k=k, resamples=config["resamples"],
                                seed=config["seed"], trim=config["trim"])

    entries, laureates, boundary = [], [], ()
    position = 1
    for block in blocks:
        for n in block:
            entries.append(Entry(
                nomination_id=n, score=scores[n], rank=position, n_judges=len(groups[n]),
                per_criterion_means=raw_means[n], tie_break=chain.decided_by.get(n),
                confidence_top_k=None if confidence is None else confidence[n],
            ))
        last = position + len(block) - 1
        if last <= k:
            laureates.extend(block)
        elif position <= k:
            boundary = tuple(block)
        position = last + 1

    return Result(
        method=method, entries=tuple(entries), laureates=tuple(laureates), tie_breaks=tuple(chain.records),
        unresolved_tie=bool(boundary), boundary_tie=boundary, settings=config, inputs_hash=digest,
    )


# -------------------------------------------------------------- bootstrap


def bootstrap_top_k(criteria: Iterable[Criterion], sheets: Iterable[Sheet], method: str = "weighted_mean", *,
                    k: int = 1, resamples: int = 1000, seed: int = 0, trim: float = 0.2) -> dict[Id, float]:
    """Each nomination's share of ``resamples`` bootstrap resamples of the
    panel in which it is in the top ``k`` (see the module docstring for the
    resampling scheme, the handling of ties and of unscored nominations).
    Empty when ``resamples`` is 0."""
    _check_method(method)
    criteria, sheets = _prepare(criteria, sheets)
    effective_settings({"laureates": k, "resamples": resamples, "seed": seed, "trim": trim})
    if resamples == 0:
        return {}
    return _bootstrap(criteria, sheets, method, k=k, resamples=resamples, seed=seed, trim=trim)


def _bootstrap(criteria, sheets, method, *, k, resamples, seed, trim) -> dict[Id, float]:
    if not sheets:
        return {}
    values = _sheet_values(criteria, sheets, method)
    judges = sorted({s.judge_id for s in sheets}, key=_id_key)
    judge_index = {j: i for i, j in enumerate(judges)}
    groups = _group_by_nomination(sheets)
    nominations = sorted(groups, key=_id_key)
    n_judges, n_noms = len(judges), len(nominations)
    width = max(len(idx) for idx in groups.values())

    # Slot layout: one row per nomination, its sheets in ascending value
    # order (what the trimmed mean and the median need); empty slots point
    # at a judge column that is never drawn.
    slot_values = np.zeros((n_noms, width))
    slot_judges = np.full((n_noms, width), n_judges)
    for row, n in enumerate(nominations):
        for col, i in enumerate(sorted(groups[n], key=lambda i: (values[i], _id_key(sheets[i].judge_id)))):
            slot_values[row, col] = values[i]
            slot_judges[row, col] = judge_index[sheets[i].judge_id]

    rng = random.Random(seed)
    credit = np.zeros(n_noms)
    chunk = max(1, _BOOTSTRAP_CELLS // (n_noms * width))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = np.array([rng.random() for _ in range(size * n_judges)]).reshape(size, n_judges)
        drawn = np.minimum((draws * n_judges).astype(np.int64), n_judges - 1)
        offsets = drawn + (n_judges + 1) * np.arange(size)[:, None]
        counts = np.bincount(offsets.ravel(), minlength=size * (n_judges + 1)).reshape(size, n_judges + 1)
        scores = _resampled_scores(counts[:, slot_judges], slot_values, method, trim)
        for row in np.round(scores, DECIMALS):
            credit += _top_k_credit(row, k)
    return {n: float(credit[i] / resamples) for i, n in enumerate(nominations)}


def _resampled_scores(weights: np.ndarray, values: np.ndarray, method: str, trim: float) -> np.ndarray:
    """Scores of every nomination in every resample: ``weights[b, n, s]``
    is how many times slot ``s`` of nomination ``n`` was drawn in resample
    ``b``; ``values[n, s]`` ascending along ``s``. NaN where nothing drawn."""
    n = weights.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "median":
            cumulative = weights.cumsum(axis=-1)
            low = np.argmax(cumulative > ((n - 1) // 2)[..., None], axis=-1)
            high = np.argmax(cumulative > (n // 2)[..., None], axis=-1)
            grid = np.broadcast_to(values, weights.shape)
            result = (np.take_along_axis(grid, low[..., None], -1)[..., 0]
                      + np.take_along_axis(grid, high[..., None], -1)[..., 0]) / 2
        elif method == "trimmed_mean":
            g = np.floor(np.round(n * trim, DECIMALS))
            cumulative = weights.cumsum(axis=-1)
            kept = np.minimum(cumulative, (n - g)[..., None]) - np.maximum(cumulative - weights, g[..., None])
            result = (np.clip(kept, 0, None) * values).sum(axis=-1) / (n - 2 * g)
        else:
            result = (weights * values).sum(axis=-1) / n
    return np.where(n > 0, result, np.nan)


def _top_k_credit(scores: np.ndarray, k: int) -> np.ndarray:
    """1 for a nomination surely in the top k of this resample, 0 if out or
    unscored, ``r / t`` for each of ``t`` equal scores sharing ``r`` places."""
    scored = ~np.isnan(scores)
    ascending = np.sort(scores[scored])
    not_above = np.searchsorted(ascending, scores[scored], side="right")
    above = len(ascending) - not_above
    equal = not_above - np.searchsorted(ascending, scores[scored], side="left")
    credit = np.zeros(len(scores))
    credit[scored] = np.clip((k - above) / equal, 0, 1)
    return credit


# ------------------------------------------------------------ chair's view


def judge_severity(criteria: Iterable[Criterion], sheets: Iterable[Sheet]) -> dict[Id, float]:
    """Each judge's mean offset from the rest of the panel, on 0..100.

    For every sheet of the judge on a nomination that others also scored:
    the sheet's total minus the mean total of the *other* judges on that
    nomination; the judge's severity is the mean of these offsets. Negative
    means severe, positive lenient. A judge who shares no nomination with
    another judge has nothing to be compared with and is left out."""
    criteria, sheets = _prepare(criteria, sheets)
    totals = [_total(criteria, s.scores) for s in sheets]
    offsets: dict[Id, list[float]] = defaultdict(list)
    for idx in _group_by_nomination(sheets).values():
        if len(idx) < 2:
            continue
        total = math.fsum(totals[i] for i in idx)
        for i in idx:
            others = (total - totals[i]) / (len(idx) - 1)
            offsets[sheets[i].judge_id].append(totals[i] - others)
    return {j: _mean(offsets[j]) for j in sorted(offsets, key=_id_key)}


def panel_agreement(criteria: Iterable[Criterion], sheets: Iterable[Sheet]) -> float:
    """Krippendorff's interval alpha over the sheet totals: units are the
    nominations, coders the judges. Nominations with a single sheet do not
    count (nothing to agree with). NaN when alpha is undefined."""
    criteria, sheets = _prepare(criteria, sheets)
    totals = [_total(criteria, s.scores) for s in sheets]
    return krippendorff_alpha([[totals[i] for i in idx] for idx in _group_by_nomination(sheets).values()],
                              level="interval")


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
