"""The audit log's Merkle tree, its proofs and its signed checkpoints.

Standard library only (the Ed25519 signature through `cryptography` when it
is installed), because this file goes to board members beside
audit_chain.py as part of the standalone verifier: they check the server's
proofs and signatures without trusting its database or its code path.

- RFC 9162 section 2.1: leaf and node hashes, the tree head (root) of a list
  of leaf hashes, inclusion proofs (2.1.3) and consistency proofs (2.1.4),
  made and checked.
- An Appender that keeps only the right edge of the tree (one hash per set
  bit of the size), so the server adds events one at a time and knows the
  root at every size without reading the leaves again.
- C2SP tlog-checkpoint bodies inside C2SP signed notes, with Ed25519 keys in
  the text forms of Go's golang.org/x/mod/sumdb/note package, so checkpoints
  can be checked by the tools of that ecosystem too.

Every check that does not hold raises a VerificationFailed whose `reason`
is a short code and whose message says which proof, size, key or line
failed. A signature that could not be checked (no `cryptography`) is never
a pass: the result says `signature_checked=False` and why.
"""

# A board member's Python may be older than the server's: no syntax or
# names newer than 3.7 here (no walrus, no int.bit_count, annotations as strings).
from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
from dataclasses import dataclass, field

try:
    from .audit_chain import FIELDS, canonical
except ImportError:  # run beside audit_chain.py, outside the package
    from audit_chain import FIELDS, canonical  # type: ignore[no-redef]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162: MTH({}) = HASH()


