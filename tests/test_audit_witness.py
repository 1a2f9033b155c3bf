"""Checkpoints leave the database and the board witnesses them (issue 19):
a ratification signs the log's head and each notice to the board carries
the signed note; the public list shows the checkpoint each decision was
decided under; board members register their own Ed25519 keys and cosign
checkpoints on their profile page; `flask audit verify`, the bundle's
standalone verifier and the board's report check the signatures and the
cosignatures and name what fails."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from awards_app import audit_bundle, audit_tree
from awards_app.extensions import db
from awards_app.models import (
    AuditCosignature,
    AuditEvent,
    AuditSignedCheckpoint,
    OutboxMessage,
    WitnessKey,
)
from awards_app.services import audit_bundles, audit_log, decisions, transitions, volunteer
from tests import builders, factories
from tests.api.conftest import Api, issue_token
from tests.factories import TESTS_ACTOR

ORIGIN = "awards.test/audit"
LOG_SIGNER, LOG_VERIFIER = audit_tree.generate_key("awards.test")
WITNESS_SIGNER, WITNESS_VERIFIER = audit_tree.generate_key("bruno-keller")
STRANGER_SIGNER, STRANGER_VERIFIER = audit_tree.generate_key("bruno-keller")  # same name, another key
VERIFIER_PY = Path(audit_bundle.__file__)


@pytest.fixture
def log_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", LOG_SIGNER)
    monkeypatch.setitem(app.config, "AUDIT_VERIFIER_KEYS", LOG_VERIFIER)
    monkeypatch.setitem(app.config, "AUDIT_ORIGIN", ORIGIN)


@pytest.fixture
def verifier_only(app, monkeypatch):
    """The app holds no signing key (the checkpoints are signed elsewhere, by cron)."""
    monkeypatch.setitem(app.config, "AUDIT_VERIFIER_KEYS", LOG_VERIFIER)
    monkeypatch.setitem(app.config, "AUDIT_ORIGIN", ORIGIN)


@pytest.fixture
def deliberating(ctx):
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    builders.score_all(cycle, judges, noms, (3, 5, 4))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    return cycle, judges[0], noms, board


def _as(client, auth, user):
    auth.logout()
    auth.login(user.email)
    return client


def _ratify(client, auth, cycle, chair, board):
    _as(client, auth, chair).post(f"/chair/cycles/{cycle.id}/recommend", data={"rationale": "The panel agreed."})
    for member in board:
        answer = _as(client, auth, member).post(f"/board/cycles/{cycle.id}",
                                               data={"vote": "approve", "confirmed": "1"})
        assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(cycle), cycle.id).state == "ratified"
    return decisions.final_decision(cycle)


def _notices(subject="Decision ratified"):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains(subject))
                              .order_by(OutboxMessage.id)).all()


def note_in(body: str) -> str:
    """The signed note a notice carries, as a board member would copy it."""
    found = re.search(r"^(\S+/audit\n\d+\n\S+\n\n(?:\u2014 .+\n)+)", body + "\n", re.M)
    assert found, body
    return found.group(1)


def _sign_head_by_cron():
    from awards_app.services import audit_log

    row = audit_log.sign_head(audit_tree.parse_signer_key(LOG_SIGNER))
    db.session.commit()
    return row


# ---------------------------------------------------------------- the notice and the public list


def test_a_ratification_signs_the_head_and_each_board_notice_carries_the_note(deliberating, client, auth,
                                                                             log_key):
    cycle, chair, noms, board = deliberating
    decision = _ratify(client, auth, cycle, chair, board)
    signed = db.session.scalars(select(AuditSignedCheckpoint)).all()
    assert len(signed) == 1
    checkpoint = signed[0]
    # Right after the ratification's events: the decision's event is the last it covers.
    ratified = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.ratified"))
    assert checkpoint.size == ratified.seq
    recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.checkpoint"))
    assert recorded.seq == ratified.seq + 1 and recorded.object_id == str(decision.id)
    assert recorded.payload == {"checkpoint_id": checkpoint.id, "size": checkpoint.size, "root": checkpoint.root,
                                "covers_decision": True}
    notices = _notices()
    assert {m.email for m in board} <= {n.recipient for n in notices}
    assert sorted(n.recipient for n in notices) == [m.email for m in volunteer.board_members()]
    for notice in notices:
        note = note_in(notice.body)
        assert note == checkpoint.note
        checked = audit_tree.verify_checkpoint(note, [LOG_VERIFIER], ORIGIN)
        assert checked.signature_checked and checked.checkpoint.size == ratified.seq
        assert "covers the decision" in notice.body
    # A forged copy (another root under the same signature line) is refused.
    body, signatures = note.split("\n\n")
    forged_root = audit_tree.Checkpoint(ORIGIN, checkpoint.size, b"\x07" * 32).body()
    with pytest.raises(audit_tree.SignatureFailed) as refused:
        audit_tree.verify_checkpoint(forged_root + "\n" + signatures, [LOG_VERIFIER], ORIGIN)
    assert refused.value.reason == "signature_invalid"


def test_without_a_key_the_notice_carries_the_latest_checkpoint_and_says_the_decision_came_after(
        deliberating, client, auth, verifier_only):
    cycle, chair, noms, board = deliberating
    earlier = _sign_head_by_cron()
    _ratify(client, auth, cycle, chair, board)
    assert db.session.scalar(select(func.count()).select_from(AuditSignedCheckpoint)) == 1  # nothing signed
    recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.checkpoint"))
    assert recorded.payload["size"] == earlier.size and recorded.payload["covers_decision"] is False
    for notice in _notices():
        assert note_in(notice.body) == earlier.note
        assert "the decision came after the latest signed checkpoint" in notice.body


def test_without_any_checkpoint_the_notice_says_so(deliberating, client, auth, verifier_only):
    cycle, chair, noms, board = deliberating
    _ratify(client, auth, cycle, chair, board)
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.checkpoint")).all()
    assert all("has no signed checkpoint yet" in n.body for n in _notices())


def test_the_public_list_shows_the_checkpoint_each_decision_was_decided_under(deliberating, client, auth,
                                                                              log_key):
    cycle, chair, noms, board = deliberating
    _ratify(client, auth, cycle, chair, board)
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "announce", as_role="admin")
    db.session.commit()
    checkpoint = db.session.scalars(select(AuditSignedCheckpoint)).one()
    auth.logout()
    page = client.get("/laureates").get_data(as_text=True)
    link = f"/laureates/checkpoints/{checkpoint.id}.txt"
    assert link in page and f"log size {checkpoint.size}" in page
    note = client.get(link)
    assert note.status_code == 200 and note.mimetype == "text/plain"
    assert note.get_data(as_text=True) == checkpoint.note
    assert client.get(f"/laureates/checkpoints/{checkpoint.id + 99}.txt").status_code == 404


# ---------------------------------------------------------------- witnesses


def _board_member():
    member = factories.UserFactory(roles=("board",))
    db.session.commit()
    return member


def _register(client, key=WITNESS_VERIFIER):
    return client.post("/account/witness/keys", data={"verifier_key": key})


def _cosign(client, checkpoint, line):
    return client.post("/account/witness/cosign", data={"checkpoint_id": checkpoint.id, "signature": line})


def _line(signer, note) -> str:
    """What `audit_bundle.py cosign` prints."""
    text = audit_tree.parse_note(note).text
    return audit_tree.parse_note(audit_tree.sign_note(text, [signer])).signatures[-1].line()


@pytest.mark.parametrize(("key", "rule"), [
    ("", "witness.key_required"),
    ("bruno+1234abcd+AAAA", "witness.key_malformed"),
    (WITNESS_SIGNER, "witness.private_key"),
    (LOG_VERIFIER, "witness.key_is_the_logs"),
], ids=["empty", "malformed", "private key", "the log's key"])  # the keys are made per run: xdist's workers must agree
def test_a_key_that_is_not_a_witness_verifier_key_is_refused_with_its_rule(ctx, client, auth, log_key, key, rule):
    member = _board_member()
    answer = _register(_as(client, auth, member), key)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and (rule in page or key == "")
    assert db.session.scalar(select(func.count()).select_from(WitnessKey)) == 0
    if key and key != WITNESS_SIGNER:
        assert key in page  # what was typed is kept (a private key is not echoed back)


def test_a_board_member_registers_a_key_cosigns_and_a_wrong_line_is_refused(ctx, client, auth, log_key):
    factories.AuditEventFactory(payload={"n": 1})
    checkpoint = _sign_head_by_cron()
    member = _board_member()
    _as(client, auth, member)
    page = client.get("/account/witness/").get_data(as_text=True)
    assert checkpoint.note.split("\n")[2] in page  # the checkpoint to cosign, as text
    # Before a key, a line is refused.
    refused = _cosign(client, checkpoint, _line(WITNESS_SIGNER, checkpoint.note))
    assert refused.status_code == 400 and "witness.no_key" in refused.get_data(as_text=True)
    assert _register(client).status_code == 303
    key = db.session.scalars(select(WitnessKey)).one()
    assert key.user_id == member.id and key.verifier_key == WITNESS_VERIFIER
    assert _register(client).status_code == 400  # twice: witness.key_registered
    forged_text = audit_tree.Checkpoint(ORIGIN, checkpoint.size, b"\x01" * 32).body()
    wrong = {
        "witness.signature_unknown_key": _line(STRANGER_SIGNER, checkpoint.note),
        "witness.signature_invalid": _line(WITNESS_SIGNER, forged_text + "\n" + "\u2014 x AAAAAAA=\n"),
        "witness.signature_malformed": "-- bruno-keller abc",
    }
    for rule, line in wrong.items():
        answer = _cosign(client, checkpoint, line)
        assert answer.status_code == 400 and rule in answer.get_data(as_text=True), rule
    assert db.session.scalar(select(func.count()).select_from(AuditCosignature)) == 0
    line = _line(WITNESS_SIGNER, checkpoint.note)
    assert _cosign(client, checkpoint, line).status_code == 303
    stored = db.session.scalars(select(AuditCosignature)).one()
    assert stored.checkpoint_id == checkpoint.id and stored.witness_key_id == key.id and stored.signature == line
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "witness.cosigned"))
    assert event.payload == {"checkpoint_id": checkpoint.id, "size": checkpoint.size, "root": checkpoint.root,
                             "witness_key_id": key.id}
    assert "You have cosigned this checkpoint" in client.get("/account/witness/").get_data(as_text=True)
    again = _cosign(client, checkpoint, line)
    assert again.status_code == 400 and "witness.already_cosigned" in again.get_data(as_text=True)


def test_a_key_is_retired_by_its_owner_only_and_cosigns_no_more(ctx, client, auth, log_key):
    factories.AuditEventFactory(payload={"n": 1})
    checkpoint = _sign_head_by_cron()
    owner, other = _board_member(), _board_member()
    _register(_as(client, auth, owner))
    key = db.session.scalars(select(WitnessKey)).one()
    assert _as(client, auth, other).post(f"/account/witness/keys/{key.id}/retire").status_code == 404
    db.session.refresh(key)
    assert key.retired_at is None
    assert _as(client, auth, owner).post(f"/account/witness/keys/{key.id}/retire").status_code == 303
    db.session.refresh(key)
    assert key.retired_at is not None
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "witness.key_retired"))
    refused = _cosign(client, checkpoint, _line(WITNESS_SIGNER, checkpoint.note))
    assert refused.status_code == 400 and "witness.no_key" in refused.get_data(as_text=True)


def test_only_the_board_witnesses(ctx, client, auth, log_key):
    judge = factories.UserFactory(roles=("judge",))
    db.session.commit()
    _as(client, auth, judge)
    assert client.get("/account/witness/").status_code == 404
    assert _register(client).status_code == 404
    assert "Witness the audit log" not in client.get("/account/").get_data(as_text=True)


def _cosigned(client, auth):
    factories.AuditEventFactory(payload={"n": 1})
    checkpoint = _sign_head_by_cron()
    member = _board_member()
    _register(_as(client, auth, member))
    assert _cosign(client, checkpoint, _line(WITNESS_SIGNER, checkpoint.note)).status_code == 303
    return checkpoint, member


def _behind_the_apps_back(statement, **params):
    """What the database's owner can do, triggers or not."""
    from sqlalchemy import text

    from awards_app.services.db_roles import owner_engine

    db.session.rollback()
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(statement), params)


