"""Appending to and verifying the hash-chained audit trail."""

from datetime import UTC, datetime

from sqlalchemy import select, update

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditHead


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    return actor.id, actor.email


def record(actor, action: str, obj=None, payload: dict | None = None, *,
           object_type: str | None = None, object_id=None, cycle_id: int | None = None) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    The head row is updated first: on PostgreSQL that takes a row lock, on
    SQLite the database's write lock, so two transactions can never both
    extend the same head and fork the chain.
    """
    session = db.session
    if session.execute(update(AuditHead).where(AuditHead.id == 1)
                       .values(seq=AuditHead.seq)).rowcount == 0:
        session.add(AuditHead(id=1, seq=0, hash=audit_chain.GENESIS))
        session.flush()
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()

    actor_id, actor_label = _actor_fields(actor)
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    at = datetime.now(UTC)
    event = {
        "seq": head.seq + 1,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor": actor_label,
        "action": action,
        "object_type": object_type or "system",
        "object_id": None if object_id is None else str(object_id),
        "cycle_id": cycle_id,
        "payload": payload or {},
        "prev_hash": head.hash,
    }
    event["hash"] = audit_chain.event_hash(event)
    row = AuditEvent(**{**event, "at": at})
    session.add(row)
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(seq=event["seq"], hash=event["hash"]))
    session.flush()
    return row


def as_dict(row) -> dict:
    """The event as it was hashed, read back from an ORM row or a Core row."""
    event = {name: getattr(row, name) for name in (*audit_chain.FIELDS, "hash")}
    event["at"] = event["at"].isoformat(timespec="microseconds")
    return event


def iter_events(batch: int = 5000):
    """Every event in chain order, streamed in batches by sequence number."""
    # Core rows, not ORM objects: nothing piles up in the session's identity map.
    table = AuditEvent.__table__
    last = 0
    while True:
        rows = db.session.execute(
            select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield as_dict(row)
        last = rows[-1].seq


def verify_chain():
    """(ok, count, head_hash, problem) for the whole stored chain."""
    return audit_chain.verify(iter_events())
