"""Audit trail is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

SQLite has no equivalent that the app's own owner could not drop, so there
the hash chain alone shows tampering; PostgreSQL refuses it outright.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # The single head row that every append locks, seeded with the genesis hash.
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_event_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
    """)
    op.execute("""
        CREATE TRIGGER audit_event_no_truncate
        BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
    """)


def downgrade():
    op.execute("DELETE FROM audit_head WHERE id = 1")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")
