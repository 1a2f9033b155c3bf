"""The audit log's Merkle tree (issue 19): every append extends it, signed
checkpoints pin it, and `flask audit verify` checks it against them, or,
given a checkpoint and a key from outside, trusts nothing in the database."""

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from awards_app import audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditHead, AuditSignedCheckpoint, AuditSubtree
from awards_app.services import audit
from awards_app.services.db_roles import owner_engine
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
    # Two cycles: the second is a past year's, ranked by the app's own
    # aggregation, ratified and announced by the loader.
    demo_scale.load(2, today=date(2026, 12, 2))
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


# ---------------------------------------------------------------- tampering, caught with a checkpoint held outside


def _behind_the_apps_back(*statements, params=None):
    """What the database's owner can do: change rows with the triggers off."""
    db.session.rollback()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement), params or {})


@pytest.fixture
def held(runner, ctx, signing, tmp_path):
    """40 events, checkpoints signed at 20 and 40; the second's note held
    outside (a board member's copy) in held.txt."""
    _events(20)
    _checkpoint(runner)
    _events(20, start=20)
    _checkpoint(runner)
    note = db.session.scalars(select(AuditSignedCheckpoint.note).where(AuditSignedCheckpoint.size == 40)).one()
    path = tmp_path / "held.txt"
    path.write_text(note, encoding="utf-8")
    return str(path), signing[1]


def _verify_held(runner, held):
    path, verifier = held
    return _verify(runner, "--checkpoint", path, "--key", verifier)


def _broken(result, *expected):
    assert result.exit_code == 1, result.output
    for text_ in expected:
        assert text_ in result.output, result.output
    return result.output


def test_an_intact_log_verifies_against_its_checkpoints_and_the_one_held_outside(runner, held):
    result = _verify_held(runner, held)
    assert result.exit_code == 0, result.output
    assert "Merkle tree intact: size 40" in result.output and "2 signed checkpoints verified" in result.output
    assert "Consistent with the outside checkpoint of size 40" in result.output
    _events(5, start=40)  # the log grew since the held checkpoint: still consistent
    assert _verify_held(runner, held).exit_code == 0
    assert _verify(runner).exit_code == 0  # with the configured keys only


def test_an_edited_event_is_named(runner, held):
    first = db.session.scalars(select(AuditSignedCheckpoint.id).where(AuditSignedCheckpoint.size == 20)).one()
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 7")
    output = _broken(_verify_held(runner, held), "event seq 7: hash does not match its content",
                     "outside checkpoint (size 40): the events give another root",
                     f"checkpoint {first} (size 20): the events give another root")
    assert "events seq 1..16" in output  # the stored subtree the change fell in


def test_a_deleted_event_is_named(runner, held):
    _behind_the_apps_back("DELETE FROM audit_event WHERE seq = 7")
    _broken(_verify_held(runner, held), "event seq 8: expected seq 7 (missing or reordered)",
            "outside checkpoint (size 40): the log has only 39 events")


def test_two_swapped_events_are_named(runner, held):
    _behind_the_apps_back("UPDATE audit_event SET seq = -7 WHERE seq = 7",
                          "UPDATE audit_event SET seq = 7 WHERE seq = 8",
                          "UPDATE audit_event SET seq = 8 WHERE seq = -7")
    _broken(_verify_held(runner, held), "event seq 7: prev_hash does not match the event before it",
            "outside checkpoint (size 40): the events give another root")


def test_a_truncated_tail_is_named_even_with_the_head_and_tree_cut_back(runner, held):
    # The tail cut and every stored trace of it removed: the head set back to
    # event 30, the subtrees and the signed checkpoint past it deleted.
    head = audit.as_dict(db.session.execute(select(AuditEvent.__table__).where(AuditEvent.seq == 30)).one())
    tree = audit_tree.Appender()
    for event in list(audit.iter_events())[:30]:
        tree.append(audit_tree.event_leaf_hash(event))
    _behind_the_apps_back("DELETE FROM audit_event WHERE seq > 30",
                          "DELETE FROM audit_subtree WHERE (idx + 1) * (1 << level) > 30",
                          "DELETE FROM audit_signed_checkpoint WHERE size > 30",
                          "UPDATE audit_head SET seq = 30, hash = :hash, tree_size = 30, frontier = :frontier",
                          params={"hash": head["hash"], "frontier": json.dumps(tree.save())})
    assert _verify(runner).exit_code == 0  # what the database alone still says
    _broken(_verify_held(runner, held), "outside checkpoint (size 40): the log has only 30 events "
                                        "(events seq 31..40 missing)")


