"""Conflicts of interest across the whole season, through the API and the
pages: found at every step that brings a person or a nomination into the
cycle, holding up every step from the close of scoring to ratification while
open, withdrawing a recommendation they invalidate, and a judge withdrawn
after scoring leaving every result. SQLite enforces foreign keys."""

import pytest
from sqlalchemy import func, select, text

from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    AuditEvent,
    BoardVote,
    ConflictOfInterest,
    Cycle,
    Nomination,
    PanelMember,
    Recommendation,
    Score,
)
from awards_app.services import conflicts, endorsements, facts, nominations, panels, scoring, transitions
from tests import builders, factories
from tests.api.conftest import Api, issue_token
from tests.factories import TESTS_ACTOR


@pytest.fixture
def api(client):
    return Api(client)


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _refused(response, rule, status=409):
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["code"] == rule or rule in body["errors"].get("rules", []), body
    return response.get_json()


def _sheet(judge, nomination) -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                      Assignment.nomination_id == nomination.id))


def _score_all(cycle, judges, noms, value_of):
    """Every judge submits every sheet they hold, value_of(judge, nomination) on every criterion."""
    for judge in judges:
        for nomination in noms:
            sheet = _sheet(judge, nomination)
            if sheet is not None:
                scoring.submit(judge, sheet, {c.code: (str(value_of(judge, nomination)), "")
                                              for c in cycle.criteria})
    db.session.commit()


def _actions(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


# --- detection at every step ---------------------------------------------------------

def test_a_nomination_from_a_judges_organisation_submitted_after_the_panel_is_found_and_hidden(api, ctx):
    """The finding: with the panel formed first, a judge was assigned her own
    organisation's nomination, attested "no conflict" and scored it."""
    award = builders.award("best_delegation_award")
    fields = tuple(award.default_settings["required_fields"])
    cycle = builders.open_cycle("best_delegation_award")
    organisation = factories.OrganisationFactory()
    judges = [builders.judge(f"j{i}@example.org", fields=fields, roles=("judge", "chair") if i == 0 else ("judge",),
                             organisation=organisation if i == 2 else None) for i in range(3)]
    admin = factories.UserFactory(roles=("admin",))
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event, organisation=organisation)
    factories.ParticipantFactory(delegation=delegation)
    db.session.commit()
    t_admin, t_nominator, t_chair, t_judge = (issue_token(u) for u in (admin, nominator, judges[0], judges[2]))
    cycle_url = f"/api/v1/cycles/{cycle.id}"
    for i, judge in enumerate(judges):
        _ok(api.post(f"{cycle_url}/panel/members", t_admin,
                     json={"user_id": judge.id, "role": "chair" if i == 0 else "member"}), 201)

    nomination = _ok(api.post("/api/v1/nominations", t_nominator, json={
        "cycle_id": cycle.id, "delegation_id": delegation.id, "statement": "Exemplary."}), 201)
    _ok(api.post(f"/api/v1/nominations/{nomination['id']}/transitions", t_nominator, json={"event": "submit"}))

    found = _ok(api.get(f"{cycle_url}/conflicts", t_chair))
    assert {c["judge_id"] for c in found} == {judges[2].id}
    assert (nomination["id"], "same_organisation", "open") in {(c["nomination_id"], c["kind"], c["status"])
                                                               for c in found}

    _ok(api.post(f"{cycle_url}/transitions", t_admin, json={"event": "close_call"}))
    _ok(api.post(f"/api/v1/nominations/{nomination['id']}/transitions", t_admin, json={"event": "mark_eligible"}))
    # Judging does not open on an open conflict; the chair confirms it (the judge is recused).
    _refused(api.post(f"{cycle_url}/transitions", t_admin, json={"event": "open_judging"}), "conflicts.unresolved")
    for conflict in found:
        _ok(api.post(f"/api/v1/conflicts/{conflict['id']}/resolution", t_chair, json={"action": "confirm"}))
    _ok(api.post(f"{cycle_url}/transitions", t_admin, json={"event": "open_judging"}))
    _ok(api.post(f"{cycle_url}/assignments/run", t_chair))

    assigned = {a.judge_id for a in db.session.scalars(select(Assignment).where(
        Assignment.nomination_id == nomination["id"]))}
    assert judges[2].id not in assigned
    url = f"/api/v1/nominations/{nomination['id']}"
    assert api.post(f"{url}/conflict-attestation", t_judge).status_code == 404
    assert api.get(f"{url}/score-sheet", t_judge).status_code == 404


