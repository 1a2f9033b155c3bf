"""One ratification path for every award, played through the pages and the
API: a proposal, the board's votes (quorum, majority, recusal), then the
decision record; a rejection, an amendment and the MILSET Award's host."""

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, BoardVote, Cycle, Decision, Nomination, Recommendation
from awards_app.services import cycles, decisions, transitions
from tests import builders, factories
from tests.api.conftest import Api, issue_token
from tests.factories import TESTS_ACTOR


@pytest.fixture
def deliberating(ctx):
    """Three scored nominations (the second ahead, then the third), scoring closed."""
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    builders.score_all(cycle, judges, noms, (3, 5, 4))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    return cycle, judges[0], noms


def _board(n=3):
    members = [factories.UserFactory(roles=("board",)) for _ in range(n)]
    db.session.commit()
    return members


def _as(client, auth, user):
    auth.logout()
    auth.login(user.email)
    return client


def _vote(client, auth, member, cycle, vote, reason=""):
    return _as(client, auth, member).post(f"/board/cycles/{cycle.id}",
                                          data={"vote": vote, "reason": reason, "confirmed": "1"})


def _recommend(client, auth, chair, cycle, rationale="The panel agreed."):
    return _as(client, auth, chair).post(f"/chair/cycles/{cycle.id}/recommend", data={"rationale": rationale})


def _fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def _ratify(client, auth, chair, cycle, members):
    _recommend(client, auth, chair, cycle)
    for member in members:
        assert _vote(client, auth, member, cycle, "approve").status_code == 303


def test_the_chairs_recommendation_has_a_confirmation_page_saying_the_board_votes(deliberating, client, auth):
    cycle, chair, _noms = deliberating
    page = _as(client, auth, chair).get(f"/chair/cycles/{cycle.id}/recommend")
    assert page.status_code == 200
    assert b"The Executive Committee then votes on it" in page.data
    assert _fresh(cycle).state == "deliberation"  # the GET changed nothing


def test_a_reject_majority_returns_to_deliberation_and_the_chair_recommends_again(deliberating, client, auth):
    cycle, chair, noms = deliberating
    first, second, third = _board()
    assert _recommend(client, auth, chair, cycle).status_code == 303
    assert _fresh(cycle).state == "recommended" and _fresh(noms[1]).state == "recommended"
    assert _vote(client, auth, first, cycle, "reject", "Not convinced by the rationale.").status_code == 303
    assert _vote(client, auth, second, cycle, "reject", "The second place deserves a look.").status_code == 303
    # Two against are not the quorum of three: nothing moves yet.
    assert _fresh(cycle).state == "recommended"
    assert _vote(client, auth, third, cycle, "abstain").status_code == 303
    # At quorum, the majority against fires the reject event at once.
    assert _fresh(cycle).state == "deliberation"
    rejected = db.session.scalar(select(Recommendation).where(Recommendation.cycle_id == cycle.id))
    assert rejected.status == "rejected" and rejected.closed_at is not None
    assert "Not convinced" in rejected.closed_reason
    assert _fresh(noms[1]).state == "eligible"  # back among the candidates
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.rejected")) is not None
    assert decisions.final_decision(cycle) is None

    # The chair may recommend again (the recommended nomination used to stay
    # "recommended", so selecting it again was refused).
    again = _recommend(client, auth, chair, cycle, "Reconsidered with the board's remarks.")
    assert again.status_code == 303
    assert _fresh(cycle).state == "recommended"
    proposals = db.session.scalars(select(Recommendation).where(Recommendation.cycle_id == cycle.id)
                                   .order_by(Recommendation.id)).all()
    assert [p.status for p in proposals] == ["rejected", "pending"]
    # The history stays visible to the chair and to the board.
    chair_view = client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    assert "Past proposals" in chair_view and "Rejected by the board" in chair_view
    assert "0 of 3 votes needed for the quorum" in chair_view
    board_page = _as(client, auth, first).get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    assert "Rejected by the board" in board_page and "Not convinced by the rationale." in board_page


