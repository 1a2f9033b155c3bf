"""Forgetting a person (GDPR art. 17; issue 19): after `flask privacy erase`
no value of theirs is left in any table, in a backup taken afterwards or in
a cycle's bundle, and the audit log still verifies; decisions and scores
remain, under a pseudonym. Retention forgets login addresses and candidates
never chosen on schedule. The log's hashed form never held the values."""

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from awards_app import audit_bundle, audit_tree
from awards_app.extensions import db
from awards_app.models import (
    AuditEvent,
    AuditSignedCheckpoint,
    ConflictOfInterest,
    Nomination,
    Person,
    PersonalValue,
    User,
)
from awards_app.services import (
    Forbidden,
    ServiceError,
    audit,
    audit_bundles,
    audit_log,
    conflicts,
    endorsements,
    erasure,
    judges,
    nominations,
    panels,
    personal_values,
    users,
)
from awards_app.services.erasure import pseudonym
from tests import builders, factories
from tests.factories import TESTS_ACTOR

ORIGIN = "awards.test.milset.org/audit"
SIGNER, VERIFIER = audit_tree.generate_key(ORIGIN)
JUDGE_EMAIL, JUDGE_NAME = "marta.costa@example.org", "Marta Costa"
CANDIDATE_EMAIL, CANDIDATE_NAME = "grace.mbeki@example.org", "Grace Mbeki"
IP = "198.51.100.77"


def _world():
    """A judge who logged in, declared a relation and a conflict note; a
    candidate nominated, endorsed and named by the nominator as close to
    the judge (so detection writes evidence naming both)."""
    cycle = builders.open_cycle("derek_gray_medal")
    judge = builders.judge(JUDGE_EMAIL, name=JUDGE_NAME)
    users.record_login(judge, IP)
    judges.add_relation(TESTS_ACTOR, judges.profile_of(judge), "Lia Costa", "lia@example.org", "family")
    panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    nominator = factories.UserFactory(email="nina@example.org", roles=("nominator",))
    candidate = factories.PersonFactory(name=CANDIDATE_NAME, email=CANDIDATE_EMAIL)
    nomination = nominations.create_draft(nominator, cycle, candidate=candidate,
                                          statement=f"{CANDIDATE_NAME} founded science clubs.")
    nomination.declared_relations = [{"name": JUDGE_NAME, "email": JUDGE_EMAIL, "kind": "collaborator"}]
    endorsements.request(nominator, nomination, "ed.endorser@example.org")
    nominations.submit(nominator, nomination)
    conflicts.declare(judge, nomination, "collaborator", f"I co-wrote a paper with {CANDIDATE_NAME}.")
    db.session.commit()
    return cycle, judge, candidate, nomination