def test_verify_checks_every_cosignature_and_names_a_bad_one(ctx, client, auth, runner, log_key):
    checkpoint, _member = _cosigned(client, auth)
    good = runner.invoke(args=["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert "Cosignatures by the board's witnesses verified: 1." in good.output
    stored = db.session.scalars(select(AuditCosignature)).one()
    # Another checkpoint's cosignature put in its place: well formed, but not over this text.
    other = audit_tree.Checkpoint(ORIGIN, checkpoint.size, b"\x02" * 32).body()
    _behind_the_apps_back("UPDATE audit_cosignature SET signature = :line WHERE id = :id",
                          line=_line(WITNESS_SIGNER, other + "\n\u2014 x AAAAAAA=\n"), id=stored.id)
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert (f"cosignature {stored.id} by witness key {stored.witness_key_id} (bruno-keller) on checkpoint "
            f"{checkpoint.id} (size {checkpoint.size}): signed note: the signature by bruno-keller does not verify"
            in bad.output)


# ---------------------------------------------------------------- the bundle and the API


def test_the_bundle_carries_the_cosignatures_and_the_verifier_checks_those_it_has_keys_for(
        ctx, client, auth, log_key):
    cycle = builders.open_cycle("derek_gray_medal")
    db.session.commit()
    _cosigned(client, auth)
    bundle = json.loads(json.dumps(audit_bundles.build(cycle), default=str))
    assert len(bundle["cosignatures"]["checkpoint"]) == 1
    plain = audit_bundle.verify(bundle, [LOG_VERIFIER])
    assert plain.ok and any("cosignature by bruno-keller NOT checked (no --witness key" in n for n in plain.notes)
    witnessed = audit_bundle.verify(bundle, [LOG_VERIFIER], witnesses=[WITNESS_VERIFIER])
    assert witnessed.ok and "bundle checkpoint: cosigned by witness bruno-keller (verified)" in witnessed.notes
    stranger = audit_bundle.verify(bundle, [LOG_VERIFIER], witnesses=[STRANGER_VERIFIER])
    assert stranger.ok and "bundle checkpoint: no cosignature by witness bruno-keller" in stranger.notes
    line = bundle["cosignatures"]["checkpoint"][0]
    bundle["cosignatures"]["checkpoint"] = [line[:-6] + ("A" if line[-6] != "A" else "B") + line[-5:]]
    tampered = audit_bundle.verify(bundle, [LOG_VERIFIER], witnesses=[WITNESS_VERIFIER])
    assert not tampered.ok and "cosignature by witness bruno-keller does not verify" in tampered.problems[0]


def test_the_api_gives_the_signed_bundle_once_a_checkpoint_exists(ctx, client, auth, log_key):
    cycle = builders.open_cycle("derek_gray_medal")
    member = _board_member()
    token = issue_token(member)
    api = Api(client)
    url = f"/api/v1/cycles/{cycle.id}/report-bundle"
    assert api.get(url, token).json["format"] == "milset-audit-bundle/1"
    _sign_head_by_cron()
    bundle = api.get(url, token).json
    assert bundle["format"] == "milset-audit-bundle/3"
    assert bundle == json.loads(_as(client, auth, member).get(f"/reports/cycles/{cycle.id}/bundle.json")
                                .get_data(as_text=True))  # as the report page gives it
    result = audit_bundle.verify(bundle, [LOG_VERIFIER])
    assert result.ok, result.problems
    assert result.events == len(bundle["events"]) > 0


# ---------------------------------------------------------------- the report


def test_the_report_shows_the_checkpoint_the_decision_was_decided_under(deliberating, client, auth, log_key):
    cycle, chair, noms, board = deliberating
    _ratify(client, auth, cycle, chair, board)
    checkpoint = db.session.scalars(select(AuditSignedCheckpoint)).one()
    _register(_as(client, auth, board[0]))
    assert _cosign(client, checkpoint, _line(WITNESS_SIGNER, checkpoint.note)).status_code == 303
    factories.AuditEventFactory(payload={"n": "later"})
    _sign_head_by_cron()
    page = _as(client, auth, board[1]).get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    section = page[page.index('id="checkpoint"'):page.index('id="time-h"')]
    assert "The checkpoint the decision was decided under, signed right after it" in section
    assert checkpoint.root in section and f"<dd>{checkpoint.size}</dd>" in section
    assert "Its signature verifies with the log's verifier key (awards.test)" in section
    assert "extends it: the log was only appended to since" in section
    assert board[0].name in section and "bruno-keller" in section
    assert "✓ The checkpoint holds" in section and "✗" not in section
    assert client.get(f"/reports/cycles/{cycle.id}/report.pdf").status_code == 200  # the same section, printed


def test_the_report_shows_a_forged_checkpoint_as_failing(deliberating, client, auth, log_key):
    cycle, chair, noms, board = deliberating
    _ratify(client, auth, cycle, chair, board)
    genuine = db.session.scalars(select(AuditSignedCheckpoint)).one()
    factories.AuditEventFactory(payload={"n": "later"})
    db.session.commit()
    # A checkpoint signed with a key of the database owner's own, appended as the latest.
    size = genuine.size + 1
    root = audit_log.StoredTree(audit_log.head()[0]).hash_range(0, size)
    note = audit_tree.sign_checkpoint(audit_tree.Checkpoint(ORIGIN, size, root), [STRANGER_SIGNER])
    db.session.add(AuditSignedCheckpoint(size=size, root=root.hex(), note=note))
    db.session.commit()
    page = _as(client, auth, board[0]).get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    section = page[page.index('id="checkpoint"'):page.index('id="time-h"')]
    assert "✗ The checkpoint does not hold" in section
    assert f"✗ The latest checkpoint (log size {size}) does not verify" in section
    assert "no signature by a trusted key" in section
    # A forged checkpoint of a rewritten log: signed with the stranger's key and not consistent.
    forged = audit_tree.sign_checkpoint(audit_tree.Checkpoint(ORIGIN, size + 5, b"\x03" * 32), [STRANGER_SIGNER])
    db.session.add(AuditSignedCheckpoint(size=size + 5, root=(b"\x03" * 32).hex(), note=forged))
    db.session.commit()
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    section = page[page.index('id="checkpoint"'):page.index('id="time-h"')]
    assert "✗ It is not consistent with the latest checkpoint" in section


# ---------------------------------------------------------------- the standalone tools


def test_witness_keygen_and_cosign_make_a_line_the_profile_page_accepts(ctx, client, auth, log_key, tmp_path):
    factories.AuditEventFactory(payload={"n": 1})
    checkpoint = _sign_head_by_cron()
    made = subprocess.run([sys.executable, str(VERIFIER_PY), "witness-keygen", "beatriz-2027"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    private = tmp_path / "beatriz-2027.witness-key"
    assert private.stat().st_mode & 0o777 == 0o600
    verifier = made.stdout.strip().splitlines()[-1]
    assert audit_tree.parse_verifier_key(verifier).name == "beatriz-2027"
    again = subprocess.run([sys.executable, str(VERIFIER_PY), "witness-keygen", "beatriz-2027"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
    (tmp_path / "checkpoint.txt").write_text(checkpoint.note, encoding="utf-8")
    cosign = [sys.executable, str(VERIFIER_PY), "cosign", "--key", str(private), "checkpoint.txt"]
    refused = subprocess.run([*cosign, "--log-key", STRANGER_VERIFIER], cwd=tmp_path, capture_output=True,
                             text=True)
    assert refused.returncode == 1 and "no signature by a trusted key" in refused.stderr
    signed = subprocess.run([*cosign, "--log-key", LOG_VERIFIER], cwd=tmp_path, capture_output=True, text=True,
                            check=True)
    assert signed.stdout.startswith("\u2014 beatriz-2027 ") and signed.stdout.count("\n") == 1
    member = _board_member()
    _register(_as(client, auth, member), verifier)
    assert _cosign(client, checkpoint, signed.stdout).status_code == 303
