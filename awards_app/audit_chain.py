#!/usr/bin/env python3
"""The audit chain's hashing and its verifier, using only the standard library.

The server uses these functions to append events, and this same file is
handed to a board member as a standalone verifier of an exported bundle:

    python3 audit_chain.py bundle.json

so checking a report does not require trusting the server's code path.
"""

# A board member's Python may be older than the server's: no syntax or
# names newer than 3.7 here (hence the annotations as strings, timezone.utc).
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id",
          "cycle_id", "payload", "prev_hash")


# ---------------------------------------------------------- the canonical form
#
# What is hashed is the dict of FIELDS that canonical_event() builds, encoded
# by canonical(). Every writer of events (services.audit, the demo's bulk
# loader) builds through canonical_event(); every reader hashes a stored or
# exported event with event_hash(). Existing chains verify only while these
# bytes stay the same: tests/test_audit_canonical.py pins them.


def canonical_event(*, seq: int, at, actor_id: int | None, actor: str, action: str, object_type: str,
                    object_id, cycle_id: int | None, payload, prev_hash: str) -> dict:
    """The event as it is hashed, from its fields.

    `at` is a datetime (a naive one is UTC, as the database stores it) or
    its text already; it is hashed as ISO 8601 text with microseconds.
    `object_id` is hashed as text (None stays None).
    """
    if isinstance(at, datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)  # noqa: UP017 - datetime.UTC is 3.11+
        at = at.isoformat(timespec="microseconds")
    return {"seq": seq, "at": at, "actor_id": actor_id, "actor": actor, "action": action,
            "object_type": object_type, "object_id": None if object_id is None else str(object_id),
            "cycle_id": cycle_id, "payload": payload, "prev_hash": prev_hash}


# Built once: json.dumps with options other than the defaults builds a new
# encoder on every call (about 0.5 of its 3.5 microseconds per event here).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: dict, fields=FIELDS) -> bytes:
    """One byte string per event: its FIELDS as given, sorted keys, no spaces, UTF-8.

    The values are taken as they are: an event read back from a bundle or
    the database is hashed as it reads, so nothing is made to match.
    `fields`: the Merkle leaf (audit_tree.event_leaf) encodes the same way
    without prev_hash.
    """
    if len(event) == len(fields) and event.keys() == set(fields):  # already these fields: no copy (a bundle's)
        return _ENCODER.encode(event).encode()
    return _ENCODER.encode({name: event.get(name) for name in fields}).encode()


def event_hash(event: dict) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


# ---------------------------------------------------------- verifying


@dataclass(frozen=True)
class Verification:
    """What a walk of the chain found: the one result of every verifier
    (this script, `flask audit verify`, the board's report).

    ok: every event walked verified.
    count: the events that verified in this walk.
    head_seq, head_hash: the last event that verified (the one the walk
        started after, when none did).
    problem: the first event that does not match and why, or None.
    checkpoint_seq, checkpoint_verified_at: the checkpoint the walk started
        from (the board's report), or None.
    """

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    checkpoint_seq: int | None = None
    checkpoint_verified_at: datetime | None = None

    @property
    def full(self) -> bool:
        """The walk started at the chain's first event: nothing before it
        was taken on trust from a checkpoint or a bundle's start."""
        return self.checkpoint_seq is None and self.head_seq == self.count


def verify(events, start_prev: str = GENESIS, start_seq: int = 1) -> Verification:
    """Walk the events in order, the first being `start_seq` and linking to
    `start_prev`.

    The problem names the first event that does not match and why. events
    can be any iterable (a generator over a large table is streamed, not
    loaded).
    """
    # (expected_seq or 1): a bundle without events gives start_seq as null.
    prev, expected_seq, count = start_prev, start_seq, 0
    for event in events:
        seq = event.get("seq")
        if seq != expected_seq:
            problem = f"event seq {seq}: expected seq {expected_seq} (missing or reordered)"
        elif event.get("prev_hash") != prev:
            problem = f"event seq {seq}: prev_hash does not match the event before it"
        elif event_hash(event) != event.get("hash"):
            problem = f"event seq {seq}: hash does not match its content"
        else:
            prev, expected_seq, count = event["hash"], expected_seq + 1, count + 1
            continue
        return Verification(False, count, (expected_seq or 1) - 1, prev, problem)
    return Verification(True, count, (expected_seq or 1) - 1, prev)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: audit_chain.py BUNDLE.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        bundle = json.load(fh)
    chain = bundle.get("chain", {})
    result = verify(bundle["events"], chain.get("start_prev_hash", GENESIS), chain.get("start_seq", 1))
    if not result.ok:
        print(f"FAILED after {result.count} events: {result.problem}")
        return 1
    if chain.get("head_hash") and chain["head_hash"] != result.head_hash:
        print(f"FAILED: head hash {result.head_hash} differs from the bundle's {chain['head_hash']}")
        return 1
    print(f"OK {result.count} events, head {result.head_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
