"""A cycle's audit bundle in the Merkle form (issue 19): only that cycle's
events, each proved against a signed checkpoint; the standalone verifier
takes the tree head only from a checkpoint the key verifies or the reader
holds, never from the bundle's word."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from awards_app import audit_bundle, audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSignedCheckpoint
from awards_app.services import ServiceError, audit, audit_bundles, audit_log
from tests import builders
from tests.factories import TESTS_ACTOR

ORIGIN = "awards.test.milset.org/audit"
SIGNER, VERIFIER = audit_tree.generate_key(ORIGIN)
OTHER_SIGNER, OTHER_VERIFIER = audit_tree.generate_key(ORIGIN)


def _sign(signer=SIGNER) -> AuditSignedCheckpoint:
    """What `flask audit checkpoint` stores: the head, signed."""
    size, root = audit_log.head()  # what `flask audit checkpoint` signs
    note = audit_tree.sign_checkpoint(audit_tree.Checkpoint(ORIGIN, size, root), [audit_tree.parse_signer_key(signer)])
    row = AuditSignedCheckpoint(size=size, root=root.hex(), note=note)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def two_cycles(ctx):
    first = builders.open_cycle("derek_gray_medal")
    second = builders.open_cycle("volunteer_award", year=2027)
    audit.record(TESTS_ACTOR, "auth.login", None, {"ip": "203.0.113.9"})  # of no cycle
    db.session.commit()
    return first, second


def test_a_bundle_holds_its_cycles_events_only_and_verifies(two_cycles):
    first, second = two_cycles
    _sign()
    bundle = audit_bundles.build(first)
    own = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.cycle_id == first.id))
    assert len(bundle["events"]) == own > 0
    assert {e["cycle_id"] for e in bundle["events"]} == {first.id}
    result = audit_bundle.verify(json.loads(json.dumps(bundle, default=str)), [VERIFIER])
    assert result.ok, result.problems
    assert result.events == own


@pytest.mark.parametrize(("tamper", "named"), [
    (lambda b: b["events"][0]["payload"].update(note="rewritten"), "event seq"),
    (lambda b: b["events"][0].update(seq=b["events"][0]["seq"] + 1), "event seq"),
    (lambda b: b["events"][0].update(cycle_id=b["cycle"]["id"] + 1), "not of cycle"),
    (lambda b: b["proof"].pop(), "nothing covers leaves"),
    (lambda b: b["events"].pop() and b["leaves"].pop(), "nothing covers leaves"),  # an event left out
    (lambda b: b.pop("leaves") and b["events"][0].update(action="forged"), "do not give the checkpoint's root"),
    (lambda b: b["proof"][0].__setitem__(2, "00" * 32), "do not give the checkpoint's root"),
    (lambda b: b.update(origin="elsewhere.example/audit"), "origin"),
    (lambda b: b.update(checkpoint=b["checkpoint"].replace("\n\n", "\n\nx")), ""),
])
def test_an_edited_bundle_fails_and_says_where(two_cycles, tamper, named):
    first, _ = two_cycles
    _sign()
    bundle = json.loads(json.dumps(audit_bundles.build(first), default=str))
    tamper(bundle)
    result = audit_bundle.verify(bundle, [VERIFIER])
    assert not result.ok and named in " ".join(result.problems)


def test_the_header_is_never_taken_on_its_word(two_cycles):
    first, _ = two_cycles
    _sign(OTHER_SIGNER)  # a checkpoint the database owner signed with a key of their own
    bundle = json.loads(json.dumps(audit_bundles.build(first), default=str))
    assert not audit_bundle.verify(bundle, [VERIFIER]).ok
    assert not audit_bundle.verify(bundle, []).ok  # no key, no checkpoint held: nothing to trust


def test_an_older_checkpoint_is_proved_consistent_with_the_latest(two_cycles):
    first, second = two_cycles
    held = _sign()
    builders.close_call(second)  # the log grows
    _sign()
    bundle = json.loads(json.dumps(audit_bundles.build(first, checkpoint=held), default=str))
    assert bundle["latest"] and bundle["consistency"]
    assert audit_bundle.verify(bundle, [VERIFIER], held=held.note).ok
    forged = audit_tree.sign_checkpoint(audit_tree.Checkpoint(ORIGIN, held.size, b"\x01" * 32),
                                        [audit_tree.parse_signer_key(SIGNER)])
    result = audit_bundle.verify(bundle, [VERIFIER], held=forged)
    assert not result.ok and "not this one" in result.problems[0]


def test_no_bundle_before_the_first_signed_checkpoint(two_cycles):
    with pytest.raises(ServiceError) as refused:
        audit_bundles.build(two_cycles[0])
    assert refused.value.rule == audit_bundles.NO_CHECKPOINT


def test_the_verifier_runs_alone_with_the_standard_library(two_cycles, tmp_path):
    first, _ = two_cycles
    _sign()
    source = Path(audit_bundle.__file__).parent
    for name in ("audit_bundle.py", "audit_tree.py", "audit_chain.py"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "bundle.json").write_text(json.dumps(audit_bundles.build(first), default=str))
    # -E -s: no PYTHONPATH, no user packages; the files sit side by side as handed out.
    done = subprocess.run([sys.executable, "-E", "-s", "audit_bundle.py", "bundle.json", "--key", VERIFIER],  # noqa: S603
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("OK ")


def test_the_verifier_reads_on_an_older_python():
    import ast

    ast.parse(Path(audit_bundle.__file__).read_text(), feature_version=(3, 7))


def test_the_report_page_offers_the_signed_bundle_and_its_verifier(two_cycles, client, auth, tmp_path):
    import io
    import zipfile

    from tests import factories

    first, _ = two_cycles
    factories.UserFactory(email="auditor@example.org", roles=("auditor",))
    db.session.commit()
    auth.login("auditor@example.org")
    assert client.get(f"/reports/cycles/{first.id}/bundle.json").get_json()["format"] == "milset-audit-bundle/1"
    _sign()
    bundle = client.get(f"/reports/cycles/{first.id}/bundle.json").get_json()
    assert bundle["format"] == audit_bundle.FORMAT
    archive = zipfile.ZipFile(io.BytesIO(client.get("/reports/verifier.zip").data))
    assert sorted(archive.namelist()) == ["audit_bundle.py", "audit_chain.py", "audit_tree.py"]
    archive.extractall(tmp_path)
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    done = subprocess.run([sys.executable, "-E", "-s", "audit_bundle.py", "bundle.json", "--key", VERIFIER],  # noqa: S603
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