def test_an_amendment_voted_at_quorum_changes_the_laureates_and_the_public_page(deliberating, client, auth):
    cycle, chair, noms = deliberating
    members = _board()
    _ratify(client, auth, chair, cycle, members)
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "announce", as_role="admin")
    db.session.commit()
    original = decisions.final_decision(cycle)
    assert original.laureate_nomination_ids == [noms[1].id]
    winner, runner_up = noms[1].candidate.name, noms[2].candidate.name

    form = _as(client, auth, members[0]).get(f"/board/cycles/{cycle.id}/amendment")
    assert form.status_code == 200 and runner_up.encode() in form.data
    opened = client.post(f"/board/cycles/{cycle.id}/amendment",
                         data={"laureates": [noms[2].id], "reason": "The laureate declined the award."})
    assert opened.status_code == 303
    # One member alone changes nothing: the proposal waits for the board.
    assert decisions.final_decision(cycle).id == original.id
    assert _vote(client, auth, members[0], cycle, "approve").status_code == 303
    assert decisions.final_decision(cycle).id == original.id and _fresh(noms[1]).state == "laureate"
    public = client.get("/laureates").get_data(as_text=True)
    assert winner in public and runner_up not in public

    for member in members[1:]:
        assert _vote(client, auth, member, cycle, "approve").status_code == 303
    amended = decisions.final_decision(cycle)
    assert amended.id != original.id and amended.amends_id == original.id
    assert amended.laureate_nomination_ids == [noms[2].id]
    assert _fresh(original).laureate_nomination_ids == [noms[1].id]  # never edited
    assert _fresh(noms[2]).state == "laureate" and _fresh(noms[1]).state == "not_selected"
    public = client.get("/laureates").get_data(as_text=True)
    assert runner_up in public and winner not in public
    # The report still replays the panel's ratified recommendation; the amendment is a decision of its own.
    report = _as(client, auth, members[0]).get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert "the result matches the ratified decision" in report
    # The old decision is not the one to amend any more.
    token = issue_token(members[0])
    stale = Api(client).post(f"/api/v1/decisions/{original.id}/amendments", token,
                             json={"laureate_nomination_ids": [noms[1].id], "reason": "Back."})
    assert stale.status_code == 409 and "decision.already_amended" in stale.get_data(as_text=True)


def test_an_amendment_proposed_through_the_api_is_voted_like_any_decision(deliberating, client, auth):
    cycle, chair, noms = deliberating
    members = _board()
    _ratify(client, auth, chair, cycle, members)
    api = Api(client)
    decision = decisions.final_decision(cycle)
    url = f"/api/v1/decisions/{decision.id}/amendments"
    created = api.post(url, issue_token(members[1]),
                       json={"laureate_nomination_ids": [noms[0].id], "reason": "A scoring error was found."})
    assert created.status_code == 201
    assert created.json["kind"] == "amendment" and created.json["status"] == "pending"
    assert decisions.final_decision(cycle).id == decision.id
    # A second proposal while one is pending is refused.
    again = api.post(url, issue_token(members[2]),
                     json={"laureate_nomination_ids": [noms[2].id], "reason": "Another view."})
    assert again.status_code == 409 and "decision.proposal_pending" in again.get_data(as_text=True)
    # A majority against rejects it; the decision stands.
    for member, vote in zip(members, ("reject", "reject", "approve"), strict=True):
        body = {"vote": vote, "reason": "Not a scoring error." if vote == "reject" else None}
        assert api.post(f"/api/v1/cycles/{cycle.id}/votes", issue_token(member), json=body).status_code == 201
    assert decisions.final_decision(cycle).id == decision.id and _fresh(noms[1]).state == "laureate"
    assert db.session.get(Recommendation, created.json["id"]).status == "rejected"


