"""Screening through the pages: the facts the rules read, each rule's result,
a verdict the screener must choose, either verdict recorded with its reason,
and judging that waits until every submitted nomination is screened."""

import html
from datetime import date

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Nomination
from tests import builders, factories


@pytest.fixture
def nominator(make_user):
    return make_user("nominator@example.org", roles=("nominator",), name="Nina Nominator")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", roles=("admin",), name="Sam Secretariat")


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _volunteer_submitted(client, auth, cycle, **overrides):
    """A Volunteer Award nomination submitted through the nominator's pages."""
    organisation = factories.OrganisationFactory(name="Jeunes Sciences Lyon")
    db.session.commit()
    auth.login("nominator@example.org")
    data = {"name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0",
            "organisation_id": str(organisation.id), "date_of_birth": "2001-05-04", "volunteer_years": "6",
            "volunteer_places": "Science club, 2019-2025", "statement": "Tireless volunteer."}
    assert client.post(f"/nominate/cycles/{cycle.id}/new", data={**data, **overrides}).status_code == 303
    nomination = db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()
    return nomination, organisation


def _delegation_submitted(client, auth, cycle):
    delegation = factories.DelegationFactory(event=cycle.event, name="Delegation of Ruritania")
    factories.ParticipantFactory(delegation=delegation, birth_date=date(2014, 3, 1))
    db.session.commit()
    auth.login("nominator@example.org")
    client.post(f"/nominate/cycles/{cycle.id}/new", data={"delegation": delegation.id, "statement": "x"})
    nomination = db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()
    assert client.post(f"/nominations/{nomination.id}/submit").status_code == 303
    auth.logout()
    return nomination


