#!/usr/bin/env python3
"""The standalone verifier of a cycle's audit bundle (issue 19), standard
library only (the Ed25519 signature through `cryptography` when it is
installed), handed to board members beside audit_tree.py and audit_chain.py:

    python3 audit_bundle.py BUNDLE.json --key VERIFIER_KEY [--checkpoint HELD.txt] [--witness KEY ...]

and the board's witness tools (these need `cryptography`):

    python3 audit_bundle.py witness-keygen NAME [--out FILE]
        a key pair: the private key written to FILE (NAME.witness-key), the
        verifier key printed, to register on your profile page
    python3 audit_bundle.py cosign --key PRIVATE_KEY_FILE [--log-key KEY] CHECKPOINT.txt
        the signature line of your cosignature over a checkpoint, to paste
        on your profile page; with --log-key, only after the log's own
        signature on it verifies

A bundle holds one cycle's events, proved together against a signed
checkpoint of the whole log by one multiproof (the hash of every range of
the tree that holds none of them), that checkpoint, and the latest signed
checkpoint with the consistency proof between the two. Nothing in the
bundle is taken on its word: the tree size and root come only from a
checkpoint whose signature the given key verifies (or that the reader holds
from elsewhere, e.g. a ratification notice), every event's leaf is hashed
again from its fields, the events are hashed up the tree with the proof's
ranges (never a given hash over a range holding an event) and must reach
that root. An event whose fields no longer give the leaf the server
computed is named; otherwise a changed bundle fails at the root.

What a bundle cannot show: that it holds every event of its cycle. The
server proves each event it includes; an event left out is seen only by
`flask audit verify` over the whole log.
"""

# A board member's Python may be older than the server's: no syntax or
# names newer than 3.7 here.
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field

try:
    from . import audit_tree
except ImportError:  # run beside audit_tree.py, outside the package
    import audit_tree  # type: ignore[no-redef]

FORMAT = "milset-audit-bundle/3"


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


def _check_cosignatures(bundle, which, note_text, what, witnesses, result) -> None:
    """The witnesses' signature lines over a checkpoint's text: each by a
    given witness key checked (a bad one fails the bundle), the others
    named as not checked."""
    lines = (bundle.get("cosignatures") or {}).get(which) or []
    text = audit_tree.parse_note(note_text).text
    signed = []
    for line in lines:
        signature = audit_tree.parse_note("x\n\n" + line.rstrip("\n") + "\n").signatures[0]
        signed.append((signature, line.rstrip("\n") + "\n"))
    given = {(k.name, k.key_hash): k for k in witnesses}
    for key in witnesses:
        mine = [line for signature, line in signed if (signature.name, signature.key_hash) == (key.name, key.key_hash)]
        if not mine:
            result.notes.append(f"{what}: no cosignature by witness {key.name}")
            continue
        try:
            checked = audit_tree.verify_note(text + "\n" + mine[0], [key])
        except audit_tree.VerificationFailed as exc:
            raise audit_tree.SignatureFailed(exc.reason, f"{what}: the cosignature by witness {key.name} does "
                                             "not verify (the checkpoint or the cosignature was changed)") from None
        if checked.signature_checked:
            result.notes.append(f"{what}: cosigned by witness {key.name} (verified)")
        else:
            result.notes.append(f"{what}: cosignature by witness {key.name} NOT checked ({checked.reason})")
    for signature, _ in signed:
        if (signature.name, signature.key_hash) not in given:
            result.notes.append(f"{what}: cosignature by {signature.name} NOT checked (no --witness key for it)")


