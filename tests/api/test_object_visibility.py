"""What a reader learns of an object depends on the object (issue 23, item 1):
a board member who judges a cycle reads none of its audit events while
its results are hidden; a judge reads a dossier only once they attested
"no conflict" with it, and never the fields the pages keep from judges;
a chair adding a panel member learns no account's name."""

from io import BytesIO

import pytest

from awards_app.extensions import db
from awards_app.models import Assignment
from tests import builders, factories
from tests.api.conftest import issue_token
from tests.factories import TESTS_ACTOR

JUDGES_DO_NOT_READ = {"screening_reason"}
DOSSIER = {"statement", "volunteer_years", "volunteer_places", "eligibility", "nominator_id", "screening_reason"}


def _events(api, token, **query) -> list[dict]:
    """Every audit event the token may read, page by page."""
    events, page = [], 1
    while True:
        params = "&".join(f"{k}={v}" for k, v in {**query, "page": page, "page_size": 100}.items())
        response = api.get(f"/api/v1/audit-events?{params}", token)
        assert response.status_code == 200, response.get_json()
        if not response.json:
            return events
        events += response.json
        page += 1


def _submit_scores(judge, nomination):
    from sqlalchemy import select

    from awards_app.services import scoring

    sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                       Assignment.nomination_id == nomination.id))
    scoring.submit(judge, sheet, {c.code: ("3", "A fine case.") for c in nomination.cycle.criteria})
    db.session.commit()


# --- 1. the audit trail, as its reader may see it now -----------------------------------

def test_a_board_member_judging_the_cycle_reads_none_of_its_events_while_results_are_hidden(api, world):
    """The finding: a judge on the board read the others' submitted scores and
    the conflicts they declared through /api/v1/audit-events during judging."""
    cycle, chair, judges = world.cycle, world.chair, world.judges
    assert chair.has_role("board")  # judge0 chairs the panel and sits on the board
    _submit_scores(judges[1], world.nominations[1])

    board = _events(api, world.tokens["board"])
    of_cycle = {e["action"] for e in board if e["cycle_id"] == cycle.id}
    assert {"score.submitted", "conflict.declared"} <= of_cycle  # the board member off the panel reads them

    chair_sees = _events(api, world.tokens["chair"])
    assert [e for e in chair_sees if e["cycle_id"] == cycle.id] == []
    assert _events(api, world.tokens["chair"], cycle_id=cycle.id) == []
    assert _events(api, world.tokens["chair"], action="score.submitted") == []
    # Events of cycles they do not judge, and of no cycle, stay in their trail.
    assert any(e["cycle_id"] == world.open_cycle.id for e in chair_sees)
    assert any(e["cycle_id"] is None for e in chair_sees)


def test_once_results_are_visible_a_judging_reader_gets_the_scores_not_the_others_conflicts(api, world):
    cycle, chair, judges = world.cycle, world.chair, world.judges
    _submit_scores(judges[1], world.nominations[1])
    cycle.state = "deliberation"  # the workflow shows the panel's results from here
    assert cycle.award_type.workflow.results_visible(cycle.state)
    db.session.commit()

    chair_sees = _events(api, world.tokens["chair"], cycle_id=cycle.id)
    actions = {e["action"] for e in chair_sees}
    assert "score.submitted" in actions
    # judges[2]'s declaration and its note stay out; the chair's own attestations are theirs.
    assert not [e for e in chair_sees if e["action"].startswith("conflict.") and e["actor_id"] != chair.id]
    assert any(e["action"] == "conflict.attested_none" and e["actor_id"] == chair.id for e in chair_sees)
    # The auditor, who judges nothing, reads all of it.
    auditor_sees = _events(api, world.tokens["auditor"], cycle_id=cycle.id)
    declared = [e for e in auditor_sees if e["action"] == "conflict.declared"]
    assert declared and declared[0]["disclosed_payload"]["note"] == "My cousin leads it."
    assert declared[0]["payload"]["note"].startswith("pv:")  # the hashed form holds only the commitment