def test_an_endorsement_received_from_a_judge_is_a_conflict(client, ctx):
    cycle = builders.open_cycle("best_delegation_award")
    judge = builders.judge("ana@example.org", name="Ana Lucía Pérez")
    panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event)
    factories.ParticipantFactory(delegation=delegation)
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.")
    _endorsement, token = endorsements.request(nominator, nomination, "private-address@example.net")
    nominations.submit(nominator, nomination)
    db.session.commit()
    assert conflicts.unresolved_count(cycle) == 0  # nobody knows yet who will answer

    response = client.post(f"/endorse/{token}", data={"name": "Ana Lucia Perez", "organisation": "Club",
                                                      "role": "President", "text": "A fine delegation."})
    assert response.status_code in (200, 303)
    found = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.nomination_id == nomination.id))
    assert [(c.judge_id, c.kind, c.status) for c in found] == [(judge.id, "endorser", "open")]


def test_a_screening_verdict_detects_on_the_facts_as_screened(client, auth, ctx):
    cycle = builders.open_cycle("best_delegation_award")
    judge = builders.judge("jo@example.org")
    panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event)
    factories.ParticipantFactory(delegation=delegation)
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.")
    nominations.submit(nominator, nomination)
    admin = factories.UserFactory(roles=("admin",))
    db.session.commit()
    assert conflicts.unresolved_count(cycle) == 0
    judge.person.organisation_id = delegation.organisation_id  # the judge has joined the delegation's club since
    db.session.commit()

    auth.login(admin.email)
    page = client.get(f"/screening/{nomination.id}")
    assert page.status_code == 200
    response = client.post(f"/screening/{nomination.id}", data={"verdict": "eligible", "reason": "",
                                                                 "version": nomination.version})
    assert response.status_code == 303
    assert db.session.get(Nomination, nomination.id).state == "eligible"
    assert [(c.judge_id, c.kind) for c in db.session.scalars(select(ConflictOfInterest))] == [
        (judge.id, "same_organisation")]


def test_opening_judging_detects_on_the_people_as_they_are_now(api, ctx):
    """A judge's organisation changed after the panel was formed and the
    nominations screened: opening judging finds it and keeps the finding."""
    cycle, judges, noms = _screened_cycle()
    judges[2].person.organisation_id = noms[0].candidate_delegation.organisation_id
    db.session.commit()
    t_admin = issue_token(factories.UserFactory(roles=("admin",)))
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/transitions", t_admin, json={"event": "open_judging"}))
    found = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judges[2].id)).all()
    assert [(c.nomination_id, c.kind, c.status) for c in found] == [(noms[0].id, "same_organisation", "open")]


def test_an_assignment_detects_for_its_judge_and_nomination(ctx):
    cycle, judges, noms = _screened_cycle()
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
    judges[1].person.organisation_id = noms[1].candidate_delegation.organisation_id
    db.session.commit()
    from awards_app.services import assignments

    assignments.add(TESTS_ACTOR, noms[1], judges[1])
    db.session.commit()
    assert [(c.judge_id, c.nomination_id) for c in db.session.scalars(select(ConflictOfInterest))] == [
        (judges[1].id, noms[1].id)]
    # Open, it hides the nomination from the judge: no sheet to score.
    assert conflicts.is_hidden_from(judges[1], noms[1])


def _screened_cycle():
    """A cycle in screening: a vetted panel of three (the first chairs) and two eligible nominations."""
    award = builders.award("best_delegation_award")
    fields = tuple(award.default_settings["required_fields"])
    cycle = builders.open_cycle("best_delegation_award")
    noms = [builders.eligible_delegation_nomination(cycle) for _ in range(2)]
    judges = []
    for i in range(3):
        judge = builders.judge(f"s{i}@example.org", name=f"Screened Judge{i}", fields=fields,
                               roles=("judge", "chair") if i == 0 else ("judge",))
        panels.add_member(TESTS_ACTOR, cycle, judge, "chair" if i == 0 else "member")
        judges.append(judge)
    builders.close_call(cycle)
    return cycle, judges, noms


# --- no step from the close of scoring to ratification while a conflict is open ------

