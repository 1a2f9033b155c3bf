"""Screening through the API: "not eligible" is recorded with its reason
when the version the secretariat saw is sent."""

from awards_app.extensions import db
from awards_app.services import nominations
from tests import builders, factories
from tests.api.conftest import issue_token


def test_not_eligible_with_its_reason_and_version_is_recorded(api, ctx):
    cycle = builders.open_cycle("best_delegation_award")
    nominator = factories.UserFactory(roles=("nominator",))
    admin = factories.UserFactory(roles=("admin",))
    delegation = factories.DelegationFactory(event=cycle.event)
    factories.ParticipantFactory(delegation=delegation)
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="x")
    nominations.submit(nominator, nomination)
    db.session.commit()
    response = api.post(f"/api/v1/nominations/{nomination.id}/transitions", issue_token(admin),
                        json={"event": "mark_ineligible", "reason": "Registered late.",
                              "version": nomination.version})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "ineligible"
    db.session.refresh(nomination)
    assert nomination.screening_reason == "Registered late."