class VerificationFailed(Exception):
    """A proof, checkpoint, note or key that does not hold.

    reason: a short code for programs (e.g. "root_mismatch", "signature_invalid");
    the message, for people, names which proof or key and at which sizes.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class InclusionProofFailed(VerificationFailed):
    pass


class ConsistencyProofFailed(VerificationFailed):
    pass


class MalformedCheckpoint(VerificationFailed):
    pass


class MalformedNote(VerificationFailed):
    pass


class MalformedKey(VerificationFailed):
    pass


class SignatureFailed(VerificationFailed):
    pass


# ---------------------------------------------------------- RFC 9162 hashing


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the 0x00 keeps a leaf from passing for a node."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


LEAF_FIELDS = tuple(name for name in FIELDS if name != "prev_hash")


def event_leaf(event: dict) -> bytes:
    """The leaf bytes of an audit event: audit_chain's canonical form without prev_hash.

    The same encoder as the chain (sorted keys, no spaces, UTF-8, values as
    given), over audit_chain.FIELDS less prev_hash. The link to the previous
    event is left out because a Merkle leaf need not chain: the tree fixes
    the order (leaf index = seq - 1, and seq is in the leaf), and a leaf
    with its inclusion proof must verify alone in a per-cycle bundle,
    without the hashes of the other cycles' events it would otherwise
    depend on. It also keeps the leaves unchanged when the chain is retired.
    """
    return canonical(event, LEAF_FIELDS)


def event_leaf_hash(event: dict) -> bytes:
    return leaf_hash(event_leaf(event))


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes) -> bytes:
    """MTH of a list of leaf hashes (RFC 9162 2.1.1).

    Built level by level, an odd last node going up unchanged: the same
    tree as the largest-power-of-two split, without recursion.
    """
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


# ---------------------------------------------------------- appending


class Appender:
    """The tree's right edge: the roots of the perfect subtrees that make up
    the leaves so far, one per set bit of the size, largest (leftmost) first.

    Adding a leaf merges equal-sized subtrees like a binary carry, so an
    append costs one hash on average and the root at any size is known from
    at most log2(size) hashes. `on_subtree(level, index, hash)` is called
    for every perfect subtree completed (level >= 1: 2**level leaves,
    starting at leaf index * 2**level): what a store of subtree hashes needs
    to answer proofs later.
    """

    def __init__(self, on_subtree=None):
        self.size = 0
        self._edge = []
        self._on_subtree = on_subtree

    def append(self, leaf_hash_: bytes) -> int:
        """Add a leaf hash; returns its index."""
        if len(leaf_hash_) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf_hash_)}")
        index, h, level = self.size, leaf_hash_, 0
        while (index >> level) & 1:
            h = node_hash(self._edge.pop(), h)
            level += 1
            if self._on_subtree is not None:
                self._on_subtree(level, index >> level, h)
        self._edge.append(h)
        self.size = index + 1
        return index

    def append_subtree(self, level: int, subtree_hash: bytes) -> None:
        """Add 2**level leaves at once by the root of their perfect subtree
        (built elsewhere: a verifier's batch); the size must be a multiple
        of 2**level, so the subtree stays aligned."""
        width = 1 << level
        if self.size % width or len(subtree_hash) != HASH_SIZE:
            raise ValueError(f"a subtree of {width} leaves cannot start at leaf {self.size}")
        index, h = self.size >> level, subtree_hash
        while index & 1:
            h = node_hash(self._edge.pop(), h)
            level, index = level + 1, index >> 1
            if self._on_subtree is not None:
                self._on_subtree(level, index, h)
        self._edge.append(h)
        self.size += width

    def root(self) -> bytes:
        if not self._edge:
            return EMPTY_ROOT
        h = self._edge[-1]
        for left in reversed(self._edge[:-1]):
            h = node_hash(left, h)
        return h

    def save(self) -> list:
        """The right edge as hex strings, for one row beside the size."""
        return [h.hex() for h in self._edge]

    @classmethod
    def restore(cls, size: int, saved, on_subtree=None) -> Appender:
        """The appender of `size` leaves from save()'s list; refuses a list
        that cannot belong to that size (one hash per set bit of it)."""
        saved = list(saved)
        if size < 0 or len(saved) != bin(size).count("1"):
            raise ValueError(f"a tree of size {size} has {bin(max(size, 0)).count('1')} edge hashes, "
                             f"not {len(saved)}")
        edge = []
        for text in saved:
            h = bytes.fromhex(text)
            if len(h) != HASH_SIZE:
                raise ValueError(f"edge hash {text!r} is not {HASH_SIZE} bytes")
            edge.append(h)
        appender = cls(on_subtree)
        appender.size, appender._edge = size, edge
        return appender


# ---------------------------------------------------------- proofs, made
#
# Proofs are made from a `hash_range(lo, hi)`: the MTH of leaves lo..hi-1.
# The ranges asked are always aligned (lo a multiple of the smallest power
# of two >= hi - lo), so a store of perfect-subtree hashes answers each in
# O(log n) lookups; a list of leaf hashes is accepted too, and then hashed.


def _range_hasher(source):
    if callable(source):
        return source
    leaves = source
    return lambda lo, hi: root(leaves[lo:hi])


def inclusion_proof(index: int, size: int, source) -> list:
    """RFC 9162 2.1.3.1 PATH(index, D[size]): sibling hashes, leaf upwards.

    source: a hash_range(lo, hi) function or a list of leaf hashes.
    """
    if not 0 <= index < size:
        raise ValueError(f"no leaf {index} in a tree of size {size}")
    hash_range = _range_hasher(source)
    proof, lo, hi = [], 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            proof.append(hash_range(lo + k, hi))
            hi = lo + k
        else:
            proof.append(hash_range(lo, lo + k))
            lo += k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, new_size: int, source) -> list:
    """RFC 9162 2.1.4.1 PROOF(old_size, D[new_size]), bottom-up.

    Empty when the sizes are equal. An empty tree is consistent with every
    tree, so there is nothing to prove from size 0: refused, as by the
    verifier.
    """
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    hash_range = _range_hasher(source)
    proof, lo, hi, whole = [], 0, new_size, True
    while old_size - lo != hi - lo:
        k = _split(hi - lo)
        if old_size - lo <= k:
            proof.append(hash_range(lo + k, hi))
            hi = lo + k
        else:
            proof.append(hash_range(lo, lo + k))
            lo += k
            whole = False
    if not whole:
        proof.append(hash_range(lo, hi))
    proof.reverse()
    return proof


class CachedTree:
    """Leaf hashes in memory with their perfect-subtree hashes kept as they
    complete: a hash_range that answers a proof in O(log n) hashes.

    What the server will do from stored leaves and subtree hashes, and what
    the tests and the benchmark use. Subtrees below `min_level` are not
    kept (hashed again from at most 2**min_level leaves when asked) so the
    cache holds about 2 * size / 2**min_level hashes.
    """

    def __init__(self, leaf_hashes=(), min_level: int = 4):
        self.leaves = []
        self.min_level = min_level
        self._subtrees = {}
        self._appender = Appender(self._keep)
        for h in leaf_hashes:
            self.append(h)

    def _keep(self, level, index, h):
        if level >= self.min_level:
            self._subtrees[(level, index)] = h

    @property
    def size(self) -> int:
        return len(self.leaves)

    def append(self, leaf_hash_: bytes) -> int:
        self.leaves.append(leaf_hash_)
        return self._appender.append(leaf_hash_)

    def root(self, size: int | None = None) -> bytes:
        if size is None or size == self.size:
            return self._appender.root()
        return self.hash_range(0, size) if size else EMPTY_ROOT

    def _subtree(self, level: int, index: int) -> bytes:
        if level == 0:
            return self.leaves[index]
        h = self._subtrees.get((level, index))
        if h is None:
            h = node_hash(self._subtree(level - 1, 2 * index), self._subtree(level - 1, 2 * index + 1))
        return h

    def hash_range(self, lo: int, hi: int) -> bytes:
        """MTH of leaves lo..hi-1 (any range; aligned ones from the cache)."""
        if not 0 <= lo < hi <= self.size:
            raise ValueError(f"no range {lo}..{hi} in a tree of size {self.size}")
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self._subtree(n.bit_length() - 1, lo // n)
        k = _split(n)
        return node_hash(self.hash_range(lo, lo + k), self.hash_range(lo + k, hi))

    def inclusion_proof(self, index: int, size: int | None = None) -> list:
        return inclusion_proof(index, self.size if size is None else size, self.hash_range)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list:
        return consistency_proof(old_size, self.size if new_size is None else new_size, self.hash_range)


# ---------------------------------------------------------- proofs, checked


def _check_sizes(error, what: str, *numbers) -> None:
    # Read from a bundle's JSON: a "5" or a 5.0 is refused, not compared.
    if any(type(number) is not int for number in numbers):
        raise error("sizes", f"{what}: the index and sizes must be whole numbers")


def _check_hashes(error, what: str, proof, *named) -> None:
    for name, h in named:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise error("hash_length", f"{what}: the {name} is not a {HASH_SIZE}-byte hash")
    for i, h in enumerate(proof):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise error("hash_length", f"{what}: proof element {i} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(leaf_hash_: bytes, index: int, size: int, proof, root_: bytes) -> None:
    """RFC 9162 2.1.3.2: the leaf is at `index` in the tree of `size` with this root.

    Raises InclusionProofFailed naming what does not hold.
    """
    what = f"inclusion proof of leaf {index} in the tree of size {size}"
    proof = list(proof)
    _check_sizes(InclusionProofFailed, what, index, size)
    _check_hashes(InclusionProofFailed, what, proof, ("leaf hash", leaf_hash_), ("root", root_))
    if not 0 <= index < size:
        raise InclusionProofFailed("index_out_of_range", f"{what}: the index is outside the tree")
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            raise InclusionProofFailed("proof_length", f"{what}: the proof has {len(proof)} hashes, too many")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InclusionProofFailed("proof_length", f"{what}: the proof has {len(proof)} hashes, too few")
    if r != root_:
        raise InclusionProofFailed("root_mismatch", f"{what}: the computed root differs from the given root")


# ---------------------------------------------------------- many leaves at once
#
# A cycle's bundle proves thousands of events of one log: one proof per
# event repeats the same upper hashes thousands of times (165 MB and 5 s to
# check for 100,000 events). A multiproof gives instead, once, the hash of
# every range of the tree that holds none of the proved leaves; the
# verifier hashes the proved leaves up with them, on RFC 9162's own splits,
# and must reach the signed root. A range holding a proved leaf is always
# computed, never taken from the proof, so no given hash can stand in for
# an event.


def multiproof_ranges(indices, size: int) -> list:
    """The (lo, hi) ranges, leaf upward order irrelevant, whose hashes prove
    the leaves at `indices` (sorted, distinct) in a tree of `size`."""
    ranges = []

    def walk(lo, hi, first, last):
        if first == last:
            ranges.append((lo, hi))
        elif hi - lo > 1:
            middle = lo + _split(hi - lo)
            cut = bisect.bisect_left(indices, middle, first, last)
            walk(lo, middle, first, cut)
            walk(middle, hi, cut, last)

    if size:
        walk(0, size, 0, len(indices))
    return ranges


def multiproof_root(leaves: dict, size: int, nodes: dict) -> bytes:
    """The root of a tree of `size` from the proved leaves ({index: leaf
    hash}) and the hashes of the ranges holding none ({(lo, hi): hash}).
    Raises InclusionProofFailed naming the first range nothing covers."""
    indices = sorted(leaves)
    if indices and not (0 <= indices[0] and indices[-1] < size):
        raise InclusionProofFailed("index_out_of_range", f"a leaf lies outside the tree of size {size}")

    def hash_of(lo, hi, first, last):
        if first == last:
            given = nodes.get((lo, hi))
            if given is None:
                raise InclusionProofFailed("missing_node", f"nothing covers leaves {lo + 1}..{hi} (seq): an "
                                                           "event was left out, or the proof is not this tree's")
            return given
        if hi - lo == 1:
            return leaves[lo]
        middle = lo + _split(hi - lo)
        cut = bisect.bisect_left(indices, middle, first, last)
        return node_hash(hash_of(lo, middle, first, cut), hash_of(middle, hi, cut, last))

    return hash_of(0, size, 0, len(indices)) if size else EMPTY_ROOT


def verify_consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes, proof) -> None:
    """RFC 9162 2.1.4.2: the tree of new_size extends the tree of old_size.

    Raises ConsistencyProofFailed naming what does not hold (which root, or
    the proof's length).
    """
    what = f"consistency proof from size {old_size} to size {new_size}"
    proof = list(proof)
    _check_sizes(ConsistencyProofFailed, what, old_size, new_size)
    _check_hashes(ConsistencyProofFailed, what, proof, ("old root", old_root), ("new root", new_root))
    if old_size < 1 or new_size < old_size:
        raise ConsistencyProofFailed("sizes", f"{what}: needs 0 < old size <= new size")
    if old_size == new_size:
        if proof:
            raise ConsistencyProofFailed("proof_length", f"{what}: equal sizes take an empty proof")
        if old_root != new_root:
            raise ConsistencyProofFailed("root_mismatch", f"{what}: equal sizes with different roots")
        return
    if not proof:
        raise ConsistencyProofFailed("proof_length", f"{what}: the proof is empty")
    if old_size & (old_size - 1) == 0:
        proof = [old_root] + proof
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ConsistencyProofFailed("proof_length", f"{what}: the proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ConsistencyProofFailed("proof_length", f"{what}: the proof is too short")
    if fr != old_root:
        raise ConsistencyProofFailed("old_root_mismatch", f"{what}: the old root does not follow from the proof")
    if sr != new_root:
        raise ConsistencyProofFailed("new_root_mismatch", f"{what}: the new root does not follow from the proof")


# ---------------------------------------------------------- checkpoints (C2SP tlog-checkpoint)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its root at that size.

    extensions: further non-empty lines, kept as they came (C2SP allows
    them; this project writes none yet).
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple = ()

    def body(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        lines.extend(self.extensions)
        for line in lines:
            if not line or "\n" in line:
                raise ValueError(f"checkpoint line {line!r} is empty or holds a newline")
        if not isinstance(self.size, int) or self.size < 0 or len(self.root) != HASH_SIZE:
            raise ValueError("a checkpoint has a size >= 0 and a 32-byte root")
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint body back from its text; MalformedCheckpoint says which line is wrong."""
    if not text.endswith("\n"):
        raise MalformedCheckpoint("format", "checkpoint: the text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpoint("format", f"checkpoint: {len(lines)} lines, at least 3 needed")
    origin, size_text, root_text = lines[:3]
    if not origin:
        raise MalformedCheckpoint("origin", "checkpoint: the origin line is empty")
    if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text[0] == "0"):
        raise MalformedCheckpoint("size", f"checkpoint: the size line {size_text!r} is not a decimal number")
    try:
        root_ = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedCheckpoint("root", f"checkpoint: the root line {root_text!r} is not base64") from None
    if len(root_) != HASH_SIZE:
        raise MalformedCheckpoint("root", f"checkpoint: the root is {len(root_)} bytes, not {HASH_SIZE}")
    extensions = tuple(lines[3:])
    if any(not line for line in extensions):
        raise MalformedCheckpoint("format", "checkpoint: an empty extension line")
    return Checkpoint(origin, int(size_text), root_, extensions)


# ---------------------------------------------------------- keys (Go sumdb/note text forms)

ED25519 = 0x01  # the signature type byte of an Ed25519 key in signed notes


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key hash a signature line carries: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_hash: bytes
    public_key: bytes

    def __str__(self) -> str:
        return verifier_key_text(self.name, self.public_key)


def verifier_key_text(name: str, public_key: bytes) -> str:
    """"<name>+<hex key hash>+<base64(0x01 || public key)>", the key a verifier is given."""
    if not _valid_name(name):
        raise ValueError(f"key name {name!r}: empty, or holds a space or a '+'")
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    b64 = base64.b64encode(bytes([ED25519]) + public_key).decode("ascii")
    return f"{name}+{key_hash(name, public_key).hex()}+{b64}"


def _split_key(text: str, what: str, parts: int):
    # The base64 may hold '+' itself: split off the known fields only.
    fields = text.split("+", parts - 1)
    if len(fields) != parts:
        raise MalformedKey("format", f"{what}: not in the form name+hash+key")
    return fields


def _decode_key_material(b64: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedKey("format", f"{what}: the key is not base64") from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise MalformedKey("algorithm", f"{what}: not an Ed25519 key (type 0x01 and 32 bytes)")
    return raw[1:]


def _key_hash_field(hash_hex: str, what: str) -> bytes:
    if len(hash_hex) != 8 or any(ch not in "0123456789abcdef" for ch in hash_hex):
        raise MalformedKey("key_hash", f"{what}: the key hash is not 8 lowercase hex digits")
    return bytes.fromhex(hash_hex)


def parse_verifier_key(text: str) -> VerifierKey:
    what = f"verifier key {text[:40]!r}"
    name, hash_hex, b64 = _split_key(text, what, 3)
    if not _valid_name(name):
        raise MalformedKey("name", f"{what}: the key name is empty or holds a space")
    public_key = _decode_key_material(b64, what)
    if _key_hash_field(hash_hex, what) != key_hash(name, public_key):
        raise MalformedKey("key_hash", f"{what}: the key hash does not match the name and key")
    return VerifierKey(name, bytes.fromhex(hash_hex), public_key)


@dataclass(frozen=True)
class SignerKey:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key (RFC 8032 seed)

    def __repr__(self) -> str:  # never a private key in a log or a traceback
        return f"SignerKey({self.name!r})"


def signer_key_text(name: str, seed: bytes) -> str:
    """"PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 || seed)>" (Go note.NewSigner's form)."""
    public_key = _ed25519_public_key(seed)
    b64 = base64.b64encode(bytes([ED25519]) + seed).decode("ascii")
    return f"PRIVATE+KEY+{name}+{key_hash(name, public_key).hex()}+{b64}"


def parse_signer_key(text: str) -> SignerKey:
    what = "signer key"  # its text is secret: not in the message
    fields = _split_key(text, what, 5)
    if fields[:2] != ["PRIVATE", "KEY"]:
        raise MalformedKey("format", f"{what}: does not start with PRIVATE+KEY+")
    name, hash_hex, b64 = fields[2:]
    if not _valid_name(name):
        raise MalformedKey("name", f"{what}: the key name is empty or holds a space")
    seed = _decode_key_material(b64, what)
    if _key_hash_field(hash_hex, what) != key_hash(name, _ed25519_public_key(seed)):
        raise MalformedKey("key_hash", f"{what}: the key hash does not match the name and key")
    return SignerKey(name, seed)


def generate_key(name: str) -> tuple:
    """A new Ed25519 key: (signer key text, verifier key text). Writes no file.

    The signer key text holds the private seed in base64 (Go note form,
    usable by its tools); keep it out of the database. Needs cryptography.
    """
    if not _valid_name(name):
        raise ValueError(f"key name {name!r}: empty, or holds a space or a '+'")
    crypto = _require_ed25519()
    private = crypto.Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return signer_key_text(name, seed), verifier_key_text(name, _ed25519_public_key(seed))


# ---------------------------------------------------------- Ed25519 through cryptography


def _ed25519():
    """cryptography's Ed25519 module, or None when it is not installed."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        return None
    return ed25519


def _require_ed25519():
    crypto = _ed25519()
    if crypto is None:
        raise RuntimeError("signing needs the cryptography package (pip install cryptography)")
    return crypto


def _ed25519_public_key(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    private = _require_ed25519().Ed25519PrivateKey.from_private_bytes(seed)
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# ---------------------------------------------------------- signed notes (C2SP signed-note)

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # as Go's note.Open: a note is not a place for thousands of lines


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        b64 = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {b64}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple = ()

    def __str__(self) -> str:
        return format_note(self.text, self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNote("format", "signed note: the text does not end with a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise MalformedNote("format", "signed note: a control character in the text")


def format_note(text: str, signatures) -> str:
    """The text, a blank line, then one line per signature."""
    _check_text(text)
    if not signatures:
        raise ValueError("a signed note has at least one signature")
    return text + "\n" + "".join(sig.line() for sig in signatures)


def parse_note(message: str) -> Note:
    """The text and signature lines of a signed note, unchecked.

    Split at the last blank line, as Go's note.Open: signature lines hold no
    blank line, the text may.
    """
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("format", "signed note: not UTF-8") from None
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("format", "signed note: no blank line before the signatures")
    text, lines = message[:split + 1], message[split + 2:]
    _check_text(text)
    if not lines.endswith("\n"):
        raise MalformedNote("format", "signed note: the signatures do not end with a newline")
    signatures = []
    for number, line in enumerate(lines[:-1].split("\n"), 1):
        if any(ch < " " for ch in line):
            raise MalformedNote("format", f"signed note: a control character in signature line {number}")
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote("format", f"signed note: signature line {number} does not start with an em dash")
        name, _, b64 = line[len(SIGNATURE_PREFIX):].partition(" ")
        if not _valid_name(name) or not b64:
            raise MalformedNote("format", f"signed note: signature line {number} has no valid key name")
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedNote("format", f"signed note: signature line {number} ({name}) is not base64") from None
        if len(raw) < 5:
            raise MalformedNote("format", f"signed note: signature line {number} ({name}) is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
        if len(signatures) > MAX_SIGNATURES:
            raise MalformedNote("format", f"signed note: more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(signatures))


def sign_note(text: str, signer_keys, note=None) -> str:
    """The text signed by each signer key (text form or SignerKey); with
    `note` (a signed note of this text), its signatures are kept and these added."""
    if isinstance(signer_keys, (str, SignerKey)):
        signer_keys = [signer_keys]
    _check_text(text)
    crypto = _require_ed25519()
    signatures = []
    if note is not None:
        earlier = parse_note(note)
        if earlier.text != text:
            raise ValueError("the note to add signatures to is of another text")
        signatures = list(earlier.signatures)
    for key in signer_keys:
        key = parse_signer_key(key) if isinstance(key, str) else key
        private = crypto.Ed25519PrivateKey.from_private_bytes(key.seed)
        public_key = _ed25519_public_key(key.seed)
        signatures.append(NoteSignature(key.name, key_hash(key.name, public_key),
                                        private.sign(text.encode("utf-8"))))
    return format_note(text, signatures)


@dataclass(frozen=True)
class NoteVerification:
    """What checking a signed note found.

    text: the signed text (only to be trusted when signature_checked).
    key_names: the trusted keys whose signature lines were found (and,
        when signature_checked, verified).
    signature_checked: False when the Ed25519 signatures could not be
        checked (no cryptography package); `reason` then says so. Never
        read a note as verified without looking at this.
    """

    text: str
    key_names: tuple
    signature_checked: bool
    reason: str = ""


def _verifier_keys(keys) -> list:
    if isinstance(keys, (str, VerifierKey)):
        keys = [keys]
    return [parse_verifier_key(k) if isinstance(k, str) else k for k in keys]


def verify_note(message: str, verifier_keys) -> NoteVerification:
    """Check a signed note against trusted verifier keys (text form or VerifierKey).

    As C2SP signed-note and Go's note.Open: lines of unknown keys are
    ignored; a line of a trusted key (its name and key hash) that does not
    verify rejects the note; a note with no line of a trusted key is
    rejected. Raises MalformedNote or SignatureFailed; without cryptography
    returns signature_checked=False after every check that needs no
    cryptography.
    """
    note = parse_note(message)
    trusted = {(k.name, k.key_hash): k for k in _verifier_keys(verifier_keys)}
    crypto = _ed25519()
    found, seen = [], set()
    for sig in note.signatures:
        key = trusted.get((sig.name, sig.key_hash))
        if key is None or (sig.name, sig.key_hash) in seen:
            continue
        seen.add((sig.name, sig.key_hash))
        if len(sig.signature) != 64:
            raise SignatureFailed("signature_length", f"signed note: the signature by {sig.name} is "
                                  f"{len(sig.signature)} bytes, an Ed25519 signature is 64")
        if crypto is not None:
            from cryptography.exceptions import InvalidSignature

            try:
                crypto.Ed25519PublicKey.from_public_bytes(key.public_key).verify(
                    sig.signature, note.text.encode("utf-8"))
            except InvalidSignature:
                raise SignatureFailed("signature_invalid", f"signed note: the signature by {sig.name} "
                                      "does not verify (the text or the signature was changed)") from None
        found.append(sig.name)
    if not found:
        names = ", ".join(sorted(name for name, _ in trusted)) or "none given"
        present = ", ".join(sig.name for sig in note.signatures)
        raise SignatureFailed("key_unknown", f"signed note: no signature by a trusted key ({names}); "
                              f"signed by: {present}")
    if crypto is None:
        return NoteVerification(note.text, tuple(found), False,
                                "the cryptography package is not installed: the Ed25519 signature of "
                                f"{', '.join(found)} was not checked")
    return NoteVerification(note.text, tuple(found), True)


# ---------------------------------------------------------- signed checkpoints


@dataclass(frozen=True)
class CheckpointVerification:
    """A checkpoint read from a signed note, with what its signature check found."""

    checkpoint: Checkpoint
    key_names: tuple
    signature_checked: bool
    reason: str = ""
    note: NoteVerification = field(repr=False, default=None)


def sign_checkpoint(checkpoint: Checkpoint, signer_keys) -> str:
    return sign_note(checkpoint.body(), signer_keys)


def verify_checkpoint(message: str, verifier_keys, origin: str | None = None) -> CheckpointVerification:
    """The signed note checked (verify_note), then its text read as a checkpoint.

    origin: the log this checkpoint must come from (C2SP: verifiers check
    it); a checkpoint of another log, validly signed, is refused.
    """
    checked = verify_note(message, verifier_keys)
    checkpoint = parse_checkpoint(checked.text)
    if origin is not None and checkpoint.origin != origin:
        raise MalformedCheckpoint("origin", f"checkpoint: origin {checkpoint.origin!r}, expected {origin!r}")
    return CheckpointVerification(checkpoint, checked.key_names, checked.signature_checked, checked.reason,
                                  checked)
