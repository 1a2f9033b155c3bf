"""Rewriting the audit log from genesis in a new form: for a migration that
changes what an event holds (0011: personal values out of the hashed form),
while nothing is in production and no checkpoint has left the database.

Every event is read in sequence order, rewritten, re-chained and
re-hashed; the Merkle tree, its stored subtrees and the head are made anew;
the checkpoints, which certify the old form, are deleted (a new one is
signed after: `flask audit checkpoint`).
"""

import sqlalchemy as sa

from awards_app import audit_chain, audit_tree
from awards_app.models import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEvent,
    AuditHead,
    AuditSignedCheckpoint,
    AuditSubtree,
    PersonalValue,
)
from awards_app.services.audit import SUBTREE_MIN_LEVEL
from awards_app.services.personal_values import mark, to_commitments

BATCH = 2_000
APPEND_ONLY = ("audit_event", "audit_checkpoint", "audit_signed_checkpoint", "audit_cosignature")


def rebuild(conn, rewrite) -> int:
    """Rewrite every event with `rewrite(event, at) -> event` (the canonical
    dict, `at` the stored datetime) and rebuild the chain and the tree.
    Returns the number of events."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:  # the migration runs as the owner, who may lift the append-only triggers for its duration
        for table in APPEND_ONLY:
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    for model in (AuditCosignature, AuditSignedCheckpoint, AuditCheckpoint, AuditSubtree):
        conn.execute(sa.delete(model.__table__))
    subtrees = []

    def keep(level, index, digest):
        if level >= SUBTREE_MIN_LEVEL:
            subtrees.append({"level": level, "idx": index, "hash": digest.hex()})

    table, tree = AuditEvent.__table__, audit_tree.Appender(on_subtree=keep)
    prev, after, count = audit_chain.GENESIS, 0, 0
    columns = [table.c[name] for name in audit_chain.FIELDS]  # only these: the model may have grown since
    while rows := conn.execute(sa.select(*columns).where(table.c.seq > after).order_by(table.c.seq)
                               .limit(BATCH)).mappings().all():
        for row in rows:
            event = rewrite(audit_chain.canonical_event(
                **{name: row[name] for name in audit_chain.FIELDS if name != "prev_hash"}, prev_hash=prev), row["at"])
            event["hash"] = prev = audit_chain.event_hash(event)
            tree.append(audit_tree.event_leaf_hash(event))
            conn.execute(sa.update(table).where(table.c.seq == row["seq"]).values(
                actor=event["actor"], payload=event["payload"], prev_hash=event["prev_hash"], hash=event["hash"]))
            count += 1
        after = rows[-1]["seq"]
        if subtrees:
            conn.execute(AuditSubtree.__table__.insert(), subtrees)
            subtrees.clear()
    conn.execute(sa.update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(
        seq=after, hash=prev, tree_size=tree.size, frontier=tree.save()))
    if postgres:
        for table_name in APPEND_ONLY:
            conn.execute(sa.text(f"ALTER TABLE {table_name} ENABLE TRIGGER USER"))
    return count


def personal_values_apart(conn) -> int:
    """Migration 0011's rewrite: users named by id, endorsers by their
    endorsement, and the fields personal_values.PERSONAL_FIELDS declares
    replaced by commitments whose values go to personal_value."""
    people = dict(conn.execute(sa.text("SELECT id, person_id FROM user_account")).all())
    values: list[dict] = []

    def rewrite(event, at):
        if event["actor_id"] is not None:
            event["actor"] = f"user:{event['actor_id']}"
        elif event["actor"].startswith("endorser:"):
            event["actor"] = f"endorser:{event['object_id']}"
        about = event["object_id"] if event["object_type"] == "user_account" else None
        person = people.get(int(about)) if about and about.isdigit() else None
        event["payload"] = to_commitments(mark(event["action"], event["payload"] or {}, person), values,
                                          event["seq"], at)
        if len(values) >= BATCH:
            conn.execute(PersonalValue.__table__.insert(), values)
            values.clear()
        return event

    count = rebuild(conn, rewrite)
    if values:
        conn.execute(PersonalValue.__table__.insert(), values)
    return count