def test_close_scoring_waits_for_an_open_conflict_but_not_for_the_conflicted_sheet(api, ctx):
    cycle, judges, noms = builders.judging_cycle()
    _score_all(cycle, judges[:2], noms, lambda j, n: 3)
    _score_all(cycle, judges[2:], noms[:1], lambda j, n: 3)
    t_chair, t_judge = issue_token(judges[0]), issue_token(judges[2])
    # The last judge declares a conflict instead of scoring the second nomination.
    _ok(api.post(f"/api/v1/nominations/{noms[1].id}/conflicts", t_judge, json={"kind": "family", "note": "Niece."}),
        201)
    refused = _refused(api.post(f"/api/v1/cycles/{cycle.id}/transitions", t_chair, json={"event": "close_scoring"}),
                       "conflicts.unresolved")
    # The conflicted judge's sheet is not awaited: only the conflict holds scoring open.
    assert refused["errors"]["rules"] == ["conflicts.unresolved"]
    conflict = db.session.scalar(select(ConflictOfInterest))
    _ok(api.post(f"/api/v1/conflicts/{conflict.id}/resolution", t_chair, json={"action": "confirm"}))
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/transitions", t_chair, json={"event": "close_scoring"}))


def test_recommending_and_voting_are_refused_while_a_conflict_is_open(api, client, auth, ctx):
    cycle, judges, noms = builders.judging_cycle()
    _score_all(cycle, judges, noms, lambda j, n: 3 + noms.index(n))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    conflict = factories.ConflictOfInterestFactory(judge=judges[1], nomination=noms[1], kind="collaborator",
                                                   source="detected", status="open")
    db.session.commit()
    t_chair = issue_token(judges[0])
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/recommendations", t_chair, json={"rationale": "Clear."}),
             "conflicts.unresolved")
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0

    _ok(api.post(f"/api/v1/conflicts/{conflict.id}/resolution", t_chair,
                 json={"action": "waive", "rationale": "Worked together twenty years ago."}))
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/recommendations", t_chair, json={"rationale": "Clear."}), 201)

    # Found while the board votes: the votes are closed, on the page and in the API.
    factories.ConflictOfInterestFactory(judge=judges[2], nomination=noms[1], kind="financial",
                                        source="detected", status="open")
    board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/votes", issue_token(board[0]), json={"vote": "approve"}),
             "conflicts.unresolved")
    auth.login(board[1].email)
    page = client.post(f"/board/cycles/{cycle.id}", data={"vote": "approve", "confirmed": "1"})
    assert page.status_code == 409 and b"conflicts.unresolved" in page.data
    assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 0


# --- a conflict confirmed after the recommendation withdraws it ------------------------

def test_a_conflict_confirmed_after_the_recommendation_withdraws_it_and_voids_its_votes(api, ctx):
    """The finding: the board ratified a laureate whose lead came only from
    the recused judge's score."""
    cycle, judges, noms = builders.judging_cycle()
    # The second nomination leads only through the last judge's scores: 5 for it, 2 for the other.
    _score_all(cycle, judges, noms, lambda j, n: (5 if n is noms[1] else 2) if j is judges[2] else
               (4 if n is noms[0] else 3))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    t_chair = issue_token(judges[0])
    first = _ok(api.post(f"/api/v1/cycles/{cycle.id}/recommendations", t_chair, json={"rationale": "Clear."}), 201)
    assert first["laureate_nomination_ids"] == [noms[1].id]
    board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    t_board = [issue_token(b) for b in board]
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/votes", t_board[0], json={"vote": "approve"}), 201)

    # Found after the recommendation (the chair runs detection again), then confirmed.
    conflict = factories.ConflictOfInterestFactory(judge=judges[2], nomination=noms[1], kind="family",
                                                   source="declared", status="open")
    db.session.commit()
    _ok(api.post(f"/api/v1/conflicts/{conflict.id}/resolution", t_chair, json={"action": "confirm"}))

    cycle = db.session.get(Cycle, cycle.id)
    withdrawn = db.session.get(Recommendation, first["id"])
    assert cycle.state == "deliberation"
    assert withdrawn.status == "withdrawn" and withdrawn.closed_at is not None
    assert "conflict of interest confirmed" in withdrawn.closed_reason
    assert db.session.get(Nomination, noms[1].id).state == "eligible"
    # The vote stays in the record and no longer counts.
    assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 1
    assert facts.cycle_facts(cycle).board_votes_approve == 0
    [event] = _actions("recommendation.withdrawn")
    assert event.payload["void_votes"]["approve"] == 1 and "conflict" in event.payload["reason"]
    assert [e.payload["event"] for e in _actions("cycle.transition")][-1] == "withdraw_recommendation"

    # The panel recommends again without the recused judge's scores: the other nomination leads.
    second = _ok(api.post(f"/api/v1/cycles/{cycle.id}/recommendations", t_chair, json={"rationale": "Again."}), 201)
    assert second["laureate_nomination_ids"] == [noms[0].id]
    states = [_ok(api.post(f"/api/v1/cycles/{cycle.id}/votes", t, json={"vote": "approve"}), 201)["cycle_state"]
              for t in t_board]
    assert states == ["recommended", "recommended", "ratified"]


