"""No nomination is left half-way: unscreened ones are shown before judging
opens, drafts close with the call, runners-up are not selected at the announcement."""

from sqlalchemy import select, update

from awards_app.extensions import db
from awards_app.models import AuditEvent, Nomination, OutboxMessage
from awards_app.services import decisions, nominations, recommendations, transitions
from tests import builders, factories


def _admin(make_user):
    return make_user("secretariat@example.org", roles=("admin",), name="Sec Retariat")


def _ratified_cycle():
    """Three nominations scored (the second ahead), recommended and ratified."""
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    builders.score_all(cycle, judges, noms, (3, 5, 4))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendations.recommend(judges[0], cycle, "Consensus.")
    recommendation = decisions.current_recommendation(cycle)
    for member in [factories.UserFactory(roles=("board",)) for _ in range(3)]:
        decisions.cast_vote(member, recommendation, "approve")
    db.session.commit()
    return cycle, noms


def test_the_announcement_sets_every_other_nomination_aside(ctx, client, auth, make_user):
    cycle, noms = _ratified_cycle()
    # A recommendation the board did not keep leaves a nomination "recommended".
    db.session.execute(update(Nomination).where(Nomination.id == noms[2].id).values(state="recommended"))
    db.session.commit()
    _admin(make_user)
    auth.login("secretariat@example.org")
    assert client.get(f"/cycles/{cycle.id}/events/announce").status_code == 200  # confirmation first
    response = client.post(f"/cycles/{cycle.id}/events/announce", data={"version": cycle.version})
    assert response.status_code == 303
    db.session.expire_all()
    assert [db.session.get(Nomination, n.id).state for n in noms] == ["not_selected", "laureate", "not_selected"]
    set_aside = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "nomination.transition")
                                   .order_by(AuditEvent.seq.desc()).limit(2)).all()
    assert {e.payload["event"] for e in set_aside} == {"set_aside"}
    assert {e.payload["reason"] for e in set_aside} == {"laureates announced"}


def test_opening_judging_lists_the_unscreened_with_a_link_to_screen_each(ctx, client, auth, make_user):
    cycle = builders.open_cycle("best_delegation_award")
    builders.eligible_delegation_nomination(cycle)
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event)
    waiting = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Waiting.")
    nominations.submit(nominator, waiting)
    db.session.commit()
    builders.close_call(cycle)
    _admin(make_user)
    auth.login("secretariat@example.org")
    show = client.get(f"/cycles/{cycle.id}")
    assert f"/cycles/{cycle.id}/events/open_judging".encode() in show.data
    page = client.get(f"/cycles/{cycle.id}/events/open_judging")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert delegation.name in text and f"/screening/{waiting.id}" in text
    assert f'action="/cycles/{cycle.id}/events/open_judging"' not in text  # no button while they wait


def test_close_call_lapses_drafts_and_tells_the_nominator_in_their_language(ctx, client, auth, make_user):
    cycle = builders.open_cycle("volunteer_award")
    nominator = make_user("nina@example.org", roles=("nominator",), name="Nina Nominator")
    nominator.locale = "fr"
    db.session.commit()
    auth.login("nina@example.org")
    client.post(f"/nominate/cycles/{cycle.id}/new", data={
        "name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0", "organisation_id": "0",
        "date_of_birth": "2001-05-04", "volunteer_years": "6", "statement": "Tireless volunteer."})
    draft = db.session.scalar(select(Nomination).where(Nomination.nominator_id == nominator.id))
    assert draft.state == "draft"
    admin = factories.UserFactory(roles=("admin",))
    transitions.fire_cycle_event(admin, cycle, "close_call")
    db.session.commit()
    db.session.expire_all()
    draft = db.session.get(Nomination, draft.id)
    assert draft.state == "cancelled"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "nomination.transition")
                               .order_by(AuditEvent.seq.desc())).first()
    assert event.payload["event"] == "lapse" and event.payload["reason"] == "call closed"
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "nina@example.org")
                               .order_by(OutboxMessage.id.desc()))
    assert notice.locale == "fr"
    edit = client.post(f"/nominations/{draft.id}", data={
        "name": "Amélie Dupont", "statement": "Changed after the close.", "country_id": "0",
        "organisation_id": "0", "date_of_birth": "2001-05-04", "volunteer_years": "6", "version": draft.version})
    assert edit.status_code in (303, 400, 403, 409)
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).statement == "Tireless volunteer."
    client.post(f"/nominations/{draft.id}/submit")
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).state == "cancelled"


def test_cancelling_a_cycle_before_the_board_ends_its_proposal_and_its_nominations(client, ctx, auth, make_user):
    """Through the page: the cycle's cancellation withdraws the proposal the
    board was asked to vote on, and every nomination ends with the cycle,
    its nominator told; the board's list no longer shows it."""
    from awards_app.models import Cycle, Recommendation

    cycle, judges, noms = builders.judging_cycle(nominations=2)
    builders.score_all(cycle, judges, noms, (3, 5))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendations.recommend(judges[0], cycle, "Consensus.")
    db.session.commit()
    admin = _admin(make_user)
    auth.login(admin.email)
    version = db.session.get(Cycle, cycle.id).version
    client.post(f"/cycles/{cycle.id}/events/cancel", data={"version": version})
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).state == "cancelled"
    proposal = db.session.scalar(select(Recommendation).where(Recommendation.cycle_id == cycle.id))
    assert proposal.status == "withdrawn" and proposal.closed_reason == "cycle cancelled"
    assert {db.session.get(Nomination, n.id).state for n in noms} == {"cancelled"}
    notices = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.subject.like("Cycle cancelled%")))
    assert len(notices.all()) == 2
    assert decisions.current_recommendation(db.session.get(Cycle, cycle.id)) is None
