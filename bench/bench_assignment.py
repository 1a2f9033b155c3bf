"""Benchmark of the automatic judge assignment (judging.assignment).

Run from the project root:  python -m bench.bench_assignment [--runs 3] [--cover-fields]

Generates seeded random cycles (judges with 1-4 fields from a vocabulary of
12 and 1-2 of en/fr/es; nominations with 2-3 fields and a language; 1% of
(judge, nomination) pairs conflicted), solves each to optimality and prints
the median wall time of the runs as a markdown table. The figures are
recorded in the report, not asserted by a test: timings depend on the
machine.
"""

import argparse
import random
import statistics
import time

from judging.assignment import JudgeInput, NominationInput, assign

FIELDS = (
    "science_education", "science_outreach", "youth_organisations", "youth_participation",
    "youth_volunteering", "youth_work", "intercultural_exchange", "performing_arts",
    "cultural_heritage", "stem_research", "engineering", "environment",
)
LANGUAGES = ("en", "fr", "es")

CASES = (
    # label, nominations, judges, k, max_load, conflict rate
    ("MILSET-sized cycle", 200, 30, 3, 20, 0.01),
    ("large, load 7", 2000, 1000, 3, 7, 0.01),
    ("large, fewer judges, load 10", 2000, 600, 3, 10, 0.01),
)


def make_cycle(n_nominations: int, n_judges: int, conflict_rate: float, seed: int = 2024):
    rng = random.Random(seed)
    judges = [
        JudgeInput(
            id=1000 + j,
            expertise={f: rng.randint(0, 20) for f in rng.sample(FIELDS, rng.randint(1, 4))},
            languages=frozenset(rng.sample(LANGUAGES, rng.randint(1, 2))),
        )
        for j in range(n_judges)
    ]
    nominations = [
        NominationInput(id=i, fields=tuple(rng.sample(FIELDS, rng.randint(2, 3))),
                        language=rng.choice(LANGUAGES))
        for i in range(n_nominations)
    ]
    conflicts = {
        (j.id, n.id) for j in judges for n in nominations if rng.random() < conflict_rate
    }
    return nominations, judges, conflicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cover-fields", action="store_true", help="also ask every field covered")
    args = parser.parse_args()
    print("| cycle | nominations x judges x k | max load | conflicts | median s | min s "
          "| feasible | optimal | method | total fit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, n, m, k, load, rate in CASES:
        nominations, judges, conflicts = make_cycle(n, m, rate)
        times, result = [], None
        for _ in range(args.runs):
            start = time.perf_counter()
            result = assign(nominations, judges, conflicts, k=k, max_load=load,
                            cover_fields=args.cover_fields)
            times.append(time.perf_counter() - start)
        print(f"| {label} | {n} x {m} x {k} | {load} | {len(conflicts)} | "
              f"{statistics.median(times):.2f} | {min(times):.2f} | {result.feasible} | "
              f"{result.optimal} | {result.method} | {result.total_fit:.3f} |")


if __name__ == "__main__":
    main()