def test_a_conflict_confirmed_after_ratification_is_flagged_to_the_board(api, ctx):
    cycle, member = builders.recommended_cycle()
    others = [factories.UserFactory(roles=("board",)) for _ in range(2)]
    db.session.commit()
    for user in (member, *others):
        _ok(api.post(f"/api/v1/cycles/{cycle.id}/votes", issue_token(user), json={"vote": "approve"}), 201)
    chair = panels.chair_of(cycle)
    judge = db.session.scalar(select(PanelMember).where(PanelMember.role == "member")).user
    nomination = db.session.scalar(select(Nomination).where(Nomination.state == "laureate"))
    conflict = factories.ConflictOfInterestFactory(judge=judge, nomination=nomination, kind="family",
                                                   source="declared", status="open")
    db.session.commit()
    _ok(api.post(f"/api/v1/conflicts/{conflict.id}/resolution", issue_token(chair), json={"action": "confirm"}))
    assert db.session.get(Cycle, cycle.id).state == "ratified"  # the decision is not undone silently
    [flag] = _actions("decision.conflict_after_ratification")
    assert flag.payload["nomination_id"] == nomination.id
    from awards_app.models import OutboxMessage

    told = {m.recipient for m in db.session.scalars(select(OutboxMessage))
            if "Conflict of interest after the decision" in m.subject}
    assert {member.email, *(o.email for o in others)} <= told
    # Nor can a judge be withdrawn from a decided cycle: the board amends the decision instead.
    seat = db.session.scalar(select(PanelMember).where(PanelMember.user_id == judge.id))
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/panel/members/{seat.id}/withdrawal", issue_token(chair),
                      json={"reason": "Conflicted."}), "panel.decided")


# --- the chair withdraws a judge ---------------------------------------------------------

def test_the_chair_withdraws_a_judge_after_scoring_and_the_results_exclude_them(client, auth, ctx):
    cycle, judges, noms = builders.judging_cycle(judges=4)
    # The last judge's scores alone put the second nomination ahead: 5 for it, 1 for the other.
    _score_all(cycle, judges, noms, lambda j, n: (5 if n is noms[1] else 1) if j is judges[3] else
               (3 if n is noms[0] else 2))
    member = db.session.scalar(select(PanelMember).where(PanelMember.user_id == judges[3].id))
    auth.login(judges[0].email)
    panel_page = client.get(f"/cycles/{cycle.id}/panel")
    url = f"/cycles/{cycle.id}/panel/members/{member.id}/withdraw"
    assert url.encode() in panel_page.data
    confirm = client.get(url)
    assert confirm.status_code == 200 and b'id="reason"' in confirm.data and b"2 score sheet(s)" in confirm.data

    refused = client.post(url, data={"reason": "  "})
    assert refused.status_code == 400 and b"error-summary" in refused.data
    assert db.session.get(PanelMember, member.id) is not None

    done = client.post(url, data={"reason": "Undeclared ties to a delegation."})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(PanelMember, member.id) is None
    assert db.session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.judge_id == judges[3].id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Score)) == 2 * 3 * len(cycle.criteria)
    [event] = _actions("panel.judge_withdrawn")
    assert event.payload["reason"] == "Undeclared ties to a delegation."
    assert {r["nomination_id"]: r["scores"] for r in event.payload["removed"]}[noms[1].id] == {
        c.code: 5 for c in cycle.criteria}

    # Scoring closes on the three who remain; the results no longer count the withdrawn judge.
    assert client.post(f"/cycles/{cycle.id}/events/close_scoring",
                       data={"version": db.session.get(Cycle, cycle.id).version}).status_code == 303
    assert db.session.get(Cycle, cycle.id).state == "deliberation"
    from awards_app.services import recommendations

    ranking = recommendations.rank(db.session.get(Cycle, cycle.id))
    assert list(ranking.laureates) == [noms[0].id]
    assert {e.nomination_id: e.n_judges for e in ranking.entries} == {noms[0].id: 3, noms[1].id: 3}


