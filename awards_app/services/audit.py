"""Appending to, verifying and checkpointing the hash-chained audit trail."""

import hashlib
import json
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from sqlalchemy import DateTime, Text, cast, or_, select, type_coerce, update

from awards_app import audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSubtree
from awards_app.services import actors, personal_values


def record(actor, action: str, obj=None, payload: dict | None = None, *,
           object_type: str | None = None, object_id=None, cycle_id: int | None = None) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    The head row is updated first: on PostgreSQL that takes a row lock, on
    SQLite the database's write lock, so two transactions can never both
    extend the same head and fork the chain.
    """
    return _append(actor, [PendingEvent(action, obj, payload, object_type=object_type, object_id=object_id,
                                        cycle_id=cycle_id)], as_objects=True)[0]


def changes(before: dict, after: dict) -> dict:
    """The fields an edit changed, as {field: {"from": old, "to": new}}: the
    payload of an "updated" event, empty when nothing changed."""
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}


@dataclass
class PendingEvent:
    """One event to append with record_many."""

    action: str
    obj: object = None
    payload: dict | None = None
    object_type: str | None = None
    object_id: object = None
    cycle_id: int | None = None


def record_many(actor, entries: list[PendingEvent]) -> int:
    """Append several events by the same actor under one lock of the head,
    in order (what a bulk action such as a detection run does): one INSERT
    for all of them. Returns how many were appended.

    actor: a user, or a SystemActor; a bare string raises TypeError."""
    return len(_append(actor, entries))


def _append(actor, entries: list[PendingEvent], *, as_objects: bool = False) -> list:
    """The events appended, as rows (dicts), or as the session's AuditEvent
    objects with `as_objects` (one event: the same single INSERT)."""
    actor_id, actor_label = actors.audit_fields(actor)
    if not entries:
        return []
    session = db.session
    head = _lock_head(session)
    seq, prev = head.seq, head.hash
    tree = TreeExtension(head)
    rows, values = [], []
    for entry in entries:
        object_type, object_id = entry.object_type, entry.object_id
        if entry.obj is not None:
            object_type = object_type or entry.obj.__tablename__
            object_id = entry.obj.id
        at = datetime.now(UTC)
        seq += 1
        event = audit_chain.canonical_event(
            seq=seq, at=at, actor_id=actor_id, actor=actor_label, action=entry.action,
            object_type=object_type or "system", object_id=object_id, cycle_id=entry.cycle_id,
            payload=_as_stored(personal_values.to_commitments(
                personal_values.mark(entry.action, entry.payload or {}), values, seq, at)), prev_hash=prev)
        event["hash"] = prev = audit_chain.event_hash(event)
        tree.append(audit_tree.event_leaf_hash(event))
        rows.append({**event, "at": at})
    personal_values.store(values)
    if as_objects:
        rows = [AuditEvent(**row) for row in rows]
        session.add_all(rows)
        session.flush()
    else:
        # Core, not the unit of work: thousands of events of a bulk action
        # are one batched INSERT instead of as many ORM objects (issue 22).
        session.execute(AuditEvent.__table__.insert(), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev, **tree.head_values()))
    tree.store_subtrees(session)
    return rows


# Complete subtrees from this level up are stored (migration 0009): about
# one row per 8 events, and a proof reads at most 2**4 leaves per range.
SUBTREE_MIN_LEVEL = 4


class TreeExtension:
    """The Merkle tree's right edge restored from the locked head, extended
    by the events appended in this transaction.

    Leaf index = seq - 1: the head's tree_size must be its seq, or the tree
    and the chain no longer describe the same events (refused, not mended).
    """

    def __init__(self, head):
        if head.tree_size != head.seq:
            raise RuntimeError(f"audit head: the Merkle tree has {head.tree_size} leaves but the chain "
                               f"{head.seq} events; rebuild the tree (migration 0009) before appending")
        self.subtrees = []
        self.appender = audit_tree.Appender.restore(head.tree_size, head.frontier or (), self._keep)

    def _keep(self, level, index, digest):
        if level >= SUBTREE_MIN_LEVEL:
            self.subtrees.append({"level": level, "idx": index, "hash": digest.hex()})

    def append(self, leaf_hash: bytes) -> None:
        self.appender.append(leaf_hash)

    def head_values(self) -> dict:
        return {"tree_size": self.appender.size, "frontier": self.appender.save()}

    def store_subtrees(self, connection) -> None:
        """One INSERT for the subtrees completed since the last call, none when none were."""
        if self.subtrees:
            connection.execute(AuditSubtree.__table__.insert(), self.subtrees)
            self.subtrees = []


def _lock_head(session):
    """The head (seq, hash, tree_size, frontier), locked for the rest of the transaction."""
    lock = (update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
            .returning(AuditHead.seq, AuditHead.hash, AuditHead.tree_size, AuditHead.frontier))
    head = session.execute(lock).first()
    if head is None:
        _create_head(session)
        head = session.execute(lock).one()
    return head


def _as_stored(value):
    """The payload as the database will give it back, so that the hash
    recomputed from the stored row is the one recorded. PostgreSQL's JSONB
    keeps numbers as decimals: it has no -0.0, and writes a float that JSON
    gives with an exponent of 16 or more (1e+16) as the integer of those
    digits (10000000000000000), which reads back as an int."""
    if isinstance(value, float):
        if value == 0.0:
            return 0.0
        text = repr(value)
        return int(Decimal(text)) if "e+" in text else value
    if isinstance(value, dict):
        return {key: _as_stored(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_stored(item) for item in value]
    return value


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
    event = audit_chain.canonical_event(**{name: getattr(row, name) for name in audit_chain.FIELDS})
    event["hash"] = row.hash
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


# ---------------------------------------------------------------- verifying
#
# audit_chain.verify over iter_events() is the reference: the standard
# library's json, the model's column types. Over a million events that is
# 17,000-25,000 events/s, spent in the driver's json.loads of each payload,
# datetime handling, Row attribute access and the stdlib encoder. The fast
# path below reads plain tuples (the payload as its JSON text, `at` as the
# stored naive UTC value), parses and encodes with orjson and hashes. orjson
# and the stdlib write some values differently (1e-07 against 1e-7, NaN,
# integers beyond 64 bits), so bytes that do not give the stored hash are
# not trusted to mean tampering: that event is handed to the reference
# verifier, whose verdict and message stand. Bytes that do give the stored
# hash prove the content, since both encodings are faithful.

STREAM_BATCH = 5_000
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NAIVE_UTC  # naive `at` written with +00:00, as recorded


def verify_chain(after_seq: int = 0, after_hash: str = audit_chain.GENESIS) -> audit_chain.Verification:
    """The stored chain after event `after_seq`, whose hash is `after_hash`,
    verified: by default the whole chain.

    Same verdict and messages as audit_chain.verify(iter_events()), streamed.
    """
    with _stream_batches(after_seq) as batches:
        return _verify_batches(batches, after_hash, after_seq + 1)


def _stream_columns():
    table = AuditEvent.__table__
    return (table.c.seq,
            type_coerce(table.c.at, DateTime()),  # as stored: no tz conversion per row
            table.c.actor_id, table.c.actor, table.c.action, table.c.object_type, table.c.object_id,
            table.c.cycle_id,
            cast(table.c.payload, Text),  # the JSON text, parsed below rather than by the driver
            table.c.prev_hash, table.c.hash)


@contextmanager
def _stream_batches(after_seq: int, until_seq: int | None = None, connection=None):
    """Lists of event tuples after `after_seq` (up to `until_seq`), in chain
    order: one query, streamed STREAM_BATCH rows at a time."""
    table = AuditEvent.__table__
    statement = select(*_stream_columns()).where(table.c.seq > after_seq).order_by(table.c.seq)
    if until_seq is not None:
        statement = statement.where(table.c.seq <= until_seq)
    connection = connection or db.session.connection()
    if connection.dialect.name == "postgresql":
        with _postgres_batches(connection, statement) as batches:
            yield batches
        return
    result = connection.execute(statement.execution_options(yield_per=STREAM_BATCH))
    try:
        yield result.partitions()
    finally:
        result.close()


@contextmanager
def _postgres_batches(connection, statement):
    """The driver's own server-side cursor, read by a thread a batch or two ahead.

    psycopg's tuples already hold the columns as _stream_columns types them
    (a naive datetime, the JSON text); SQLAlchemy's Row wrapping would add a
    quarter to the time. While Python hashes one batch, PostgreSQL, in its
    own process, produces the next: waiting for it releases the GIL.
    """
    compiled = statement.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor(name="audit_verify")
    cursor.execute(str(compiled), compiled.params)
    prefetch = _Prefetch(iter(lambda: cursor.fetchmany(STREAM_BATCH), []))
    try:
        yield iter(prefetch)
    finally:
        prefetch.stop()  # before closing the cursor the thread may be reading
        cursor.close()


class _Prefetch:
    """Iterate over `batches` fetched by a thread, at most `depth` ahead."""

    _END = object()

    def __init__(self, batches, depth: int = 2):
        self._queue = queue.Queue(maxsize=depth)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._fetch, args=(batches,), daemon=True)
        self._thread.start()

    def _fetch(self, batches):
        try:
            for batch in batches:
                if self._stopping.is_set():
                    return
                self._queue.put(batch)
            self._queue.put(self._END)
        except Exception as exc:  # noqa: BLE001 - raised again in the consuming thread
            self._queue.put(exc)

    def __iter__(self):
        while (item := self._queue.get()) is not self._END:
            if isinstance(item, Exception):
                raise item
            yield item

    def stop(self) -> None:
        """Let the thread finish (it may be waiting for room in the queue), then join it."""
        self._stopping.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()


def _verify_batches(batches, prev: str, expected_seq: int, leaves=None,
                    batch_done=None) -> audit_chain.Verification:
    """audit_chain.verify's walk over the stream's tuples, hashing with orjson.

    The body is audit_chain.canonical_event's dict, written out here with
    `at` left a datetime for orjson to write (faster than its isoformat);
    tests/test_audit_canonical.py checks it gives the pinned hashes.

    leaves: when given, called with every row's Merkle leaf hash (the
    tree's walk, services.audit_log), and the walk goes on to the last row
    after the chain breaks, the verdict still naming the first bad event;
    batch_done, when given, after each batch (the walk builds its tree a
    batch at a time).
    """
    count, broken = 0, None
    for rows in batches:
        for row in rows:
            seq, prev_hash, stored = row[0], row[9], row[10]
            encoded, _payload = _encoded(row)
            faithful = encoded is not None
            if broken is None:
                if not (faithful and seq == expected_seq and prev_hash == prev):
                    reference = audit_chain.verify([_reference_event(row)], prev, expected_seq)
                    if not reference.ok:
                        broken = audit_chain.Verification(False, count, expected_seq - 1, prev, reference.problem)
                        if leaves is None:
                            return broken
                if broken is None:
                    prev, expected_seq, count = stored, expected_seq + 1, count + 1
            if leaves is not None:
                leaves(_leaf_hash(encoded) if faithful else audit_tree.event_leaf_hash(_reference_event(row)))
        if batch_done is not None:
            batch_done()
    return broken or audit_chain.Verification(True, count, expected_seq - 1, prev)


def _encoded(row, loads=orjson.loads, dumps=orjson.dumps, sha256=hashlib.sha256):
    """(canonical bytes, payload) of a stream tuple when orjson's bytes give
    the stored hash, which proves them the canonical form; (None, None)
    when they do not, and the reference encoder must decide."""
    seq, at, actor_id, actor, action, object_type, object_id, cycle_id, payload, prev_hash, stored = row
    try:
        payload = loads(payload)
        body = {"seq": seq, "at": at if at.microsecond else _isoformat_utc(at), "actor_id": actor_id,
                "actor": actor, "action": action, "object_type": object_type, "object_id": object_id,
                "cycle_id": cycle_id, "payload": payload, "prev_hash": prev_hash}
        encoded = dumps(body, option=_ORJSON_OPTIONS)
    except (TypeError, ValueError):  # what orjson cannot read or write
        return None, None
    # orjson reads an integer beyond 64 bits as a float, which it writes
    # with an exponent, where json.loads keeps the int: an event with "e+"
    # in it is left to the reference (so are the rare floats from 1e16 up
    # and texts that contain "e+").
    if sha256(encoded).hexdigest() != stored or b"e+" in encoded:
        return None, None
    return encoded, payload


def events_with_leaves(condition) -> list[tuple[dict, bytes]]:
    """The events matching `condition`, in chain order, each as its leaf's
    fields (what a bundle carries) with its Merkle leaf hash, read and
    hashed as the verifier's fast path does (the reference decides where
    orjson's bytes do not give the stored hash)."""
    table = AuditEvent.__table__
    found = []
    for row in db.session.execute(select(*_stream_columns()).where(condition).order_by(table.c.seq)).all():
        encoded, payload = _encoded(row)
        if encoded is None:
            event = _reference_event(row)
            found.append(({name: event[name] for name in audit_tree.LEAF_FIELDS}, audit_tree.event_leaf_hash(event)))
            continue
        seq, at, actor_id, actor, action, object_type, object_id, cycle_id = row[:8]
        # audit_chain.canonical_event's fields less prev_hash; `at` stored naive UTC.
        found.append(({"seq": seq, "at": at.isoformat(timespec="microseconds") + "+00:00", "actor_id": actor_id,
                       "actor": actor, "action": action, "object_type": object_type,
                       "object_id": None if object_id is None else str(object_id), "cycle_id": cycle_id,
                       "payload": payload}, _leaf_hash(encoded)))
    return found


