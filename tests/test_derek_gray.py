"""The Derek Gray Medal: who may nominate is enforced as configured, and
"never won" matches names as conflict detection does (accents ignored)."""

import html

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType, Nomination
from awards_app.services import Refusal, nominations
from tests import builders, factories

WHO_MAY = ("Only a member of the Executive Committee, a person of a MILSET member organisation or a MILSET "
           "regional office may nominate for this award.")


def _new(client, cycle, name="Marie Curie"):
    return client.post(f"/nominate/cycles/{cycle.id}/new", data={
        "name": name, "email": "", "country_id": "0", "organisation_id": "0", "date_of_birth": "",
        "statement": "A lifetime for young scientists."})


@pytest.fixture
def cycle(ctx):
    return builders.open_cycle("derek_gray_medal")


def test_a_nominator_of_a_non_member_organisation_may_not_nominate(cycle, client, auth, make_user):
    user = make_user("accredited@example.org", roles=("nominator",))
    user.person.organisation = factories.OrganisationFactory(status="accredited")
    db.session.commit()
    auth.login("accredited@example.org")
    response = _new(client, cycle)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "[nomination.who_may_nominate]" in page and WHO_MAY in page
    assert db.session.scalar(select(Nomination)) is None


def test_the_rule_is_checked_again_at_submit(cycle, client, auth, make_user):
    user = make_user("member@example.org", roles=("nominator",))
    organisation = factories.OrganisationFactory(status="member")
    user.person.organisation = organisation
    db.session.commit()
    auth.login("member@example.org")
    assert _new(client, cycle).status_code == 303
    nomination = db.session.scalar(select(Nomination))
    organisation.status = "associate"  # the organisation's membership lapsed meanwhile
    db.session.commit()
    refused = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert "[nomination.who_may_nominate]" in html.unescape(refused.get_data(as_text=True))
    db.session.refresh(nomination)
    assert nomination.state == "draft"


@pytest.mark.parametrize("roles", [("nominator", "board"), ("nominator", "admin")])
def test_a_board_member_or_the_secretariat_for_a_regional_office_may_nominate(cycle, client, auth, make_user,
                                                                               roles):
    make_user("someone@example.org", roles=roles)  # no organisation at all
    auth.login("someone@example.org")
    assert _new(client, cycle).status_code == 303
    nomination = db.session.scalar(select(Nomination))
    client.post(f"/nominations/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.state == "submitted"


def test_an_award_that_names_no_nominators_takes_anyone(ctx, client, auth, make_user):
    cycle = builders.open_cycle("volunteer_award")
    make_user("plain@example.org", roles=("nominator",))
    auth.login("plain@example.org")
    assert _new(client, cycle).status_code == 303


def test_never_won_ignores_accents_in_the_registry(cycle, client, auth):
    from awards_app.services import laureates

    award = db.session.scalar(select(AwardType).where(AwardType.code == "derek_gray_medal"))
    laureates.add(factories.UserFactory(roles=("admin",)), award, year=2019, kind="individual", name="José Pérez")
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = nominations.create_draft(nominator, cycle, candidate=nominations.IndividualCandidate(
        name="Jose Perez"))
    with pytest.raises(Refusal) as refused:
        nominations.submit(nominator, nomination)
    assert "derek_gray.never_received" in [r["rule"] for r in refused.value.rules]


def test_never_won_ignores_accents_among_the_engines_laureates(cycle):
    earlier = builders.open_cycle("derek_gray_medal", year=2025)
    nominator = factories.UserFactory(roles=("nominator",))
    won = nominations.create_draft(nominator, earlier, candidate=nominations.IndividualCandidate(
        name="José Pérez", email="jose@example.org"))
    won.state = "laureate"
    db.session.commit()
    again = nominations.create_draft(nominator, cycle, candidate=nominations.IndividualCandidate(
        name="Jose Perez", email="j.perez@example.org"))
    with pytest.raises(Refusal) as refused:
        nominations.submit(nominator, again)
    assert "derek_gray.never_received" in [r["rule"] for r in refused.value.rules]
