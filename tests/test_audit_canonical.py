"""The audit event's canonical form, pinned: two fixed events, their exact
bytes and hashes, taken from the code as it was before the canonical form
got its one builder. Existing databases must still verify, so these values
never change; a change here is a change of the chain's format."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.services import audit
from awards_app.services.actors import SystemActor

PAYLOAD = {"text": 'é ü 漢 "q"', "score": 7.5, "zero": 0.0, "small": 1e-07, "big": 10**16,
           "nested": [{"v": 1}, None, True]}

FIRST = {"seq": 1, "at": "2026-12-02T10:00:00.000000+00:00", "actor_id": None, "actor": "tests",
         "action": "test.pinned", "object_type": "test", "object_id": None, "cycle_id": None,
         "payload": PAYLOAD, "prev_hash": audit_chain.GENESIS}
FIRST_BYTES = (
    '{"action":"test.pinned","actor":"tests","actor_id":null,"at":"2026-12-02T10:00:00.000000+00:00",'
    '"cycle_id":null,"object_id":null,"object_type":"test","payload":{"big":10000000000000000,'
    '"nested":[{"v":1},null,true],"score":7.5,"small":1e-07,"text":"é ü 漢 \\"q\\"","zero":0.0},'
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1}'
).encode()
FIRST_HASH = "a87952b3bdc5fb4b2c8e97aaa32adcd07dffb76c7bead4323a0db862192fc817"

SECOND = {"seq": 2, "at": "2026-12-02T10:00:00.000001+00:00", "actor_id": 42, "actor": "chair@example.org",
          "action": "cycle.transition", "object_type": "cycle", "object_id": "7", "cycle_id": 7,
          "payload": {"event": "open_judging", "from": "call_closed", "to": "judging", "role": "chair",
                      "reason": None},
          "prev_hash": FIRST_HASH}
SECOND_HASH = "ac15adacf17907829ed476ed2d059d68bd9fcf823e3d2a5d4fb34e2f57610491"


def test_the_canonical_bytes_and_hashes_of_known_events_are_pinned():
    assert audit_chain.canonical(FIRST) == FIRST_BYTES
    assert audit_chain.event_hash(FIRST) == FIRST_HASH
    assert audit_chain.event_hash(SECOND) == SECOND_HASH


def test_the_pinned_chain_verifies_offline(tmp_path):
    events = [{**FIRST, "hash": FIRST_HASH}, {**SECOND, "hash": SECOND_HASH}]
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"events": events, "chain": {"head_hash": SECOND_HASH}}))
    done = subprocess.run([sys.executable, "-I", str(Path(audit_chain.__file__)), str(bundle)],
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, f"OK 2 events, head {SECOND_HASH}\n")


def test_the_service_records_the_pinned_hash(ctx, monkeypatch):
    """An event recorded now by SystemActor("tests") at the pinned instant
    is the pinned event, recorded when the actor was the string "tests":
    same bytes, same hash, and the stored chain verifies."""

    class Pinned(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 2, 10, 0, 0, tzinfo=tz)

    monkeypatch.setattr(audit, "datetime", Pinned)
    event = audit.record(SystemActor("tests"), "test.pinned", None, PAYLOAD, object_type="test")
    db.session.commit()
    assert event.at == datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
    assert event.hash == FIRST_HASH
    assert [e["hash"] for e in audit.iter_events()] == [FIRST_HASH]
    assert audit.verify_chain() == audit_chain.Verification(True, 1, 1, FIRST_HASH)


def test_the_fast_verifier_hashes_the_pinned_event_as_pinned():
    """services.audit's orjson path writes canonical_event's dict itself: it
    must give the pinned hash from the stored tuple."""
    row = (1, datetime(2026, 12, 2, 10, 0, 0), None, "tests", "test.pinned", "test", None, None,
           json.dumps(PAYLOAD), audit_chain.GENESIS, FIRST_HASH)
    assert audit._verify_batches([[row]], audit_chain.GENESIS, 1) == audit_chain.Verification(True, 1, 1, FIRST_HASH)
    assert audit_chain.event_hash(audit._reference_event(row)) == FIRST_HASH


def test_canonical_event_builds_the_pinned_form_from_fields():
    fields = {**FIRST, "at": datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)}
    assert audit_chain.canonical_event(**fields) == FIRST
    naive = {**fields, "at": datetime(2026, 12, 2, 10, 0, 0)}  # as stored: UTC
    assert audit_chain.canonical(audit_chain.canonical_event(**naive)) == FIRST_BYTES
    second = {**SECOND, "object_id": 7, "at": datetime(2026, 12, 2, 10, 0, 0, 1, tzinfo=UTC)}
    assert audit_chain.event_hash(audit_chain.canonical_event(**second)) == SECOND_HASH


def test_every_verifier_answers_with_one_verification(ctx):
    """The standalone walk, the stored chain, the report's checkpointed view."""
    events = [{**FIRST, "hash": FIRST_HASH}, {**SECOND, "hash": SECOND_HASH}]
    assert audit_chain.verify(events) == audit_chain.Verification(True, 2, 2, SECOND_HASH)
    assert audit_chain.verify(events).full
    broken = audit_chain.verify([events[0], {**events[1], "action": "forged"}])
    assert broken == audit_chain.Verification(False, 1, 1, FIRST_HASH,
                                              "event seq 2: hash does not match its content")
    assert audit_chain.verify(events[1:], FIRST_HASH, 2) == audit_chain.Verification(True, 1, 2, SECOND_HASH)
    assert not audit_chain.verify(events[1:], FIRST_HASH, 2).full
    assert audit_chain.verify([], "f" * 64, None) == audit_chain.Verification(True, 0, 0, "f" * 64)

    assert audit.verify_chain() == audit_chain.Verification(True, 0, 0, audit_chain.GENESIS)
    assert audit.chain_status() == audit.verify_chain()
    audit.record(SystemActor("tests"), "test.one", None, {}, object_type="test")
    db.session.commit()
    head = audit.verify_chain().head_hash
    checkpoint = audit.record_checkpoint(1, head, 1, "tests")
    audit.record(SystemActor("tests"), "test.two", None, {}, object_type="test")
    db.session.commit()
    status = audit.chain_status()
    assert isinstance(status, audit_chain.Verification)
    assert (status.ok, status.count, status.head_seq, status.checkpoint_seq, status.full) == (True, 1, 2, 1, False)
    assert status.checkpoint_verified_at == checkpoint.verified_at
    assert status.head_hash == audit.verify_chain().head_hash
