"""The audit log as a Merkle tree (issue 19, RFC 9162): the head keeps the
tree's right edge, complete subtrees from level 4 up are kept for proofs,
and signed checkpoints (C2SP checkpoint in a signed note, signed with a key
the database does not hold) are kept append-only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The tree is built over the events already there, in sequence order, with
the same code that extends it at every append (awards_app.audit_tree).
"""
from alembic import op
import sqlalchemy as sa

import awards_app.models.types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SUBTREE_MIN_LEVEL = 4


def upgrade():
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tree_size', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('frontier', awards_app.models.types.JSONType(), nullable=True))
    op.create_table('audit_subtree',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_audit_subtree'))
    )
    op.create_table('audit_signed_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('previous_size', sa.BigInteger(), nullable=True),
    sa.Column('consistency', awards_app.models.types.JSONType(), nullable=True),
    sa.Column('signed_at', awards_app.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_signed_checkpoint'))
    )
    with op.batch_alter_table('audit_signed_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_signed_checkpoint_size'), ['size'], unique=False)
    _build_tree(op.get_bind())

    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_signed_checkpoint_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_signed_checkpoint is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_signed_checkpoint_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_signed_checkpoint
        FOR EACH ROW EXECUTE FUNCTION audit_signed_checkpoint_refuse_change();
    """)
    op.execute("""
        CREATE TRIGGER audit_signed_checkpoint_no_truncate
        BEFORE TRUNCATE ON audit_signed_checkpoint
        FOR EACH STATEMENT EXECUTE FUNCTION audit_signed_checkpoint_refuse_change();
    """)


def _build_tree(conn):
    """The tree over the events already logged, in sequence order."""
    from awards_app import audit_chain, audit_tree

    subtrees = []

    def keep(level, index, digest):
        if level >= SUBTREE_MIN_LEVEL:
            subtrees.append({"level": level, "idx": index, "hash": digest.hex()})

    tree = audit_tree.Appender(on_subtree=keep)
    columns = ", ".join(audit_chain.FIELDS)
    after = 0
    while True:
        rows = conn.execute(sa.text(f"SELECT {columns} FROM audit_event WHERE seq > :after "  # noqa: S608 - fixed names
                                    "ORDER BY seq LIMIT 5000"), {"after": after}).mappings().all()
        if not rows:
            break
        for row in rows:
            tree.append(audit_tree.event_leaf_hash(audit_chain.canonical_event(**row)))
        after = rows[-1]["seq"]
        if subtrees:
            conn.execute(sa.text("INSERT INTO audit_subtree (level, idx, hash) VALUES (:level, :idx, :hash)"),
                         subtrees)
            subtrees.clear()
    head = sa.table("audit_head", sa.column("id"), sa.column("tree_size"),
                    sa.column("frontier", awards_app.models.types.JSONType()))
    conn.execute(sa.update(head).where(head.c.id == 1).values(tree_size=tree.size, frontier=tree.save()))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_signed_checkpoint_no_truncate ON audit_signed_checkpoint")
        op.execute("DROP TRIGGER IF EXISTS audit_signed_checkpoint_no_update_delete ON audit_signed_checkpoint")
        op.execute("DROP FUNCTION IF EXISTS audit_signed_checkpoint_refuse_change()")
    with op.batch_alter_table('audit_signed_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_signed_checkpoint_size'))
    op.drop_table('audit_signed_checkpoint')
    op.drop_table('audit_subtree')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('frontier')
        batch_op.drop_column('tree_size')
