"""Automatic assignment of judges to nominations.

Pure Python on plain data (no Flask, no SQLAlchemy): the panel service loads
the cycle's judges, nominations, conflicts and settings, calls `assign()`,
and records the result; the benchmark calls it directly.

The problem
-----------
Each nomination gets exactly ``k`` distinct judges (a per-cycle setting);
each judge takes at most ``max_load`` nominations (the cycle's setting, or
the judge's own ``max_load`` when recorded); a conflicted (judge, nomination)
pair is never used; when the cycle asks (``require_language``), a judge must
read the nomination's language. Among all such assignments, `assign()`
returns one of maximum total fit (see `fit()`).

How it is solved, and why it is optimal
---------------------------------------
This is a transportation problem, solved exactly as a min-cost flow
(OR-Tools ``SimpleMinCostFlow``): nomination -> judge arcs of capacity 1
(so a judge appears at most once per nomination) and cost ``-fit``, judge ->
sink arcs carrying the judge's load, and each nomination supplying ``k``
units. Flow problems have integral optimal solutions, so the flow optimum
is the optimum over assignments. Fits are integers (thousandths, see
`FIT_SCALE`), so "optimal" is exact, not up to a float tolerance.

Ties are broken deterministically: among assignments of equal total fit the
solver prefers even loads (a judge's n-th nomination costs a little more
than its (n-1)-th, on a scale that can never outweigh one thousandth of
fit), and the input is put in id order before the graph is built, so the
same cycle gives the same assignment whatever order the caller lists it in.

When no assignment gives every nomination ``k`` judges
-------------------------------------------------------
`assign()` still returns the best partial assignment (the most judge
places filled, and of those the one of maximum fit), with ``feasible`` False
and one `Uncovered` entry per nomination left short, naming the rule:

* ``assignment.too_few_eligible_judges``: the nomination alone cannot be
  covered; the reason counts the judges excluded by conflicts, language and
  exhausted load.
* ``assignment.judge_capacity``: enough judges are eligible, but they are
  all at their maximum load. The `Bottleneck` names the group of
  nominations competing for the same full judges (read off the minimum cut
  of the flow, which is the same for every maximum assignment), what they
  need and what the judges can give. When the group is the whole cycle the
  reason is the global one: "judges' total capacity 90 < 3 x 40 needed".

Covering every required field (``cover_fields``)
------------------------------------------------
Requiring the ``k`` judges of a nomination to cover all its fields together
is not a flow constraint. The flow optimum is computed first; when it
already covers every field it is also optimal with the constraint (the
constrained problem only removes solutions). Otherwise:

* up to `CP_SAT_MAX_PAIRS` eligible pairs, the exact integer program is
  solved with OR-Tools CP-SAT: first as few uncovered (nomination, field)
  pairs as the loads allow (none when possible), then maximum fit. It runs
  single-threaded with a seed and a deterministic time budget, so the
  result is reproducible; ``optimal`` says whether it was proved optimal;
* above that, a greedy repair swaps judges to cover missing fields at the
  least loss of fit; the result is not claimed optimal (``optimal`` False,
  ``method`` "min_cost_flow+repair").

A field that no eligible judge holds cannot be covered at all; it is
reported (``assignment.field_without_eligible_judge``) and the other
fields are still covered. Nominations whose fields stay uncovered are
reported as ``assignment.fields_not_covered``. Either makes ``feasible``
False. When the cycle cannot even give every nomination ``k`` judges, the
coverage is only checked and reported, not optimised.

Performance (bench/bench_assignment.py, 2 cores): 2,000 nominations x 1,000
judges x 3, load 7, 1% conflicts in about 0.9 s; 2,000 x 600 x 3, load 10,
in about 0.75 s; a MILSET-sized cycle (200 x 30, load 20) in about 20 ms,
or 0.8 s with ``cover_fields`` (CP-SAT, proved optimal). Large cycles are solved
on a sparse candidate network whose optimum is then certified against every
eligible pair (see `_Network.solve_certified`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

FIT_SCALE = 1000  # fits are integers in thousandths
CP_SAT_MAX_PAIRS = 250_000  # above this, cover_fields uses the greedy repair
CP_SAT_DETERMINISTIC_TIME = 10.0  # CP-SAT deterministic time units (a few wall seconds here)
_MAX_COST = 2**62
_PRUNE_ABOVE_PAIRS = 50_000  # larger networks are solved sparse first, then certified
_CANDIDATES_PER_NOMINATION = 20
_CANDIDATES_PER_JUDGE = 40

RULE_TOO_FEW_ELIGIBLE = "assignment.too_few_eligible_judges"
RULE_CAPACITY = "assignment.judge_capacity"
RULE_FIELD_WITHOUT_JUDGE = "assignment.field_without_eligible_judge"
RULE_FIELDS_NOT_COVERED = "assignment.fields_not_covered"


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class JudgeInput:
    """A judge as the assignment sees it.

    ``expertise`` maps a field code (judging.expertise.FIELDS) to the
    judge's recorded years of experience in it (0 when recorded without
    years). ``max_load``, when set, replaces the cycle's maximum for this
    judge (0 means the judge takes no nomination).
    """

    id: int
    expertise: Mapping[str, float] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    max_load: int | None = None


@dataclass(frozen=True)
class NominationInput:
    """A nomination: the fields its judges should know (the award's required
    fields, possibly narrowed to the candidature), and its language."""

    id: int
    fields: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class FitPolicy:
    """How fit is scored; a per-cycle setting with these defaults.

    A field the judge holds with ``y`` years counts
    ``base_strength + (1 - base_strength) * min(y, years_cap) / years_cap``
    (0.5 for a field recorded without years, 1.0 from 10 years on). The fit
    of a judge for a nomination is the mean of that strength over the
    nomination's fields (a field the judge lacks counts 0), plus
    ``language_bonus`` when the judge reads the nomination's language. So a
    fit lies in [0, 1 + language_bonus]; 1.0 means every field at full
    strength.
    """

    years_cap: float = 10
    base_strength: float = 0.5
    language_bonus: float = 0.0

    def __post_init__(self):
        if self.years_cap <= 0:
            raise ValueError("years_cap must be positive")
        if not 0 <= self.base_strength <= 1:
            raise ValueError("base_strength must lie in [0, 1]")
        if self.language_bonus < 0:
            raise ValueError("language_bonus cannot be negative")


DEFAULT_POLICY = FitPolicy()


# --------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Fit:
    """A judge's fit for a nomination, with the reasons a reader can check."""

    value: float
    covers: tuple[str, ...]
    reasons: tuple[str, ...]
    units: int  # value in thousandths: what the solver maximises


