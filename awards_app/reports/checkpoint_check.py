"""The signed checkpoint the board's report stands on (issue 19): the one the
cycle's decision was decided under, else the latest; whether its signature
verifies with the configured verifier keys, whether it is consistent with
the latest checkpoint, and who of the board cosigned it.

Cheap by design, so every view of the report can run it: two or three
Ed25519 verifications, one consistency proof made from the stored subtrees
(O(log n) reads, a few dozen events rehashed at most) and checked against
the two signed roots, and one verification per cosignature. The proof's
hashes come from the database, but a proof that verifies between two
signed roots shows the later log extends the earlier whoever computed it.
What it does not do is recompute the tree from every event: `flask audit
verify` does that (the chain section of the report says when it last ran).
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSignedCheckpoint
from awards_app.services import audit_log, decision_checkpoints, witnesses


@dataclass
class Signature:
    ok: bool | None  # None: not checked (no key configured, or no cryptography)
    detail: str = ""


@dataclass
class Cosigner:
    witness: str  # the board member's name
    key_name: str
    signed_at: datetime
    problem: str | None = None  # None: verified


@dataclass
class CheckpointCheck:
    row: AuditSignedCheckpoint | None = None  # None: the log has no signed checkpoint yet
    decided_under: bool = False  # the decision's checkpoint (else the latest)
    covers_decision: bool = False
    missing: str | None = None  # the decision's recorded checkpoint is no longer stored
    signature: Signature | None = None
    latest: AuditSignedCheckpoint | None = None  # when it is not `row`
    latest_signature: Signature | None = None
    consistency: Signature | None = None  # with the latest
    cosigners: list[Cosigner] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        found = [self.missing] if self.missing else []
        for what, status in (("signature", self.signature), ("latest signature", self.latest_signature),
                             ("consistency", self.consistency)):
            if status is not None and status.ok is False:
                found.append(f"{what}: {status.detail}")
        found += [f"cosignature by {c.key_name}: {c.problem}" for c in self.cosigners if c.problem]
        return found

    @property
    def ok(self) -> bool:
        """Everything checked and holding; a signature left unchecked is not ok."""
        checked = [s for s in (self.signature, self.latest_signature) if s is not None]
        return self.row is not None and not self.failures and bool(checked) and all(s.ok for s in checked)


def _recorded(decision) -> dict | None:
    """The decision.checkpoint event's payload for this decision, if any."""
    return db.session.scalar(select(AuditEvent.payload).where(
        AuditEvent.action == decision_checkpoints.ACTION, AuditEvent.object_type == "decision",
        AuditEvent.object_id == str(decision.id)).order_by(AuditEvent.seq.desc()).limit(1))


def _signature(row: AuditSignedCheckpoint, keys) -> Signature:
    if not keys:
        return Signature(None, "no verifier key is configured (AUDIT_VERIFIER_KEYS)")
    try:
        checked = audit_tree.verify_checkpoint(row.note, keys, audit_log.origin())
    except audit_tree.VerificationFailed as exc:
        return Signature(False, str(exc))
    if (checked.checkpoint.size, checked.checkpoint.root.hex()) != (row.size, row.root):
        return Signature(False, "the stored size or root differs from the signed note")
    if not checked.signature_checked:
        return Signature(None, checked.reason)
    return Signature(True, ", ".join(checked.key_names))


def _consistency(old: AuditSignedCheckpoint, new: AuditSignedCheckpoint) -> Signature:
    """The stored tree's proof that `new` extends `old`, checked against
    their signed roots (read from the notes, not the rows)."""
    try:
        old_cp = audit_tree.parse_checkpoint(audit_tree.parse_note(old.note).text)
        new_cp = audit_tree.parse_checkpoint(audit_tree.parse_note(new.note).text)
        if old_cp.size > new_cp.size:
            return Signature(False, f"the latest checkpoint (size {new_cp.size}) is smaller than this one "
                                    f"(size {old_cp.size})")
        proof = audit_tree.consistency_proof(old_cp.size, new_cp.size, audit_log.StoredTree(new_cp.size).hash_range) \
            if old_cp.size != new_cp.size else []
        audit_tree.verify_consistency(old_cp.size, old_cp.root, new_cp.size, new_cp.root, proof)
    except audit_tree.VerificationFailed as exc:
        return Signature(False, str(exc))
    except ValueError as exc:
        return Signature(False, f"no consistency proof: {exc}")
    return Signature(True, f"size {old_cp.size} to size {new_cp.size}")


def _cosigners(row: AuditSignedCheckpoint) -> list[Cosigner]:
    found = []
    for cosignature in witnesses.cosignatures_of([row.id])[row.id]:
        key, user = witnesses.witness_of(cosignature)
        found.append(Cosigner(user.name if user else "?", key.verifier_key.split("+", 1)[0] if key else "?",
                              cosignature.signed_at, audit_log.check_cosignature(cosignature, row, key)))
    return found


def check(decision=None) -> CheckpointCheck:
    latest = db.session.scalars(select(AuditSignedCheckpoint).order_by(
        AuditSignedCheckpoint.size.desc(), AuditSignedCheckpoint.id.desc()).limit(1)).first()
    if latest is None:
        return CheckpointCheck()
    result = CheckpointCheck(latest)
    recorded = _recorded(decision) if decision is not None else None
    if recorded is not None:
        row = db.session.scalars(select(AuditSignedCheckpoint).where(
            AuditSignedCheckpoint.size == recorded.get("size"), AuditSignedCheckpoint.root == recorded.get("root"))
            .order_by(AuditSignedCheckpoint.id).limit(1)).first()
        if row is None:
            result.missing = (f"the checkpoint the decision was decided under (size {recorded.get('size')}, "
                              f"root {recorded.get('root')}) is no longer stored")
        else:
            result.row, result.decided_under = row, True
            result.covers_decision = bool(recorded.get("covers_decision"))
    try:
        keys = audit_log.verifier_keys()
    except audit_log.AuditKeyError as exc:
        result.signature = Signature(False, f"AUDIT_VERIFIER_KEYS: {exc}")
        keys = None
    if keys is not None:
        result.signature = _signature(result.row, keys)
    if latest.id != result.row.id:
        result.latest = latest
        result.latest_signature = _signature(latest, keys) if keys is not None else result.signature
        result.consistency = _consistency(result.row, latest)
    result.cosigners = _cosigners(result.row)
    return result