def _leaf_hash(encoded: bytes) -> bytes:
    """The Merkle leaf hash of an event from its canonical bytes, when those
    are proven (they gave the stored hash): the same bytes less the
    top-level prev_hash, which sorts last but one, before seq. Searched from
    the end, so a "prev_hash" inside the payload (written before) is not
    met. Hashed in two pieces, as leaf_hash(0x00 || leaf) would be, without
    copying the event's bytes twice."""
    cut, rest = encoded.rindex(b',"prev_hash":'), encoded.rindex(b',"seq":')
    view = memoryview(encoded)
    digest = hashlib.sha256(b"\x00")
    digest.update(view[:cut])
    digest.update(view[rest:])
    return digest.digest()


def _isoformat_utc(at: datetime) -> str:
    """`at` as recorded; orjson would leave out a zero microsecond part."""
    return at.isoformat(timespec="microseconds") + "+00:00"


def _reference_event(row) -> dict:
    """The event exactly as as_dict() reads it through the model's column
    types: UTCDateTime gives the stored naive value the UTC zone, the JSON
    type hands the text to json.loads."""
    seq, at, actor_id, actor, action, object_type, object_id, cycle_id, payload, prev_hash, stored = row
    event = audit_chain.canonical_event(
        seq=seq, at=at, actor_id=actor_id, actor=actor, action=action, object_type=object_type,
        object_id=object_id, cycle_id=cycle_id, payload=None if payload is None else json.loads(payload),
        prev_hash=prev_hash)
    event["hash"] = stored
    return event


