"""Sessions that end: a per-account counter that signed cookies must match.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

A session cookie is signed, not stored, so the server cannot delete it. The
account's session_epoch is copied into the cookie at login; logout, a new
password or a change of roles bumps it, and every cookie issued before stops
working on every device. Existing accounts start at 0, as do cookies that
carry no epoch, so nobody is signed out by the upgrade itself.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
