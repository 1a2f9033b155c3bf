"""Live at the ESI: the cultural evening's running order (performance) and
the certificate batches with their PDFs (certificate_batch, certificate_file).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', awards_app.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('participation', 'laureate', 'letter')", name=op.f('ck_certificate_batch_kind')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_certificate_batch_status')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_certificate_batch_event_id_event')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_certificate_batch_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_batch'))
    )
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_batch_event_id'), ['event_id'], unique=False)

    op.create_table('certificate_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=True),
    sa.Column('nomination_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['certificate_batch.id'], name=op.f('fk_certificate_file_batch_id_certificate_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'], name=op.f('fk_certificate_file_delegation_id_delegation')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_certificate_file_nomination_id_nomination')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_file'))
    )
    with op.batch_alter_table('certificate_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_file_batch_id'), ['batch_id'], unique=False)

    op.create_table('performance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('on_stage_at', awards_app.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_performance_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_performance_nomination_id_nomination'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_performance_nomination_id'))
    )
    with op.batch_alter_table('performance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_cycle_id'), ['cycle_id'], unique=False)



def downgrade():
    with op.batch_alter_table('performance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_cycle_id'))

    op.drop_table('performance')
    with op.batch_alter_table('certificate_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_file_batch_id'))

    op.drop_table('certificate_file')
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_batch_event_id'))

    op.drop_table('certificate_batch')