def test_a_board_member_judging_the_cycle_reads_neither_its_report_nor_its_bundle_before_results(
        api, client, world):
    """The same record through the board's report pages and the bundle."""
    cycle, chair = world.cycle, world.chair
    bundle = f"/api/v1/cycles/{cycle.id}/report-bundle"
    assert api.get(bundle, world.tokens["board"]).status_code == 200
    assert api.get(bundle, world.tokens["chair"]).status_code == 404
    _login(client, chair)
    pages = [f"/reports/cycles/{cycle.id}", f"/reports/cycles/{cycle.id}/bundle.json"]
    assert [client.get(page).status_code for page in pages] == [404, 404]
    cycle.state = "deliberation"
    db.session.commit()
    assert api.get(bundle, world.tokens["chair"]).status_code == 200
    assert client.get(pages[1]).status_code == 200


# --- 2. the dossier waits for the judge's attestation -----------------------------------

@pytest.fixture
def late_judge(world):
    """A judge who joins the panel and is assigned nominations[1], and has
    not yet stated whether they have a conflict with it. The nomination has a
    file and a pending endorsement."""
    from awards_app.services import assignments, attachments, panels

    nomination = world.nominations[1]
    judge = builders.judge("late-judge@example.org", name="Late Judge",
                           fields=tuple(world.cycle.settings.get("required_fields", ())))
    panels.add_member(TESTS_ACTOR, world.cycle, judge)
    assignments.add(TESTS_ACTOR, nomination, judge)
    state, nomination.state = nomination.state, "draft"  # a file added as the nominator did
    db.session.flush()
    attachment = attachments.add(nomination.nominator, nomination, "cv.pdf", BytesIO(b"%PDF-1.4 test"))
    nomination.state = state
    factories.EndorsementFactory(nomination=nomination, email="endorser-secret@example.org")
    db.session.commit()
    return judge, issue_token(judge), nomination, attachment


def test_a_judge_who_has_not_attested_reads_no_dossier_through_the_api(api, world, late_judge):
    judge, token, nomination, attachment = late_judge
    url = f"/api/v1/nominations/{nomination.id}"
    shown = api.get(url, token).json
    assert shown["candidate"]["name"] and shown["cycle_id"] == world.cycle.id
    assert not DOSSIER & set(shown), shown
    listed = {n["id"]: n for n in api.get("/api/v1/nominations?page_size=100", token).json}
    assert not DOSSIER & set(listed[nomination.id])
    for path in (f"{url}/attachments", f"{url}/endorsements", f"{url}/attachments/{attachment.id}",
                 f"{url}/attachments/999999"):  # a missing file answers alike: nothing leaks
        refused = api.get(path, token)
        assert refused.status_code == 403, path
        assert refused.json["code"] == "dossier.attestation_required"

    assert api.post(f"{url}/conflict-attestation", token).status_code == 200
    shown = api.get(url, token).json
    assert shown["statement"] == "Exemplary."
    assert api.get(f"{url}/attachments", token).status_code == 200
    assert api.get(f"{url}/attachments/{attachment.id}", token).status_code == 200
    endorsements = api.get(f"{url}/endorsements", token).json
    assert endorsements and "email" not in endorsements[0]  # the address is the nominator's business
    assert api.get(f"{url}/endorsements", world.tokens["admin"]).json[0]["email"] == "endorser-secret@example.org"


