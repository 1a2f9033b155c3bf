"""Sheets checked and put in canonical order once, with what every method,
the severity and the agreement read of them (totals, groups, means, the
sheets' part of the inputs hash) computed once and shared.

The chair's view ranks one cycle's sheets by all four methods and reads
the judges' severity and the panel's agreement from the same sheets: done
call by call, the sheets were checked, sorted, totalled and written out as
JSON for the hash six times over."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from judging.aggregation.canonical import _prepare
from judging.aggregation.methods import _group_by_nomination, _mean, _normalised, _total, _zscores
from judging.aggregation.model import VERSION, Criterion, Id, Sheet


def _json(value: Any) -> str:
    # The options of the inputs hash (canonical._hash_document): a value
    # written alone reads exactly as it does inside the whole document.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Canonical criteria and sheets, and the figures derived from them."""

    criteria: tuple[Criterion, ...]
    sheets: tuple[Sheet, ...]

    @cached_property
    def totals(self) -> list[float]:
        """Each sheet's total on 0..100, in the sheets' order."""
        return [_total(self.criteria, s.scores) for s in self.sheets]

    @cached_property
    def zscores(self) -> list[float]:
        return _zscores(self.sheets, self.totals)

    def values(self, method: str) -> list[float]:
        """What each sheet contributes under the method: its total, or its z."""
        return self.zscores if method == "zscore" else self.totals

    @cached_property
    def groups(self) -> dict[Id, list[int]]:
        """{nomination id: indices of its sheets}, in canonical order."""
        return _group_by_nomination(self.sheets)

    @cached_property
    def raw_means(self) -> dict[Id, dict[str, float]]:
        """{nomination: {criterion code: mean score on the criterion's own scale}}."""
        sheets = self.sheets
        return {n: {c.code: _mean(sheets[i].scores[c.code] for i in idx) for c in self.criteria}
                for n, idx in self.groups.items()}

    @cached_property
    def normalised_means(self) -> dict[Id, dict[str, float]]:
        """{nomination: {criterion code: mean normalised (0..1) score}}: the criterion tie-break steps'."""
        sheets = self.sheets
        return {n: {c.code: _mean(_normalised(c, sheets[i].scores[c.code]) for i in idx) for c in self.criteria}
                for n, idx in self.groups.items()}

    @cached_property
    def _criteria_json(self) -> str:
        return _json([{"code": c.code, "weight": c.weight, "scale_min": c.scale_min, "scale_max": c.scale_max}
                      for c in self.criteria])

    @cached_property
    def _sheets_json(self) -> bytes:
        return _json([{"judge_id": s.judge_id, "nomination_id": s.nomination_id, "scores": dict(s.scores)}
                      for s in self.sheets]).encode("utf-8")

    def inputs_hash(self, method: str, settings: Mapping[str, Any]) -> str:
        """canonical._hash_document's digest for these sheets, ``settings``
        effective: the same bytes hashed, the sheets written out once. The
        document's keys in sorted order: criteria, method, settings, sheets,
        version."""
        votes = settings["panel_votes"]
        settings_doc = {**settings,
                        "panel_votes": None if votes is None else sorted([str(k), v] for k, v in votes.items())}
        digest = hashlib.sha256()
        digest.update(f'{{"criteria":{self._criteria_json},"method":{_json(method)},'
                      f'"settings":{_json(settings_doc)},"sheets":'.encode())
        digest.update(self._sheets_json)
        digest.update(f',"version":{_json(VERSION)}}}'.encode())
        return digest.hexdigest()


def prepare(criteria: Iterable[Criterion], sheets: Iterable[Sheet]) -> Prepared:
    """Check and order the inputs once (ValueError as `rank` raises it) for
    any number of `rank_prepared`, `judge_severity` and `panel_agreement` calls."""
    criteria, sheets = _prepare(criteria, sheets)
    return Prepared(criteria, sheets)
