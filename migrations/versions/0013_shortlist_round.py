"""The optional shortlist round: panels, criteria and score sheets carry
their round (every existing row is the final round's), a cycle may have a
panel per round, the cycle gains the round's two states, and the chair's
shortlist decision is kept.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ROUND_CHECK = "round IN ('shortlist', 'final')"


def upgrade():
    op.create_table('shortlist_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('cutoff', sa.Float(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('ranking', awards_app.models.types.JSONType(), nullable=False),
    sa.Column('nomination_ids', awards_app.models.types.JSONType(), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("basis IN ('rank', 'threshold')", name=op.f('ck_shortlist_decision_basis')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_shortlist_decision_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_shortlist_decision_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_decision')),
    sa.UniqueConstraint('cycle_id', name=op.f('uq_shortlist_decision_cycle_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.String(length=16), server_default='final', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_assignment_nomination_id_judge_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignment_nomination_id_judge_id_round'), ['nomination_id', 'judge_id', 'round'])
        batch_op.create_check_constraint('round', ROUND_CHECK)

    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.String(length=16), server_default='final', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_criterion_cycle_id_code'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_criterion_cycle_id_round_code'), ['cycle_id', 'round', 'code'])
        batch_op.create_check_constraint('round', ROUND_CHECK)

    with op.batch_alter_table('panel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.String(length=16), server_default='final', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_panel_cycle_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_panel_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_panel_cycle_id_round'), ['cycle_id', 'round'])
        batch_op.create_check_constraint('round', ROUND_CHECK)

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cycle_state'), type_='check')
        batch_op.create_check_constraint('state', "state IN ('draft', 'criteria_published', 'call_open', 'screening', 'shortlist_scoring', 'shortlisting', 'judging', 'deliberation', 'recommended', 'ratified', 'announced', 'cancelled', 'designated', 'hearing')")


def downgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cycle_state'), type_='check')
        batch_op.create_check_constraint('state', "state IN ('draft', 'criteria_published', 'call_open', 'screening', 'judging', 'deliberation', 'recommended', 'ratified', 'announced', 'cancelled', 'designated', 'hearing')")

    with op.batch_alter_table('panel', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_panel_round'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_panel_cycle_id_round'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_panel_cycle_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_panel_cycle_id'), ['cycle_id'])
        batch_op.drop_column('round')

    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_criterion_round'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_criterion_cycle_id_round_code'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_criterion_cycle_id_code'), ['cycle_id', 'code'])
        batch_op.drop_column('round')

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignment_round'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_assignment_nomination_id_judge_id_round'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignment_nomination_id_judge_id'), ['nomination_id', 'judge_id'])
        batch_op.drop_column('round')

    op.drop_table('shortlist_decision')
