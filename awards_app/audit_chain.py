#!/usr/bin/env python3
"""The audit chain's hashing and its verifier, using only the standard library.

The server uses these functions to append events, and this same file is
handed to a board member as a standalone verifier of an exported bundle:

    python3 audit_chain.py bundle.json

so checking a report does not require trusting the server's code path.
"""

import hashlib
import json
import sys

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id",
          "cycle_id", "payload", "prev_hash")


# Built once: json.dumps with options other than the defaults builds a new
# encoder on every call (about 0.5 of its 3.5 microseconds per event here).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: dict) -> bytes:
    """One byte string per event: sorted keys, no spaces, UTF-8."""
    return _ENCODER.encode({name: event.get(name) for name in FIELDS}).encode()


def event_hash(event: dict) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def verify(events, start_prev: str = GENESIS, start_seq: int = 1):
    """Walk the events in order; return (ok, count, head_hash, problem).

    problem names the first event that does not match and why. events can be
    any iterable (a generator over a large table is streamed, not loaded).
    """
    prev, expected_seq, count = start_prev, start_seq, 0
    for event in events:
        seq = event.get("seq")
        if seq != expected_seq:
            return False, count, prev, f"event seq {seq}: expected seq {expected_seq} (missing or reordered)"
        if event.get("prev_hash") != prev:
            return False, count, prev, f"event seq {seq}: prev_hash does not match the event before it"
        if event_hash(event) != event.get("hash"):
            return False, count, prev, f"event seq {seq}: hash does not match its content"
        prev, expected_seq, count = event["hash"], expected_seq + 1, count + 1
    return True, count, prev, None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: audit_chain.py BUNDLE.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        bundle = json.load(fh)
    chain = bundle.get("chain", {})
    ok, count, head, problem = verify(
        bundle["events"], chain.get("start_prev_hash", GENESIS), chain.get("start_seq", 1)
    )
    if not ok:
        print(f"FAILED after {count} events: {problem}")
        return 1
    if chain.get("head_hash") and chain["head_hash"] != head:
        print(f"FAILED: head hash {head} differs from the bundle's {chain['head_hash']}")
        return 1
    print(f"OK {count} events, head {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
