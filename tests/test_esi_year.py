"""An award presented at an ESI belongs to the ESI of its year: refused at
the event's field without one, or with another year's."""

import html

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Cycle
from awards_app.services import transitions
from tests import builders, factories
from tests.api.conftest import Api, issue_token
from tests.factories import TESTS_ACTOR


def _create(client, award, year, event_id):
    return client.post("/cycles/new", data={"award": award, "year": str(year), "event": str(event_id)})


def test_the_cycle_form_refuses_no_esi_or_another_years_at_the_event_field(ctx, client, auth, make_user):
    builders.award("cultural_award")
    last_year = builders.esi_event(2026)
    this_year = builders.esi_event(2027)
    db.session.commit()
    make_user("secretariat@example.org", roles=("admin",))
    auth.login("secretariat@example.org")
    for event_id, said in ((0, "choose the ESI of 2027"), (last_year.id, "The chosen ESI is of 2026")):
        refused = _create(client, "cultural_award", 2027, event_id)
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 400 and said in page and "[esi.event_of_year]" in page
        assert 'id="event-error"' in page  # at the field, with the error summary linking to it
    assert db.session.scalar(select(Cycle)) is None
    assert _create(client, "cultural_award", 2027, this_year.id).status_code == 303


def test_the_api_refuses_an_esi_award_without_the_esi_of_its_year(ctx, client):
    api = Api(client)
    admin = factories.UserFactory(roles=("admin",))
    builders.award("milset_award")
    event = builders.esi_event(2026)
    token = issue_token(admin)
    response = api.post("/api/v1/cycles", token, json={"award": "milset_award", "year": 2027, "event_id": event.id})
    assert response.status_code == 422 and response.json["code"] == "esi.event_of_year"


def test_a_cycle_moved_to_another_years_esi_cannot_publish_its_criteria(ctx):
    from awards_app.services import Refusal, cycles

    cycle = cycles.create_cycle(TESTS_ACTOR, builders.award("young_scientists_award"), 2027,
                                event=builders.esi_event(2027))
    cycle.event = builders.esi_event(2029)
    db.session.commit()
    try:
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, "publish_criteria", as_role="admin")
    except Refusal as refused:
        assert "esi.event_of_year" in [r["rule"] for r in refused.rules]
    else:
        raise AssertionError("publish_criteria passed with another year's ESI")