def test_not_eligible_is_recorded_with_its_reason_and_the_nominator_reads_it(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("best_delegation_award")
    nomination = _delegation_submitted(client, auth, cycle)
    auth.login("admin@example.org")
    response = client.post(f"/screening/{nomination.id}", data={
        "verdict": "ineligible", "reason": "The delegation registered after the deadline.",
        "version": nomination.version})
    assert response.status_code == 303, _page(response)
    db.session.refresh(nomination)
    assert nomination.state == "ineligible"
    assert nomination.screening_reason == "The delegation registered after the deadline."
    auth.logout()
    auth.login("nominator@example.org")
    page = _page(client.get(f"/nominations/{nomination.id}"))
    assert "The delegation registered after the deadline." in page


def test_eligible_is_recorded_with_its_reason_too(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("best_delegation_award")
    nomination = _delegation_submitted(client, auth, cycle)
    auth.login("admin@example.org")
    response = client.post(f"/screening/{nomination.id}", data={
        "verdict": "eligible", "reason": "Registered on time.", "version": nomination.version})
    assert response.status_code == 303
    db.session.refresh(nomination)
    assert (nomination.state, nomination.screening_reason) == ("eligible", "Registered on time.")


def test_no_verdict_is_chosen_for_the_screener(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("best_delegation_award")
    nomination = _delegation_submitted(client, auth, cycle)
    auth.login("admin@example.org")
    page = _page(client.get(f"/screening/{nomination.id}"))
    assert 'type="radio"' in page and "checked" not in page
    response = client.post(f"/screening/{nomination.id}", data={"reason": "Kept.", "version": nomination.version})
    assert response.status_code == 400
    page = _page(response)
    assert 'id="verdict-error"' in page and "Choose a verdict." in page
    assert "Kept." in page  # nothing typed is lost
    db.session.refresh(nomination)
    assert nomination.state == "submitted"


def test_not_eligible_without_a_reason_is_refused_at_the_field(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("best_delegation_award")
    nomination = _delegation_submitted(client, auth, cycle)
    auth.login("admin@example.org")
    response = client.post(f"/screening/{nomination.id}", data={"verdict": "ineligible", "reason": "  "})
    assert response.status_code == 400
    assert 'id="reason-error"' in _page(response) and "screening.reason_required" in _page(response)
    db.session.refresh(nomination)
    assert nomination.state == "submitted"


def test_the_screener_sees_every_fact_and_each_rules_own_result(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("volunteer_award")
    nomination, organisation = _volunteer_submitted(client, auth, cycle)
    # Submitting fails on the missing endorsement; an older submitted one is screened all the same.
    nomination.state = "submitted"
    db.session.commit()
    auth.logout()
    auth.login("admin@example.org")
    queue = _page(client.get("/screening/"))
    assert f"/screening/{nomination.id}" in queue
    page = _page(client.get(f"/screening/{nomination.id}"))
    for text in ("Date of birth", "Age at the reference date", "amelie@example.org", "Jeunes Sciences Lyon",
                 "Member", organisation.country.region.name, "Years of volunteering", "6",
                 "Endorsement received from the candidate's own organisation"):
        assert text in page, text
    # A pass says what holds; a failure says what fails.
    assert "✓ The nominee is 25 at the reference date, under 30." in page
    assert "✓ The nominee has volunteered 6.0 years; at least 5 are required." in page
    assert "✗ The candidature must be endorsed by the nominee's own organisation." in page
    assert "must be under 30" not in page


def test_a_passed_never_won_rule_says_so(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("derek_gray_medal")
    # The Derek Gray Medal takes nominations from member organisations (among others).
    nominator.person.organisation = factories.OrganisationFactory(status="member")
    nomination, _organisation = _volunteer_submitted(client, auth, cycle)
    assert client.post(f"/nominations/{nomination.id}/submit").status_code == 303
    auth.logout()
    auth.login("admin@example.org")
    page = _page(client.get(f"/screening/{nomination.id}"))
    assert "✓ The candidate has not received the Derek Gray Medal before." in page
    assert "already received" not in page


def test_a_birth_date_in_the_future_is_refused_at_the_nomination_form(client, ctx, auth, nominator):
    cycle = builders.open_cycle("volunteer_award")
    auth.login("nominator@example.org")
    response = client.post(f"/nominate/cycles/{cycle.id}/new", data={
        "name": "Amélie Dupont", "country_id": "0", "organisation_id": "0", "date_of_birth": "2030-05-04",
        "statement": "Kept statement."})
    assert response.status_code == 400
    page = _page(response)
    assert 'id="date_of_birth-error"' in page and "The date of birth cannot be in the future." in page
    assert "Kept statement." in page
    assert db.session.scalar(select(Nomination.id)) is None


def test_a_birth_date_in_the_future_already_stored_is_flagged_to_the_screener(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("volunteer_award")
    nomination, _organisation = _volunteer_submitted(client, auth, cycle)
    nomination.candidate_person.date_of_birth = date(2030, 5, 4)  # entered before the form refused it
    nomination.state = "submitted"
    db.session.commit()
    auth.logout()
    auth.login("admin@example.org")
    page = _page(client.get(f"/screening/{nomination.id}"))
    assert "This date of birth is in the future." in page


def _panel_ready(cycle):
    from awards_app.services import panels

    fields = tuple(cycle.settings.get("required_fields", ()))
    for i in range(3):
        roles = ("judge", "chair") if i == 0 else ("judge",)
        user = builders.judge(f"judge{i}@example.org", name=f"Judge Number{i}", fields=fields, roles=roles)
        panels.add_member(factories.TESTS_ACTOR, cycle, user, "chair" if i == 0 else "member")
    db.session.commit()


def test_judging_waits_for_every_submitted_nomination_to_be_screened(client, ctx, auth, nominator, admin):
    cycle = builders.open_cycle("best_delegation_award")
    builders.eligible_delegation_nomination(cycle)
    waiting = _delegation_submitted(client, auth, cycle)
    _panel_ready(cycle)
    builders.close_call(cycle)
    auth.login("admin@example.org")
    refused = _page(client.post(f"/cycles/{cycle.id}/events/open_judging", data={"version": cycle.version},
                                follow_redirects=True))
    assert "1 submitted nomination(s) still wait for screening" in refused
    assert "screening.all_screened" in refused
    db.session.refresh(cycle)
    assert cycle.state == "screening"
    client.post(f"/screening/{waiting.id}", data={"verdict": "ineligible", "reason": "Late.",
                                                   "version": waiting.version})
    db.session.refresh(cycle)
    opened = client.post(f"/cycles/{cycle.id}/events/open_judging", data={"version": cycle.version})
    assert opened.status_code == 303
    db.session.refresh(cycle)
    assert cycle.state == "judging"
