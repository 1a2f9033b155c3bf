"""Two database roles on PostgreSQL (issue 23, item 8): the app connects as a
runtime role that cannot change the audit trail, its triggers or the schema.
Every other test runs as that role too (tests/conftest.py), so a right the app
needs and lacks fails the suite."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from awards_app.extensions import db
from awards_app.services.db_roles import TABLE_RIGHTS, owner_engine
from tests.conftest import RUNTIME_ROLE
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no roles")
    return ctx


def _events(n=3):
    for i in range(n):
        AuditEventFactory(payload={"n": i})
    db.session.commit()


def _as_runtime(statement):
    with db.engine.begin() as conn:
        conn.execute(text(statement))


def _verdict():
    from awards_app.services import audit

    db.session.rollback()
    return audit.verify_chain()


def test_the_app_connects_as_the_runtime_role_not_the_owner(postgres):
    with db.engine.connect() as conn:
        user, superuser = conn.execute(text(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
        owns = conn.scalar(text("SELECT count(*) FROM pg_class WHERE relowner = "
                                "(SELECT oid FROM pg_roles WHERE rolname = current_user)"))
    assert (user, superuser, owns) == (RUNTIME_ROLE, False, 0)
    with owner_engine().connect() as conn:
        assert conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'")) != RUNTIME_ROLE


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'forged'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "UPDATE audit_checkpoint SET hash = 'forged'",
    "DELETE FROM audit_checkpoint",
    "TRUNCATE audit_checkpoint",
    "DELETE FROM audit_head",
    "TRUNCATE audit_head",
    "UPDATE alembic_version SET version_num = 'forged'",
])
def test_the_runtime_role_may_not_change_the_audit_trail(postgres, runner, statement):
    _events()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # a checkpoint to refuse changing
    with pytest.raises(DBAPIError, match="permission denied"):
        _as_runtime(statement)
    chain = _verdict()
    assert chain.ok and chain.count == 3


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER",
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN OLD; END $$",
    "SET session_replication_role = replica",
    "ALTER TABLE audit_event OWNER TO CURRENT_USER",
    "DROP TABLE audit_event",
    "CREATE TABLE intruder (id integer)",
    "ALTER TABLE nomination ADD COLUMN intruder integer",
    "CREATE INDEX intruder ON nomination (id)",
    "CREATE TRIGGER intruder BEFORE INSERT ON nomination EXECUTE FUNCTION audit_event_refuse_change()",
    "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), 1)",
])
def test_the_runtime_role_may_not_change_the_schema_or_its_triggers(postgres, statement):
    with pytest.raises(DBAPIError, match="permission denied|must be owner|must be superuser"):
        _as_runtime(statement)


def test_the_runtime_role_has_exactly_the_granted_rights_on_every_table(postgres):
    every = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with db.engine.connect() as conn:
        tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all()
        rights = {table: tuple(p for p in every if conn.scalar(
            text("SELECT has_table_privilege(current_user, :t, :p)"), {"t": table, "p": p})) for table in tables}
    assert set(db.metadata.tables) < set(tables)
    for table, held in rights.items():
        expected = TABLE_RIGHTS.get(table, "SELECT, INSERT, UPDATE, DELETE").split(", ")
        assert held == tuple(expected), table


def test_every_table_with_an_append_only_trigger_is_insert_only_for_the_runtime_role(postgres):
    with owner_engine().connect() as conn:
        guarded = set(conn.scalars(text(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname LIKE '%refuse_change'")))
    assert guarded == {"audit_event", "audit_checkpoint", "audit_signed_checkpoint", "audit_cosignature"}
    # The stored subtree hashes are a cache a verifier recomputes, without a
    # trigger; the app still only ever inserts them.
    insert_only = {table for table, rights in TABLE_RIGHTS.items() if rights == "SELECT, INSERT"}
    assert insert_only == guarded | {"audit_subtree"}


def test_grant_runtime_is_idempotent_and_refuses_roles_that_could_undo_it(postgres, runner):
    again = runner.invoke(args=["db", "grant-runtime", RUNTIME_ROLE])
    assert again.exit_code == 0, again.output
    assert f"{RUNTIME_ROLE} has the runtime rights" in again.output
    _events(1)  # still appends
    with pytest.raises(DBAPIError, match="permission denied"):
        _as_runtime("DELETE FROM audit_event")
    with owner_engine().connect() as conn:
        owner = conn.scalar(text("SELECT current_user"))
    refused = runner.invoke(args=["db", "grant-runtime", owner])
    assert refused.exit_code != 0 and "superuser" in refused.output  # the tests' owner is postgres
    missing = runner.invoke(args=["db", "grant-runtime", "no_such_role_here"])
    assert missing.exit_code != 0 and "CREATE ROLE no_such_role_here" in missing.output


def test_a_table_a_later_migration_creates_is_insert_only_until_the_next_grant(postgres, runner):
    with owner_engine().begin() as conn:
        conn.execute(text("CREATE TABLE later_table (id serial PRIMARY KEY, note text)"))
    try:
        _as_runtime("INSERT INTO later_table (note) VALUES ('a')")
        with pytest.raises(DBAPIError, match="permission denied"):
            _as_runtime("UPDATE later_table SET note = 'b'")
        assert runner.invoke(args=["db", "grant-runtime"]).exit_code == 0
        _as_runtime("UPDATE later_table SET note = 'b'")
        _as_runtime("DELETE FROM later_table")
        with pytest.raises(DBAPIError, match="permission denied"):
            _as_runtime("TRUNCATE later_table")
    finally:
        with owner_engine().begin() as conn:
            conn.execute(text("DROP TABLE later_table"))
