"""The min-cost flow: each nomination supplies the judges it still needs,
through nomination -> judge arcs of capacity 1 and cost ``-fit``, to judges
whose arcs to the sink carry their load (see the package docstring,
judging.assignment, for why its optimum is the optimal assignment)."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from judging.assignment.cycle import _Cycle

_MAX_COST = 2**62
_PRUNE_ABOVE_PAIRS = 50_000  # larger networks are solved sparse first, then certified
_CANDIDATES_PER_NOMINATION = 20
_CANDIDATES_PER_JUDGE = 40


class _Network:
    """The flow network of a cycle: nominations 0..n-1 (each supplying its
    need), judges n..n+m-1, one sink. Arc costs are lexicographic: one
    thousandth of fit is worth `weight`, more than all load-balancing
    penalties together (judge j's t-th new nomination costs kept_j + t)."""

    def __init__(self, c: _Cycle):
        n, m = c.n, c.m
        self.c = c
        self.sink = n + m
        self.per_judge = np.minimum(c.room, c.eligible.sum(axis=0)).clip(min=0)
        penalty_total = int(sum(int(c.kept_per_judge[j]) * int(r) + int(r) * (int(r) - 1) // 2
                                for j, r in enumerate(self.per_judge)))
        max_units = int(c.units.max(initial=0)) + 1
        self.total_need = int(c.need.sum())
        self.weight = penalty_total + 1
        self.balance = self.weight * max_units * max(self.total_need, 1) + penalty_total < _MAX_COST
        if not self.balance:
            self.weight = 1
        if self.balance:
            tails = np.repeat(np.arange(m), self.per_judge)
            steps = (np.concatenate([np.arange(r) for r in self.per_judge])
                     if self.per_judge.sum() else np.zeros(0, dtype=np.int64))
            self.judge_tails = tails + n
            self.judge_caps = np.ones(len(tails), dtype=np.int64)
            self.judge_costs = (c.kept_per_judge[tails] + steps).astype(np.int64)
        else:
            self.judge_tails = np.arange(n, n + m)
            self.judge_caps = self.per_judge.astype(np.int64)
            self.judge_costs = np.zeros(m, dtype=np.int64)
        self.cost = -c.units * self.weight  # n x m, cost of a nomination -> judge arc

    def solve(self, nom_idx: np.ndarray, judge_idx: np.ndarray):
        """Max flow of min cost on the given nomination -> judge arcs; returns
        (pair flows, judge-arc flows)."""
        c = self.c
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(
            nom_idx.astype(np.int32), (judge_idx + c.n).astype(np.int32),
            np.ones(len(nom_idx), dtype=np.int64), self.cost[nom_idx, judge_idx])
        smcf.add_arcs_with_capacity_and_unit_cost(
            self.judge_tails.astype(np.int32), np.full(len(self.judge_tails), self.sink, dtype=np.int32),
            self.judge_caps, self.judge_costs)
        supplies = np.zeros(c.n + c.m + 1, dtype=np.int64)
        supplies[:c.n] = c.need
        supplies[self.sink] = -self.total_need
        smcf.set_nodes_supplies(np.arange(c.n + c.m + 1, dtype=np.int32), supplies)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow solver failed: {status}")
        flows = smcf.flows(np.arange(smcf.num_arcs(), dtype=np.int32))
        return flows[:len(nom_idx)], flows[len(nom_idx):]

    def potentials(self, nom_idx, judge_idx, pair_flow, judge_flow) -> np.ndarray | None:
        """Node potentials proving the flow optimal on its own arcs: shortest
        distances in the residual graph (Bellman-Ford from a virtual root,
        vectorised). None if they do not settle (cannot happen for an
        optimal flow; the caller then falls back to the full network)."""
        c = self.c
        pair_cost = self.cost[nom_idx, judge_idx]
        used = pair_flow > 0
        judge_heads = np.full(len(self.judge_tails), self.sink)
        forward = judge_flow < self.judge_caps
        backward = judge_flow > 0
        tail = np.concatenate([nom_idx[~used], judge_idx[used] + c.n,
                               self.judge_tails[forward], judge_heads[backward]])
        head = np.concatenate([judge_idx[~used] + c.n, nom_idx[used],
                               judge_heads[forward], self.judge_tails[backward]])
        cost = np.concatenate([pair_cost[~used], -pair_cost[used],
                               self.judge_costs[forward], -self.judge_costs[backward]])
        order = np.argsort(head, kind="stable")
        tail, head, cost = tail[order], head[order], cost[order]
        heads, starts = np.unique(head, return_index=True)
        dist = np.zeros(c.n + c.m + 1, dtype=np.int64)
        if len(tail) == 0:
            return dist
        for _ in range(c.n + c.m + 2):
            best = np.minimum.reduceat(dist[tail] + cost, starts)
            improved = best < dist[heads]
            if not improved.any():
                return dist
            dist[heads[improved]] = best[improved]
        return None

    def solve_certified(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The optimal flow over all eligible pairs, found on a sparse network.

        Only the most promising arcs are given to the solver: each
        nomination's best `_CANDIDATES_PER_NOMINATION` judges and each
        judge's best nominations. The solution is then checked against every
        eligible pair with the potentials of the sparse optimum (LP duality:
        a flow whose residual arcs all have non-negative reduced cost is
        optimal). Pairs that fail the check are added and the network solved
        again; a sparse network that cannot carry the full demand falls back
        to the whole one. So the result is the optimum of the full network,
        only faster to reach."""
        c = self.c
        all_noms, all_judges = np.nonzero(c.eligible)
        if len(all_noms) <= _PRUNE_ABOVE_PAIRS:
            pair_flow, _ = self.solve(all_noms, all_judges)
            return all_noms, all_judges, pair_flow
        keep = np.zeros_like(c.eligible)
        # Rank by fit; equal fits are ordered by a fixed scramble of the
        # indices, so that the judges' candidate lists spread over the
        # nominations instead of all taking the lowest ids.
        scramble = (np.arange(c.n)[:, None] * 7919 + np.arange(c.m)[None, :] * 104_729) % 1009
        score = np.where(c.eligible, c.units * 1024 + scramble, -1)
        per_nom = min(c.m, max(_CANDIDATES_PER_NOMINATION, c.k))
        top = np.argpartition(-score, per_nom - 1, axis=1)[:, :per_nom]
        keep[np.arange(c.n)[:, None], top] = True
        per_judge = min(c.n, _CANDIDATES_PER_JUDGE)
        top = np.argpartition(-score, per_judge - 1, axis=0)[:per_judge, :]
        keep[top, np.arange(c.m)[None, :]] = True
        keep &= c.eligible
        while True:
            nom_idx, judge_idx = np.nonzero(keep)
            pair_flow, judge_flow = self.solve(nom_idx, judge_idx)
            if int(pair_flow.sum()) < self.total_need:
                break
            dist = self.potentials(nom_idx, judge_idx, pair_flow, judge_flow)
            if dist is None:
                break
            reduced = self.cost + dist[:c.n, None] - dist[None, c.n:c.n + c.m]
            violated = c.eligible & ~keep & (reduced < 0)
            if not violated.any():
                return nom_idx, judge_idx, pair_flow
            keep |= violated
        pair_flow, _ = self.solve(all_noms, all_judges)
        return all_noms, all_judges, pair_flow


def _solve_flow(c: _Cycle) -> np.ndarray:
    """Maximum flow of maximum fit, ties to even loads; returns the n x m
    boolean matrix of new (non-kept) pairs."""
    assigned = np.zeros((c.n, c.m), dtype=bool)
    if not c.eligible.any():
        return assigned
    nom_idx, judge_idx, pair_flow = _Network(c).solve_certified()
    used = pair_flow > 0
    assigned[nom_idx[used], judge_idx[used]] = True
    return assigned
