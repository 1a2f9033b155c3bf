"""A person's data for their right of access (GDPR articles 15 and 20):
everything held about them, nothing that opens their account, nothing of
anyone else's; from the secretariat's page and the CLI; audited."""

import json

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent
from awards_app.services import conflicts, judges, nominations, panels
from tests import builders, factories
from tests.factories import TESTS_ACTOR


def _world():
    cycle = builders.open_cycle("derek_gray_medal")
    judge = builders.judge("marta@example.org", name="Marta Costa")
    judges.add_relation(TESTS_ACTOR, judges.profile_of(judge), "Lia Costa", "lia@example.org", "family")
    panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    nominator = factories.UserFactory(email="nina@example.org", roles=("nominator",))
    candidate = factories.PersonFactory(name="Grace Mbeki", email="grace@example.org")
    nomination = nominations.create_draft(nominator, cycle, candidate=candidate, statement="Science clubs.")
    nomination.declared_relations = [{"name": "Marta Costa", "email": "marta@example.org", "kind": "collaborator"}]
    nominations.submit(nominator, nomination)
    conflicts.declare(judge, nomination, "collaborator", "I co-wrote her last paper.")
    other = factories.UserFactory(email="someone.else@example.org", roles=("judge",))
    db.session.commit()
    return judge, nomination, other


def test_the_secretariat_downloads_everything_held_about_a_judge(client, auth, ctx):
    judge, nomination, other = _world()
    admin = factories.UserFactory(email="admin@example.org", roles=("admin",))
    db.session.commit()
    auth.login(admin.email)
    page = client.get(f"/admin/users/{judge.id}").get_data(as_text=True)
    assert "Download their data (JSON)" in page
    response = client.post(f"/admin/users/{judge.id}/personal-data")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["person"]["name"] == "Marta Costa"
    assert [a["email"] for a in document["accounts"]] == ["marta@example.org"]
    assert "password_hash" not in document["accounts"][0] and "totp_secret" not in document["accounts"][0]
    assert document["judge_profile"]["relations"][0]["name"] == "Lia Costa"
    assert document["judge_profile"]["expertise"]
    assert {(c["source"], c["rule"], c["note"]) for c in document["conflicts"]} == {
        ("declared", "coi.declared", "I co-wrote her last paper."),
        ("detected", "coi.declared_by_nominator", None)}
    assert document["named_by_others"] == [{"where": "nomination", "nomination_id": nomination.id,
                                            "relation": nomination.declared_relations[0]}]
    actions = {e["action"] for e in document["audit_events"]}
    assert "conflict.declared" in actions
    assert "someone.else@example.org" not in json.dumps(document)
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.exported")).all()
    assert [e.actor_id for e in exported] == [admin.id] and "Marta" not in json.dumps(exported[0].payload)


def test_the_cli_exports_by_email_and_refuses_an_unknown_person(runner, ctx):
    _world()
    result = runner.invoke(args=["privacy", "export", "NINA@example.org"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [n["statement"] for n in document["nominations_made"]] == ["Science clubs."]
    refused = runner.invoke(args=["privacy", "export", "nobody@example.org"])
    assert refused.exit_code != 0 and "No person is nobody@example.org" in refused.output


def test_only_the_secretariat_exports(client, auth, ctx):
    judge, _, other = _world()
    auth.login(other.email)
    assert client.post(f"/admin/users/{judge.id}/personal-data").status_code in (403, 404)