@pytest.mark.parametrize(("laureates", "rule"), [
    (lambda noms, extra: [999999], "amendment.unknown_nominations"),
    (lambda noms, extra: [extra["ineligible"].id], "amendment.not_eligible"),
    (lambda noms, extra: [extra["other_cycle"].id], "amendment.unknown_nominations"),
    (lambda noms, extra: [noms[0].id, noms[2].id], "amendment.max_laureates"),
    (lambda noms, extra: [], "amendment.laureates_required"),
])
def test_an_amendment_names_only_eligible_nominations_of_the_cycle_within_its_maximum(
        deliberating, client, auth, laureates, rule):
    cycle, chair, noms = deliberating
    members = _board()
    _ratify(client, auth, chair, cycle, members)
    extra = {"ineligible": factories.NominationFactory(cycle=cycle, state="ineligible", screening_reason="Too late."),
             "other_cycle": factories.NominationFactory(cycle=builders.open_cycle("cultural_award"),
                                                        state="eligible")}
    db.session.commit()
    decision = decisions.final_decision(cycle)
    before = db.session.scalar(select(func.count()).select_from(Recommendation))
    body = {"laureate_nomination_ids": laureates(noms, extra), "reason": "A correction."}
    refused = Api(client).post(f"/api/v1/decisions/{decision.id}/amendments", issue_token(members[0]), json=body)
    # Refused at the field, with the rule (the schema itself asks for at least one).
    assert refused.status_code == 422
    if body["laureate_nomination_ids"]:
        assert rule in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == before
    # Through the page, the refusal sits at the laureates field and keeps what was typed.
    page = _as(client, auth, members[0]).post(f"/board/cycles/{cycle.id}/amendment",
                                              data={"laureates": body["laureate_nomination_ids"],
                                                    "reason": "A correction."})
    if rule != "amendment.unknown_nominations":  # an unknown id is not among the choices offered
        assert page.status_code == 400 and b"A correction." in page.data
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == before


def test_the_ballot_events_are_refused_outside_the_ballot(deliberating, client, auth):
    cycle, chair, _noms = deliberating
    member = _board(1)[0]
    _recommend(client, auth, chair, cycle)
    show = _as(client, auth, member).get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert f"/cycles/{cycle.id}/events/ratify" not in show and f"/cycles/{cycle.id}/events/reject" not in show
    for event in ("ratify", "reject"):
        fired = client.post(f"/cycles/{cycle.id}/events/{event}", data={"version": _fresh(cycle).version},
                            follow_redirects=True)
        assert b"board.decided_by_ballot" in fired.data
        assert _fresh(cycle).state == "recommended"
    refused = Api(client).post(f"/api/v1/cycles/{cycle.id}/transitions", issue_token(member),
                               json={"event": "ratify", "version": _fresh(cycle).version})
    assert refused.status_code == 409 and "board.decided_by_ballot" in refused.get_data(as_text=True)
    assert _fresh(cycle).state == "recommended" and decisions.final_decision(cycle) is None


def test_the_volunteer_awards_vote_event_cannot_ratify_by_hand(ctx, client):
    cycle = builders.open_cycle("volunteer_award")
    member = _board(1)[0]
    refused = Api(client).post(f"/api/v1/cycles/{cycle.id}/transitions", issue_token(member),
                               json={"event": "vote", "version": cycle.version})
    assert refused.status_code == 409 and "board.decided_by_ballot" in refused.get_data(as_text=True)


