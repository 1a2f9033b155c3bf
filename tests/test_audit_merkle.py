"""The audit log's Merkle tree (issue 19): every append extends it, signed
checkpoints pin it, and `flask audit verify` checks it against them, or,
given a checkpoint and a key from outside, trusts nothing in the database."""

from datetime import date

import pytest
from sqlalchemy import select

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditHead, AuditSubtree
from awards_app.services import audit
from tests.factories import TESTS_ACTOR, AuditEventFactory


def _events(n, start=0):
    for i in range(start, start + n):
        AuditEventFactory(payload={"n": i})
    db.session.commit()


def _recomputed():
    """(leaf hashes, subtrees) from the stored events, by the reference encoder."""
    leaves = [audit_tree.event_leaf_hash(event) for event in audit.iter_events()]
    subtrees = {}
    tree = audit_tree.Appender(lambda level, index, h: subtrees.__setitem__((level, index), h.hex())
                               if level >= audit.SUBTREE_MIN_LEVEL else None)
    for h in leaves:
        tree.append(h)
    return leaves, subtrees


def _stored_tree():
    head = db.session.get(AuditHead, 1)
    db.session.refresh(head)
    stored = {(row.level, row.idx): row.hash for row in db.session.scalars(select(AuditSubtree))}
    root = audit_tree.Appender.restore(head.tree_size, head.frontier or []).root()
    return head, root, stored


def _assert_tree_matches_the_events():
    leaves, subtrees = _recomputed()
    head, root, stored = _stored_tree()
    assert head.tree_size == head.seq == len(leaves)
    assert root == audit_tree.root(leaves)
    assert stored == subtrees


def test_every_append_extends_the_tree(ctx):
    _events(1)
    _assert_tree_matches_the_events()
    _events(40, start=1)  # one at a time, through record()
    audit.record_many(TESTS_ACTOR, [audit.PendingEvent("test.bulk", payload={"i": i}, object_type="test")
                                    for i in range(37)])
    db.session.commit()
    _assert_tree_matches_the_events()
    assert len(_stored_tree()[2]) == 4 + 2 + 1  # 78 leaves: four subtrees of 16, two of 32, one of 64


def test_an_append_adds_one_statement_for_subtrees_only_when_some_completed(ctx):
    from sqlalchemy import event

    _events(14)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split()[0:3])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        AuditEventFactory()  # the 15th: no subtree of 16 yet
        db.session.commit()
        plain = len(statements)
        statements.clear()
        AuditEventFactory()  # the 16th completes the first stored subtree
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == plain + 1
    assert sum(1 for s in statements if "audit_subtree" in " ".join(s)) == 1
    _assert_tree_matches_the_events()


def test_the_scale_loader_extends_the_tree(ctx, monkeypatch):
    from awards_app import demo
    from awards_app.demo import scale as demo_scale

    if db.engine.dialect.name == "postgresql":
        pytest.skip("the bulk loader moves sequences, which the runtime role the tests connect as may not")
    for name, small in (("NOMINATIONS_PER_CYCLE", 60), ("NOMINATORS_PER_CYCLE", 10), ("JUDGES_PER_CYCLE", 12),
                        ("AUDIT_EVENTS_PER_CYCLE", 3000), ("BATCH_ROWS", 500)):
        monkeypatch.setattr(demo_scale, name, small)
    demo.load()
    db.session.commit()
    demo_scale.load(1, today=date(2026, 12, 2))
    db.session.commit()
    _events(3)  # and the app appends after it
    _assert_tree_matches_the_events()
