"""The audit log's Merkle tree, proofs and signed checkpoints (awards_app.audit_tree, issue 19).

Known answers come from outside this project: the RFC 6962 reference tree of
the certificate-transparency implementations (its 8 leaves, its roots at
sizes 1..8 and some of their proofs) and the signed note of Go's
golang.org/x/mod/sumdb/note documentation. The rest is exhaustive over small
trees: every proof verifies, and every change to it fails, with a reason.
"""

import ast
import base64
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from awards_app import audit_chain, audit_tree
from awards_app.audit_tree import (
    Appender,
    CachedTree,
    Checkpoint,
    ConsistencyProofFailed,
    InclusionProofFailed,
    MalformedCheckpoint,
    MalformedKey,
    MalformedNote,
    SignatureFailed,
)

# ---------------------------------------------------------- the reference tree

LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
LEAF_HASHES = [audit_tree.leaf_hash(data) for data in LEAVES]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def hashes(*texts):
    return [bytes.fromhex(h) for h in texts]


# (leaf index from 0, tree size, PATH)
INCLUSION = [
    (0, 1, []),
    (0, 8, hashes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, hashes("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, hashes("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]

# (old size, new size, PROOF)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, hashes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, hashes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, hashes("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, hashes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]


def test_the_reference_tree_has_its_known_roots_at_every_size():
    appender, cached = Appender(), CachedTree(min_level=1)
    assert audit_tree.root([]) == appender.root() == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    for size, expected in enumerate(ROOTS, 1):
        appender.append(LEAF_HASHES[size - 1])
        cached.append(LEAF_HASHES[size - 1])
        assert audit_tree.root(LEAF_HASHES[:size]) == expected
        assert appender.root() == cached.root() == expected
    for size, expected in enumerate(ROOTS, 1):
        assert cached.root(size) == expected


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_the_reference_inclusion_proofs_are_made_and_verified(index, size, path):
    assert audit_tree.inclusion_proof(index, size, LEAF_HASHES) == path
    assert CachedTree(LEAF_HASHES, min_level=1).inclusion_proof(index, size) == path
    audit_tree.verify_inclusion(LEAF_HASHES[index], index, size, path, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_the_reference_consistency_proofs_are_made_and_verified(old, new, proof):
    assert audit_tree.consistency_proof(old, new, LEAF_HASHES) == proof
    assert CachedTree(LEAF_HASHES, min_level=1).consistency_proof(old, new) == proof
    audit_tree.verify_consistency(old, ROOTS[old - 1], new, ROOTS[new - 1], proof)


# ---------------------------------------------------------- every proof of small trees

N = 64
_rng = random.Random(7)
RANDOM_LEAVES = [audit_tree.leaf_hash(_rng.randbytes(_rng.randrange(80)) + bytes([i])) for i in range(N)]  # distinct
TREE = CachedTree(RANDOM_LEAVES, min_level=2)
TREE_ROOTS = [audit_tree.root(RANDOM_LEAVES[:size]) for size in range(N + 1)]


def flipped(h: bytes, position: int) -> bytes:
    return h[:position] + bytes([h[position] ^ 0x01]) + h[position + 1:]


def fails(error, check, *args):
    with pytest.raises(error) as caught:
        check(*args)
    return caught.value.reason


def test_every_inclusion_proof_up_to_64_leaves_verifies_and_every_change_fails():
    rng = random.Random(19)
    verify = audit_tree.verify_inclusion
    for size in range(1, N + 1):
        root = TREE_ROOTS[size]
        for index in range(size):
            leaf, proof = RANDOM_LEAVES[index], TREE.inclusion_proof(index, size)
            assert proof == audit_tree.inclusion_proof(index, size, RANDOM_LEAVES[:size])
            verify(leaf, index, size, proof, root)
            for i in range(len(proof)):
                changed = proof[:i] + [flipped(proof[i], rng.randrange(32))] + proof[i + 1:]
                assert fails(InclusionProofFailed, verify, leaf, index, size, changed, root) == "root_mismatch"
            assert fails(InclusionProofFailed, verify, leaf, index, size, proof, flipped(root, rng.randrange(32)))
            assert fails(InclusionProofFailed, verify, flipped(leaf, rng.randrange(32)), index, size, proof, root)
            for bit in range(7):
                assert fails(InclusionProofFailed, verify, leaf, index ^ (1 << bit), size, proof, root)
            # A proof for another size fails against that size's own root.
            for other in {size ^ (1 << bit) for bit in range(7)} - {0}:
                if other <= N:
                    assert fails(InclusionProofFailed, verify, leaf, index, other, proof, TREE_ROOTS[other])
            for changed in (proof[:-1], proof + [root], [root] + proof):
                if changed != proof:
                    assert fails(InclusionProofFailed, verify, leaf, index, size, changed, root)


def test_every_consistency_proof_up_to_64_leaves_verifies_and_every_change_fails():
    rng = random.Random(9162)
    verify = audit_tree.verify_consistency
    for new in range(1, N + 1):
        for old in range(1, new + 1):
            old_root, new_root = TREE_ROOTS[old], TREE_ROOTS[new]
            proof = TREE.consistency_proof(old, new)
            assert proof == audit_tree.consistency_proof(old, new, RANDOM_LEAVES[:new])
            verify(old, old_root, new, new_root, proof)
            for i in range(len(proof)):
                changed = proof[:i] + [flipped(proof[i], rng.randrange(32))] + proof[i + 1:]
                assert fails(ConsistencyProofFailed, verify, old, old_root, new, new_root, changed)
            assert fails(ConsistencyProofFailed, verify, old, flipped(old_root, rng.randrange(32)), new, new_root,
                         proof)
            assert fails(ConsistencyProofFailed, verify, old, old_root, new, flipped(new_root, rng.randrange(32)),
                         proof)
            for bit in range(7):
                other = old ^ (1 << bit)
                assert fails(ConsistencyProofFailed, verify, other, old_root, new, new_root, proof)
                other = new ^ (1 << bit)
                if 0 < other <= N:
                    assert fails(ConsistencyProofFailed, verify, old, old_root, other, TREE_ROOTS[other], proof)
            if old != new:
                assert fails(ConsistencyProofFailed, verify, new, new_root, old, old_root, proof) == "sizes"
                assert fails(ConsistencyProofFailed, verify, old, old_root, new, new_root, []) == "proof_length"
                assert fails(ConsistencyProofFailed, verify, old, old_root, new, new_root, proof[:-1])
                assert fails(ConsistencyProofFailed, verify, old, old_root, new, new_root, proof + [new_root])


def test_a_proof_binds_the_root_and_the_signed_checkpoint_binds_the_size():
    """RFC 9162's proofs check hashes against a root: a size changed while the
    root stays can still pass (leaf 0 of 5 against size 6). Sizes and roots
    are trusted together, from a signed checkpoint, whose size cannot be
    changed without breaking its signature."""
    proof = TREE.inclusion_proof(0, 5)
    audit_tree.verify_inclusion(RANDOM_LEAVES[0], 0, 6, proof, TREE_ROOTS[5])
    signer, verifier = audit_tree.generate_key("awards.example/audit")
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 5, TREE_ROOTS[5]), signer)
    forged = note.replace("\n5\n", "\n6\n", 1)
    assert fails(SignatureFailed, audit_tree.verify_checkpoint, forged, verifier) == "signature_invalid"


def test_failures_name_the_proof_and_the_sizes():
    proof = TREE.inclusion_proof(3, 10)
    with pytest.raises(InclusionProofFailed, match="inclusion proof of leaf 3 in the tree of size 10: the computed"):
        audit_tree.verify_inclusion(RANDOM_LEAVES[4], 3, 10, proof, TREE_ROOTS[10])
    with pytest.raises(InclusionProofFailed, match="proof element 1 is not a 32-byte hash") as caught:
        audit_tree.verify_inclusion(RANDOM_LEAVES[3], 3, 10, [proof[0], proof[1][:31]] + proof[2:], TREE_ROOTS[10])
    assert caught.value.reason == "hash_length"
    with pytest.raises(InclusionProofFailed, match="the index is outside the tree"):
        audit_tree.verify_inclusion(RANDOM_LEAVES[3], 10, 10, proof, TREE_ROOTS[10])
    with pytest.raises(InclusionProofFailed, match="too few"):
        audit_tree.verify_inclusion(RANDOM_LEAVES[3], 3, 10, proof[:-1], TREE_ROOTS[10])
    consistency = TREE.consistency_proof(6, 13)
    with pytest.raises(ConsistencyProofFailed, match="from size 6 to size 13: the old root") as caught:
        audit_tree.verify_consistency(6, TREE_ROOTS[5], 13, TREE_ROOTS[13], consistency)
    assert caught.value.reason == "old_root_mismatch"
    with pytest.raises(ConsistencyProofFailed, match="from size 6 to size 13: the new root") as caught:
        audit_tree.verify_consistency(6, TREE_ROOTS[6], 13, TREE_ROOTS[12], consistency)
    assert caught.value.reason == "new_root_mismatch"
    with pytest.raises(ConsistencyProofFailed, match="equal sizes with different roots"):
        audit_tree.verify_consistency(6, TREE_ROOTS[6], 6, TREE_ROOTS[5], [])
    with pytest.raises(ConsistencyProofFailed, match="needs 0 < old size"):
        audit_tree.verify_consistency(0, audit_tree.EMPTY_ROOT, 6, TREE_ROOTS[6], consistency)
    with pytest.raises(InclusionProofFailed, match="must be whole numbers"):
        audit_tree.verify_inclusion(RANDOM_LEAVES[3], "3", 10, proof, TREE_ROOTS[10])
    with pytest.raises(ConsistencyProofFailed, match="must be whole numbers"):
        audit_tree.verify_consistency(6, TREE_ROOTS[6], 13.0, TREE_ROOTS[13], consistency)
    with pytest.raises(InclusionProofFailed, match="the root is not a 32-byte hash"):
        audit_tree.verify_inclusion(RANDOM_LEAVES[3], 3, 10, proof, TREE_ROOTS[10].hex())
    with pytest.raises(ValueError, match="no consistency proof from size 0"):
        TREE.consistency_proof(0, 6)
    with pytest.raises(ValueError, match="no leaf 6 in a tree of size 6"):
        TREE.inclusion_proof(6, 6)


# ---------------------------------------------------------- appending


def test_the_appender_equals_root_at_every_size_and_survives_save_and_restore():
    appender = Appender()
    for size in range(1, 200):
        leaf = audit_tree.leaf_hash(size.to_bytes(2, "big"))
        assert appender.append(leaf) == size - 1
        leaves = [audit_tree.leaf_hash(i.to_bytes(2, "big")) for i in range(1, size + 1)]
        assert appender.root() == audit_tree.root(leaves)
        saved = appender.save()
        assert len(saved) == bin(size).count("1") and all(len(h) == 64 for h in saved)
        restored = Appender.restore(size, saved)
        assert restored.root() == appender.root()
        appender = restored  # the rest of the log is built on what a row gave back


def test_restoring_an_edge_that_cannot_be_of_that_size_is_refused():
    appender = Appender()
    for leaf in LEAF_HASHES[:6]:
        appender.append(leaf)
    with pytest.raises(ValueError, match="a tree of size 7 has 3 edge hashes, not 2"):
        Appender.restore(7, appender.save())
    with pytest.raises(ValueError, match="is not 32 bytes"):
        Appender.restore(6, [appender.save()[0], "ab"])
    with pytest.raises(ValueError, match="a leaf hash is 32 bytes"):
        appender.append(b"short")


def test_the_appender_reports_each_perfect_subtree_once_with_its_hash():
    seen = []
    appender = Appender(lambda level, index, h: seen.append((level, index, h)))
    for leaf in LEAF_HASHES:
        appender.append(leaf)
    assert sorted((level, index) for level, index, _ in seen) == [
        (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (3, 0)]
    for level, index, h in seen:
        assert h == audit_tree.root(LEAF_HASHES[index << level:(index + 1) << level])


def test_the_cached_tree_hashes_any_range_as_the_rfc_defines_it():
    for lo in range(0, 20):
        for hi in range(lo + 1, 21):
            assert TREE.hash_range(lo, hi) == audit_tree.root(RANDOM_LEAVES[lo:hi])
    with pytest.raises(ValueError, match="no range 3..65"):
        TREE.hash_range(3, 65)


# ---------------------------------------------------------- the leaf of an audit event

EVENT = {"seq": 2, "at": "2026-12-02T10:00:00.000001+00:00", "actor_id": 42, "actor": "chair@example.org",
         "action": "cycle.transition", "object_type": "cycle", "object_id": "7", "cycle_id": 7,
         "payload": {"event": "open_judging", "note": "é 漢"}, "prev_hash": "ab" * 32, "hash": "cd" * 32}


def test_an_event_leaf_is_the_chain_canonical_form_without_prev_hash():
    leaf = audit_tree.event_leaf(EVENT)
    assert leaf == (
        '{"action":"cycle.transition","actor":"chair@example.org","actor_id":42,'
        '"at":"2026-12-02T10:00:00.000001+00:00","cycle_id":7,"object_id":"7","object_type":"cycle",'
        '"payload":{"event":"open_judging","note":"é 漢"},"seq":2}').encode()
    assert leaf == audit_chain.canonical(EVENT, audit_tree.LEAF_FIELDS)
    assert audit_tree.event_leaf(dict(EVENT, prev_hash="00" * 32, hash=None)) == leaf
    assert audit_tree.event_leaf(dict(EVENT, seq=3)) != leaf
    assert audit_tree.event_leaf_hash(EVENT) == audit_tree.leaf_hash(leaf)


# ---------------------------------------------------------- checkpoints

ROOT_B64 = base64.b64encode(ROOTS[7]).decode()


def test_a_checkpoint_body_is_the_c2sp_text_and_reads_back():
    checkpoint = Checkpoint("awards.example/audit", 8, ROOTS[7])
    assert checkpoint.body() == f"awards.example/audit\n8\n{ROOT_B64}\n"
    assert audit_tree.parse_checkpoint(checkpoint.body()) == checkpoint
    extended = Checkpoint("awards.example/audit", 0, audit_tree.EMPTY_ROOT, ("cycle 2025",))
    assert audit_tree.parse_checkpoint(extended.body()) == extended
    with pytest.raises(ValueError, match="empty or holds a newline"):
        Checkpoint("awards.example/audit\n9", 8, ROOTS[7]).body()


@pytest.mark.parametrize(("text", "reason"), [
    (f"awards.example/audit\n8\n{ROOT_B64}", "format"),
    ("awards.example/audit\n8\n", "format"),
    (f"\n8\n{ROOT_B64}\n", "origin"),
    (f"awards.example/audit\n08\n{ROOT_B64}\n", "size"),
    (f"awards.example/audit\n-8\n{ROOT_B64}\n", "size"),
    (f"awards.example/audit\n٨\n{ROOT_B64}\n", "size"),
    ("awards.example/audit\n8\nnot base64!\n", "root"),
    (f"awards.example/audit\n8\n{base64.b64encode(ROOTS[7][:31]).decode()}\n", "root"),
    (f"awards.example/audit\n8\n{ROOT_B64}\n\nx\n", "format"),
])
def test_a_malformed_checkpoint_names_its_bad_line(text, reason):
    assert fails(MalformedCheckpoint, audit_tree.parse_checkpoint, text) == reason


# ---------------------------------------------------------- signed notes

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann "
           "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_the_go_sumdb_note_example_is_signed_and_verified_byte_for_byte():
    assert audit_tree.sign_note(GO_TEXT, GO_SIGNER) == GO_NOTE
    result = audit_tree.verify_note(GO_NOTE, GO_VERIFIER)
    assert (result.text, result.key_names, result.signature_checked) == (GO_TEXT, ("PeterNeumann",), True)
    key = audit_tree.parse_verifier_key(GO_VERIFIER)
    assert str(key) == GO_VERIFIER and key.key_hash.hex() == "c74f20a3"
    assert "AYEK" not in repr(audit_tree.parse_signer_key(GO_SIGNER))  # no private key in a repr


@pytest.fixture(scope="module")
def log_key():
    return audit_tree.generate_key("awards.example/audit")


def test_a_signed_checkpoint_round_trips(log_key):
    signer, verifier = log_key
    assert signer.startswith("PRIVATE+KEY+awards.example/audit+")
    assert verifier.startswith("awards.example/audit+")
    checkpoint = Checkpoint("awards.example/audit", 8, ROOTS[7])
    note = audit_tree.sign_checkpoint(checkpoint, signer)
    assert note.startswith(checkpoint.body() + "\n\u2014 awards.example/audit ")
    result = audit_tree.verify_checkpoint(note, verifier, origin="awards.example/audit")
    assert result.checkpoint == checkpoint and result.signature_checked and result.reason == ""
    note_obj = audit_tree.parse_note(note)
    assert str(note_obj) == note
    assert fails(MalformedCheckpoint, audit_tree.verify_checkpoint, note, verifier, "other.example/log") == "origin"


def test_a_witness_cosignature_is_added_and_either_key_verifies(log_key):
    signer, verifier = log_key
    witness_signer, witness_verifier = audit_tree.generate_key("board.example/alice")
    body = Checkpoint("awards.example/audit", 8, ROOTS[7]).body()
    note = audit_tree.sign_note(body, witness_signer, note=audit_tree.sign_note(body, signer))
    assert len(audit_tree.parse_note(note).signatures) == 2
    assert audit_tree.verify_note(note, witness_verifier).key_names == ("board.example/alice",)
    assert audit_tree.verify_note(note, [verifier, witness_verifier]).key_names == (
        "awards.example/audit", "board.example/alice")


def test_a_signature_by_another_key_fails(log_key):
    _, verifier = log_key
    other_signer, _ = audit_tree.generate_key("awards.example/audit")  # same name, another key
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 8, ROOTS[7]), other_signer)
    with pytest.raises(SignatureFailed, match="no signature by a trusted key") as caught:
        audit_tree.verify_checkpoint(note, verifier)
    assert caught.value.reason == "key_unknown"