def test_the_milset_award_host_is_confirmed_by_the_boards_votes_and_shown_after_present(ctx, client, auth):
    host = factories.OrganisationFactory(name="Centre des sciences de Mazatlán")
    event = builders.esi_event(host_organisation=host)
    cycle = cycles.create_cycle(TESTS_ACTOR, builders.award("milset_award"), 2027, event=event)
    admin = factories.UserFactory(roles=("admin",))
    members = _board()
    db.session.commit()
    _as(client, auth, admin).post(f"/cycles/{cycle.id}/events/designate_host", data={"version": cycle.version})
    assert _fresh(cycle).state == "designated"
    nomination = db.session.scalar(select(Nomination).where(Nomination.cycle_id == cycle.id))
    assert nomination.candidate_organisation_id == host.id and nomination.state == "eligible"
    proposal = decisions.current_recommendation(cycle)
    assert proposal.kind == "host" and proposal.laureate_nomination_ids == [nomination.id]
    assert cycle in decisions.awaiting_board()

    board_page = _as(client, auth, members[0]).get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    assert host.name in board_page and "Cast my vote" in board_page
    # The generic event page cannot confirm it.
    client.post(f"/cycles/{cycle.id}/events/confirm", data={"version": _fresh(cycle).version})
    assert _fresh(cycle).state == "designated"
    for member in members:
        assert _vote(client, auth, member, cycle, "approve").status_code == 303
    assert _fresh(cycle).state == "ratified"
    decision = decisions.final_decision(cycle)
    assert decision.laureate_nomination_ids == [nomination.id] and _fresh(nomination).state == "laureate"
    assert host.name not in client.get("/laureates").get_data(as_text=True)  # not before the ceremony

    _as(client, auth, admin).post(f"/cycles/{cycle.id}/events/present", data={"version": _fresh(cycle).version})
    assert _fresh(cycle).state == "announced"
    assert host.name in client.get("/laureates").get_data(as_text=True)


def test_a_board_member_of_the_candidates_organisation_may_only_recuse(ctx, client, auth):
    cycle, _member = builders.recommended_cycle()
    proposal = decisions.current_recommendation(cycle)
    laureate = db.session.get(Nomination, proposal.laureate_nomination_ids[0])
    colleague = factories.UserFactory(roles=("board",))
    colleague.person.organisation_id = laureate.candidate_delegation.organisation_id
    db.session.commit()
    page = _as(client, auth, colleague).get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    assert "You belong to the organisation of" in page and 'value="approve"' not in page
    refused = _vote(client, auth, colleague, cycle, "approve")
    assert refused.status_code == 403 and b"board.conflicted" in refused.data
    assert db.session.scalar(select(func.count()).select_from(BoardVote)
                             .where(BoardVote.user_id == colleague.id)) == 0
    assert _vote(client, auth, colleague, cycle, "recused").status_code == 303
    assert db.session.scalar(select(BoardVote.vote).where(BoardVote.user_id == colleague.id)) == "recused"


def test_a_board_member_who_is_the_candidate_by_name_may_only_recuse(ctx):
    from awards_app import permissions
    from awards_app.services import conflicts

    cycle, _member = builders.recommended_cycle()
    proposal = decisions.current_recommendation(cycle)
    laureate = db.session.get(Nomination, proposal.laureate_nomination_ids[0])
    person = factories.PersonFactory(name="José Pérez")
    laureate.candidate_kind, laureate.candidate_delegation, laureate.candidate_person = "individual", None, person
    namesake = factories.UserFactory(roles=("board",), person=factories.PersonFactory(name="Jose Perez"))
    db.session.commit()
    ties = conflicts.board_member_ties(namesake, proposal.laureate_nomination_ids)
    assert [kind for _n, kind in ties] == ["self"]
    assert not permissions.may_vote(namesake, "approve", bool(ties))
    assert permissions.may_vote(namesake, "recused", bool(ties))


def test_decisions_only_come_from_a_ratified_proposal(deliberating, client, auth):
    cycle, chair, _noms = deliberating
    _ratify(client, auth, chair, cycle, _board())
    decision = db.session.scalar(select(Decision).where(Decision.cycle_id == cycle.id))
    assert decision.recommendation.status == "ratified" and decision.recommendation.closed_at is not None
    assert db.session.get(Cycle, cycle.id).state == "ratified"


