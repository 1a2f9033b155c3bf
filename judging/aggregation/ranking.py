"""`rank()`: scores, tie groups through the chain, laureates, confidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from judging.aggregation import bootstrap
from judging.aggregation.canonical import _check_method, _id_key, effective_settings
from judging.aggregation.methods import _combine
from judging.aggregation.model import DECIMALS, Criterion, Entry, Id, Result, Sheet
from judging.aggregation.prepared import Prepared, prepare
from judging.aggregation.ties import _Chain


def rank(criteria: Iterable[Criterion], sheets: Iterable[Sheet], method: str = "weighted_mean",
         settings: Mapping[str, Any] | None = None) -> Result:
    """Rank the nominations that have sheets; see the package docstring for
    the methods, the tie-break chain, the laureates and the confidence.

    Raises ValueError on inconsistent input (unknown method or setting, a
    sheet missing a criterion or scoring outside its scale, two sheets of
    one judge for one nomination)."""
    _check_method(method)
    return rank_prepared(prepare(criteria, sheets), method, settings)


def rank_prepared(data: Prepared, method: str = "weighted_mean",
                  settings: Mapping[str, Any] | None = None) -> Result:
    """`rank` of sheets prepared once (`prepare`): the same result, to the
    bit, whichever methods ranked the same data before."""
    _check_method(method)
    criteria = data.criteria
    config = effective_settings(settings, criteria)
    digest = data.inputs_hash(method, config)
    k = config["laureates"]

    values = data.values(method)
    groups = data.groups
    scores = {n: _combine([values[i] for i in idx], method, config["trim"]) for n, idx in groups.items()}
    raw_means = data.raw_means

    ordered = sorted(groups, key=lambda n: (-round(scores[n], DECIMALS), _id_key(n)))
    chain = _Chain(config["tie_break"], data.normalised_means, config["panel_votes"])
    blocks: list[list[Id]] = []
    for n in ordered:
        if blocks and round(scores[blocks[-1][0]], DECIMALS) == round(scores[n], DECIMALS):
            blocks[-1].append(n)
        else:
            blocks.append([n])
    blocks = [block for group in blocks for block in chain.resolve(group)]

    confidence: dict[Id, float] | None = None
    if config["resamples"]:
        confidence = bootstrap._bootstrap(data, method, k=k, resamples=config["resamples"],
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
