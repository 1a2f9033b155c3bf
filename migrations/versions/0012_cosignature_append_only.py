"""The board's cosignatures of the log's checkpoints are append-only, as the
log, its checkpoints and its signed checkpoints are: on PostgreSQL a
trigger refuses UPDATE, DELETE and TRUNCATE, the owner's included (the
runtime role holds only SELECT and INSERT on the table).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_cosignature_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_cosignature is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_cosignature_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_cosignature
        FOR EACH ROW EXECUTE FUNCTION audit_cosignature_refuse_change();
    """)
    op.execute("""
        CREATE TRIGGER audit_cosignature_no_truncate
        BEFORE TRUNCATE ON audit_cosignature
        FOR EACH STATEMENT EXECUTE FUNCTION audit_cosignature_refuse_change();
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_cosignature_no_truncate ON audit_cosignature")
    op.execute("DROP TRIGGER IF EXISTS audit_cosignature_no_update_delete ON audit_cosignature")
    op.execute("DROP FUNCTION IF EXISTS audit_cosignature_refuse_change()")