@dataclass(frozen=True)
class Assignment:
    nomination_id: int
    judge_id: int
    fit: float
    covers: tuple[str, ...]
    reasons: tuple[str, ...]  # e.g. ("covers science_outreach (12 y)", "reads fr")
    kept: bool = False  # a pair the caller asked to keep


@dataclass(frozen=True)
class Uncovered:
    """A nomination the assignment cannot serve as the cycle asks, and why.

    ``needed`` is the number of judges asked (k); ``eligible`` how many
    judges could take it at all; ``assigned`` how many it got. ``fields``
    lists the fields left uncovered (field rules only)."""

    nomination_id: int
    rule: str
    needed: int
    eligible: int
    assigned: int
    reason: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bottleneck:
    """Nominations competing for the same judges, all at their maximum load.

    Any of ``nomination_ids`` could be the one left short; ``needed`` judge
    places are asked, ``available`` can be given."""

    nomination_ids: tuple[int, ...]
    judge_ids: tuple[int, ...]
    needed: int
    available: int
    reason: str


@dataclass(frozen=True)
class Result:
    assignments: tuple[Assignment, ...]  # sorted by (nomination_id, judge_id)
    total_fit: float
    feasible: bool  # every nomination has k judges (and its fields covered, if asked)
    optimal: bool  # proved optimal for the objective asked
    method: str  # "min_cost_flow", "cp_sat" or "min_cost_flow+repair"
    uncovered: tuple[Uncovered, ...] = ()
    bottlenecks: tuple[Bottleneck, ...] = ()
    notes: tuple[str, ...] = ()

    def for_nomination(self, nomination_id: int) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.nomination_id == nomination_id)

    def loads(self) -> dict[int, int]:
        loads: dict[int, int] = {}
        for a in self.assignments:
            loads[a.judge_id] = loads.get(a.judge_id, 0) + 1
        return loads


