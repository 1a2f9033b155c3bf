"""A cycle's audit bundle in the Merkle form (issue 19, milset-audit-bundle/3):
that cycle's events only, proved together against a signed checkpoint of
the whole log by one multiproof (the hash of each range of the tree that
holds none of them), that checkpoint, and the latest signed checkpoint with
the consistency proof from the first to it. The board
member checks it with audit_bundle.py and the log's verifier key, without
the database and without other cycles' events or anyone else's data.

The ranges' hashes come from the stored subtrees (AuditSubtree) and the
few leaves beside the cycle's own events (audit_log.PrefetchedTree), so a
large log is not reread; the verifier checks them all against the signed
root, whatever the database says.
"""

from sqlalchemy import select

from awards_app import audit_bundle, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSignedCheckpoint
from awards_app.services import N_, ServiceError, audit, audit_log, witnesses

NO_CHECKPOINT = "audit.no_signed_checkpoint"




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
    own = audit.events_with_leaves((table.c.cycle_id == cycle.id) & (table.c.seq <= checkpoint.size))
    tree = audit_log.PrefetchedTree(latest.size, {event["seq"] - 1: leaf for event, leaf in own})
    ranges = audit_tree.multiproof_ranges([event["seq"] - 1 for event, _leaf in own], checkpoint.size)
    tree.prefetch(ranges)
    events = [event for event, _leaf in own]
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
        # Each event's leaf hash as the server computed it: an event whose
        # fields no longer give it is named by the verifier.
        "leaves": [leaf.hex() for _event, leaf in own],
        # The hash of every range of the tree holding none of these events
        # (audit_tree.multiproof_ranges): with the events' leaves they give
        # the checkpoint's root, each range once.
        "proof": [[lo, hi, tree.hash_range(lo, hi).hex()] for lo, hi in ranges],
    }


def current(cycle) -> dict:
    """What the report page and the API hand out: the Merkle bundle once the
    log has a signed checkpoint, before that the chain bundle (format 1)."""
    from awards_app.services import audit

    if db.session.scalar(select(AuditSignedCheckpoint.id).limit(1)) is None:
        return audit.export_bundle(cycle)
    return build(cycle)
