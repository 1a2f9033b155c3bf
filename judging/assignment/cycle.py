"""The instance in canonical (id) order, as numpy arrays: fits, eligible
pairs, kept pairs, loads; what the solvers and the explanations read."""

from __future__ import annotations

import numpy as np

from judging.assignment.scoring import _bonus_units, _lang, _strength_units, _unique


class _Cycle:
    """The instance in canonical (id) order, as arrays."""

    def __init__(self, nominations, judges, conflicts, k, max_load, require_language, keep, policy):
        if k < 1:
            raise ValueError("k (judges per nomination) must be at least 1")
        if max_load < 0:
            raise ValueError("max_load cannot be negative")
        self.noms = sorted(nominations, key=lambda n: n.id)
        self.judges = sorted(judges, key=lambda j: j.id)
        for kind, items in (("nomination", self.noms), ("judge", self.judges)):
            ids = [x.id for x in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {kind} ids")
        for j in self.judges:
            if j.max_load is not None and j.max_load < 0:
                raise ValueError(f"judge {j.id}: max_load cannot be negative")
        self.k = k
        self.policy = policy
        self.require_language = require_language
        n, m = len(self.noms), len(self.judges)
        self.n, self.m = n, m
        self.nom_index = {x.id: i for i, x in enumerate(self.noms)}
        self.judge_index = {x.id: i for i, x in enumerate(self.judges)}

        # Fit matrix, in integer units, computed exactly as fit() does.
        self.nom_fields = [_unique(x.fields) for x in self.noms]
        vocabulary = sorted({f for fields in self.nom_fields for f in fields})
        col = {f: c for c, f in enumerate(vocabulary)}
        strength = np.zeros((m, len(vocabulary)), dtype=np.int64)
        self.holds = np.zeros((m, len(vocabulary)), dtype=np.int64)  # judge x field, 0/1
        for ji, judge in enumerate(self.judges):
            for f, years in judge.expertise.items():
                if f in col:
                    strength[ji, col[f]] = _strength_units(years, policy)
                    self.holds[ji, col[f]] = 1
        self.field_col = col
        wants = np.zeros((n, len(vocabulary)), dtype=np.int64)
        for ni, fields in enumerate(self.nom_fields):
            for f in fields:
                wants[ni, col[f]] = 1
        count = wants.sum(axis=1)
        total = wants @ strength.T
        safe = np.maximum(count, 1)[:, None]
        units = (2 * total + safe) // (2 * safe)
        units[count == 0, :] = 0

        languages = sorted(
            {_lang(x.language) for x in self.noms if x.language}
            | {_lang(code) for j in self.judges for code in j.languages if code}
        )
        lang_col = {code: c for c, code in enumerate(languages)}
        reads = np.zeros((m, len(languages) + 1), dtype=bool)  # last column: no language
        for ji, judge in enumerate(self.judges):
            for code in judge.languages:
                if code:
                    reads[ji, lang_col[_lang(code)]] = True
        self.nom_language = [_lang(x.language) for x in self.noms]
        lang_of = np.array([lang_col[c] if c else len(languages) for c in self.nom_language],
                           dtype=np.int64)
        speaks = reads[:, lang_of].T if n else np.zeros((0, m), dtype=bool)  # n x m
        has_language = lang_of < len(languages)
        units = units + speaks * _bonus_units(policy)
        self.units = units.astype(np.int64)

        # Who may judge what.
        conflicted = np.zeros((n, m), dtype=bool)
        for judge_id, nomination_id in conflicts:
            ji, ni = self.judge_index.get(judge_id), self.nom_index.get(nomination_id)
            if ji is not None and ni is not None:
                conflicted[ni, ji] = True
        language_out = (~speaks & has_language[:, None]) if require_language else np.zeros_like(conflicted)
        self.capacity = np.array(
            [max_load if j.max_load is None else j.max_load for j in self.judges], dtype=np.int64)

        # Pairs to keep count against k and the judge's load.
        self.kept = np.zeros((n, m), dtype=bool)
        for judge_id, nomination_id in sorted(set(keep)):
            ji, ni = self.judge_index.get(judge_id), self.nom_index.get(nomination_id)
            if ji is None or ni is None:
                raise ValueError(f"kept pair ({judge_id}, {nomination_id}): unknown judge or nomination")
            if conflicted[ni, ji]:
                raise ValueError(f"kept pair ({judge_id}, {nomination_id}) is conflicted")
            if language_out[ni, ji]:
                raise ValueError(f"kept pair ({judge_id}, {nomination_id}): judge does not read "
                                 f"{self.nom_language[ni]}")
            self.kept[ni, ji] = True
        self.kept_per_nom = self.kept.sum(axis=1)
        self.kept_per_judge = self.kept.sum(axis=0)
        # The chair may have assigned by hand beyond k or beyond a judge's
        # load: those pairs stay, such a nomination needs no one more and
        # such a judge takes no one more (not a refusal of the whole run).
        self.need = np.maximum(k - self.kept_per_nom, 0)
        self.room = np.maximum(self.capacity - self.kept_per_judge, 0)
        full = self.room <= 0
        self.eligible = ~conflicted & ~language_out & ~self.kept & ~full[None, :]
        self.n_conflicted = conflicted.sum(axis=1)
        self.n_language = (language_out & ~conflicted).sum(axis=1)
        self.n_full = (full[None, :] & ~conflicted & ~language_out & ~self.kept).sum(axis=1)