def verify(bundle: dict, keys=(), held: str | None = None, witnesses=()) -> Result:
    """Check a bundle with the verifier keys (texts) and, optionally, a
    checkpoint the reader holds (a signed note's text) and witness keys
    (texts) to check the checkpoints' cosignatures with."""
    result = Result(True)
    if bundle.get("format") != FORMAT:
        return result.fail(f"not a {FORMAT} bundle (format {bundle.get('format')!r})")
    try:
        keys = [audit_tree.parse_verifier_key(k) for k in keys]
        witnesses = [audit_tree.parse_verifier_key(k) for k in witnesses]
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
        _check_cosignatures(bundle, "checkpoint", bundle["checkpoint"], "bundle checkpoint", witnesses, result)
        if bundle.get("latest"):
            _check_cosignatures(bundle, "latest", bundle["latest"], "latest checkpoint", witnesses, result)
    except audit_tree.VerificationFailed as exc:
        return result.fail(str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return result.fail(f"malformed bundle: {exc}")
    result.size = proved.size
    return _check_events(bundle, proved, result)


def _check_events(bundle: dict, proved, result: Result) -> Result:
    """Every event's leaf from its fields, all of them hashed up the tree
    with the proof's ranges to the trusted root."""
    cycle_id = (bundle.get("cycle") or {}).get("id")
    events, given = bundle.get("events") or [], bundle.get("leaves")
    if given is not None and len(given) != len(events):
        return result.fail(f"{len(events)} events but {len(given)} leaves")
    leaves = {}
    for position, event in enumerate(events):
        seq = event.get("seq")
        if event.get("cycle_id") != cycle_id:
            return result.fail(f"event seq {seq}: of cycle {event.get('cycle_id')}, not of cycle {cycle_id}")
        if not isinstance(seq, int) or not 1 <= seq <= proved.size:
            return result.fail(f"event seq {seq}: not in the log of size {proved.size}")
        if seq - 1 in leaves:
            return result.fail(f"event seq {seq}: twice in the bundle")
        try:
            leaf = audit_tree.event_leaf_hash(event)
        except (TypeError, ValueError) as exc:
            return result.fail(f"event seq {seq}: malformed ({exc})")
        if given is not None and given[position] != leaf.hex():
            return result.fail(f"event seq {seq}: its fields do not give its leaf (changed after it was logged)")
        leaves[seq - 1] = leaf
    try:
        nodes = {(int(lo), int(hi)): bytes.fromhex(h) for lo, hi, h in bundle.get("proof") or []}
        root = audit_tree.multiproof_root(leaves, proved.size, nodes)
    except audit_tree.VerificationFailed as exc:
        return result.fail(str(exc))
    except (TypeError, ValueError) as exc:
        return result.fail(f"malformed proof: {exc}")
    if root != proved.root:
        first, last = (min(leaves) + 1, max(leaves) + 1) if leaves else (0, 0)
        return result.fail(f"events seq {first}..{last} do not give the checkpoint's root (size {proved.size}): "
                           "an event was changed, added, removed or moved")
    result.events = len(leaves)
    return result


def witness_keygen(argv) -> int:
    parser = argparse.ArgumentParser(prog="audit_bundle.py witness-keygen",
                                     description="Make a witness key pair for cosigning the log's checkpoints.")
    parser.add_argument("name", help="the key's name (no spaces, no '+'), e.g. your initials and the year")
    parser.add_argument("--out", help="the file for the private key (default NAME.witness-key)")
    args = parser.parse_args(argv)
    path = args.out or f"{args.name}.witness-key"
    try:
        signer, verifier = audit_tree.generate_key(args.name)
    except (ValueError, RuntimeError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    try:
        # Created readable by you only, and never over an existing key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"FAILED: {path} exists; choose another --out", file=sys.stderr)
        return 1
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer + "\n")
    print(f"Private key written to {path}: keep it offline, never send it.")
    print("Verifier key (register it on your profile page):")
    print(verifier)
    return 0


def cosign(argv) -> int:
    parser = argparse.ArgumentParser(prog="audit_bundle.py cosign",
                                     description="Print your cosignature line over a signed checkpoint.")
    parser.add_argument("checkpoint", help="the signed checkpoint (a file, as the profile page offers it)")
    parser.add_argument("--key", required=True, help="your private key file (from witness-keygen)")
    parser.add_argument("--log-key", action="append", default=[],
                        help="the log's verifier key: the checkpoint is cosigned only if its signature holds")
    args = parser.parse_args(argv)
    with open(args.key, encoding="utf-8") as fh:
        signer = fh.read().strip()
    with open(args.checkpoint, encoding="utf-8") as fh:
        message = fh.read()
    try:
        if "\n\n" in message:
            if args.log_key:
                checked = audit_tree.verify_checkpoint(message, args.log_key)
                if not checked.signature_checked:
                    print(f"FAILED: {checked.reason}", file=sys.stderr)
                    return 1
            text = audit_tree.parse_note(message).text
        else:
            text = message  # the checkpoint's text alone
            if args.log_key:
                print("FAILED: the file holds no signature to check with --log-key", file=sys.stderr)
                return 1
        checkpoint = audit_tree.parse_checkpoint(text)
        note = audit_tree.sign_note(text, [signer])
    except (audit_tree.VerificationFailed, ValueError, RuntimeError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if not args.log_key:
        print("The log's own signature was NOT checked (give --log-key to check it first).", file=sys.stderr)
    print(f"Cosigning {checkpoint.origin}, size {checkpoint.size}. Paste this line on your profile page:",
          file=sys.stderr)
    print(audit_tree.parse_note(note).signatures[-1].line(), end="")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = {"witness-keygen": witness_keygen, "cosign": cosign}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(description="Verify a cycle's audit bundle.",
                                     epilog="Also: audit_bundle.py witness-keygen NAME; "
                                            "audit_bundle.py cosign --key FILE CHECKPOINT.txt")
    parser.add_argument("bundle")
    parser.add_argument("--key", action="append", default=[], help="the log's verifier key (repeatable)")
    parser.add_argument("--checkpoint", help="a signed checkpoint you hold (a file)")
    parser.add_argument("--witness", action="append", default=[],
                        help="a witness's verifier key: their cosignatures are checked (repeatable)")
    args = parser.parse_args(argv)
    with open(args.bundle, encoding="utf-8") as fh:
        bundle = json.load(fh)
    held = None
    if args.checkpoint:
        with open(args.checkpoint, encoding="utf-8") as fh:
            held = fh.read()
    result = verify(bundle, args.key, held, args.witness)
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
