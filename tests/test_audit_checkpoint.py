"""Audit checkpoints: `flask audit verify` records how far the chain verified;
chain_status() (the board's report) verifies only what came after."""

import pytest
from sqlalchemy import select, text

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.models import AuditCheckpoint, AuditEvent, AuditHead
from awards_app.services import audit
from awards_app.services.db_roles import owner_engine
from tests.factories import AuditEventFactory


def _events(n, start=0):
    for i in range(start, start + n):
        AuditEventFactory(payload={"n": i})
    db.session.commit()


def _behind_the_apps_back(*statements, params=None):
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def _rewrite_chain_from(seq):
    """What someone with the database's keys might do: change an event and
    recompute every hash after it, and the head, so the chain links up."""
    events = [audit.as_dict(row) for row in db.session.execute(
        select(AuditEvent.__table__).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq))]
    prev = events[0]["prev_hash"]
    events[0]["action"] = "forged"
    updates = []
    for event in events:
        event["prev_hash"] = prev
        prev = audit_chain.event_hash(event)
        updates.append({"seq": event["seq"], "action": event["action"], "prev": event["prev_hash"], "hash": prev})
    db.session.rollback()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        # Hashes are unique: park the old ones out of the way first.
        conn.execute(text("UPDATE audit_event SET hash = 'old-' || seq WHERE seq >= :seq"), {"seq": seq})
        for values in updates:
            conn.execute(text("UPDATE audit_event SET action = :action, prev_hash = :prev, hash = :hash "
                              "WHERE seq = :seq"), values)
        conn.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": prev})


def test_verify_records_a_checkpoint_at_the_head(runner, ctx):
    _events(3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    head = db.session.get(AuditHead, 1).hash
    checkpoint = db.session.scalars(select(AuditCheckpoint)).one()
    assert (checkpoint.seq, checkpoint.hash, checkpoint.events_verified) == (3, head, 3)
    assert checkpoint.verified_by == "flask audit verify" and checkpoint.verified_at is not None
    assert f"3 events, head {head}" in result.output
    assert "seq 3" in result.output and "events/s" in result.output


def test_no_checkpoint_for_a_broken_or_empty_chain(runner, ctx):
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _events(3)
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 2")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    assert db.session.scalars(select(AuditCheckpoint)).all() == []


def test_without_a_checkpoint_the_status_is_the_whole_chain(ctx):
    _events(3)
    status = audit.chain_status()
    assert status.ok and status.full and status.problem is None
    assert (status.count, status.head_seq, status.head_hash) == (3, 3, db.session.get(AuditHead, 1).hash)
    assert status.checkpoint_seq is None and status.checkpoint_verified_at is None


def test_the_status_verifies_only_the_events_after_the_checkpoint(runner, ctx):
    _events(3)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _events(2, start=3)
    status = audit.chain_status()
    assert status.ok and not status.full, status.problem
    assert (status.count, status.head_seq, status.checkpoint_seq) == (2, 5, 3)
    assert status.head_hash == db.session.get(AuditHead, 1).hash
    assert status.checkpoint_verified_at is not None

    # An edit before the checkpoint is not looked at again (that is what the
    # checkpoint saves); a full `flask audit verify` still finds it.
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 2")
    assert audit.chain_status().ok
    full = runner.invoke(args=["audit", "verify"])
    assert full.exit_code == 1 and "seq 2" in full.output


def test_the_status_names_an_event_changed_after_the_checkpoint(runner, ctx):
    _events(3)
    runner.invoke(args=["audit", "verify"])
    _events(2, start=3)
    _behind_the_apps_back("UPDATE audit_event SET action = 'forged' WHERE seq = 5")
    status = audit.chain_status()
    assert not status.ok and status.count == 1 and status.checkpoint_seq == 3
    assert "seq 5: hash does not match" in status.problem


def test_a_status_with_nothing_new_is_the_checkpoint(runner, ctx):
    _events(3)
    runner.invoke(args=["audit", "verify"])
    status = audit.chain_status()
    assert status.ok and (status.count, status.head_seq) == (0, 3)
    assert status.head_hash == db.session.get(AuditHead, 1).hash


def test_a_rewritten_chain_verifies_alone_but_not_against_its_checkpoint(runner, ctx):
    _events(3)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _events(2, start=3)
    _rewrite_chain_from(2)
    chain = audit.verify_chain()
    assert chain.ok and chain.count == 5  # the rewrite links up from the start

    status = audit.chain_status()
    assert not status.ok and status.checkpoint_seq == 3
    assert "seq 3: hash differs from the one checkpointed" in status.problem

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "rewritten" in result.output
    assert len(db.session.scalars(select(AuditCheckpoint)).all()) == 1  # none for the rewrite


def test_a_checkpointed_event_that_disappears_is_named(runner, ctx):
    _events(3)
    runner.invoke(args=["audit", "verify"])
    _behind_the_apps_back("DELETE FROM audit_event WHERE seq = 3")
    status = audit.chain_status()
    assert not status.ok and "seq 3: missing" in status.problem


@pytest.fixture
def postgres(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL")


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_checkpoint SET hash = 'forged'",
    "DELETE FROM audit_checkpoint",
    "TRUNCATE audit_checkpoint",
])
def test_postgres_refuses_to_change_a_checkpoint(runner, postgres, statement):
    from sqlalchemy.exc import DBAPIError

    _events(3)
    runner.invoke(args=["audit", "verify"])
    # The trigger refuses even the owner, who holds every privilege on the
    # table (the runtime role has none to try with: tests/test_db_roles.py).
    with pytest.raises(DBAPIError, match="append-only"):
        with owner_engine().begin() as conn:
            conn.execute(text(statement))
    checkpoint = db.session.scalars(select(AuditCheckpoint)).one()
    assert checkpoint.hash == db.session.get(AuditHead, 1).hash


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_cosignature SET signature = 'forged'",
    "DELETE FROM audit_cosignature",
    "TRUNCATE audit_cosignature",
])
def test_postgres_refuses_to_change_a_cosignature(postgres, statement):
    from sqlalchemy.exc import DBAPIError

    from awards_app.models import AuditCosignature
    from tests.factories import AuditCosignatureFactory

    AuditCosignatureFactory()
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with owner_engine().begin() as conn:
            conn.execute(text(statement))
    assert db.session.scalars(select(AuditCosignature.signature)).one() != "forged"
