"""The audit log's Merkle tree (issue 19): every append extends it, signed
checkpoints pin it, and `flask audit verify` checks it against them, or,
given a checkpoint and a key from outside, trusts nothing in the database."""

from datetime import date

import pytest
from sqlalchemy import select

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditHead, AuditSignedCheckpoint, AuditSubtree
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


# ---------------------------------------------------------------- keys and checkpoints


@pytest.fixture(scope="module")
def keys():
    """(signer, verifier) of the log, and a stranger's pair."""
    return audit_tree.generate_key("awards.test"), audit_tree.generate_key("stranger")


@pytest.fixture
def signing(app, keys, monkeypatch):
    (signer, verifier), _ = keys
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", signer)
    monkeypatch.setitem(app.config, "AUDIT_VERIFIER_KEYS", verifier)
    monkeypatch.setitem(app.config, "AUDIT_ORIGIN", "awards.test/audit")
    return signer, verifier


def _checkpoint(runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result


def _verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def test_keygen_prints_a_key_pair_that_parses_and_writes_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["audit", "keygen", "--name", "milset-2027"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    signer = audit_tree.parse_signer_key(lines[lines.index(next(x for x in lines if x.startswith("Signer"))) + 1])
    verifier = audit_tree.parse_verifier_key(lines[lines.index(next(x for x in lines if x.startswith("Verifier")))
                                                   + 1])
    assert signer.name == verifier.name == "milset-2027"
    note = audit_tree.sign_note("hello\n", [signer])
    assert audit_tree.verify_note(note, [verifier]).signature_checked
    assert list(tmp_path.iterdir()) == []


def test_checkpoint_without_a_key_refuses_naming_the_setting(runner, ctx):
    _events(3)
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code != 0
    assert "AUDIT_SIGNING_KEY_FILE" in result.output
    assert db.session.scalars(select(AuditSignedCheckpoint)).all() == []


def test_checkpoint_reads_the_key_file_and_refuses_one_that_is_not_a_key(runner, ctx, app, keys, monkeypatch,
                                                                        tmp_path):
    (signer, verifier), _ = keys
    _events(3)
    key_file = tmp_path / "audit.key"
    key_file.write_text("not a key\n")
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY_FILE", str(key_file))
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code != 0 and "AUDIT_SIGNING_KEY_FILE" in refused.output
    key_file.write_text(signer + "\n")
    _checkpoint(runner)
    row = db.session.scalars(select(AuditSignedCheckpoint)).one()
    assert audit_tree.verify_checkpoint(row.note, [verifier]).checkpoint.size == 3


def test_checkpoints_sign_the_head_and_prove_each_consistent_with_the_last(runner, ctx, signing):
    _events(5)
    first = _checkpoint(runner)
    assert "Signed checkpoint" in first.output and "size 5" in first.output
    again = _checkpoint(runner)
    assert "nothing signed" in again.output
    _events(40, start=5)
    _checkpoint(runner)
    rows = db.session.scalars(select(AuditSignedCheckpoint).order_by(AuditSignedCheckpoint.id)).all()
    assert [(r.size, r.previous_size) for r in rows] == [(5, None), (45, 5)]
    leaves, _ = _recomputed()
    for row in rows:
        checked = audit_tree.verify_checkpoint(row.note, [signing[1]], "awards.test/audit")
        assert checked.signature_checked
        assert checked.checkpoint.root == audit_tree.root(leaves[:row.size]) == bytes.fromhex(row.root)
    audit_tree.verify_consistency(5, bytes.fromhex(rows[0].root), 45, bytes.fromhex(rows[1].root),
                                  [bytes.fromhex(h) for h in rows[1].consistency])
    assert rows[1].consistency == [h.hex() for h in audit_tree.consistency_proof(5, 45, leaves)]