# ------------------------------------------------------------------- fit


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (exact, portable)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _strength_units(years: float, policy: FitPolicy) -> int:
    share = min(max(float(years), 0.0), policy.years_cap) / policy.years_cap
    strength = policy.base_strength + (1 - policy.base_strength) * share
    return int(round(strength * FIT_SCALE))


def _bonus_units(policy: FitPolicy) -> int:
    return int(round(policy.language_bonus * FIT_SCALE))


def _years_label(years: float) -> str:
    return f"{years:g} y"


def _unique(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fields))


def _lang(code: str | None) -> str | None:
    return code.strip().lower() if code else None


def fit(judge: JudgeInput, nomination: NominationInput, policy: FitPolicy = DEFAULT_POLICY) -> Fit:
    """Score one judge for one nomination (see `FitPolicy` for the formula).

    The solver computes the same integers for all pairs at once; a test
    checks that the two agree."""
    fields = _unique(nomination.fields)
    covers = tuple(f for f in fields if f in judge.expertise)
    reasons = []
    total = 0
    for f in fields:
        if f in judge.expertise:
            total += _strength_units(judge.expertise[f], policy)
            reasons.append(f"covers {f} ({_years_label(judge.expertise[f])})")
        else:
            reasons.append(f"no expertise in {f}")
    units = _round_div(total, len(fields)) if fields else 0
    language = _lang(nomination.language)
    if language is not None:
        if language in {_lang(code) for code in judge.languages}:
            units += _bonus_units(policy)
            reasons.append(f"reads {language}")
        else:
            reasons.append(f"does not read {language}")
    return Fit(units / FIT_SCALE, covers, tuple(reasons), units)


# ---------------------------------------------------------------- assign


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
        if n and (self.kept_per_nom > k).any():
            ni = int(np.argmax(self.kept_per_nom > k))
            raise ValueError(f"nomination {self.noms[ni].id}: more than k={k} kept judges")
        if m and (self.kept_per_judge > self.capacity).any():
            ji = int(np.argmax(self.kept_per_judge > self.capacity))
            raise ValueError(f"judge {self.judges[ji].id}: kept pairs exceed the judge's load")
        self.need = k - self.kept_per_nom
        self.room = self.capacity - self.kept_per_judge
        full = self.room <= 0
        self.eligible = ~conflicted & ~language_out & ~self.kept & ~full[None, :]
        self.n_conflicted = conflicted.sum(axis=1)
        self.n_language = (language_out & ~conflicted).sum(axis=1)
        self.n_full = (full[None, :] & ~conflicted & ~language_out & ~self.kept).sum(axis=1)


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
    ValueError (recuse it first). See the module docstring for the method,
    its optimality and what is reported when the cycle cannot be covered.
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
        impossible, missing = _covering(c, assigned | c.kept)
        if any(missing) and not uncovered:
            if int(c.eligible.sum()) <= CP_SAT_MAX_PAIRS:
                better, optimal, note = _solve_cp_sat(c, assigned, impossible)
                notes.append(note)
                if better is not None:
                    assigned, method = better, "cp_sat"
            else:
                assigned = _repair(c, assigned, missing)
                method, optimal = "min_cost_flow+repair", False
                notes.append(f"{int(c.eligible.sum())} eligible pairs exceed the exact covering "
                             f"model's limit ({CP_SAT_MAX_PAIRS}): fields covered by greedy swaps "
                             "from the flow optimum, not proved optimal")
            impossible, missing = _covering(c, assigned | c.kept)
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
        result_pairs.append(Assignment(c.noms[ni].id, c.judges[ji].id, explained.value,
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
