"""The Volunteer Award's board steps through the pages, the API and the
command line: the Executive Committee's hearing (votes open only after it)
and the odd-year override as a board decision at quorum."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, BoardVote, Cycle
from awards_app.services import cycles
from awards_app.services import tokens as token_service
from tests import builders, factories
from tests.factories import TESTS_ACTOR

YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


def _awaiting_hearing():
    """A Volunteer cycle whose panel recommended one candidate: at the hearing."""
    cycle = builders.open_cycle("volunteer_award")
    nomination = factories.NominationFactory(cycle=cycle, state="recommended")
    factories.RecommendationFactory(cycle=cycle, laureate_nomination_ids=[nomination.id],
                                    ranking=[{"nomination_id": nomination.id, "score": 4.0, "rank": 1}])
    cycle.state = "hearing"
    db.session.commit()
    return cycle


def _board(make_user, n=3):
    return [make_user(f"board{i}@example.org", roles=("board",), name=f"Board Member{i}") for i in range(n)]


def _vote(client, auth, member, cycle):
    auth.logout()
    auth.login(member.email)
    return client.post(f"/board/cycles/{cycle.id}", data={"vote": "approve", "confirmed": "1"})


def test_the_hearing_is_recorded_in_a_page_and_only_then_may_the_board_vote(client, auth, make_user):
    cycle = _awaiting_hearing()
    board = _board(make_user)
    make_user("office@example.org", roles=("admin",))

    early = _vote(client, auth, board[0], cycle)
    assert early.status_code == 409 and b"volunteer.hearing_held" in early.data
    assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 0

    auth.logout()
    auth.login("office@example.org")
    assert b"Record the hearing" in client.get(f"/cycles/{cycle.id}").data
    page = client.get(f"/cycles/{cycle.id}/hearing")
    assert page.status_code == 200 and b"Board Member1" in page.data
    present = [str(m.id) for m in board[:2]]
    future = client.post(f"/cycles/{cycle.id}/hearing",
                         data={"held_on": TOMORROW, "present": present, "minutes": "Three candidates heard."})
    assert future.status_code == 400 and b"volunteer.hearing_date_future" in future.data
    assert b"Three candidates heard." in future.data  # nothing typed is lost
    done = client.post(f"/cycles/{cycle.id}/hearing",
                       data={"held_on": YESTERDAY, "present": present, "minutes": "Three candidates heard."})
    assert done.status_code == 303
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert cycle.hearing_held_at.date().isoformat() == YESTERDAY
    assert cycle.hearing_notes == "Three candidates heard."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.hearing_held"))
    assert event.payload["present"] == sorted(m.id for m in board[:2]) and event.payload["held_on"] == YESTERDAY

    for member in board:
        assert _vote(client, auth, member, cycle).status_code == 303
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).state == "ratified"


def test_only_the_secretariat_or_the_board_records_the_hearing(client, auth, make_user):
    cycle = _awaiting_hearing()
    member = make_user("board@example.org", roles=("board",))
    make_user("nina@example.org", roles=("nominator",))
    auth.login("nina@example.org")
    assert client.get(f"/cycles/{cycle.id}/hearing").status_code == 403
    refused = client.post(f"/cycles/{cycle.id}/hearing",
                          data={"held_on": YESTERDAY, "present": [str(member.id)], "minutes": "Heard."})
    assert refused.status_code == 403 and b"volunteer.hearing_recorders" in refused.data
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).hearing_held_at is None


def test_the_hearing_through_the_api(client, make_user):
    cycle = _awaiting_hearing()
    member = make_user("board@example.org", roles=("board",))
    nominator = make_user("nina@example.org", roles=("nominator",))
    tokens = {u: token_service.create(u, "tests")[1] for u in (member, nominator)}
    db.session.commit()
    body = {"held_on": YESTERDAY, "present": [member.id], "minutes": "Heard online."}

    def post(user, json):
        return client.post(f"/api/v1/cycles/{cycle.id}/hearing", json=json,
                           headers={"Authorization": f"Bearer {tokens[user]}"})

    refused = post(nominator, body)
    assert refused.status_code == 403 and refused.json["code"] == "volunteer.hearing_recorders"
    not_board = post(member, body | {"present": [nominator.id]})
    assert not_board.status_code == 422 and not_board.json["code"] == "volunteer.hearing_present_not_board"
    recorded = post(member, body)
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["present"] == [member.id] and recorded.json["held_on"] == YESTERDAY
    again = post(member, body)
    assert again.status_code == 409 and again.json["code"] == "volunteer.hearing_already_recorded"
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/cycles/{cycle_id}/hearing" in spec["paths"]
    assert "/api/v1/cycles/{cycle_id}/odd-year-override/approvals" in spec["paths"]


def test_the_hearing_from_the_command_line(runner, make_user):
    cycle = _awaiting_hearing()
    member = make_user("board@example.org", roles=("board",))
    unknown = runner.invoke(args=["cycles", "hearing", str(cycle.id), "--held-on", YESTERDAY,
                                  "--present", "nobody@example.org", "--minutes", "Heard."])
    assert unknown.exit_code != 0 and "volunteer.hearing_present_unknown" in unknown.output
    result = runner.invoke(args=["cycles", "hearing", str(cycle.id), "--held-on", YESTERDAY,
                                 "--present", member.email, "--minutes", "Heard in Lyon."])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert cycle.hearing_held_at is not None and cycle.hearing_notes == "Heard in Lyon."


def test_no_hearing_on_another_award(client, auth, make_user):
    cycle, _judges, _noms = builders.judging_cycle()
    make_user("board@example.org", roles=("board",))
    auth.login("board@example.org")
    assert client.get(f"/cycles/{cycle.id}/hearing").status_code == 404


# --- the odd-year override -------------------------------------------------------------

def _even_year_volunteer_cycle():
    cycle = cycles.create_cycle(TESTS_ACTOR, builders.award("volunteer_award"), 2026)
    db.session.commit()
    return cycle


def _approve(client, auth, user, cycle, reason="Presented at Expo-Sciences Europe, as in 2012."):
    auth.logout()
    auth.login(user.email)
    return client.post(f"/cycles/{cycle.id}/odd-year-override", data={"reason": reason})


def test_the_odd_year_override_takes_the_boards_quorum(client, auth, make_user):
    cycle = _even_year_volunteer_cycle()
    board = _board(make_user)
    assert _approve(client, auth, board[0], cycle).status_code == 303
    twice = _approve(client, auth, board[0], cycle)
    assert twice.status_code == 409 and b"volunteer.override_already_approved" in twice.data
    assert _approve(client, auth, board[1], cycle, reason="Agreed.").status_code == 303
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).odd_year_override_reason is None  # two of three
    assert _approve(client, auth, board[2], cycle, reason="Agreed too.").status_code == 303
    make_user("office@example.org", roles=("admin",))
    auth.logout()
    auth.login("office@example.org")
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert cycle.odd_year_override_reason == "Presented at Expo-Sciences Europe, as in 2012."
    decided = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.odd_year_override"))
    assert decided.payload["approved_by"] == [m.id for m in board] and decided.payload["quorum"] == 3
    done = client.post(f"/cycles/{cycle.id}/events/publish_criteria", data={"version": cycle.version})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).state == "criteria_published"


def test_a_nominator_cannot_override_the_odd_year_rule(client, auth, make_user):
    cycle = _even_year_volunteer_cycle()
    nominator = make_user("nina@example.org", roles=("nominator",))
    refused = _approve(client, auth, nominator, cycle)
    assert refused.status_code == 403 and b"volunteer.override_board_only" in refused.data
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("cycle.odd_year_override%"))) == 0


def test_no_odd_year_override_on_another_award(client, auth, make_user):
    derek_gray = cycles.create_cycle(TESTS_ACTOR, builders.award("derek_gray_medal"), 2026)
    db.session.commit()
    member = make_user("board@example.org", roles=("board",))
    refused = _approve(client, auth, member, derek_gray)
    assert refused.status_code == 409 and b"volunteer.override_volunteer_only" in refused.data
    db.session.expire_all()
    assert db.session.get(Cycle, derek_gray.id).odd_year_override_reason is None


def test_the_odd_year_override_through_the_api(client, make_user):
    cycle = _even_year_volunteer_cycle()
    member, nominator = make_user("board@example.org", roles=("board",)), make_user("n@example.org")
    tokens = {u: token_service.create(u, "tests")[1] for u in (member, nominator)}
    db.session.commit()

    def post(user):
        return client.post(f"/api/v1/cycles/{cycle.id}/odd-year-override/approvals", json={"reason": "As in 2012."},
                           headers={"Authorization": f"Bearer {tokens[user]}"})

    refused = post(nominator)
    assert refused.status_code == 403 and refused.json["code"] == "volunteer.override_board_only"
    approved = post(member)
    assert approved.status_code == 201
    assert approved.json | {} == {"cycle_id": cycle.id, "approvals": 1, "quorum": 3, "in_effect": False,
                                  "override_reason": None}
