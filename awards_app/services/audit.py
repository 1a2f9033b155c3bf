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
    lock_head = update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
    if session.execute(lock_head).rowcount == 0:
        _create_head(session)
        session.execute(lock_head)
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


def _create_head(session) -> None:
    """The migration seeds the head row; should it be missing, two first
    appends may race to create it, and only one insert may win."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(AuditHead).values(id=1, seq=0, hash=audit_chain.GENESIS)
                    .on_conflict_do_nothing(index_elements=["id"]))


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


BUNDLE_FORMAT = "milset-audit-bundle/1"


def export_bundle(cycle) -> dict:
    """The chain from the cycle's first event to the head, with the cycle's
    own events marked. A bundle verifies on its own (audit_chain.py); its
    head hash matches the one printed in the board's report."""
    table = AuditEvent.__table__
    first = db.session.execute(select(table.c.seq).where(table.c.cycle_id == cycle.id)
                               .order_by(table.c.seq).limit(1)).scalar()
    if first is None:
        events = []
        start_prev = db.session.execute(select(AuditHead.hash).where(AuditHead.id == 1)).scalar()
    else:
        events = [as_dict(row) for row in db.session.execute(
            select(table).where(table.c.seq >= first).order_by(table.c.seq))]
        start_prev = events[0]["prev_hash"]
    return {
        "format": BUNDLE_FORMAT,
        "cycle": {"id": cycle.id, "title": cycle.title, "state": cycle.state},
        "chain": {"start_seq": events[0]["seq"] if events else None, "start_prev_hash": start_prev,
                  "head_hash": events[-1]["hash"] if events else start_prev, "count": len(events)},
        "cycle_event_seqs": [e["seq"] for e in events if e["cycle_id"] == cycle.id],
        "verify_with": "python3 audit_chain.py BUNDLE.json",
        "events": events,
    }