def _everything_as_text() -> dict[str, str]:
    """Every table's rows as text, table by table."""
    dump = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            dump[table.name] = "\n".join(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    return dump


def _mentions(dump: dict, *needles) -> dict[str, list[str]]:
    return {table: [n for n in needles if n.lower() in content.lower()]
            for table, content in dump.items() if any(n.lower() in content.lower() for n in needles)}


def _sign():
    size, root = audit_log.head()  # what `flask audit checkpoint` signs
    note = audit_tree.sign_checkpoint(audit_tree.Checkpoint(ORIGIN, size, root), [audit_tree.parse_signer_key(SIGNER)])
    db.session.add(AuditSignedCheckpoint(size=size, root=root.hex(), note=note))
    db.session.commit()


def test_the_logs_hashed_form_holds_no_personal_value(ctx):
    _world()
    events = _mentions({"audit_event": _everything_as_text()["audit_event"]},
                       JUDGE_EMAIL, JUDGE_NAME, CANDIDATE_EMAIL, CANDIDATE_NAME, IP, "lia@example.org",
                       "ed.endorser@example.org", "co-wrote")
    assert events == {}
    # The values are held apart, each opening its commitment.
    kinds = set(db.session.scalars(select(PersonalValue.kind)))
    assert {"address", "note", "relation", "evidence", "email"} <= kinds


def test_erasing_a_judge_and_a_candidate_leaves_no_value_and_the_log_verifies(ctx, runner, tmp_path):
    cycle, judge, candidate, nomination = _world()
    before = _everything_as_text()
    assert _mentions(before, JUDGE_EMAIL, CANDIDATE_NAME)  # the test can fail: they are there first

    for who in (JUDGE_EMAIL, CANDIDATE_EMAIL):
        result = runner.invoke(args=["privacy", "erase", who, "--reason", "their request of 1 December", "--yes"])
        assert result.exit_code == 0, result.output
        assert "is now Erased person" in result.output
    db.session.expire_all()

    after = _everything_as_text()
    assert _mentions(after, JUDGE_EMAIL, JUDGE_NAME, CANDIDATE_EMAIL, CANDIDATE_NAME, IP, "co-wrote") == {}
    # Decisions and scores stay, pseudonymous; the account is closed.
    assert db.session.get(Person, candidate.id).name == pseudonym(candidate.id)
    assert db.session.get(Nomination, nomination.id).state == "submitted"
    account = db.session.get(User, judge.id)
    assert not account.active and account.password_hash is None
    assert db.session.scalar(select(func.count()).select_from(ConflictOfInterest)) > 0
    # Another person's data is untouched.
    assert "nina@example.org" in after["user_account"] and "lia@example.org" not in after["judge_profile"]

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    erased = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erased")).all()
    assert len(erased) == 2 and all("Costa" not in json.dumps(e.payload) for e in erased)

    # A backup taken afterwards carries none of it.
    backup = tmp_path / "after.backup"
    made = runner.invoke(args=["backup", "create", str(backup)])
    assert made.exit_code == 0, made.output
    content = _backup_text(backup)
    assert JUDGE_EMAIL not in content and CANDIDATE_NAME not in content and IP not in content

    # Nor does the cycle's bundle, which still verifies.
    _sign()
    bundle = json.loads(json.dumps(audit_bundles.build(cycle), default=str))
    assert _mentions({"bundle": json.dumps(bundle)}, JUDGE_EMAIL, JUDGE_NAME, CANDIDATE_NAME) == {}
    checked = audit_bundle.verify(bundle, [VERIFIER])
    assert checked.ok, checked.problems


def _backup_text(path) -> str:
    """The backup's bytes as text; a pg_dump archive is compressed, so it is read through pg_restore."""
    raw = path.read_bytes()
    if raw.startswith(b"PGDMP"):
        if shutil.which("pg_restore") is None:
            pytest.skip("pg_restore is not installed")
        return subprocess.run(["pg_restore", "--file=-", str(path)], check=True, capture_output=True,  # noqa: S603, S607
                              text=True).stdout
    return raw.decode("latin-1")


def test_an_erased_value_reads_as_erased_where_the_log_is_shown(ctx):
    _world()
    declared = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.declared"))
    assert personal_values.reveal([declared.payload])[0]["note"].startswith("I co-wrote")
    candidate = db.session.scalar(select(Person).where(Person.email == CANDIDATE_EMAIL))
    erasure.erase(factories.UserFactory(roles=("admin",)), candidate, "their request")
    db.session.commit()
    # The judge's note named the candidate: it is forgotten with her.
    assert personal_values.reveal([declared.payload])[0]["note"] == {"erased": True}


def test_the_erasure_needs_the_secretariat_and_a_reason(ctx):
    _cycle, judge, candidate, _nomination = _world()
    with pytest.raises(Forbidden):
        erasure.erase(judge, candidate, "their request")
    admin = factories.UserFactory(roles=("admin",))
    with pytest.raises(ServiceError) as refused:
        erasure.erase(admin, candidate, "  ")
    assert refused.value.rule == "privacy.reason_required"
    with pytest.raises(ServiceError) as refused:
        erasure.erase(admin, admin.person, "my own request")
    assert refused.value.rule == "privacy.not_oneself"


def test_retention_forgets_old_login_addresses_and_old_candidates_never_chosen(ctx, runner):
    old_cycle = builders.open_cycle("derek_gray_medal", year=2019)
    nominator = factories.UserFactory(roles=("nominator",))
    forgotten = nominations.create_draft(nominator, old_cycle, statement="Long ago.", candidate=factories.PersonFactory(
        name="Olga Forgotten", email="olga@example.org")).candidate_person
    old_cycle.state = "announced"
    recent = builders.open_cycle("volunteer_award", year=2027)
    kept = nominations.create_draft(nominator, recent, statement="This year.", candidate=factories.PersonFactory(
        name="Rita Recent", email="rita@example.org")).candidate_person
    user = factories.UserFactory(email="ivan@example.org")
    users.record_login(user, "192.0.2.10")
    db.session.commit()
    logged_at = db.session.scalar(select(PersonalValue.recorded_at).where(PersonalValue.kind == "address"))

    soon = runner.invoke(args=["privacy", "retention", "--now", (logged_at + timedelta(days=10)).isoformat()])
    assert soon.exit_code == 0, soon.output
    addresses = select(func.count()).select_from(PersonalValue).where(PersonalValue.kind == "address")
    assert db.session.scalar(addresses) == 1

    later = logged_at + timedelta(days=91)
    result = runner.invoke(args=["privacy", "retention", "--now", later.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 login addresses forgotten" in result.output
    db.session.expire_all()
    assert db.session.scalar(addresses) == 0
    # 2019 + 5 years is past (2026 or later): the 2019 candidate is erased, this year's is not.
    assert db.session.get(Person, forgotten.id).name == pseudonym(forgotten.id)
    assert db.session.get(Person, kept.id).name == "Rita Recent"
    again = runner.invoke(args=["privacy", "retention", "--now", later.isoformat()])
    assert "0 login addresses forgotten; 0 people erased" in again.output
    assert audit.verify_chain().ok
    assert "olga@example.org" not in json.dumps(_everything_as_text())
