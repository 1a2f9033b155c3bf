"""Confidence: each nomination's share of bootstrap resamples of the panel
in which it is in the top k (see the package docstring for the scheme)."""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np

from judging.aggregation.canonical import _check_method, _id_key, effective_settings
from judging.aggregation.model import DECIMALS, Criterion, Id, Sheet
from judging.aggregation.prepared import Prepared, prepare

_BOOTSTRAP_CELLS = 2_000_000  # resamples x nominations x sheets held in memory at once


def bootstrap_top_k(criteria: Iterable[Criterion], sheets: Iterable[Sheet], method: str = "weighted_mean", *,
                    k: int = 1, resamples: int = 1000, seed: int = 0, trim: float = 0.2) -> dict[Id, float]:
    """Each nomination's share of ``resamples`` bootstrap resamples of the
    panel in which it is in the top ``k`` (see the package docstring for the
    resampling scheme, the handling of ties and of unscored nominations).
    Empty when ``resamples`` is 0."""
    _check_method(method)
    data = prepare(criteria, sheets)
    effective_settings({"laureates": k, "resamples": resamples, "seed": seed, "trim": trim})
    if resamples == 0:
        return {}
    return _bootstrap(data, method, k=k, resamples=resamples, seed=seed, trim=trim)


def _bootstrap(data: Prepared, method, *, k, resamples, seed, trim) -> dict[Id, float]:
    sheets = data.sheets
    if not sheets:
        return {}
    values = data.values(method)
    judges = sorted({s.judge_id for s in sheets}, key=_id_key)
    judge_index = {j: i for i, j in enumerate(judges)}
    groups = data.groups
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
        # Added a resample at a time, in order: the same sums, to the bit, as ever.
        for row in _top_k_credits(np.round(scores, DECIMALS), k):
            credit += row
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
    return _top_k_credits(scores[None, :], k)[0]


def _top_k_credits(scores: np.ndarray, k: int) -> np.ndarray:
    """`_top_k_credit` of every row (resample) at once: each row sorted once,
    and for each score the run of equal scores it belongs to, instead of two
    binary searches per resample (a third of a cold chair's page at 2,000
    nominations). For a score x of a row with ``m`` scored values, ``above``
    is how many are greater and ``equal`` how many are equal, as before."""
    rows, width = scores.shape
    if width == 0:
        return np.zeros((rows, 0))
    scored = ~np.isnan(scores)
    order = np.argsort(scores, axis=1)  # NaN (unscored) last; equal scores in any order, they share a run
    ordered = np.take_along_axis(scores, order, axis=1)
    position = np.broadcast_to(np.arange(width), (rows, width))
    starts = np.ones((rows, width), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]  # NaN != NaN: each unscored slot a run of its own
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    ends = np.ones((rows, width), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    run_end = np.minimum.accumulate(np.where(ends, position, width - 1)[:, ::-1], axis=1)[:, ::-1] + 1
    above_sorted = scored.sum(axis=1)[:, None] - run_end
    equal_sorted = run_end - run_start
    credit_sorted = np.clip((k - above_sorted) / equal_sorted, 0, 1)
    credit = np.empty((rows, width))
    np.put_along_axis(credit, order, credit_sorted, axis=1)
    return np.where(scored, credit, 0.0)
