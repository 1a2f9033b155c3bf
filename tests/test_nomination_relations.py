"""People the nominator declares close to the candidate: typed on the
nomination's form (or sent to the API), checked row by row, read by conflict
detection at submission, and kept from the judges."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, ConflictOfInterest, Nomination
from awards_app.services import assignments, conflicts, nominations, panels, transitions
from tests import builders, factories
from tests.api.conftest import Api, issue_token
from tests.conftest import PASSWORD
from tests.factories import TESTS_ACTOR

CLOSE_NAME = "Rosa Relative"


@pytest.fixture
def setting(ctx, make_user):
    """An open call of a delegation award whose panel (a chair, a judge who is
    the candidate's relative, a judge who is not) formed before submission."""
    cycle = builders.open_cycle("best_delegation_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    factories.ParticipantFactory(delegation=delegation, birth_date=date(2016, 1, 1))
    fields = tuple(cycle.award_type.default_settings.get("required_fields", ()))
    chair = builders.judge("chair@example.org", name="Carmen Chair", fields=fields, roles=("judge", "chair"))
    relative = builders.judge("rosa@example.org", name=CLOSE_NAME, fields=fields)
    neutral = builders.judge("nadia@example.org", name="Nadia Neutral", fields=fields)
    for user, role in ((chair, "chair"), (relative, "member"), (neutral, "member")):
        panels.add_member(TESTS_ACTOR, cycle, user, role)
    nominator = make_user("nominator@example.org", roles=("nominator",), name="Nina Nominator")
    admin = make_user("secretariat@example.org", roles=("admin",), name="Sam Secretariat")
    db.session.commit()
    return {"cycle": cycle, "delegation": delegation, "chair": chair, "relative": relative,
            "neutral": neutral, "nominator": nominator, "admin": admin}


def _rows(*rows):
    """Form data for the rows, each (name, email, kind), as the page posts them."""
    data = {}
    for index, (name, email, kind) in enumerate(rows):
        data.update({f"declared_relations-{index}-name": name, f"declared_relations-{index}-email": email,
                     f"declared_relations-{index}-kind": kind})
    return data


def _nomination():
    return db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()


def _login(client, email):
    client.post("/logout")
    return client.post("/login", data={"email": email, "password": PASSWORD})


def _draft_with_two_relations(client, setting):
    """The nominator's draft, after one refused try: returns the nomination."""
    _login(client, "nominator@example.org")
    url = f"/nominate/cycles/{setting['cycle'].id}/new"
    typed = {"delegation": str(setting["delegation"].id), "statement": "A statement I keep.",
             **_rows((CLOSE_NAME, " ROSA.relative@example.org ", "family"),
                     ("", "carl@example.org", "collaborator"),
                     ("Frank Finance", "frank@example.org", "financial"),
                     ("", "", ""))}
    refused = client.post(url, data=typed)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="declared_relations-1-name-error"' in page
    assert "Give the name of this person close to the candidate. [nomination.relation_name]" in page
    assert 'href="#declared_relations-1-name"' in page  # the summary links to the row's field
    for kept in ("A statement I keep.", CLOSE_NAME, "carl@example.org", "Frank Finance", "frank@example.org"):
        assert kept in page
    assert re.search(r'<option selected value="collaborator">', page)
    assert db.session.scalar(select(Nomination.id)) is None

    typed.update(_rows((CLOSE_NAME, " ROSA.relative@example.org ", "family"), ("", "", ""),
                       ("  Frank   Finance ", "frank@example.org", "financial")))
    saved = client.post(url, data=typed)
    assert saved.status_code == 303
    nomination = _nomination()
    assert nomination.declared_relations == [
        {"name": CLOSE_NAME, "email": "rosa.relative@example.org", "kind": "family"},
        {"name": "Frank Finance", "email": "frank@example.org", "kind": "financial"}]
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "nomination.created"))
    assert created.payload["declared_relations"] == 2
    return nomination


def test_declared_relations_are_saved_refused_row_by_row_and_read_at_submission(client, setting):
    nomination = _draft_with_two_relations(client, setting)
    url = f"/nominations/{nomination.id}"

    form = client.get(url).get_data(as_text=True)
    assert 'value="Frank Finance"' in form
    assert 'name="declared_relations-4-name"' in form  # two filled rows, three spare
    assert 'name="declared_relations-5-name"' not in form

    edit = {"delegation": str(setting["delegation"].id), "statement": "A statement I keep.",
            "version": nomination.version,
            **_rows((CLOSE_NAME, "rosa.relative@example.org", "family"),
                    ("Frank Finance", "frank@example.org", "financial"),
                    ("Olga Other", "olga@not an address", "other"))}
    refused = client.post(url, data=edit)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="declared_relations-2-email-error"' in page and "[nomination.relation_email]" in page
    assert "olga@not an address" in page and "Olga Other" in page
    db.session.refresh(nomination)
    assert len(nomination.declared_relations) == 2

    edit.update(_rows((CLOSE_NAME, "rosa.relative@example.org", "family"), ("", "", ""), ("", "", "")))
    assert client.post(url, data=edit).status_code == 303
    db.session.refresh(nomination)
    assert nomination.declared_relations == [
        {"name": CLOSE_NAME, "email": "rosa.relative@example.org", "kind": "family"}]
    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "nomination.draft_saved")).all()
    assert saved[-1].payload["changed"] == ["declared_relations"]

    assert client.post(f"{url}/submit", data={"version": nomination.version}).status_code == 303
    db.session.refresh(nomination)
    assert nomination.state == "submitted"
    found = db.session.scalars(select(ConflictOfInterest).where(
        ConflictOfInterest.nomination_id == nomination.id,
        ConflictOfInterest.rule == "coi.declared_by_nominator")).all()
    assert [(c.judge_id, c.kind) for c in found] == [(setting["relative"].id, "family")]

    # Submitted: no longer editable, still shown to the nominator.
    shown = client.get(url).get_data(as_text=True)
    assert "People close to the candidate" in shown and CLOSE_NAME in shown and "Family" in shown
    assert 'name="declared_relations-0-name"' not in shown


