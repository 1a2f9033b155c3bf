"""Personal data out of the audit log's hashed form (issue 19): events carry
salted commitments, the values live in personal_value, which erasure and
retention delete without touching the log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Nothing is in production yet: a log already there is rewritten from genesis
in the new form (awards_app.services.audit_rebuild), its checkpoints, which
certify the old form, deleted; sign a new one after (flask audit checkpoint).
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_value',
    sa.Column('commitment', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('value', awards_app.models.types.JSONType(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_personal_value_person_id_person')),
    sa.PrimaryKeyConstraint('commitment', name=op.f('pk_personal_value'))
    )
    with op.batch_alter_table('personal_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_value_event_seq'), ['event_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_value_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_value_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_value_recorded_at'), ['recorded_at'], unique=False)

    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar():
        from awards_app.services import audit_rebuild

        audit_rebuild.personal_values_apart(conn)


def downgrade():
    with op.batch_alter_table('personal_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_value_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_personal_value_person_id'))
        batch_op.drop_index(batch_op.f('ix_personal_value_kind'))
        batch_op.drop_index(batch_op.f('ix_personal_value_event_seq'))

    op.drop_table('personal_value')
