"""Covering every required field (``cover_fields``): which fields are
missing, the exact CP-SAT model, and the greedy repair above its size."""

from __future__ import annotations

import numpy as np

from judging.assignment.cycle import _Cycle

CP_SAT_MAX_PAIRS = 250_000  # above this, cover_fields uses the greedy repair
CP_SAT_DETERMINISTIC_TIME = 10.0  # CP-SAT deterministic time units (a few wall seconds here)


def _covering(c: _Cycle, judges_of: np.ndarray):
    """Per nomination: the fields no eligible judge holds, and the coverable
    fields that its judges (``judges_of``, n x m) leave uncovered."""
    coverable = ((c.eligible | c.kept).astype(np.int64) @ c.holds) > 0
    have = (judges_of.astype(np.int64) @ c.holds) > 0
    impossible, missing = [], []
    for ni, fields in enumerate(c.nom_fields):
        cols = [c.field_col[f] for f in fields]
        impossible.append(tuple(f for f, col in zip(fields, cols, strict=True)
                                if not coverable[ni, col]))
        missing.append(tuple(f for f, col in zip(fields, cols, strict=True)
                             if coverable[ni, col] and not have[ni, col]))
    return impossible, missing


def _solve_cp_sat(c: _Cycle, hint: np.ndarray, impossible):
    """The exact covering model; returns (assigned matrix or None, proved
    optimal, note).

    Covering is soft, lexicographically first: the model leaves as few
    (nomination, field) pairs uncovered as the loads allow (none when
    possible), then maximises fit; one uncovered field outweighs all fit."""
    # Imported here: CP-SAT's module loads pandas (0.7 s), which only a
    # cycle that asks for field covering should pay, not every first run.
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    nom_idx, judge_idx = np.nonzero(c.eligible)
    x = [model.new_bool_var(f"x{p}") for p in range(len(nom_idx))]
    by_nom: list[list[int]] = [[] for _ in range(c.n)]
    by_judge: list[list[int]] = [[] for _ in range(c.m)]
    for p, (ni, ji) in enumerate(zip(nom_idx, judge_idx, strict=True)):
        by_nom[ni].append(p)
        by_judge[ji].append(p)
        model.add_hint(x[p], bool(hint[ni, ji]))
    gaps = []
    for ni in range(c.n):
        model.add(sum(x[p] for p in by_nom[ni]) == int(c.need[ni]))
        kept_fields = {f for j in np.nonzero(c.kept[ni])[0] for f in c.judges[j].expertise}
        for f in c.nom_fields[ni]:
            if f in impossible[ni] or f in kept_fields:
                continue
            gap = model.new_bool_var(f"gap{ni}_{f}")
            gaps.append(gap)
            model.add(sum(x[p] for p in by_nom[ni] if f in c.judges[judge_idx[p]].expertise) + gap >= 1)
    for ji in range(c.m):
        if by_judge[ji]:
            model.add(sum(x[p] for p in by_judge[ji]) <= int(c.room[ji]))
    gap_weight = int(c.units.max(initial=0)) * int(c.need.sum()) + 1
    model.maximize(sum(int(c.units[ni, ji]) * x[p]
                       for p, (ni, ji) in enumerate(zip(nom_idx, judge_idx, strict=True)))
                   - gap_weight * sum(gaps))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # single-threaded, seeded, deterministic budget: reproducible
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = CP_SAT_DETERMINISTIC_TIME
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False, "CP-SAT found no assignment within its time budget; the flow optimum is kept"
    assigned = np.zeros((c.n, c.m), dtype=bool)
    for p in range(len(nom_idx)):
        if solver.boolean_value(x[p]):
            assigned[nom_idx[p], judge_idx[p]] = True
    if status == cp_model.OPTIMAL:
        return assigned, True, ("fields covered by the exact integer program (CP-SAT), proved "
                                "optimal: fewest uncovered fields, then maximum fit")
    return assigned, False, "fields covered by CP-SAT, best found within its time budget, not proved optimal"


def _repair(c: _Cycle, assigned: np.ndarray, missing) -> np.ndarray:
    """Greedy: for each nomination missing a field, swap one of its judges for
    an eligible judge with spare load who holds the field, keeping the
    fields already covered, at the least loss of fit (ties by ids)."""
    assigned = assigned.copy()
    load = assigned.sum(axis=0) + c.kept_per_judge

    def covered(ni, judges) -> set[str]:
        fields = c.nom_fields[ni]
        return {f for j in judges for f in c.judges[j].expertise if f in fields}

    for ni in range(c.n):
        kept = {int(j) for j in np.nonzero(c.kept[ni])[0]}
        for f in missing[ni]:
            mine = {int(j) for j in np.nonzero(assigned[ni])[0]}
            before = covered(ni, mine | kept)
            if f in before:
                continue
            best = None
            for new in np.nonzero(c.eligible[ni] & ~assigned[ni] & (load < c.capacity))[0]:
                new = int(new)
                if f not in c.judges[new].expertise:
                    continue
                for old in sorted(mine):
                    if not before <= covered(ni, (mine - {old}) | {new} | kept):
                        continue
                    key = (int(c.units[ni, old]) - int(c.units[ni, new]), old, new)
                    if best is None or key < best:
                        best = key
            if best is not None:
                _, old, new = best
                assigned[ni, old], assigned[ni, new] = False, True
                load[old] -= 1
                load[new] += 1
    return assigned
