"""A cycle's audit bundle in the Merkle form (issue 19, milset-audit-bundle/2):
that cycle's events only, each with its inclusion proof against a signed
checkpoint of the whole log, that checkpoint, and the latest signed
checkpoint with the consistency proof from the first to it. The board
member checks it with audit_bundle.py and the log's verifier key, without
the database and without other cycles' events or anyone else's data.

The proofs come from the stored subtrees (AuditSubtree) and the few leaves
around the cycle's own events (audit_log.PrefetchedTree), so a large log
is not reread: the bundle's verifier checks every hash against the signed
root, whatever the database says.
"""

from sqlalchemy import select

from awards_app import audit_bundle, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSignedCheckpoint
from awards_app.services import N_, ServiceError, audit_log, witnesses
from awards_app.services.audit import as_dict

NO_CHECKPOINT = "audit.no_signed_checkpoint"


def _leaf_hashes(size: int) -> list[bytes]:
    table = AuditEvent.__table__
    leaves, after = [], 0
    while len(leaves) < size:
        rows = db.session.execute(select(table).where(table.c.seq > after, table.c.seq <= size)
                                  .order_by(table.c.seq).limit(5000)).all()
        if not rows:
            break
        leaves += [audit_tree.event_leaf_hash(as_dict(row)) for row in rows]
        after = rows[-1].seq
    return leaves



def build(cycle, checkpoint: AuditSignedCheckpoint | None = None) -> dict:
    """The bundle of `cycle` proved against `checkpoint` (by default the
    latest signed one). Refused by rule when the log has no signed
    checkpoint yet (`flask audit checkpoint` makes one)."""
    latest = db.session.scalars(select(AuditSignedCheckpoint)
                                .order_by(AuditSignedCheckpoint.size.desc(), AuditSignedCheckpoint.id.desc())
                                .limit(1)).first()
    if latest is None:
        raise ServiceError(NO_CHECKPOINT, N_("The audit log has no signed checkpoint yet: the secretariat "
                                             "runs flask audit checkpoint."))
    checkpoint = checkpoint or latest
    table = AuditEvent.__table__
    rows = db.session.execute(select(table).where(table.c.cycle_id == cycle.id, table.c.seq <= checkpoint.size)
                              .order_by(table.c.seq)).all()
    own = {row.seq - 1: as_dict(row) for row in rows}
    tree = audit_log.PrefetchedTree(latest.size, {i: audit_tree.event_leaf_hash(e) for i, e in own.items()})
    tree.prefetch_inclusion(own, checkpoint.size)
    events = [{**{name: event[name] for name in audit_tree.LEAF_FIELDS},
               "proof": [h.hex() for h in audit_tree.inclusion_proof(i, checkpoint.size, tree.hash_range)]}
              for i, event in own.items()]
    note = audit_tree.parse_note(checkpoint.note)
    cosigned = witnesses.cosignatures_of({checkpoint.id, latest.id})
    return {
        "format": audit_bundle.FORMAT,
        "origin": audit_tree.parse_checkpoint(note.text).origin,
        "cycle": {"id": cycle.id, "title": cycle.title, "state": cycle.state},
        "checkpoint": checkpoint.note,
        "latest": latest.note if latest.id != checkpoint.id else None,
        "consistency": [h.hex() for h in audit_tree.consistency_proof(checkpoint.size, latest.size, tree.hash_range)]
        if latest.size != checkpoint.size else [],
        # The board's witnesses' signature lines over each checkpoint's text.
        "cosignatures": {"checkpoint": [c.signature for c in cosigned[checkpoint.id]],
                         "latest": [c.signature for c in cosigned[latest.id]] if latest.id != checkpoint.id else []},
        "verify_with": "python3 audit_bundle.py BUNDLE.json --key VERIFIER_KEY [--checkpoint HELD.txt] "
                       "[--witness WITNESS_KEY ...]",
        "events": events,
    }


def current(cycle) -> dict:
    """What the report page and the API hand out: the Merkle bundle once the
    log has a signed checkpoint, before that the chain bundle (format 1)."""
    from awards_app.services import audit

    if db.session.scalar(select(AuditSignedCheckpoint.id).limit(1)) is None:
        return audit.export_bundle(cycle)
    return build(cycle)