def test_an_edited_body_fails(log_key):
    signer, verifier = log_key
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 8, ROOTS[7]), signer)
    edited = note.replace(ROOT_B64, base64.b64encode(ROOTS[6]).decode())
    with pytest.raises(SignatureFailed, match="the signature by awards.example/audit does not verify") as caught:
        audit_tree.verify_checkpoint(edited, verifier)
    assert caught.value.reason == "signature_invalid"


def test_a_truncated_signature_fails(log_key):
    signer, verifier = log_key
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 8, ROOTS[7]), signer)
    sig = audit_tree.parse_note(note).signatures[0]
    short = audit_tree.format_note(audit_tree.parse_note(note).text,
                                   [audit_tree.NoteSignature(sig.name, sig.key_hash, sig.signature[:-1])])
    assert fails(SignatureFailed, audit_tree.verify_note, short, verifier) == "signature_length"
    cut = note[:-6] + "\n"  # the line's base64 cut off
    assert fails(MalformedNote, audit_tree.verify_note, cut, verifier) == "format"
    assert fails(MalformedNote, audit_tree.verify_note, note[:-1], verifier) == "format"
    body_only = note[:note.index("\n\n") + 1]
    assert fails(MalformedNote, audit_tree.verify_note, body_only, verifier) == "format"