def test_a_panel_left_short_by_a_withdrawal_does_not_close_scoring(api, ctx):
    cycle, judges, noms = builders.judging_cycle()
    _score_all(cycle, judges, noms, lambda j, n: 3)
    member = db.session.scalar(select(PanelMember).where(PanelMember.user_id == judges[2].id))
    t_chair = issue_token(judges[0])
    withdrawn = _ok(api.post(f"/api/v1/cycles/{cycle.id}/panel/members/{member.id}/withdrawal", t_chair,
                             json={"reason": "Ill for the season."}))
    assert withdrawn["user_id"] == judges[2].id and len(withdrawn["removed"]) == 2
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/transitions", t_chair, json={"event": "close_scoring"}),
             "panel.size")


def test_the_chair_cannot_withdraw_themself_nor_a_judge_without_a_reason(api, ctx):
    cycle, judges, _noms = builders.judging_cycle()
    t_chair = issue_token(judges[0])
    chair = db.session.scalar(select(PanelMember).where(PanelMember.role == "chair"))
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/panel/members/{chair.id}/withdrawal", t_chair,
                      json={"reason": "Tired."}), "panel.withdraw_chair", status=422)
    member = db.session.scalar(select(PanelMember).where(PanelMember.user_id == judges[1].id))
    _refused(api.post(f"/api/v1/cycles/{cycle.id}/panel/members/{member.id}/withdrawal", t_chair,
                      json={"reason": "   "}), "panel.withdraw_reason_required", status=422)


# --- SQLite enforces foreign keys ---------------------------------------------------------

def test_sqlite_connections_enforce_foreign_keys(ctx):
    if db.session.get_bind().dialect.name != "sqlite":
        return
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_recused_judges_replacement_sheet_starts_empty(api, ctx):
    """The finding: a recusal left scores behind, and the replacement judge's
    sheet was pre-filled with the recused judge's scores and comment."""
    cycle, judges, noms = builders.judging_cycle(nominations=1)
    nomination = noms[0]
    recused = judges[2]  # holds the newest sheet: its id is the one SQLite hands out next
    t_recused, t_chair = issue_token(recused), issue_token(judges[0])
    url = f"/api/v1/nominations/{nomination.id}/score-sheet"
    sheet = _ok(api.get(url, t_recused))
    scores = {c.code: {"value": 5, "comment": "My cousin's delegation, the best."} for c in cycle.criteria}
    _ok(api.put(url, t_recused, json={"scores": scores, "version": sheet["version"]}))
    _ok(api.post(f"/api/v1/nominations/{nomination.id}/conflicts", t_recused, json={"kind": "family"}), 201)
    conflict = db.session.scalar(select(ConflictOfInterest))
    _ok(api.post(f"/api/v1/conflicts/{conflict.id}/resolution", t_chair, json={"action": "confirm"}))
    assert db.session.scalar(select(func.count()).select_from(Score).where(
        ~Score.assignment_id.in_(select(Assignment.id)))) == 0

    # A replacement joins and the chair assigns them.
    fields = tuple(cycle.setting("required_fields"))
    replacement = builders.judge("replacement@example.org", fields=fields)
    t_admin = issue_token(factories.UserFactory(roles=("admin",)))
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/panel/members", t_admin,
                 json={"user_id": replacement.id, "role": "member"}), 201)
    _ok(api.post(f"/api/v1/cycles/{cycle.id}/assignments/run", t_chair))
    t_replacement = issue_token(replacement)
    _ok(api.post(f"/api/v1/nominations/{nomination.id}/conflict-attestation", t_replacement))
    fresh = _ok(api.get(url, t_replacement))
    assert fresh["sheet_state"] == "open"
    assert all(s == {"value": None, "comment": ""} for s in fresh["scores"].values()), fresh["scores"]