# ---------------------------------------------------------------- checkpoints


def record_checkpoint(seq: int, head_hash: str, events_verified: int, verified_by: str) -> AuditCheckpoint:
    """Note that the chain up to `seq` (whose hash is `head_hash`) verified."""
    checkpoint = AuditCheckpoint(seq=seq, hash=head_hash, events_verified=events_verified,
                                 verified_by=verified_by, verified_at=datetime.now(UTC))
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def latest_checkpoint() -> AuditCheckpoint | None:
    return db.session.scalars(select(AuditCheckpoint)
                              .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1)).first()


def checkpoint_problem(checkpoint: AuditCheckpoint | None = None) -> str | None:
    """Why the stored chain no longer meets a checkpoint (`checkpoint`, or
    else the earliest one it fails), or None.

    A chain rewritten from an edited event onwards, every hash recomputed,
    verifies on its own; its events at the checkpoints no longer carry the
    hashes recorded there.
    """
    event = AuditEvent.__table__
    query = (select(AuditCheckpoint.seq, AuditCheckpoint.verified_at, event.c.hash)
             .outerjoin(event, event.c.seq == AuditCheckpoint.seq)
             .where(or_(event.c.hash.is_(None), event.c.hash != AuditCheckpoint.hash)))
    if checkpoint is not None:
        query = query.where(AuditCheckpoint.id == checkpoint.id)
    found = db.session.execute(query.order_by(AuditCheckpoint.seq).limit(1)).first()
    if found is None:
        return None
    when = found.verified_at.strftime("%Y-%m-%d %H:%M UTC")
    if found.hash is None:
        return f"event seq {found.seq}: missing, though the chain up to it verified on {when}"
    return (f"event seq {found.seq}: hash differs from the one checkpointed on {when} "
            "(the chain was rewritten)")


def chain_status() -> audit_chain.Verification:
    """The chain's state for readers who need not re-verify what a full
    `flask audit verify` already has: only the events after the latest
    checkpoint, linked to its hash, after checking that the stored event at
    the checkpoint still has that hash (the result names the checkpoint).
    With no checkpoint, the whole chain.
    """
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return verify_chain()
    seq, at = checkpoint.seq, checkpoint.verified_at
    problem = checkpoint_problem(checkpoint)
    if problem:
        return audit_chain.Verification(False, 0, seq, checkpoint.hash, problem, seq, at)
    return replace(verify_chain(after_seq=seq, after_hash=checkpoint.hash),
                   checkpoint_seq=seq, checkpoint_verified_at=at)


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
