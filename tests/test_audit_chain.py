import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.services import audit
from awards_app.services.actors import SystemActor
from awards_app.services.db_roles import owner_engine
from tests.factories import TESTS_ACTOR, AuditEventFactory


def _three_events():
    for i in range(3):
        AuditEventFactory(payload={"n": i, "text": "é ü 漢"})
    db.session.commit()


def test_an_intact_chain_verifies_with_its_head_hash(runner, ctx):
    _three_events()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    chain = audit.verify_chain()
    assert chain.ok and chain.count == 3
    assert chain.head_hash in result.output and "3 events" in result.output


def test_a_row_changed_behind_the_apps_back_is_named(runner, ctx):
    _three_events()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_event SET action = 'forged' WHERE seq = 2"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_a_deleted_event_is_found(runner, ctx):
    _three_events()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 3" in result.output and "missing or reordered" in result.output


def test_the_standalone_verifier_needs_only_the_standard_library(ctx, tmp_path):
    _three_events()
    events = list(audit.iter_events())
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"events": events, "chain": {"head_hash": events[-1]["hash"]}}))
    script = Path(audit_chain.__file__)
    ok = subprocess.run([sys.executable, "-I", str(script), str(bundle)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert events[-1]["hash"] in ok.stdout
    events[1]["payload"]["n"] = 99
    bundle.write_text(json.dumps({"events": events}))
    broken = subprocess.run([sys.executable, "-I", str(script), str(bundle)], capture_output=True, text=True)
    assert broken.returncode == 1
    assert "seq 2" in broken.stdout


def _postgres_only(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'forged'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
])
def test_postgres_refuses_to_change_the_audit_table(ctx, statement):
    from sqlalchemy.exc import DBAPIError

    _postgres_only(ctx)
    _three_events()
    # The trigger refuses even the owner, who holds every privilege on the
    # table (the runtime role has none to try with: tests/test_db_roles.py).
    with pytest.raises(DBAPIError, match="append-only"):
        with owner_engine().begin() as conn:
            conn.execute(text(statement))
    chain = audit.verify_chain()
    assert chain.ok and chain.count == 3


def test_fifty_concurrent_appends_leave_one_linear_chain(app, ctx):
    from concurrent.futures import ThreadPoolExecutor

    _postgres_only(ctx)

    def append(i):
        with app.app_context():
            audit.record(SystemActor(f"thread-{i}"), "test.concurrent", None, {"i": i}, object_type="test")
            db.session.commit()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(append, range(50)))
    chain = audit.verify_chain()
    assert chain.ok, chain.problem
    assert chain.count == 50


