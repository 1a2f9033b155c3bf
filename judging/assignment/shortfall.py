"""Why nominations are left short of ``k`` judges: too few eligible judges,
or judges all at their maximum load, grouped by the minimum cut."""

from __future__ import annotations

import numpy as np

from judging.assignment.cycle import _Cycle
from judging.assignment.model import RULE_CAPACITY, RULE_TOO_FEW_ELIGIBLE, Bottleneck, Uncovered


def _explain_shortfall(c: _Cycle, assigned: np.ndarray):
    """Uncovered entries and bottleneck groups for an assignment that leaves
    some nominations short.

    The groups come from the residual graph of the flow: what the short
    nominations can reach (an eligible judge they do not have, then that
    judge's other nominations, and so on) is the source side of the minimum
    cut, the same for every maximum assignment. Every judge reached is at
    its maximum load, and takes no nomination from outside the group. That
    side is then split into its connected parts, one `Bottleneck` each."""
    k = c.k
    got = assigned.sum(axis=1) + c.kept_per_nom
    n_eligible = c.eligible.sum(axis=1)
    local = n_eligible < c.need
    short = got < k
    open_pairs = c.eligible & ~assigned

    side_noms = short.copy()
    side_judges = np.zeros(c.m, dtype=bool)
    frontier = short.copy()
    while frontier.any():
        new_judges = open_pairs[frontier].any(axis=0) & ~side_judges
        side_judges |= new_judges
        frontier = assigned[:, new_judges].any(axis=1) & ~side_noms
        side_noms |= frontier
    linked = (open_pairs | assigned) & side_noms[:, None] & side_judges[None, :]

    effective_capacity = int(np.minimum(c.capacity, c.n).sum())
    bottlenecks: list[Bottleneck] = []
    group_of: dict[int, int] = {}
    labelled = np.zeros(c.n, dtype=bool)
    for start in np.nonzero(short & ~local)[0]:
        if labelled[start]:
            continue
        noms = np.zeros(c.n, dtype=bool)
        judges = np.zeros(c.m, dtype=bool)
        frontier = np.zeros(c.n, dtype=bool)
        frontier[start] = noms[start] = True
        while frontier.any():
            new_judges = linked[frontier].any(axis=0) & ~judges
            judges |= new_judges
            frontier = linked[:, new_judges].any(axis=1) & ~noms
            noms |= frontier
        labelled |= noms
        members = np.nonzero(noms)[0]
        needed = int(k * len(members))
        available = int(got[members].sum())
        for ni in members:
            group_of[int(ni)] = len(bottlenecks)
        judge_ids = tuple(c.judges[j].id for j in np.nonzero(judges)[0])
        if len(members) == c.n and effective_capacity < k * c.n:
            reason = f"judges' total capacity {effective_capacity} < {k} x {c.n} needed"
        else:
            reason = (f"{len(members)} nominations compete for the same {len(judge_ids)} judges, all at "
                      f"their maximum load: they need {needed} judge places and can get {available}")
        bottlenecks.append(Bottleneck(tuple(c.noms[i].id for i in members), judge_ids,
                                      needed, available, reason))

    uncovered = []
    for ni in np.nonzero(short)[0]:
        nom = c.noms[ni]
        eligible = int(n_eligible[ni] + c.kept_per_nom[ni])
        if local[ni]:
            excluded = []
            if c.n_conflicted[ni]:
                excluded.append(f"{c.n_conflicted[ni]} conflicted")
            if c.n_language[ni]:
                excluded.append(f"{c.n_language[ni]} do not read {c.nom_language[ni]}")
            if c.n_full[ni]:
                excluded.append(f"{c.n_full[ni]} have no load left")
            excluded.append(f"of {c.m} judges")
            reason = f"only {eligible} eligible judges for {k} places ({', '.join(excluded)})"
            rule = RULE_TOO_FEW_ELIGIBLE
        else:
            rule = RULE_CAPACITY
            reason = (f"{eligible} eligible judges, all at their maximum load: "
                      f"{bottlenecks[group_of[int(ni)]].reason}")
        uncovered.append(Uncovered(nom.id, rule, k, eligible, int(got[ni]), reason))
    return uncovered, bottlenecks
