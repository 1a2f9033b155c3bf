"""The walk of `flask audit verify` over the whole log: the chain's check
and the tree rebuilt, in one pass, on two cores where there are two.

One process hashes about 130,000 events a second (orjson, SHA-256 and the
tree, services.audit); PostgreSQL streams faster than that. A log of
SPLIT_FROM events or more on PostgreSQL is cut at the largest power of two
below its size: a forked process walks the right part on its own
connection while this one walks the left. The cut is where the tree itself
splits (RFC 9162: the root is node(MTH(left), MTH(right))), so each part
builds its own subtree; the right part's chain starts from the stored hash
of the last left event, which the left walk proves or names as broken.
"""

import multiprocessing
import os
from dataclasses import dataclass, field, replace

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from awards_app import audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent
from awards_app.services import audit
from awards_app.services.audit_log import TreeWalk

SPLIT_FROM = 1 << 17  # below this, starting a second process costs more than it saves


@dataclass
class Walked:
    """What a walk found, in a form a pipe can carry: the tree's size and
    root over its part, roots at the sizes asked (absolute), the stored
    subtrees that differ and those left over."""

    size: int
    root: bytes
    roots: dict = field(default_factory=dict)
    differing: list = field(default_factory=list)
    left_over: list = field(default_factory=list)


def _walk(sizes, prev: str, offset: int = 0, end: int | None = None, connection=None):
    tree = TreeWalk(sizes, offset, end, connection)
    with audit._stream_batches(offset, end, connection) as batches:
        chain = audit._verify_batches(batches, prev, offset + 1, leaves=tree.append, batch_done=tree.batch_done)
    tree.finish()
    return chain, Walked(tree.appender.size, tree.appender.root(), tree.roots, tree.differing, list(tree.stored))


def walk_log(sizes) -> tuple[audit_chain.Verification, Walked]:
    """The chain's verdict and the tree's walk over every event."""
    last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    if db.session.connection().dialect.name != "postgresql" or last < SPLIT_FROM:
        return _walk(sizes, audit_chain.GENESIS)
    cut = 1 << ((last - 1).bit_length() - 1)
    prev = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == cut)) or audit_chain.GENESIS
    url = db.engine.url.render_as_string(hide_password=False)
    fork = multiprocessing.get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    child = fork.Process(target=_right_part, args=(url, sizes, prev, cut, sending), daemon=True)
    child.start()
    sending.close()
    try:
        left_chain, left = _walk(sizes, audit_chain.GENESIS, 0, cut)
        right = receiving.recv()
    finally:
        child.join()
    if isinstance(right, BaseException):
        raise right
    right_chain, right_walk = right
    return _joined(left_chain, left, right_chain, right_walk, cut)


def _right_part(url, sizes, prev, cut, sending) -> None:
    """In the forked process: its own engine (the parent's connections are
    not touched), and os._exit, so no finalizer closes what the parent holds."""
    try:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            sending.send(_walk(sizes, prev, cut, None, connection))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        sending.send(RuntimeError(f"the right part of the audit walk failed: {exc!r}"))
    finally:
        sending.close()
        os._exit(0)


def _joined(left_chain, left: Walked, right_chain, right: Walked, cut: int):
    """The two parts as one walk: the first break in chain order, and the
    roots right of the cut as node(left root, right part's root)."""
    chain = left_chain if not left_chain.ok else replace(right_chain, count=left_chain.count + right_chain.count)
    roots = dict(left.roots)
    roots.update({size: audit_tree.node_hash(left.root, root) for size, root in right.roots.items()})
    size = left.size + right.size
    root = audit_tree.node_hash(left.root, right.root) if right.size else left.root
    return chain, Walked(size, root, roots, left.differing + right.differing, left.left_over + right.left_over)
