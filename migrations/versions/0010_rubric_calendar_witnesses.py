"""Each cycle's rubric, calendar and board-approved changes (issue 20), and
the board's witness keys and cosignatures of the log's checkpoints (issue 19).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

A criterion gains descriptions in three languages, a scale step and the
descriptors of its scale's bands; a cycle a board vote date; a person a
calendar feed address; reminders sent are kept so that each is sent once.
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_reminder_sent_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reminder_sent_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('cycle_id', 'user_id', 'kind', 'due_at', name=op.f('uq_reminder_sent_cycle_id_user_id_kind_due_at'))
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('settings_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('changes', awards_app.models.types.JSONType(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', awards_app.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_settings_change_status')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_settings_change_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_settings_change_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_change'))
    )
    with op.batch_alter_table('settings_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_change_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('witness_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('verifier_key', sa.String(length=200), nullable=False),
    sa.Column('added_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.Column('retired_at', awards_app.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_witness_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_witness_key')),
    sa.UniqueConstraint('verifier_key', name=op.f('uq_witness_key_verifier_key'))
    )
    with op.batch_alter_table('witness_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_witness_key_user_id'), ['user_id'], unique=False)

    op.create_table('audit_cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('witness_key_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('signed_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_signed_checkpoint.id'], name=op.f('fk_audit_cosignature_checkpoint_id_audit_signed_checkpoint')),
    sa.ForeignKeyConstraint(['witness_key_id'], ['witness_key.id'], name=op.f('fk_audit_cosignature_witness_key_id_witness_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_cosignature')),
    sa.UniqueConstraint('checkpoint_id', 'witness_key_id', name=op.f('uq_audit_cosignature_checkpoint_id_witness_key_id'))
    )
    with op.batch_alter_table('audit_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_cosignature_checkpoint_id'), ['checkpoint_id'], unique=False)

    op.create_table('settings_change_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('cast_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("vote IN ('for', 'against', 'abstain')", name=op.f('ck_settings_change_vote_vote')),
    sa.ForeignKeyConstraint(['change_id'], ['settings_change.id'], name=op.f('fk_settings_change_vote_change_id_settings_change'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_settings_change_vote_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_change_vote')),
    sa.UniqueConstraint('change_id', 'user_id', name=op.f('uq_settings_change_vote_change_id_user_id'))
    )
    with op.batch_alter_table('settings_change_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_change_vote_change_id'), ['change_id'], unique=False)

    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_fr', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_es', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('scale_step', sa.Float(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('descriptors', awards_app.models.types.JSONType(), nullable=True))
        batch_op.create_check_constraint('scale_step_positive', 'scale_step > 0')

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_vote_deadline', awards_app.models.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_calendar_token'), ['calendar_token'])



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('board_vote_deadline')

    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_criterion_scale_step_positive'), type_='check')
        batch_op.drop_column('descriptors')
        batch_op.drop_column('scale_step')
        batch_op.drop_column('description_es')
        batch_op.drop_column('description_fr')
        batch_op.drop_column('description_en')

    with op.batch_alter_table('settings_change_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_change_vote_change_id'))

    op.drop_table('settings_change_vote')
    with op.batch_alter_table('audit_cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_cosignature_checkpoint_id'))

    op.drop_table('audit_cosignature')
    with op.batch_alter_table('witness_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_witness_key_user_id'))

    op.drop_table('witness_key')
    with op.batch_alter_table('settings_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_change_cycle_id'))

    op.drop_table('settings_change')
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_cycle_id'))

    op.drop_table('reminder_sent')
