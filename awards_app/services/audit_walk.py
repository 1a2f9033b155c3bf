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

import gc
import hashlib
import multiprocessing
import os
from dataclasses import dataclass, field, replace

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from awards_app import audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSubtree
from awards_app.services import audit

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
    # The walk makes a dict and a few strings per event and no reference
    # cycles: the cyclic collector would only rescan the heap, over and over.
    gc.disable()
    try:
        tree = TreeWalk(sizes, offset, end, connection)
        with audit._stream_batches(offset, end, connection) as batches:
            chain = audit._verify_batches(batches, prev, offset + 1, leaves=tree.append,
                                          batch_done=tree.batch_done)
        tree.finish()
    finally:
        gc.enable()
    return chain, Walked(tree.appender.size, tree.appender.root(), tree.roots, tree.differing, list(tree.stored))


def walk_log(sizes) -> tuple[audit_chain.Verification, Walked]:
    """The chain's verdict and the tree's walk over every event."""
    last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    if db.session.connection().dialect.name != "postgresql" or last < SPLIT_FROM:
        return _walk(sizes, audit_chain.GENESIS)
    cut = 1 << ((last - 1).bit_length() - 1)
    prev = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == cut)) or audit_chain.GENESIS
    url = db.engine.url.render_as_string(hide_password=False)
    # The app's objects are shared with the child page for page until one
    # side writes to them; frozen, the collector does not (a forked child
    # otherwise copies much of the parent's memory as it runs).
    gc.freeze()
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
        gc.unfreeze()
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


class TreeWalk:
    """The tree rebuilt from the leaves, its roots kept at the sizes asked,
    its complete subtrees compared with the stored ones.

    The leaves are taken a chunk of 2**CHUNK_LEVEL at a time: each chunk's
    subtrees are hashed level by level in list comprehensions and handed to
    the right edge as one subtree, several times faster than a leaf at a
    time (what `flask audit verify`'s rate was spent on). A chunk holding a
    size whose root is wanted, and the tail, go a leaf at a time."""

    CHUNK_LEVEL = 12

    def __init__(self, sizes, offset: int = 0, end: int | None = None, connection=None):
        """The leaves from index `offset` (a power of two, or 0) to `end` (or
        the last): roots are kept by absolute size, the tree's own relative
        to `offset`; stored subtrees wholly in that range are compared."""
        self.sizes, self.offset = set(sizes), offset
        self.roots = {0: audit_tree.EMPTY_ROOT} if offset == 0 else {}
        # Keyed by one int (idx << 6 | level), not a tuple: a million events
        # store 125,000 subtrees, and the tuples alone would be 15 MB.
        # Streamed: a buffered result of 125,000 rows would hold 80 MB for a moment.
        rows = (connection or db.session).execute(
            select(AuditSubtree.level, AuditSubtree.idx, AuditSubtree.hash).execution_options(yield_per=10_000))
        self.stored = {idx << 6 | level: bytes.fromhex(h) for level, idx, h in rows
                       if idx << level >= offset and (end is None or (idx + 1) << level <= end)}
        self.differing = []
        self.appender = audit_tree.Appender(self._subtree)
        self.pending: list[bytes] = []
        self.append = self.pending.append  # per event: the leaf is only queued

    def _subtree(self, level, index, digest):
        index += self.offset >> level
        if level >= audit.SUBTREE_MIN_LEVEL and self.stored.pop(index << 6 | level, None) != digest:
            self.differing.append((level, index))

    def batch_done(self) -> None:
        width = 1 << self.CHUNK_LEVEL
        taken = 0
        while len(self.pending) - taken >= width:
            self._chunk(self.pending[taken:taken + width])
            taken += width
        del self.pending[:taken]

    def finish(self) -> None:
        for leaf in self.pending:
            self._leaf(leaf)
        self.pending.clear()

    def _leaf(self, leaf_hash: bytes) -> None:
        self.appender.append(leaf_hash)
        if self.offset + self.appender.size in self.sizes:
            self.roots[self.offset + self.appender.size] = self.appender.root()

    def _chunk(self, leaves: list[bytes]) -> None:
        start = self.offset + self.appender.size
        if any(start < size < start + len(leaves) for size in self.sizes):
            for leaf in leaves:
                self._leaf(leaf)
            return
        sha256, level, hashes = hashlib.sha256, 0, leaves
        while len(hashes) > 1:
            pairs = zip(hashes[::2], hashes[1::2], strict=True)
            hashes = [sha256(b"\x01" + left + right).digest() for left, right in pairs]
            level += 1
            if level >= audit.SUBTREE_MIN_LEVEL:
                base = start >> level
                for offset, digest in enumerate(hashes):
                    if self.stored.pop((base + offset) << 6 | level, None) != digest:
                        self.differing.append((level, base + offset))
        self.appender.append_subtree(level, hashes[0])
        if self.offset + self.appender.size in self.sizes:
            self.roots[self.offset + self.appender.size] = self.appender.root()


def subtree_problems(differing, left_over) -> list[str]:
    """What the stored subtrees say: the lowest differing one names the
    fewest events; left_over (int keys, idx << 6 | level) lie over events
    no longer there."""
    problems = []
    if differing:
        level, index = min(differing, key=lambda key: (key[0], key[1]))
        first, last = index * 2 ** level + 1, (index + 1) * 2 ** level
        problems.append(f"events seq {first}..{last}: their tree differs from the one stored as they were "
                        f"appended ({len(differing)} stored subtrees differ)")
    if left_over:
        level, index = min(((key & 63, key >> 6) for key in left_over), key=lambda k: (k[1] << k[0], k[0]))
        problems.append(f"events seq {index * 2 ** level + 1}..{(index + 1) * 2 ** level}: in the stored tree "
                        f"but not in the log (missing or truncated; {len(left_over)} stored subtrees left over)")
    return problems