def _rewrite_history(edit_seq):
    """An edit covered up by the database's owner: every hash after it
    recomputed, the head, the tree and its subtrees rebuilt, the chain's
    checkpoints and the signed ones deleted."""
    events = list(audit.iter_events())
    events[edit_seq - 1]["action"] = "forged"
    prev = events[edit_seq - 1]["prev_hash"]
    subtrees = []
    tree = audit_tree.Appender(lambda level, idx, h: subtrees.append({"level": level, "idx": idx, "hash": h.hex()})
                               if level >= audit.SUBTREE_MIN_LEVEL else None)
    updates = []
    for event in events:
        if event["seq"] >= edit_seq:
            event["prev_hash"] = prev
            event["hash"] = prev = audit_chain.event_hash(event)
            updates.append({"seq": event["seq"], "action": event["action"], "prev": event["prev_hash"],
                            "hash": event["hash"]})
        tree.append(audit_tree.event_leaf_hash(event))
    db.session.rollback()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_event SET hash = 'old-' || seq WHERE seq >= :seq"), {"seq": edit_seq})
        for values in updates:
            conn.execute(text("UPDATE audit_event SET action = :action, prev_hash = :prev, hash = :hash "
                              "WHERE seq = :seq"), values)
        conn.execute(text("DELETE FROM audit_checkpoint"))
        conn.execute(text("DELETE FROM audit_signed_checkpoint"))
        conn.execute(text("DELETE FROM audit_subtree"))
        conn.execute(AuditSubtree.__table__.insert(), subtrees)
        conn.execute(text("UPDATE audit_head SET hash = :hash, tree_size = :size, frontier = :frontier"),
                     {"hash": prev, "size": tree.size, "frontier": json.dumps(tree.save())})


@pytest.mark.parametrize("resigned", [False, True], ids=["checkpoints deleted", "checkpoints re-signed"])
def test_a_fully_rehashed_log_is_caught_by_the_checkpoint_held_outside(runner, held, keys, resigned):
    _rewrite_history(7)
    if resigned:  # the owner signs the rewritten log with a key of their own
        from awards_app.services import audit_log

        stranger = audit_tree.parse_signer_key(keys[1][0])
        with runner.app.app_context():
            audit_log.sign_head(stranger)
            db.session.commit()
    plain = _verify(runner)
    if resigned:
        _broken(plain, "no signature by a trusted key", "signed by: stranger")
    else:
        assert plain.exit_code == 0, plain.output  # nothing left inside the database to contradict it
    _broken(_verify_held(runner, held), "outside checkpoint (size 40): the events give another root at this size: "
                                        "an event among seq 1..40 was changed")


def test_a_forged_checkpoint_row_is_named(runner, held):
    _events(5, start=40)
    genuine = db.session.scalars(select(AuditSignedCheckpoint).where(AuditSignedCheckpoint.size == 40)).one()
    leaves, _ = _recomputed()
    forged_root = audit_tree.root(leaves[:45])
    body = audit_tree.Checkpoint("awards.test/audit", 45, forged_root).body()
    # The genuine signature line under another text: the note no longer verifies.
    note = body + genuine.note[genuine.note.index("\n\n"):][1:]
    db.session.add(AuditSignedCheckpoint(size=45, root=forged_root.hex(), note=note, previous_size=40,
                                         consistency=[h.hex() for h in audit_tree.consistency_proof(40, 45, leaves)]))
    db.session.commit()
    forged_id = db.session.scalars(select(AuditSignedCheckpoint.id).where(AuditSignedCheckpoint.size == 45)).one()
    _broken(_verify_held(runner, held), f"checkpoint {forged_id} (size 45): signed note: the signature by "
                                        "awards.test does not verify")
    _broken(_verify(runner), f"checkpoint {forged_id} (size 45)")