def _judging(setting, nomination):
    """Screened eligible and in judging, the neutral judge assigned and attested."""
    nominations.screen(setting["admin"], nomination, eligible=True, reason=None)
    for conflict in db.session.scalars(select(ConflictOfInterest)):
        conflicts.resolve(setting["admin"], conflict, "confirm", None)
    builders.close_call(setting["cycle"])
    transitions.fire_cycle_event(TESTS_ACTOR, setting["cycle"], "open_judging", as_role="admin")
    assignments.add(TESTS_ACTOR, nomination, setting["neutral"])
    conflicts.attest_none(setting["neutral"], nomination)
    db.session.commit()


def test_relations_are_shown_to_the_secretariat_and_the_chair_not_to_judges(client, setting):
    nomination = _draft_with_two_relations(client, setting)
    client.post(f"/nominations/{nomination.id}/submit", data={"version": nomination.version})
    db.session.refresh(nomination)
    _judging(setting, nomination)
    url = f"/nominations/{nomination.id}"

    for email in ("secretariat@example.org", "chair@example.org"):
        _login(client, email)
        page = client.get(url).get_data(as_text=True)
        assert "Frank Finance" in page and "frank@example.org" in page, email

    _login(client, "nadia@example.org")
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "A statement I keep." in text  # the dossier is read, the relations are not
    assert "Frank Finance" not in text and "People close to the candidate" not in text
    token = issue_token(setting["neutral"])
    assert "declared_relations" not in Api(client).get(f"/api/v1/nominations/{nomination.id}", token).get_json()

    _login(client, "rosa@example.org")  # the relative: the conflict hides the nomination
    assert client.get(url).status_code == 404

    client.post("/logout")
    assert "Frank Finance" not in client.get(url).get_data(as_text=True)


def test_the_api_accepts_and_refuses_relations_as_the_form_does(client, setting):
    api = Api(client)
    token = issue_token(setting["nominator"])
    body = {"cycle_id": setting["cycle"].id, "delegation_id": setting["delegation"].id, "statement": "Via the API.",
            "declared_relations": [{"name": "Frank Finance", "email": "frank@example.org", "kind": "financial"},
                                   {"name": "", "email": "", "kind": ""},
                                   {"name": "Nobody", "email": "nobody@", "kind": "other"}]}
    refused = api.post("/api/v1/nominations", token, json=body)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "nomination.relation_email"
    assert list(refused.get_json()["errors"]) == ["declared_relations.2.email"]
    assert db.session.scalar(select(Nomination.id)) is None

    no_kind = dict(body, declared_relations=[{"name": "Kim", "kind": "self"}])
    assert api.post("/api/v1/nominations", token, json=no_kind).get_json()["code"] == "nomination.relation_kind"

    body["declared_relations"] = body["declared_relations"][:2]
    created = api.post("/api/v1/nominations", token, json=body)
    assert created.status_code == 201, created.get_json()
    nomination = created.get_json()
    assert nomination["declared_relations"] == [
        {"name": "Frank Finance", "email": "frank@example.org", "kind": "financial"}]

    url = f"/api/v1/nominations/{nomination['id']}"
    nameless = api.patch(url, token, json={"declared_relations": [{"email": "x@example.org", "kind": "family"}]})
    assert nameless.status_code == 422
    assert nameless.get_json()["code"] == "nomination.relation_name"
    assert list(nameless.get_json()["errors"]) == ["declared_relations.0.name"]
    too_many = [{"name": f"Person {i}", "kind": "other"} for i in range(11)]
    assert api.patch(url, token, json={"declared_relations": too_many}).get_json()["code"] \
        == "nomination.relations_too_many"

    updated = api.patch(url, token, json={"declared_relations": [{"name": CLOSE_NAME, "kind": "family"}],
                                          "version": nomination["version"]})
    assert updated.status_code == 200
    assert updated.get_json()["declared_relations"] == [{"name": CLOSE_NAME, "email": None, "kind": "family"}]
    stored = db.session.get(Nomination, nomination["id"])
    db.session.refresh(stored)
    assert stored.declared_relations == [{"name": CLOSE_NAME, "email": None, "kind": "family"}]


def test_a_control_character_in_a_row_is_refused_at_its_field(client, setting):
    _login(client, "nominator@example.org")
    refused = client.post(f"/nominate/cycles/{setting['cycle'].id}/new", data={
        "delegation": str(setting["delegation"].id), "statement": "",
        **_rows(("Nul\x00Byte", "", "family"))})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="declared_relations-0-name-error"' in page and "[input.control_character]" in page
    assert db.session.scalar(select(Nomination.id)) is None
