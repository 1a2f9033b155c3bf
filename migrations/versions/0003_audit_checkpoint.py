"""Audit checkpoints: how far the whole chain was last verified, append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

`flask audit verify` records one after a whole chain verifies; the board's
report then verifies only the events after the latest. Like audit_event, a
checkpoint is only ever inserted: PostgreSQL refuses UPDATE, DELETE and
TRUNCATE (see 0002 for why SQLite has no such guard).
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types  # noqa: F401 - custom column types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("events_verified", sa.Integer(), nullable=False),
        sa.Column("verified_at", awards_app.models.types.UTCDateTime(), nullable=False),
        sa.Column("verified_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_checkpoint_seq"), ["seq"], unique=False)

    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_checkpoint is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_checkpoint_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_checkpoint
        FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change();
    """)
    op.execute("""
        CREATE TRIGGER audit_checkpoint_no_truncate
        BEFORE TRUNCATE ON audit_checkpoint
        FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_refuse_change();
    """)


def downgrade():
    op.drop_table("audit_checkpoint")  # its index and triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoint_refuse_change()")
