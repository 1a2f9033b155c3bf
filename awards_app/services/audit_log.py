"""The audit log's Merkle tree read back: signed checkpoints of its head and
the verification of the whole log against them (issue 19).

services.audit extends the tree at every append; this module signs what it
holds and checks it. A checkpoint is signed with a key the database never
holds (config AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE), so whoever can
rewrite the tables cannot sign a rewritten history; copies of the signed
notes leave the database, and `verify_log(outside=...)` then checks the
events against a copy without trusting any row.

Signing a checkpoint is not an audit event: an event would grow the log
and the checkpoint would no longer be of its head. The signed rows are
their own record (append-only on PostgreSQL).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, tuple_

from awards_app import audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import (
    AuditCosignature,
    AuditEvent,
    AuditHead,
    AuditSignedCheckpoint,
    AuditSubtree,
    WitnessKey,
)
from awards_app.services import audit, audit_walk


class AuditKeyError(Exception):
    """A missing or unreadable key setting; the message names the setting."""


# ---------------------------------------------------------------- settings


def origin() -> str:
    """The log's name in its checkpoints: AUDIT_ORIGIN, or PUBLIC_URL's host
    and path followed by /audit (e.g. awards.milset.org/audit)."""
    configured = current_app.config.get("AUDIT_ORIGIN")
    if configured:
        return configured
    url = urlsplit(current_app.config.get("PUBLIC_URL") or "https://awards.milset.org")
    return f"{url.netloc}{url.path.rstrip('/')}/audit"


def signer_key() -> audit_tree.SignerKey:
    """The signer key from AUDIT_SIGNING_KEY, or the file AUDIT_SIGNING_KEY_FILE names."""
    config = current_app.config
    text, where = config.get("AUDIT_SIGNING_KEY"), "AUDIT_SIGNING_KEY"
    if not text and config.get("AUDIT_SIGNING_KEY_FILE"):
        where = f"AUDIT_SIGNING_KEY_FILE ({config['AUDIT_SIGNING_KEY_FILE']})"
        try:
            text = Path(config["AUDIT_SIGNING_KEY_FILE"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise AuditKeyError(f"{where} cannot be read: {exc.strerror}") from None
    if not text or not text.strip():
        raise AuditKeyError("No signing key: set AUDIT_SIGNING_KEY_FILE to a file holding the signer key "
                            "from `flask audit keygen` (or AUDIT_SIGNING_KEY to the key itself).")
    try:
        return audit_tree.parse_signer_key(text.strip())
    except audit_tree.MalformedKey as exc:
        raise AuditKeyError(f"{where}: {exc}") from None


def verifier_keys(extra=()) -> list[audit_tree.VerifierKey]:
    """AUDIT_VERIFIER_KEYS (space- or newline-separated) and `extra` key texts."""
    texts = (current_app.config.get("AUDIT_VERIFIER_KEYS") or "").split() + list(extra)
    keys = []
    for text in texts:
        try:
            keys.append(audit_tree.parse_verifier_key(text))
        except audit_tree.MalformedKey as exc:
            raise AuditKeyError(str(exc)) from None
    return keys


def own_verifier_key(signer: audit_tree.SignerKey) -> audit_tree.VerifierKey:
    return audit_tree.parse_verifier_key(
        audit_tree.verifier_key_text(signer.name, audit_tree._ed25519_public_key(signer.seed)))


# ---------------------------------------------------------------- the stored tree


class StoredTree:
    """hash_range(lo, hi) over the stored log: aligned ranges of 16 leaves or
    more from audit_subtree, smaller ones (and any subtree missing) from the
    events' leaves recomputed, so a proof costs O(log n) look-ups."""

    def __init__(self, size: int):
        self.size = size

    def hash_range(self, lo: int, hi: int) -> bytes:
        if not 0 <= lo < hi <= self.size:
            raise ValueError(f"no range {lo}..{hi} in a tree of size {self.size}")
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            if level < audit.SUBTREE_MIN_LEVEL:
                return audit_tree.root(self._leaves(lo, hi))
            stored = db.session.scalar(select(AuditSubtree.hash).where(AuditSubtree.level == level,
                                                                       AuditSubtree.idx == lo // n))
            if stored is not None:
                return bytes.fromhex(stored)
            k = n // 2
        else:
            k = 1 << ((n - 1).bit_length() - 1)
        return audit_tree.node_hash(self.hash_range(lo, lo + k), self.hash_range(lo + k, hi))

    def _leaves(self, lo: int, hi: int) -> list[bytes]:
        table = AuditEvent.__table__
        rows = db.session.execute(select(table).where(table.c.seq > lo, table.c.seq <= hi)
                                  .order_by(table.c.seq)).all()
        if [row.seq for row in rows] != list(range(lo + 1, hi + 1)):
            raise audit_tree.ConsistencyProofFailed(
                "missing_events", f"events seq {lo + 1}..{hi} are not all stored: no proof over them")
        return [audit_tree.event_leaf_hash(audit.as_dict(row)) for row in rows]



class PrefetchedTree(StoredTree):
    """A StoredTree for many proofs at once (a cycle's bundle): the stored
    subtrees and the leaves the proofs will need are read first in a few
    bulk queries, and every range hashed once."""

    BATCH = 5_000

    def __init__(self, size: int, leaves: dict[int, bytes] | None = None):
        super().__init__(size)
        self.leaves = dict(leaves or {})  # leaf index -> leaf hash, those already at hand
        self.subtrees: dict[tuple[int, int], bytes] = {}
        self.memo: dict[tuple[int, int], bytes] = {}

    def prefetch(self, ranges) -> None:
        """Read what hashing these (lo, hi) ranges will ask for: the stored
        subtrees they are made of, and the leaves of the smaller pieces."""
        subtrees, leaves, seen = set(), set(), set()

        def collect(lo, hi):
            if (lo, hi) in seen:
                return
            seen.add((lo, hi))
            n = hi - lo
            if n & (n - 1) == 0 and lo % n == 0:
                level = n.bit_length() - 1
                if level < audit.SUBTREE_MIN_LEVEL:
                    leaves.update(range(lo, hi))
                else:
                    subtrees.add((level, lo // n))
                return
            k = 1 << ((n - 1).bit_length() - 1)
            collect(lo, lo + k)
            collect(lo + k, hi)

        for lo, hi in ranges:
            collect(lo, hi)
        self._read_subtrees(subtrees - self.subtrees.keys())
        self._read_leaves(sorted(leaves - self.leaves.keys()))

    def _read_subtrees(self, wanted) -> None:
        """In one statement per BATCH pairs, whatever their levels."""
        pairs = sorted(wanted)
        for start in range(0, len(pairs), self.BATCH):
            chunk = pairs[start:start + self.BATCH]
            for level, idx, digest in db.session.execute(
                    select(AuditSubtree.level, AuditSubtree.idx, AuditSubtree.hash)
                    .where(tuple_(AuditSubtree.level, AuditSubtree.idx).in_(chunk))):
                self.subtrees[(level, idx)] = bytes.fromhex(digest)

    def _read_leaves(self, indices) -> None:
        table = AuditEvent.__table__
        for start in range(0, len(indices), self.BATCH):
            seqs = [i + 1 for i in indices[start:start + self.BATCH]]
            for row in db.session.execute(select(table).where(table.c.seq.in_(seqs))):
                self.leaves[row.seq - 1] = audit_tree.event_leaf_hash(audit.as_dict(row))

    def hash_range(self, lo: int, hi: int) -> bytes:
        found = self.memo.get((lo, hi))
        if found is not None:
            return found
        n = hi - lo
        aligned = n & (n - 1) == 0 and lo % n == 0
        level = n.bit_length() - 1
        if aligned and level < audit.SUBTREE_MIN_LEVEL and all(i in self.leaves for i in range(lo, hi)):
            found = audit_tree.root([self.leaves[i] for i in range(lo, hi)])
        elif aligned and (level, lo // n) in self.subtrees:
            found = self.subtrees[(level, lo // n)]
        else:  # not prefetched: the stored tree's own way, one look-up at a time
            found = super().hash_range(lo, hi)
        self.memo[(lo, hi)] = found
        return found


def head() -> tuple[int, bytes]:
    """The stored head's (tree size, root), from its right edge."""
    row = db.session.execute(select(AuditHead.tree_size, AuditHead.frontier).where(AuditHead.id == 1)).first()
    if row is None:
        return 0, audit_tree.EMPTY_ROOT
    return row.tree_size, audit_tree.Appender.restore(row.tree_size, row.frontier or ()).root()


# ---------------------------------------------------------------- signing


class CheckpointRefused(Exception):
    """The head cannot be signed (an empty log, or one not consistent with the last checkpoint)."""


def sign_head(signer: audit_tree.SignerKey) -> AuditSignedCheckpoint | None:
    """Sign the current head as a C2SP checkpoint, stored with the consistency
    proof from the latest checkpoint this key signed; None when the size has
    not changed since.

    The proof is checked before signing: a log that no longer extends what
    was signed (rewritten, truncated) is refused, never signed over.
    """
    audit._lock_head(db.session)  # no append while the head is read and proved
    size, root = head()
    previous = _latest_signed_by(own_verifier_key(signer))
    if previous is not None and previous.size == size:
        return None
    if size == 0:
        raise CheckpointRefused("The audit log is empty: nothing to sign yet.")
    proof, previous_size = None, None
    if previous is not None:
        previous_size = previous.size
        try:
            if previous.size > size:
                raise audit_tree.ConsistencyProofFailed(
                    "truncated", f"the log has {size} events, fewer than the {previous.size} signed")
            proof = audit_tree.consistency_proof(previous.size, size, _prefetched_for_proof(previous.size, size))
            audit_tree.verify_consistency(previous.size, bytes.fromhex(previous.root), size, root, proof)
        except audit_tree.VerificationFailed as exc:
            raise CheckpointRefused(f"The log is not consistent with checkpoint {previous.id} "
                                    f"(size {previous.size}): {exc}. Run `flask audit verify`.") from None
    note = audit_tree.sign_checkpoint(audit_tree.Checkpoint(origin(), size, root), [signer])
    row = AuditSignedCheckpoint(size=size, root=root.hex(), note=note, previous_size=previous_size,
                                consistency=None if proof is None else [h.hex() for h in proof],
                                signed_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    return row


def _prefetched_for_proof(old_size: int, size: int):
    """The stored tree's hash_range with what a consistency proof from
    old_size reads fetched first in two statements, not one per subtree
    (about 30 at a million events: a ratification signs the head). Which
    ranges a proof asks for depends on the two sizes only."""
    asked: list[tuple[int, int]] = []
    audit_tree.consistency_proof(old_size, size, lambda lo, hi: asked.append((lo, hi)) or bytes(32))
    tree = PrefetchedTree(size)
    tree.prefetch(asked)
    return tree.hash_range


def _latest_signed_by(key: audit_tree.VerifierKey) -> AuditSignedCheckpoint | None:
    """The latest stored checkpoint that verifies with `key`: a row someone
    slipped in without it is never taken as what the next one extends."""
    rows = db.session.scalars(select(AuditSignedCheckpoint)
                              .order_by(AuditSignedCheckpoint.size.desc(), AuditSignedCheckpoint.id.desc()))
    for row in rows:
        try:
            checked = audit_tree.verify_checkpoint(row.note, [key], origin())
        except audit_tree.VerificationFailed:
            continue
        if (checked.checkpoint.size, checked.checkpoint.root.hex()) == (row.size, row.root):
            return row
    return None


# ---------------------------------------------------------------- verifying


@dataclass
class LogVerification:
    """What `flask audit verify` found. failures: one line each, the first
    bad event or the bad checkpoint named; empty when everything holds."""

    chain: audit_chain.Verification
    size: int
    root: bytes
    checkpoints: int
    outside: audit_tree.Checkpoint | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_log(outside: str | None = None, outside_keys=()) -> LogVerification:
    """Recompute every leaf from the events (one pass, with the chain's own
    check) and check the tree against the head, the stored subtrees, every
    stored signed checkpoint (signature, root at its size, consistency with
    the one before), every witness's cosignature (with the witness's key)
    and, when given, a signed checkpoint held outside.

    outside: a signed note; its signature is checked with `outside_keys`
    only (verifier key texts), so nothing from the database is trusted for
    it: the events must give its root at its size, and the head must
    extend it.
    """
    failures = []
    configured = verifier_keys()
    trusted = verifier_keys(outside_keys)
    outside_checkpoint = None
    if outside is not None:
        try:
            keys = verifier_keys(()) if not outside_keys else [audit_tree.parse_verifier_key(k) for k in outside_keys]
            checked = audit_tree.verify_checkpoint(outside, keys, origin())
            if not checked.signature_checked:
                failures.append(f"outside checkpoint: {checked.reason}")
            outside_checkpoint = checked.checkpoint
        except (audit_tree.VerificationFailed, AuditKeyError) as exc:
            failures.append(f"outside checkpoint: {exc}")
    stored = db.session.scalars(select(AuditSignedCheckpoint)
                                .order_by(AuditSignedCheckpoint.size, AuditSignedCheckpoint.id)).all()
    head_size, head_root = head()
    wanted = {row.size for row in stored} | {head_size}
    if outside_checkpoint is not None:
        wanted.add(outside_checkpoint.size)
    chain, walk = audit_walk.walk_log(wanted)
    size, root = walk.size, walk.root
    if not chain.ok:
        failures.append(f"{chain.problem} (the chain's own check)")
    failures.extend(audit_walk.subtree_problems(walk.differing, walk.left_over))
    if head_size != size:
        failures.append(f"the head's tree has {head_size} events, the log {size}")
    elif head_root != root:
        failures.append(f"the head's tree (size {size}) has root {head_root.hex()}, the events give {root.hex()}")
    failures.extend(_check_stored(stored, walk, size, trusted if outside_keys else configured))
    failures.extend(cosignature_problems())
    if outside_checkpoint is not None:
        failures.extend(_check_outside(outside_checkpoint, walk, size, head_size))
    return LogVerification(chain, size, root, len(stored), outside_checkpoint, failures)


def _check_stored(rows, walk, size: int, keys) -> list[str]:
    """Each stored checkpoint: its signature, its root against the events,
    and its consistency proof from the checkpoint before it."""
    failures, previous = [], None
    if rows and not keys:
        return [f"no verifier key (AUDIT_VERIFIER_KEYS or --key): the signatures of {len(rows)} stored "
                "checkpoints cannot be checked"]
    for row in rows:
        name = f"checkpoint {row.id} (size {row.size})"
        try:
            checked = audit_tree.verify_checkpoint(row.note, keys, origin())
        except audit_tree.VerificationFailed as exc:
            failures.append(f"{name}: {exc}")
            continue
        if not checked.signature_checked:
            failures.append(f"{name}: {checked.reason}")
        if (checked.checkpoint.size, checked.checkpoint.root.hex()) != (row.size, row.root):
            failures.append(f"{name}: the row's size or root differs from its signed note")
            continue
        if row.size > size:
            failures.append(f"{name}: the log has only {size} events (events seq {size + 1}..{row.size} missing)")
        elif walk.roots.get(row.size) != checked.checkpoint.root:
            failures.append(f"{name}: the events give another root at this size: an event among seq "
                            f"1..{row.size} was changed, removed or reordered")
        expected_previous = None if previous is None else previous.size
        if row.previous_size != expected_previous:
            failures.append(f"{name}: follows a checkpoint of size {row.previous_size}, but the stored one "
                            f"before it is of size {expected_previous} (a checkpoint was removed or added)")
        elif previous is not None:
            try:
                audit_tree.verify_consistency(previous.size, bytes.fromhex(previous.root), row.size,
                                              bytes.fromhex(row.root),
                                              [bytes.fromhex(h) for h in row.consistency or ()])
            except (audit_tree.VerificationFailed, ValueError) as exc:
                failures.append(f"{name}: {exc}")
        previous = row
    return failures


def _check_outside(checkpoint: audit_tree.Checkpoint, walk, size: int, head_size: int) -> list[str]:
    name = f"outside checkpoint (size {checkpoint.size})"
    if checkpoint.size > size:
        return [f"{name}: the log has only {size} events (events seq {size + 1}..{checkpoint.size} missing)"]
    failures = []
    if walk.roots.get(checkpoint.size) != checkpoint.root:
        failures.append(f"{name}: the events give another root at this size: an event among seq "
                        f"1..{checkpoint.size} was changed, removed or reordered")
    if head_size < checkpoint.size:
        failures.append(f"{name}: the stored head (size {head_size}) is behind it")
    return failures


# ---------------------------------------------------------------- the board's cosignatures


def check_cosignature(cosignature: AuditCosignature, checkpoint: AuditSignedCheckpoint,
                      key: WitnessKey | None) -> str | None:
    """Why this cosignature does not hold over the checkpoint's text with
    its witness key, or None."""
    if key is None:
        return "its witness key is not stored"
    try:
        text = audit_tree.parse_note(checkpoint.note).text
        checked = audit_tree.verify_note(text + "\n" + cosignature.signature.rstrip("\n") + "\n",
                                         [key.verifier_key])
    except audit_tree.VerificationFailed as exc:
        return str(exc)
    if not checked.signature_checked:
        return checked.reason
    return None


def cosignature_problems() -> list[str]:
    """Every stored cosignature checked (what `flask audit verify` adds):
    one line per bad one, naming it, its checkpoint and its key."""
    failures = []
    keys = {k.id: k for k in db.session.scalars(select(WitnessKey))}
    checkpoints = {c.id: c for c in db.session.scalars(select(AuditSignedCheckpoint))}
    for row in db.session.scalars(select(AuditCosignature).order_by(AuditCosignature.id)):
        checkpoint = checkpoints.get(row.checkpoint_id)
        key = keys.get(row.witness_key_id)
        name = f"cosignature {row.id} by witness key {row.witness_key_id}"
        if key is not None:
            name += f" ({key.verifier_key.split('+', 1)[0]})"
        if checkpoint is None:
            failures.append(f"{name}: its checkpoint {row.checkpoint_id} is not stored")
            continue
        problem = check_cosignature(row, checkpoint, key)
        if problem:
            failures.append(f"{name} on checkpoint {checkpoint.id} (size {checkpoint.size}): {problem}")
    return failures