def test_a_wrong_key_name_fails(log_key):
    signer, verifier = log_key
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 8, ROOTS[7]), signer)
    renamed = note.replace("\u2014 awards.example/audit ", "\u2014 awards.example/audit2 ")
    assert fails(SignatureFailed, audit_tree.verify_note, renamed, verifier) == "key_unknown"
    name, key_hash, material = verifier.split("+", 2)
    assert fails(MalformedKey, audit_tree.parse_verifier_key, f"{name}2+{key_hash}+{material}") == "key_hash"
    assert fails(MalformedKey, audit_tree.parse_verifier_key, f"{name}+{key_hash}") == "format"
    assert fails(MalformedKey, audit_tree.parse_verifier_key, f"{name}+zzzzzzzz+{material}") == "key_hash"
    assert fails(MalformedKey, audit_tree.parse_verifier_key, f"a b+{key_hash}+{material}") == "name"


@pytest.mark.parametrize("message", [
    "text\n\n- awards.example/audit AAAAAAA=\n",  # a hyphen, not an em dash
    "text\n\n\u2014 awards.example/audit\n",
    "text\n\n\u2014 awards.example/audit AAAA\n",  # shorter than a key hash and a signature
    "te\x07xt\n\n\u2014 awards.example/audit AAAAAAA=\n",
    "text\n\n" + "\u2014 awards.example/audit AAAAAAA=\n" * 101,
])
def test_a_malformed_note_is_refused(message, log_key):
    assert fails(MalformedNote, audit_tree.verify_note, message, log_key[1]) == "format"


