"""`assign()`: the flow optimum, the explanation of any shortfall, the
field covering when asked, and the result with each pair explained."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from judging.assignment import covering
from judging.assignment.cycle import _Cycle
from judging.assignment.model import (
    DEFAULT_POLICY,
    RULE_FIELD_WITHOUT_JUDGE,
    RULE_FIELDS_NOT_COVERED,
    Bottleneck,
    FitPolicy,
    JudgeInput,
    NominationInput,
    Pair,
    Result,
    Uncovered,
)
from judging.assignment.network import _solve_flow
from judging.assignment.scoring import FIT_SCALE, fit
from judging.assignment.shortfall import _explain_shortfall


def assign(
    nominations: Iterable[NominationInput],
    judges: Iterable[JudgeInput],
    conflicts: Iterable[tuple[int, int]] = (),
    *,
    k: int,
    max_load: int,
    require_language: bool = False,
    cover_fields: bool = False,
    keep: Iterable[tuple[int, int]] = (),
    policy: FitPolicy = DEFAULT_POLICY,
) -> Result:
    """Assign ``k`` judges to every nomination at maximum total fit.

    ``conflicts`` and ``keep`` are (judge_id, nomination_id) pairs. Conflicts
    are hard exclusions. Kept pairs (assignments already made, e.g. sheets a
    judge has started) stay, count towards ``k`` and the judge's load; a
    kept pair that is conflicted, or refused by the language rule, raises
    ValueError (recuse it first). See the package docstring (judging.assignment)
    for the method, its optimality and what is reported when the cycle cannot
    be covered.
    """
    c = _Cycle(list(nominations), list(judges), conflicts, k, max_load, require_language,
               keep, policy)
    assigned = _solve_flow(c)
    method, optimal, notes = "min_cost_flow", True, []
    got = assigned.sum(axis=1) + c.kept_per_nom
    uncovered: list[Uncovered] = []
    bottlenecks: list[Bottleneck] = []
    if (got < k).any():
        uncovered, bottlenecks = _explain_shortfall(c, assigned)
        notes.append("not every nomination can get k judges: the assignment is the best partial one "
                     "(most judge places filled, then maximum fit)")

    if cover_fields:
        impossible, missing = covering._covering(c, assigned | c.kept)
        if any(missing) and not uncovered:
            if int(c.eligible.sum()) <= covering.CP_SAT_MAX_PAIRS:
                better, optimal, note = covering._solve_cp_sat(c, assigned, impossible)
                notes.append(note)
                if better is not None:
                    assigned, method = better, "cp_sat"
            else:
                assigned = covering._repair(c, assigned, missing)
                method, optimal = "min_cost_flow+repair", False
                notes.append(f"{int(c.eligible.sum())} eligible pairs exceed the exact covering "
                             f"model's limit ({covering.CP_SAT_MAX_PAIRS}): fields covered by greedy swaps "
                             "from the flow optimum, not proved optimal")
            impossible, missing = covering._covering(c, assigned | c.kept)
        got = assigned.sum(axis=1) + c.kept_per_nom
        for ni in range(c.n):
            nom = c.noms[ni]
            eligible = int(c.eligible[ni].sum() + c.kept_per_nom[ni])
            if impossible[ni]:
                uncovered.append(Uncovered(
                    nom.id, RULE_FIELD_WITHOUT_JUDGE, k, eligible, int(got[ni]),
                    f"no eligible judge has expertise in {', '.join(impossible[ni])}",
                    impossible[ni]))
            if missing[ni]:
                uncovered.append(Uncovered(
                    nom.id, RULE_FIELDS_NOT_COVERED, k, eligible, int(got[ni]),
                    f"its judges do not cover {', '.join(missing[ni])}", missing[ni]))
        uncovered.sort(key=lambda u: u.nomination_id)

    result_pairs = []
    both = assigned | c.kept
    for ni, ji in zip(*np.nonzero(both), strict=True):
        explained = fit(c.judges[ji], c.noms[ni], policy)
        result_pairs.append(Pair(c.noms[ni].id, c.judges[ji].id, explained.value,
                                 explained.covers, explained.reasons, bool(c.kept[ni, ji])))
    result_pairs.sort(key=lambda a: (a.nomination_id, a.judge_id))
    total_units = int(c.units[both].sum())
    return Result(
        assignments=tuple(result_pairs),
        total_fit=total_units / FIT_SCALE,
        feasible=not uncovered,
        optimal=optimal,
        method=method,
        uncovered=tuple(uncovered),
        bottlenecks=tuple(bottlenecks),
        notes=tuple(notes),
    )
