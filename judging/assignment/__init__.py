"""Automatic assignment of judges to nominations.

Pure Python on plain data (no Flask, no SQLAlchemy). In the application,
``awards_app.services.assignments.run`` loads the cycle's panel, its
eligible nominations, the conflicts that hide a nomination from a judge and
the assignments already made, calls `assign()` with the cycle's settings
(``judges_per_nomination``, ``max_load_per_judge``, ``required_fields``,
``cover_fields``) and the assignments made as pairs to keep, and records
each new pair as an assignment. The benchmarks (bench/bench_assignment.py,
bench/targets.py) call `assign()` directly.

The problem
-----------
Each nomination gets exactly ``k`` distinct judges; each judge takes at
most ``max_load`` nominations (or the judge's own `JudgeInput.max_load`,
when given); a conflicted (judge, nomination) pair is never used; when asked
(``require_language``), a judge must read the nomination's language. Among
all such assignments, `assign()` returns one of maximum total fit (see
`fit()` and `FitPolicy`). The service passes no per-judge load, no
nomination language and no policy: those take their defaults.

How it is solved, and why it is optimal
---------------------------------------
This is a transportation problem, solved exactly as a min-cost flow
(OR-Tools ``SimpleMinCostFlow``): nomination -> judge arcs of capacity 1
(so a judge appears at most once per nomination) and cost ``-fit``, judge ->
sink arcs carrying the judge's load, and each nomination supplying the
judges it still needs (``k`` less its kept pairs). Flow problems have
integral optimal solutions, so the flow optimum is the optimum over
assignments. Fits are integers (thousandths, see `FIT_SCALE`), so "optimal"
is exact, not up to a float tolerance.

Ties are broken deterministically: among assignments of equal total fit the
flow prefers even loads (a judge's n-th nomination costs a little more
than its (n-1)-th, on a scale that can never outweigh one thousandth of
fit; the preference is dropped only if the combined costs could pass
2**62, far beyond any cycle's size), and the input is put in id order
before the graph is built, so the same cycle gives the same assignment
whatever order the caller lists it in.

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
  need and what the judges can give. When the group is the whole cycle and
  the judges' total capacity is short, the reason is the global one:
  "judges' total capacity 90 < 3 x 40 needed".

Covering every required field (``cover_fields``)
------------------------------------------------
Requiring the ``k`` judges of a nomination to cover all its fields together
is not a flow constraint. The flow optimum is computed first; when it
already covers every field it is also optimal with the constraint (the
constrained problem only removes solutions). Otherwise:

* up to `CP_SAT_MAX_PAIRS` eligible pairs, the exact integer program is
  solved with OR-Tools CP-SAT: first as few uncovered (nomination, field)
  pairs as the loads allow (none when possible), then maximum fit (with no
  preference for even loads). It runs single-threaded with a seed and a
  deterministic time budget, so the result is reproducible; ``optimal``
  says whether it was proved optimal;
* above that, a greedy repair swaps judges to cover missing fields at the
  least loss of fit; the result is not claimed optimal (``optimal`` False,
  ``method`` "min_cost_flow+repair").

A field that no eligible judge holds cannot be covered at all; it is
reported (``assignment.field_without_eligible_judge``) and the other
fields are still covered. Nominations whose fields stay uncovered are
reported as ``assignment.fields_not_covered``. Either makes ``feasible``
False. When the cycle cannot even give every nomination ``k`` judges, the
coverage is only checked and reported, not optimised.

Performance
-----------
Large cycles are solved on a sparse candidate network whose optimum is then
certified against every eligible pair (see
`network._Network.solve_certified`). BENCHMARKS.md records the time at
2,000 nominations x 600 judges x 3, load 10 (about half a second, optimal);
bench/bench_assignment.py times it, a MILSET-sized cycle and a larger one,
with or without ``cover_fields``.

Modules
-------
- model: the inputs (`JudgeInput`, `NominationInput`, `FitPolicy`), the
  outputs (`Fit`, `Pair`, `Uncovered`, `Bottleneck`, `Result`) and the rule
  codes
- scoring: `fit()`, in integer thousandths
- cycle: the instance in canonical order, as arrays
- network: the min-cost flow, sparse then certified
- shortfall: why nominations are left short, and the bottlenecks
- covering: ``cover_fields``, by CP-SAT or by greedy repair
- solve: `assign()`, which puts them together

Callers import from the package itself; the modules are its layout, not an API.
"""

from judging.assignment.covering import CP_SAT_DETERMINISTIC_TIME, CP_SAT_MAX_PAIRS
from judging.assignment.model import (
    DEFAULT_POLICY,
    RULE_CAPACITY,
    RULE_FIELD_WITHOUT_JUDGE,
    RULE_FIELDS_NOT_COVERED,
    RULE_TOO_FEW_ELIGIBLE,
    Bottleneck,
    Fit,
    FitPolicy,
    JudgeInput,
    NominationInput,
    Pair,
    Result,
    Uncovered,
)
from judging.assignment.scoring import FIT_SCALE, fit
from judging.assignment.solve import assign

__all__ = [
    "CP_SAT_DETERMINISTIC_TIME",
    "CP_SAT_MAX_PAIRS",
    "DEFAULT_POLICY",
    "FIT_SCALE",
    "RULE_CAPACITY",
    "RULE_FIELDS_NOT_COVERED",
    "RULE_FIELD_WITHOUT_JUDGE",
    "RULE_TOO_FEW_ELIGIBLE",
    "Pair",
    "Bottleneck",
    "Fit",
    "FitPolicy",
    "JudgeInput",
    "NominationInput",
    "Result",
    "Uncovered",
    "assign",
    "fit",
]
