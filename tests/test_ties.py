"""A tie at the last laureate place: the chair records the panel's vote on a
page, the recommendation follows it, and the report's replay reproduces it."""

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, TieVote
from awards_app.services import decisions, recommendations, transitions
from tests import builders, factories


@pytest.fixture
def tied(ctx):
    """Deliberation with the first two nominations tied for the one laureate place."""
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    builders.score_all(cycle, judges, noms, [4, 4, 3])
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    return cycle, judges, noms


def _vote_by_ballots(client, cycle, judges, choices, minutes="The panel voted by show of hands."):
    data = {"how": "ballots", "minutes": minutes}
    data.update({f"ballot_{j.id}": str(n.id) for j, n in zip(judges, choices, strict=True)})
    return client.post(f"/chair/cycles/{cycle.id}/tie", data=data)


def test_the_chair_records_the_vote_and_the_replay_matches(tied, client, auth, make_user):
    cycle, judges, noms = tied
    auth.login(judges[0].email)
    view = client.get(f"/chair/cycles/{cycle.id}")
    assert f"/chair/cycles/{cycle.id}/tie".encode() in view.data  # the chair's view leads to the vote
    refused = client.post(f"/chair/cycles/{cycle.id}/recommend", data={"rationale": "Close call."})
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/chair/cycles/{cycle.id}/tie")
    page = client.get(f"/chair/cycles/{cycle.id}/tie")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert str(noms[0].candidate) in text and str(noms[1].candidate) in text
    assert str(noms[2].candidate) not in text  # only the tied are offered
    assert _vote_by_ballots(client, cycle, judges, [noms[1], noms[1], noms[0]]).status_code == 303
    vote = db.session.scalar(select(TieVote))
    assert vote.votes == {str(noms[0].id): 1, str(noms[1].id): 2} and len(vote.ballots) == 3
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tie.vote_recorded")) is not None
    client.post(f"/chair/cycles/{cycle.id}/recommend", data={"rationale": "The panel's vote decided."})
    db.session.refresh(cycle)
    assert cycle.state == "recommended"
    recommendation = decisions.current_recommendation(cycle)
    assert recommendation.laureate_nomination_ids == [noms[1].id]
    for member in [factories.UserFactory(roles=("board",)) for _ in range(3)]:
        decisions.cast_vote(member, recommendation, "approve")
    db.session.commit()
    auth.logout()
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    report = client.get(f"/reports/cycles/{cycle.id}")
    assert b"the result matches the ratified decision" in report.data
    text = report.get_data(as_text=True).replace("&#39;", "'")
    assert "<td>The panel's vote</td>" in text  # the step that decided, in words
    assert "The panel voted by show of hands." in text  # the recorded vote, with its minutes


def test_counts_with_minutes_and_a_tied_vote_says_so(tied, client, auth):
    cycle, judges, noms = tied
    auth.login(judges[0].email)
    counts = {"how": "counts", f"count_{noms[0].id}": "1", f"count_{noms[1].id}": "1", "minutes": "One each."}
    client.post(f"/chair/cycles/{cycle.id}/tie", data=counts)
    page = client.get(f"/chair/cycles/{cycle.id}/tie")
    assert b"The recorded vote is tied too" in page.data
    assert recommendations.rank(cycle).unresolved_tie
    counts.update({f"count_{noms[0].id}": "2", "minutes": "Voted again after discussion."})
    assert client.post(f"/chair/cycles/{cycle.id}/tie", data=counts).status_code == 303
    assert list(recommendations.rank(cycle).laureates) == [noms[0].id]
    assert len(db.session.scalars(select(TieVote)).all()) == 2  # both votes stay on record


def test_minutes_are_required(tied, client, auth):
    cycle, judges, noms = tied
    auth.login(judges[0].email)
    response = _vote_by_ballots(client, cycle, judges, [noms[1], noms[1], noms[0]], minutes="  ")
    assert response.status_code == 400 and b"[tie.minutes_required]" in response.data
    assert b'class="error-summary"' in response.data
    assert db.session.scalar(select(TieVote)) is None


def test_a_vote_for_a_nomination_that_is_not_tied_is_refused(tied, client, auth):
    cycle, judges, noms = tied
    auth.login(judges[0].email)
    response = _vote_by_ballots(client, cycle, judges, [noms[2], noms[1], noms[0]])
    assert response.status_code == 400 and b"[tie.not_tied]" in response.data
    assert db.session.scalar(select(TieVote)) is None


def test_a_judge_may_not_vote_for_a_nomination_they_are_conflicted_with(tied, client, auth):
    cycle, judges, noms = tied
    factories.ConflictOfInterestFactory(judge=judges[2], nomination=noms[0], status="confirmed")
    db.session.commit()
    auth.login(judges[0].email)
    response = _vote_by_ballots(client, cycle, judges, [noms[1], noms[1], noms[0]])
    assert response.status_code == 400 and b"[tie.ballot_conflicted]" in response.data


def test_only_the_chair_of_this_panel_records_the_vote(tied, client, auth):
    cycle, judges, noms = tied
    auth.login(judges[1].email)
    assert client.get(f"/chair/cycles/{cycle.id}/tie").status_code == 404
    assert _vote_by_ballots(client, cycle, judges, [noms[1], noms[1], noms[0]]).status_code == 404
    from awards_app.services import Forbidden, ties

    with pytest.raises(Forbidden):
        ties.record_vote(judges[1], cycle, votes={noms[0].id: 2, noms[1].id: 1}, minutes="Hands.")
    assert db.session.scalar(select(TieVote)) is None


def test_a_chain_without_the_panel_vote_is_said_clearly(ctx, client, auth):
    cycle, judges, noms = builders.judging_cycle(nominations=2)
    cycle.settings = {**cycle.settings, "aggregation": {"tie_break": []}}
    db.session.commit()
    builders.score_all(cycle, judges, noms, [4, 4])
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    auth.login(judges[0].email)
    page = client.get(f"/chair/cycles/{cycle.id}/tie")
    assert b"has no panel vote" in page.data
    counts = {"how": "counts", f"count_{noms[0].id}": "2", f"count_{noms[1].id}": "1", "minutes": "Hands."}
    refused = client.post(f"/chair/cycles/{cycle.id}/tie", data=counts)
    assert b"[tie.chain_without_vote]" in refused.data


def test_named_laureates_must_come_from_the_tie(tied):
    cycle, judges, noms = tied
    from awards_app.services import ServiceError

    with pytest.raises(ServiceError) as refused:
        recommendations.recommend(judges[0], cycle, "Third.", laureate_ids=[noms[2].id])
    assert refused.value.rule == "recommendation.only_among_tied"