def test_a_rejected_volunteer_recommendation_needs_a_new_hearing(ctx, client, auth):
    """The committee heard the candidates as the rejected recommendation put
    them; the next one may name someone it never heard, so its votes wait for
    a hearing of their own. The first hearing stays in the audit trail."""
    from datetime import UTC, datetime, timedelta

    from awards_app.services import volunteer

    cycle = builders.open_cycle("volunteer_award")
    nomination = factories.NominationFactory(cycle=cycle, state="recommended")
    factories.RecommendationFactory(cycle=cycle, laureate_nomination_ids=[nomination.id],
                                    ranking=[{"nomination_id": nomination.id, "score": 4.0, "rank": 1}])
    cycle.state = "hearing"
    members = _board()
    volunteer.record_hearing(TESTS_ACTOR, cycle, held_on=(datetime.now(UTC) - timedelta(days=1)).date(),
                             present=members, minutes="Two candidates heard.")
    db.session.commit()
    for member in members:
        assert _vote(client, auth, member, cycle, "reject", "Heard too little of the work.").status_code == 303
    cycle = _fresh(cycle)
    assert cycle.state == "deliberation" and cycle.hearing_held_at is None
    assert _fresh(nomination).state == "eligible"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.cycle_id == cycle.id)))
    assert {"cycle.hearing_held", "cycle.hearing_reopened", "proposal.rejected"} <= actions


def test_a_host_the_board_rejects_goes_back_to_the_secretariat_to_designate_again(ctx, client, auth):
    host = factories.OrganisationFactory(name="Expo-Sciences Host")
    cycle = cycles.create_cycle(TESTS_ACTOR, builders.award("milset_award"), 2027,
                                event=builders.esi_event(host_organisation=host))
    admin = factories.UserFactory(roles=("admin",))
    members = _board()
    db.session.commit()
    _as(client, auth, admin).post(f"/cycles/{cycle.id}/events/designate_host", data={"version": cycle.version})
    for member in members:
        _vote(client, auth, member, cycle, "reject", "The host withdrew its bid.")
    assert _fresh(cycle).state == "draft" and decisions.final_decision(cycle) is None
    assert decisions.current_recommendation(cycle) is None
    page = _as(client, auth, admin).get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert f"/cycles/{cycle.id}/events/designate_host" in page
    client.post(f"/cycles/{cycle.id}/events/designate_host", data={"version": _fresh(cycle).version})
    proposals = db.session.scalars(select(Recommendation).where(Recommendation.cycle_id == cycle.id)
                                   .order_by(Recommendation.id)).all()
    assert [(p.kind, p.status) for p in proposals] == [("host", "rejected"), ("host", "pending")]
    # One candidate: the host's nomination is the same one.
    assert db.session.scalar(select(func.count()).select_from(Nomination).where(Nomination.cycle_id == cycle.id)) == 1


def test_the_vote_that_decides_is_confirmed_on_a_page_of_its_own(client, auth, deliberating):
    """The first two votes are cast at once; the third completes the quorum
    and the majority, so the member first reads what it does, and nothing
    is recorded until they confirm."""
    cycle, chair, _noms = deliberating
    members = _board()
    _recommend(client, auth, chair, cycle)
    for member in members[:2]:
        cast = _as(client, auth, member).post(f"/board/cycles/{cycle.id}", data={"vote": "approve"})
        assert cast.status_code == 303
    asked = _as(client, auth, members[2]).post(f"/board/cycles/{cycle.id}", data={"vote": "approve"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "ratified at once" in page
    assert 'name="confirmed" value="1"' in page and 'name="vote" value="approve"' in page
    assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 2
    assert _fresh(cycle).state == "recommended"
    confirmed = client.post(f"/board/cycles/{cycle.id}", data={"vote": "approve", "confirmed": "1"})
    assert confirmed.status_code == 303
    assert _fresh(cycle).state == "ratified"


def test_a_board_member_who_endorsed_a_proposed_laureate_may_only_recuse(client, auth, ctx):
    """The board is checked by the same detection as the panel: an endorser
    of the laureate is tied to it, and the page says so."""
    cycle, member = builders.recommended_cycle()
    proposal = decisions.current_recommendation(cycle)
    laureate = db.session.get(Nomination, proposal.laureate_nomination_ids[0])
    factories.EndorsementFactory(nomination=laureate, email=member.email)
    db.session.commit()
    page = _as(client, auth, member).get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    assert "You endorsed" in page and 'value="approve"' not in page
    refused = client.post(f"/board/cycles/{cycle.id}", data={"vote": "approve", "confirmed": "1"})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(BoardVote).where(BoardVote.user_id == member.id)) == 0
