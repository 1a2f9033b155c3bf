"""Benchmark of the audit log's Merkle tree (awards_app.audit_tree, issue 19).

Run from the project root:  python -m bench.bench_audit_tree [--leaves 1000000] [--proofs 2000]

Prints: hashing the leaves, appending them (the Appender alone, then a
CachedTree that keeps subtree hashes from 16 leaves up), the root, an
inclusion proof at the full size made from the cache and its verification
(median and 99th percentile over random leaves), consistency proofs between two sizes, and for
comparison one inclusion proof made from the bare list of leaf hashes.
Figures are printed, not asserted: timings depend on the machine. The issue
asks for an inclusion proof in under 1 ms.
"""

import argparse
import random
import statistics
import time

from awards_app import audit_tree


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def median_us(fn, cases):
    times = []
    for case in cases:
        start = time.perf_counter()
        fn(*case)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.99)] * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    args = parser.parse_args()
    n, rng = args.leaves, random.Random(19)

    event = {"seq": 0, "at": "2026-12-02T10:00:00.000000+00:00", "actor_id": 42, "actor": "chair@example.org",
             "action": "nomination.scored", "object_type": "nomination", "object_id": "1234", "cycle_id": 7,
             "payload": {"score": 7.5, "criterion": "originality"}}

    def hash_leaves():
        return [audit_tree.event_leaf_hash(dict(event, seq=seq)) for seq in range(1, n + 1)]

    leaves, seconds = timed(hash_leaves)
    print(f"event leaves hashed ({n:,} events): {seconds:.2f} s ({n / seconds:,.0f}/s)")

    def append_all(target):
        for h in leaves:
            target.append(h)
        return target

    appender, seconds = timed(append_all, audit_tree.Appender())
    print(f"Appender, {n:,} appends: {seconds:.2f} s ({n / seconds:,.0f}/s), "
          f"{len(appender.save())} edge hashes kept")
    tree, seconds = timed(append_all, audit_tree.CachedTree())
    print(f"CachedTree, {n:,} appends: {seconds:.2f} s, {len(tree._subtrees):,} subtree hashes cached")

    head, seconds = timed(appender.root)
    print(f"root from the appender's edge: {seconds * 1e6:.1f} us")
    full, seconds = timed(audit_tree.root, leaves)
    assert full == head
    print(f"root() over the list of {n:,} leaf hashes: {seconds:.2f} s")

    indices = [rng.randrange(n) for _ in range(args.proofs)]
    us, worst = median_us(tree.inclusion_proof, [(i,) for i in indices])
    print(f"inclusion proof at size {n:,} (cached): median {us:.1f} us, p99 {worst:.1f} us")
    proofs = [(leaves[i], i, n, tree.inclusion_proof(i), head) for i in indices]
    us, worst = median_us(audit_tree.verify_inclusion, proofs)
    print(f"inclusion proof verified ({len(proofs[0][3])} hashes): median {us:.1f} us, p99 {worst:.1f} us")

    for old in (n // 2 + 1, n - 1, 999 if n > 999 else 1):
        proof, old_root = tree.consistency_proof(old, n), tree.root(old)
        made, _ = median_us(tree.consistency_proof, [(old, n)] * 200)
        checked, _ = median_us(audit_tree.verify_consistency, [(old, old_root, n, head, proof)] * 200)
        print(f"consistency proof {old:,} -> {n:,} ({len(proof)} hashes): made in {made:.1f} us, "
              f"verified in {checked:.1f} us (medians)")

    _, seconds = timed(audit_tree.inclusion_proof, n // 3, n, leaves)
    print(f"for comparison, one inclusion proof from the bare list (no cache): {seconds:.2f} s")


if __name__ == "__main__":
    main()