def test_the_exported_bundle_verifies_offline_and_agrees_with_the_cli(runner, ctx, tmp_path):
    from tests import builders

    cycle = builders.open_cycle("derek_gray_medal")
    AuditEventFactory()
    db.session.commit()
    out = tmp_path / "bundle.json"
    exported = runner.invoke(args=["audit", "export", "--cycle", str(cycle.id), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    bundle = json.loads(out.read_text())
    assert len(bundle["cycle_event_seqs"]) == 3  # created, criteria published, call opened
    offline = subprocess.run([sys.executable, "-I", str(Path(audit_chain.__file__)), str(out)],
                             capture_output=True, text=True)
    cli = runner.invoke(args=["audit", "verify"])
    head = bundle["chain"]["head_hash"]
    assert offline.returncode == 0 and head in offline.stdout
    assert cli.exit_code == 0 and head in cli.output


# ------------------------------------------------- the fast verifier's verdict
#
# verify_chain() hashes with orjson over plain tuples; audit_chain.verify over
# iter_events() (stdlib json, the model's column types) is the reference. The
# two must agree on every chain: same ok, count, head and message.

def _reference_verdict():
    return audit_chain.verify(audit.iter_events())


def _tamper(*statements):
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(statement)


def test_a_changed_payload_is_found_by_the_fast_path_as_by_the_reference(runner, ctx):
    from sqlalchemy import update

    from awards_app.models import AuditEvent

    _three_events()
    _tamper(update(AuditEvent.__table__).where(AuditEvent.seq == 2).values(payload={"n": 1, "text": "forged"}))
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()
    assert (verdict.ok, verdict.count) == (False, 1) and "seq 2: hash does not match" in verdict.problem
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "seq 2" in result.output


def test_reordered_events_are_found_by_the_fast_path_as_by_the_reference(runner, ctx):
    _three_events()
    _tamper(text("UPDATE audit_event SET seq = -2 WHERE seq = 2"),
            text("UPDATE audit_event SET seq = 2 WHERE seq = 3"),
            text("UPDATE audit_event SET seq = 3 WHERE seq = -2"))
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()
    assert (verdict.ok, verdict.count) == (False, 1) and "seq 2" in verdict.problem
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_a_deleted_event_is_found_by_the_fast_path_as_by_the_reference(ctx):
    _three_events()
    _tamper(text("DELETE FROM audit_event WHERE seq = 2"))
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()
    assert "missing or reordered" in verdict.problem


def test_a_break_deep_in_a_long_stream_stops_it_cleanly(ctx, monkeypatch):
    """Many small batches (fetched ahead by a thread on PostgreSQL): the walk
    stops at the bad event, and the session goes on working."""
    monkeypatch.setattr(audit, "STREAM_BATCH", 7)
    for i in range(60):
        audit.record(TESTS_ACTOR, "test.event", None, {"i": i}, object_type="test")
    db.session.commit()
    intact = audit.verify_chain()
    assert (intact.ok, intact.count) == (True, 60)
    _tamper(text("UPDATE audit_event SET action = 'forged' WHERE seq = 10"))
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()
    assert (verdict.ok, verdict.count, verdict.head_seq) == (False, 9, 9)
    assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 60


def test_values_orjson_writes_otherwise_still_verify(ctx, monkeypatch):
    """Floats the two encoders write differently (1e-07, 1e+16), integers
    beyond 64 bits, a zero microsecond: the reference decides, and agrees."""
    from datetime import datetime

    payloads = [{"small": 1e-7}, {"huge": 2**70, "negative": -(2**65)}, {"text": "\x7f\u2028\x1f\"\\"}]
    if db.engine.dialect.name != "postgresql":  # JSONB rewrites these: see the test below
        payloads.append({"big": 1e16})
    for payload in payloads:
        AuditEventFactory(payload=payload)

    class OnTheSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 2, 10, 0, 0, tzinfo=tz)

    monkeypatch.setattr(audit, "datetime", OnTheSecond)
    AuditEventFactory(payload={"at": "a whole second"})
    db.session.commit()
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()
    assert verdict.ok, verdict.problem


def test_a_float_that_postgres_stores_as_an_integer_is_judged_as_the_reference_does(ctx):
    """JSONB keeps 1.2345678901234568e+29 as the integer 123456789012345680000000000000;
    json.loads reads that back as an int, orjson as the float the event was
    hashed with. The fast path must not accept what the reference refuses."""
    _postgres_only(ctx)
    AuditEventFactory(payload={"x": 1.2345678901234568e29})
    db.session.commit()
    verdict = audit.verify_chain()
    assert verdict == _reference_verdict()


def _json_values(text_strategy, *, nan: bool):
    """JSON payloads with the values where encoders differ: unicode and
    control characters, floats (exponents, -0.0, NaN when allowed), integers
    beyond 64 bits, nesting."""
    from hypothesis import strategies as st

    scalars = (st.none() | st.booleans() | st.integers(-(2**80), 2**80) | text_strategy
               | st.floats(allow_nan=nan, allow_infinity=nan)
               | st.sampled_from([1e16, 1e-7, -0.0, 1e22, 1.5e300, 5e-324, 1.2345678901234568e29,
                                  2**63, 2**64, -(2**63) - 1, 0.1]))
    return st.dictionaries(text_strategy, st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text_strategy, inner, max_size=3),
        max_leaves=10), max_size=4)


