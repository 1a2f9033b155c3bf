"""Outbox: a single-use link is kept only until its notice is sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

An endorsement link works by itself, for anyone holding it. The notice that
carries it names it in `secret`; once sent, the link is cut out of the body
and the column erased, so the outbox does not keep working links for ever.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("secret")