def test_without_cryptography_the_signature_is_reported_unchecked(log_key, monkeypatch):
    signer, verifier = log_key
    note = audit_tree.sign_checkpoint(Checkpoint("awards.example/audit", 8, ROOTS[7]), signer)
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric", None)
    result = audit_tree.verify_checkpoint(note, verifier)
    assert result.signature_checked is False
    assert result.reason.startswith("the cryptography package is not installed")
    assert "awards.example/audit" in result.reason
    # What needs no cryptography is still checked.
    edited = note.replace("\n8\n", "\n9\n")
    assert audit_tree.verify_checkpoint(edited, verifier).signature_checked is False
    other = note.replace("\u2014 awards.example/audit ", "\u2014 awards.example/other ")
    assert fails(SignatureFailed, audit_tree.verify_checkpoint, other, verifier) == "key_unknown"
    with pytest.raises(RuntimeError, match="needs the cryptography package"):
        audit_tree.generate_key("awards.example/audit")


# ---------------------------------------------------------- as handed to board members


def test_the_module_is_python_3_7_syntax():
    ast.parse(Path(audit_tree.__file__).read_text(encoding="utf-8"), feature_version=(3, 7))


def test_the_module_works_beside_audit_chain_outside_the_package(tmp_path):
    for module in (audit_chain, audit_tree):
        shutil.copy(module.__file__, tmp_path)
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import audit_tree as t; "
            "h = [t.leaf_hash(bytes([i])) for i in range(5)]; "
            "t.verify_inclusion(h[3], 3, 5, t.inclusion_proof(3, 5, h), t.root(h)); print('ok')")
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.strip() == "ok", done.stderr