def test_checkpoint_refuses_to_sign_a_log_that_no_longer_extends_the_last_one(runner, held):
    note = Path(held[0]).read_text(encoding="utf-8")
    _rewrite_history(7)
    # The rewrite deleted the signed rows; the genuine one put back, as the owner could.
    _behind_the_apps_back("INSERT INTO audit_signed_checkpoint (size, root, note, signed_at) "
                          "VALUES (40, :root, :note, '2026-12-01 00:00:00')",
                          params={"root": audit_tree.parse_checkpoint(note[:note.index("\n\n") + 1]).root.hex(),
                                  "note": note})
    _events(3, start=40)
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code != 0
    assert "not consistent with checkpoint" in refused.output and "(size 40)" in refused.output
    assert db.session.scalars(select(AuditSignedCheckpoint.size)).all() == [40]


def _bulk(n, start=0):
    for first in range(start, start + n, 1000):
        audit.record_many(TESTS_ACTOR, [audit.PendingEvent("test.bulk", payload={"i": i}, object_type="test")
                                        for i in range(first, min(first + 1000, start + n))])
        db.session.commit()


def _two_checkpointed_parts(runner):
    """9,200 events, checkpoints signed at 5,000 and 9,200; the log verifies."""
    _bulk(5_000)
    _checkpoint(runner)
    _bulk(4_200, start=5_000)
    _checkpoint(runner)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "Merkle tree intact: size 9200" in result.output and "2 signed checkpoints verified" in result.output


def test_a_log_of_several_chunks_verifies_and_an_edit_in_a_chunk_is_named(runner, ctx, signing):
    """Past 4,096 events the verifier builds the tree a chunk at a time; a
    checkpoint inside a chunk still gets its root, and an edit inside a
    chunk is found by the chain, the stored subtrees and every root."""
    _two_checkpointed_parts(runner)
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 100")
    _broken(_verify(runner), "event seq 100: hash does not match its content", "events seq 97..112",
            "(size 5000): the events give another root")


def test_on_two_cores_the_log_is_walked_in_two_parts_and_a_break_in_either_is_named(runner, ctx, signing,
                                                                                  monkeypatch):
    """On PostgreSQL a large log is cut at a power of two and its right part
    walked by a second process (services.audit_walk): here from 1,024
    events, so 9,200 are cut at 8,192, with a checkpoint on each side."""
    from awards_app.services import audit_walk

    if db.session.connection().dialect.name != "postgresql":
        pytest.skip("the log is walked in two parts on PostgreSQL only")
    monkeypatch.setattr(audit_walk, "SPLIT_FROM", 1_024)
    _two_checkpointed_parts(runner)
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 9000")
    _broken(_verify(runner), "event seq 9000: hash does not match its content", "events seq 8993..9008",
            "(size 9200): the events give another root")
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 100")
    output = _broken(_verify(runner), "event seq 100: hash does not match its content", "events seq 97..112",
                     "(size 5000): the events give another root")
    assert "event seq 9000" not in output  # the first break in chain order is the one named


def test_signing_the_head_reads_its_consistency_proof_in_a_fixed_number_of_statements(ctx, signing):
    """A ratification signs the head: the proof from the last checkpoint is
    read in bulk, not one stored subtree at a time (issue 22)."""
    from sqlalchemy import event

    from awards_app.services import audit_log
    from awards_app.services.actors import SystemActor

    signer = audit_log.signer_key()
    spent = []
    for size in (300, 3000):
        audit.record_many(SystemActor("tests"), [audit.PendingEvent("test.event", None, {"n": i}, object_type="test")
                                                 for i in range(size)])
        assert audit_log.sign_head(signer) is not None
        audit.record_many(SystemActor("tests"), [audit.PendingEvent("test.event", None, {"n": i}, object_type="test")
                                                 for i in range(size + 37)])
        statements = []

        def count(conn, cursor, statement, *args, statements=statements):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            row = audit_log.sign_head(signer)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert row is not None and row.consistency
        db.session.commit()
        spent.append(len(statements))
    assert spent[0] == spent[1] <= 8, spent
