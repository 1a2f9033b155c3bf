#!/usr/bin/env python3
"""The standalone verifier of a cycle's audit bundle (issue 19), standard
library only (the Ed25519 signature through `cryptography` when it is
installed), handed to board members beside audit_tree.py and audit_chain.py:

    python3 audit_bundle.py BUNDLE.json --key VERIFIER_KEY [--checkpoint HELD.txt]

A bundle holds one cycle's events, each with its inclusion proof against a
signed checkpoint of the whole log, that checkpoint, and the latest signed
checkpoint with the consistency proof between the two. Nothing in the
bundle is taken on its word: the tree size and root come only from a
checkpoint whose signature the given key verifies (or that the reader holds
from elsewhere, e.g. a ratification notice), every event's leaf is hashed
again from its fields, and every proof is checked against that root.

What a bundle cannot show: that it holds every event of its cycle. The
server proves each event it includes; an event left out is seen only by
`flask audit verify` over the whole log.
"""

# A board member's Python may be older than the server's: no syntax or
# names newer than 3.7 here.
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

try:
    from . import audit_tree
except ImportError:  # run beside audit_tree.py, outside the package
    import audit_tree  # type: ignore[no-redef]

FORMAT = "milset-audit-bundle/2"


@dataclass
class Result:
    ok: bool
    events: int = 0
    size: int = 0
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # what was checked, or could not be

    def fail(self, problem: str) -> Result:
        self.ok = False
        self.problems.append(problem)
        return self


def _trusted(note_text, keys, origin, what, result):
    """The checkpoint of a signed note, if its signature holds with the keys
    (a signature that could not be checked is said, and the checkpoint is
    used only if the reader holds the same one)."""
    checked = audit_tree.verify_checkpoint(note_text, keys, origin=origin)
    if checked.signature_checked:
        result.notes.append(f"{what}: signed by {', '.join(checked.key_names)}")
    else:
        result.notes.append(f"{what}: signature NOT checked ({checked.reason})")
    return checked.checkpoint, checked.signature_checked


def verify(bundle: dict, keys=(), held: str | None = None) -> Result:
    """Check a bundle with the verifier keys (texts) and, optionally, a
    checkpoint the reader holds (a signed note's text)."""
    result = Result(True)
    if bundle.get("format") != FORMAT:
        return result.fail(f"not a {FORMAT} bundle (format {bundle.get('format')!r})")
    try:
        keys = [audit_tree.parse_verifier_key(k) for k in keys]
        origin = bundle.get("origin")
        proved, proved_signed = _trusted(bundle["checkpoint"], keys, origin, "bundle checkpoint", result)
        latest, latest_signed = proved, proved_signed
        if bundle.get("latest"):
            latest, latest_signed = _trusted(bundle["latest"], keys, origin, "latest checkpoint", result)
            audit_tree.verify_consistency(proved.size, proved.root, latest.size, latest.root,
                                          [bytes.fromhex(h) for h in bundle.get("consistency") or []])
            result.notes.append(f"consistent from size {proved.size} to {latest.size}")
        held_matches = False
        if held is not None:
            mine, _ = _trusted(held, keys, origin, "your checkpoint", result)
            known = {(proved.size, proved.root), (latest.size, latest.root)}
            if (mine.size, mine.root) not in known:
                return result.fail(
                    f"your checkpoint (size {mine.size}) is not the bundle's (size {proved.size}) nor the "
                    f"latest (size {latest.size}), or its root differs: the log you were shown is not this one")
            held_matches = True
        if not (proved_signed and latest_signed) and not held_matches:
            return result.fail("no checkpoint could be trusted: give the log's verifier key (with cryptography "
                               "installed) or a checkpoint you hold")
    except audit_tree.VerificationFailed as exc:
        return result.fail(str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return result.fail(f"malformed bundle: {exc}")
    result.size = proved.size
    cycle_id = (bundle.get("cycle") or {}).get("id")
    for event in bundle.get("events") or []:
        seq = event.get("seq")
        try:
            if event.get("cycle_id") != cycle_id:
                return result.fail(f"event seq {seq}: of cycle {event.get('cycle_id')}, not of cycle {cycle_id}")
            if not isinstance(seq, int) or not 1 <= seq <= proved.size:
                return result.fail(f"event seq {seq}: not in the log of size {proved.size}")
            leaf = audit_tree.event_leaf_hash(event)
            audit_tree.verify_inclusion(leaf, seq - 1, proved.size, [bytes.fromhex(h) for h in event["proof"]],
                                        proved.root)
        except audit_tree.VerificationFailed as exc:
            return result.fail(f"event seq {seq}: {exc}")
        except (KeyError, TypeError, ValueError) as exc:
            return result.fail(f"event seq {seq}: malformed ({exc})")
        result.events += 1
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Verify a cycle's audit bundle.")
    parser.add_argument("bundle")
    parser.add_argument("--key", action="append", default=[], help="the log's verifier key (repeatable)")
    parser.add_argument("--checkpoint", help="a signed checkpoint you hold (a file)")
    args = parser.parse_args(argv)
    with open(args.bundle, encoding="utf-8") as fh:
        bundle = json.load(fh)
    held = None
    if args.checkpoint:
        with open(args.checkpoint, encoding="utf-8") as fh:
            held = fh.read()
    result = verify(bundle, args.key, held)
    for note in result.notes:
        print(note)
    if not result.ok:
        for problem in result.problems:
            print(f"FAILED: {problem}")
        return 1
    print(f"OK {result.events} events proved in the log of size {result.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
