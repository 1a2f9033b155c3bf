"""The labelled identity pairs (tests/data/identity_pairs.csv) and how each
is scored, shared by tests/test_identity.py and bench/bench_identity.py.

Each row: kind, expected tier (certain, possible, or none for a decoy),
the two spellings, and for organisation aliases the declared group
("a|b"). A delegation row pairs a judge with a delegation's members
("a; b; c"), scored through conflict detection (judging.conflicts). A
kind is of one expectation: certain kinds must all be found as certain,
possible kinds found at least as possible, decoys not matched."""

import csv
from collections import defaultdict
from pathlib import Path

from judging import conflicts, identity

PAIRS = Path(__file__).parent / "data" / "identity_pairs.csv"
THRESHOLD = identity.DEFAULT_THRESHOLD


def rows() -> list[dict]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def judge(row: dict) -> identity.Match | None:
    """What the module says of one pair."""
    kind, left, right = row["kind"], row["left"], row["right"]
    if "delegation_members" in kind:
        return _delegation(left, right.split("; "))
    if "emails" in kind:
        return identity.match_emails(left, right)
    if "organisation" in kind:
        aliases = [row["aliases"].split("|")] if row["aliases"] else ()
        return identity.match_organisations(left, right, aliases=aliases, threshold=THRESHOLD)
    return identity.match_names(left, right, threshold=THRESHOLD)


def _delegation(judge_name: str, members: list[str]) -> identity.Match | None:
    """A judge against a delegation's members, through conflict detection:
    the finding's tier and identity rule, as a Match."""
    judge = conflicts.JudgeIdentity(id=1, email="judge@example.org", name=judge_name)
    delegation = conflicts.CandidateIdentity(nomination_id=1, kind="delegation", name="Delegation",
                                             members=tuple(conflicts.Someone(m, role="participant")
                                                           for m in members))
    found = [f for f in conflicts.detect([judge], [delegation], threshold=THRESHOLD)
             if f.rule == "coi.delegation_member"]
    return identity.Match(found[0].tier, found[0].evidence["match"], found[0].evidence) if found else None


def hit(row: dict, found: identity.Match | None) -> bool:
    """Whether the answer counts as a match of the expected tier (a certain
    answer to a possible pair counts: it is found, more surely)."""
    if row["expected"] == "certain":
        return bool(found) and found.tier == identity.CERTAIN
    return found is not None


def figures() -> dict:
    """Per kind: expected tier, pairs, matched, rate (recall, or false
    positive rate for decoys), and the misses."""
    by_kind = defaultdict(lambda: {"pairs": 0, "matched": 0, "misses": []})
    for row in rows():
        entry = by_kind[row["kind"]]
        entry["expected"] = row["expected"]
        entry["pairs"] += 1
        if hit(row, judge(row)):
            entry["matched"] += 1
        elif row["expected"] != "none":
            entry["misses"].append((row["left"], row["right"]))
    for row in rows():
        if row["expected"] == "none" and judge(row):
            by_kind[row["kind"]]["misses"].append((row["left"], row["right"], judge(row).rule))
    for entry in by_kind.values():
        entry["rate"] = entry["matched"] / entry["pairs"]
    return dict(by_kind)


def table(found: dict) -> str:
    lines = ["| Kind | Expected | Pairs | Matched | Recall / false positives |", "|---|---|---|---|---|"]
    for kind, e in sorted(found.items(), key=lambda kv: (kv[1]["expected"] == "none", kv[0])):
        what = "false positives" if e["expected"] == "none" else "recall"
        lines.append(f"| {kind} | {e['expected']} | {e['pairs']} | {e['matched']} | {what} {100 * e['rate']:.1f}% |")
    return "\n".join(lines)