def _texts(*, nul: bool):
    from hypothesis import strategies as st

    # Surrogates cannot be UTF-8 encoded, so no event can hold them.
    return st.text(st.characters(exclude_categories=("Cs",), exclude_characters="" if nul else "\x00"),
                   max_size=8)


def _jsonb_like(value):
    """The payload as PostgreSQL's JSONB hands it back: numbers are numeric,
    so a float written with an exponent of 16 or more comes back as an
    integer and -0.0 as 0.0."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        if "e+" in repr(value):
            return int(value)
        return 0.0 if value == 0 else value
    if isinstance(value, dict):
        return {key: _jsonb_like(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonb_like(item) for item in value]
    return value


def test_property_the_fast_verdict_is_the_reference_verdict_for_any_payload():
    """For one event: hashed over payload `recorded`, read back as the JSON
    text of `stored` (as SQLite's JSON text or as JSONB would hand it, or
    another payload altogether), both verifiers give the same verdict."""
    from datetime import datetime

    from hypothesis import given, settings
    from hypothesis import strategies as st

    payloads = _json_values(_texts(nul=True), nan=True)

    @settings(max_examples=400, deadline=None)
    @given(recorded=payloads, other=payloads, form=st.sampled_from(["sqlite", "jsonb", "other"]),
           micro=st.sampled_from([0, 1, 999_999]))
    def check(recorded, other, form, micro):
        at = datetime(2026, 12, 2, 10, 0, 0, micro)
        event = {"seq": 1, "at": at.isoformat(timespec="microseconds") + "+00:00", "actor_id": None,
                 "actor": "tests", "action": "test.property", "object_type": "test", "object_id": None,
                 "cycle_id": None, "payload": recorded, "prev_hash": audit_chain.GENESIS}
        stored = {"sqlite": recorded, "jsonb": _jsonb_like(recorded), "other": other}[form]
        row = (1, at, None, "tests", "test.property", "test", None, None, json.dumps(stored),
               audit_chain.GENESIS, audit_chain.event_hash(event))
        fast = audit._verify_batches([[row]], audit_chain.GENESIS, 1)
        reference = audit_chain.verify([audit._reference_event(row)])
        assert fast == reference
        if form == "sqlite":
            assert fast.ok, fast  # what was recorded verifies

    check()


def test_property_the_fast_verdict_is_the_reference_verdict_on_the_database(app, ctx):
    """Events recorded through the service with random payloads, one of
    them perhaps overwritten behind the app's back: verify_chain() and the
    reference agree on the stored chain, on SQLite and on PostgreSQL."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from sqlalchemy import update

    from awards_app.models import AuditEvent
    from tests.conftest import reset_database

    # What both databases store: no NUL character, no NaN or infinity.
    payloads = _json_values(_texts(nul=False), nan=False)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(recorded=st.lists(payloads, min_size=1, max_size=3),
           forged=st.none() | st.tuples(st.integers(0, 2), payloads))
    def check(recorded, forged):
        reset_database(app)
        for payload in recorded:
            audit.record(TESTS_ACTOR, "test.property", None, payload, object_type="test")
        db.session.commit()
        if forged is not None:
            seq, payload = forged[0] % len(recorded) + 1, forged[1]
            _tamper(update(AuditEvent.__table__).where(AuditEvent.seq == seq).values(payload=payload))
        assert audit.verify_chain() == _reference_verdict()

    check()


def test_numbers_jsonb_rewrites_are_recorded_as_it_stores_them(runner, ctx):
    """-0.0 (a judge may type "-0" on a 0-10 scale) and floats written with an
    exponent come back from PostgreSQL's JSONB as 0.0 and as integers: the
    event is hashed with what the database will give back, so it verifies."""
    event = audit.record(TESTS_ACTOR, "numbers", payload={
        "score": -0.0, "big": 1e16, "bigger": 1.2345678901234568e29, "small": 1e-7,
        "nested": [{"v": -0.0}, 7.5]})
    db.session.commit()
    assert event.payload == {"score": 0.0, "big": 10**16, "bigger": 123456789012345680000000000000,
                             "small": 1e-7, "nested": [{"v": 0.0}, 7.5]}
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