def _login(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302


def test_a_judge_who_has_not_attested_reads_no_dossier_on_the_pages(client, world, late_judge):
    from awards_app.services import conflicts

    judge, _token, nomination, attachment = late_judge
    _login(client, judge)
    for page in (f"/nominations/{nomination.id}", f"/judge/nominations/{nomination.id}"):
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        assert str(nomination.candidate) in body
        assert "Exemplary." not in body and "cv.pdf" not in body and "endorser-secret" not in body, page
        assert "before reading its dossier" in body
    download = f"/nominations/{nomination.id}/attachments/{attachment.id}"
    assert client.get(download).status_code == 403

    conflicts.attest_none(judge, nomination)
    db.session.commit()
    for page in (f"/nominations/{nomination.id}", f"/judge/nominations/{nomination.id}"):
        body = client.get(page).get_data(as_text=True)
        assert "Exemplary." in body and "cv.pdf" in body, page
        assert "endorser-secret" not in body  # a pending endorsement, shown without its address
    assert client.get(download).status_code == 200


def test_may_read_dossier_and_its_sql_twin_agree(world, late_judge):
    from sqlalchemy import select

    from awards_app import permissions
    from awards_app.models import Nomination

    judge = late_judge[0]
    nominations = db.session.scalars(select(Nomination)).all()
    for user in [judge, *world.users.values()]:
        listed = set(db.session.scalars(select(Nomination.id).where(permissions.dossier_readable_by(user))))
        assert listed == {n.id for n in nominations if permissions.may_read_dossier(user, n)}, user.email


# --- 3. the API's fields are the pages' fields ---------------------------------------------

def test_judges_get_through_the_api_only_the_fields_their_pages_show(api, world):
    """The finding: the API showed judges nominator_id and screening_reason."""
    from awards_app.services import users

    users.set_roles(TESTS_ACTOR, world.chair, ("judge", "chair"))  # a chair who is not also on the board
    db.session.commit()
    world.tokens["chair"] = issue_token(world.chair)  # a change of roles ends the account's tokens
    nomination = world.nominations[1]
    url = f"/api/v1/nominations/{nomination.id}"
    for reader in ("judge", "chair"):
        shown = api.get(url, world.tokens[reader]).json
        assert "statement" in shown  # attested: the dossier
        assert not JUDGES_DO_NOT_READ & set(shown), reader
        assert shown["nominator_id"] == nomination.nominator_id  # the sheet shows who nominated ...
    world.cycle.settings = {**world.cycle.settings, "hide_nominator_from_judges": True}
    db.session.commit()
    for reader in ("judge", "chair"):
        assert "nominator_id" not in api.get(url, world.tokens[reader]).json  # ... unless the cycle hides it
    owned = f"/api/v1/nominations/{world.nominations[0].id}"  # the owner's
    for reader in ("owner", "admin", "board", "auditor"):
        assert {"nominator_id", "screening_reason"} <= set(api.get(owned, world.tokens[reader]).json), reader


# --- 4. a chair learns no account's name from a refusal ------------------------------------

def test_adding_an_account_that_is_no_judge_names_nobody(api, world):
    """The finding: "<name> holds no judge role." for any user id."""
    stranger = factories.UserFactory(email="private-person@example.org", person__name="Private Person",
                                     roles=("nominator",))
    db.session.commit()
    url = f"/api/v1/cycles/{world.cycle.id}/panel/members"
    not_a_judge = api.post(url, world.tokens["chair"], json={"user_id": stranger.id})
    missing = api.post(url, world.tokens["chair"], json={"user_id": 999999})
    assert not_a_judge.status_code == missing.status_code == 422
    assert not_a_judge.get_json() == missing.get_json()
    assert not_a_judge.json["code"] == "panel.no_such_judge"
    text = not_a_judge.get_data(as_text=True)
    assert "Private Person" not in text and "private-person" not in text


def test_the_panel_service_refuses_an_account_that_is_no_judge_by_no_name(world):
    from awards_app.services import ServiceError, panels

    stranger = factories.UserFactory(person__name="Private Person", roles=("nominator",))
    with pytest.raises(ServiceError) as refused:
        panels.add_member(world.chair, world.cycle, stranger)
    assert refused.value.rule == "panel.no_such_judge"
    assert "Private Person" not in str(refused.value.message)
