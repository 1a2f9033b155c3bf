import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.services import audit
from tests.factories import AuditEventFactory


def _three_events():
    for i in range(3):
        AuditEventFactory(payload={"n": i, "text": "é ü 漢"})
    db.session.commit()


def test_an_intact_chain_verifies_with_its_head_hash(runner, ctx):
    _three_events()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    ok, count, head, _ = audit.verify_chain()
    assert ok and count == 3
    assert head in result.output and "3 events" in result.output


def test_a_row_changed_behind_the_apps_back_is_named(runner, ctx):
    _three_events()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_event SET action = 'forged' WHERE seq = 2"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_a_deleted_event_is_found(runner, ctx):
    _three_events()
    with db.engine.begin() as conn:
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
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    ok, count, _, _ = audit.verify_chain()
    assert ok and count == 3


def test_fifty_concurrent_appends_leave_one_linear_chain(app, ctx):
    from concurrent.futures import ThreadPoolExecutor

    _postgres_only(ctx)

    def append(i):
        with app.app_context():
            audit.record(f"thread-{i}", "test.concurrent", None, {"i": i}, object_type="test")
            db.session.commit()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(append, range(50)))
    ok, count, _, problem = audit.verify_chain()
    assert ok, problem
    assert count == 50


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
