"""Conflict detection by identity (issue 18): a detected conflict keeps how
sure detection is (certain or possible; the chair decides a possible one),
and an organisation merged into another by the secretariat keeps which.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Existing detected conflicts matched by equal values, which is what the
certain tier now says; declared conflicts have no tier.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conflict_of_interest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint('tier', "tier IN ('certain', 'possible')")
    op.execute("UPDATE conflict_of_interest SET tier = 'certain' WHERE source = 'detected'")

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisation_merged_into_id_organisation'),
                                    'organisation', ['merged_into_id'], ['id'])


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisation_merged_into_id_organisation'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('conflict_of_interest', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conflict_of_interest_tier'), type_='check')
        batch_op.drop_column('tier')
