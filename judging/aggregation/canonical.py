"""Inputs checked and put in canonical order, the effective settings, and
the inputs hash the replay check recomputes."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from judging.aggregation.model import (
    CRITERION_STEP,
    DEFAULT_SETTINGS,
    METHODS,
    PANEL_VOTE,
    VERSION,
    Criterion,
    Id,
    Sheet,
)


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
    hash alike) and `VERSION`; keys sorted, no spaces, UTF-8. The
    replay check recomputes it from the stored inputs and compares."""
    _check_method(method)
    criteria, sheets = _prepare(criteria, sheets)
    return _hash_document(criteria, sheets, method, effective_settings(settings, criteria))
