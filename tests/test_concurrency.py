"""Concurrent requests on PostgreSQL: row locks and version checks keep one
winner, and independent work all lands."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent, Cycle
from awards_app.services import Refusal, scoring, transitions
from tests import builders
from tests.factories import TESTS_ACTOR


@pytest.fixture
def postgres(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers anyway")


def _in_threads(app, n, work):
    barrier = Barrier(n)

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                db.session.commit()
                return "ok"
            except Refusal as refused:
                db.session.rollback()
                return refused.rules[0]["rule"]
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_parallel_requests_firing_the_same_transition_one_wins(app, postgres):
    cycle = builders.award("best_delegation_award")
    from awards_app.services import cycles

    cycle = cycles.create_cycle(TESTS_ACTOR, cycle, 2027, event=builders.esi_event())
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "publish_criteria", as_role="admin")
    db.session.commit()
    cycle_id = cycle.id

    def open_call(_):
        transitions.fire_cycle_event(TESTS_ACTOR, db.session.get(Cycle, cycle_id), "open_call", as_role="admin")

    outcomes = _in_threads(app, 20, open_call)
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {"workflow.not_allowed_in_state"}
    fired = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "cycle.transition", AuditEvent.cycle_id == cycle_id))
    assert fired == 2  # publish_criteria, then exactly one open_call


def test_a_stale_edit_is_refused(app, postgres):
    cycle = builders.open_cycle("derek_gray_medal")
    seen = cycle.version
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "close_call", as_role="admin", expected_version=seen)
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, "cancel", as_role="admin", expected_version=seen)
    assert refused.value.rules[0]["rule"] == "edit.stale"


def test_two_judges_submitting_at_the_same_moment_both_land(app, postgres):
    cycle, judges, noms = builders.judging_cycle()
    sheets = {j.id: db.session.scalar(select(Assignment.id).where(
        Assignment.judge_id == j.id, Assignment.nomination_id == noms[0].id)) for j in judges[1:]}
    codes = [c.code for c in cycle.criteria]
    judge_ids = list(sheets)

    def submit(i):
        from awards_app.models import User

        judge = db.session.get(User, judge_ids[i])
        scoring.submit(judge, db.session.get(Assignment, sheets[judge.id]), {c: ("4", "") for c in codes})

    assert _in_threads(app, 2, submit) == ["ok", "ok"]
    db.session.expire_all()
    states = db.session.scalars(select(Assignment.sheet_state).where(Assignment.id.in_(sheets.values()))).all()
    assert states == ["submitted", "submitted"]
    from awards_app.services import audit

    assert audit.verify_chain().ok


def test_the_same_judge_double_submitting_locks_one_sheet(app, postgres):
    cycle, judges, noms = builders.judging_cycle()
    sheet_id = db.session.scalar(select(Assignment.id).where(
        Assignment.judge_id == judges[1].id, Assignment.nomination_id == noms[0].id))
    judge_id, codes = judges[1].id, [c.code for c in cycle.criteria]

    def submit(_):
        from awards_app.models import User

        scoring.submit(db.session.get(User, judge_id), db.session.get(Assignment, sheet_id),
                       {c: ("4", "") for c in codes})

    outcomes = _in_threads(app, 2, submit)
    assert sorted(outcomes) == ["ok", "scoring.locked"]
    submitted = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "score.submitted")).all()
    assert len(submitted) == 1


# --- races that used to answer 500: one wins, the others are refused by rule (409) ---

def _api_in_threads(app, n, request):
    """n API requests at the same moment, each from its own client (its own
    session and connection); returns (status, code) per request."""
    barrier = Barrier(n)

    def run(i):
        client = app.test_client()
        barrier.wait()
        response = request(client, i)
        return response.status_code, (response.get_json(silent=True) or {}).get("code")

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _bearer(user) -> dict:
    from awards_app.services import tokens

    _row, token = tokens.create(user, "race")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _cycle_to_assign():
    """A cycle whose call is closed: a vetted panel and eligible nominations, nobody assigned yet."""
    from awards_app.services import panels

    cycle = builders.open_cycle("best_delegation_award")
    fields = tuple(cycle.award_type.default_settings.get("required_fields", ()))
    noms = [builders.eligible_delegation_nomination(cycle) for _ in range(3)]
    chair = None
    for i in range(4):
        user = builders.judge(f"runner{i}@example.org", name=f"Runner Number{i}", fields=fields,
                              roles=("judge", "chair") if i == 0 else ("judge",))
        panels.add_member(TESTS_ACTOR, cycle, user, "chair" if i == 0 else "member")
        chair = chair or user
    builders.close_call(cycle)
    return cycle, chair, noms


def _assignment_rows(cycle_id):
    from awards_app.models import Nomination

    return db.session.scalars(select(Assignment.judge_id).join(Nomination).where(
        Nomination.cycle_id == cycle_id)).all()


def test_the_assignment_run_twice_at_once_runs_once(app, postgres):
    cycle, chair, _noms = _cycle_to_assign()
    cycle_id, chair_id = cycle.id, chair.id

    def run(_):
        from awards_app.models import User
        from awards_app.services import assignments

        assignments.run(db.session.get(User, chair_id), db.session.get(Cycle, cycle_id))

    outcomes = _in_threads(app, 4, run)
    assert "ok" in outcomes and set(outcomes) <= {"ok", "assignment.run_in_progress"}
    assert len(_assignment_rows(cycle_id)) == 3 * int(cycle.setting("judges_per_nomination"))
    from awards_app.services import audit

    assert audit.verify_chain().ok


def test_the_assignment_run_twice_at_once_through_the_api_answers_409(app, postgres):
    cycle, chair, _noms = _cycle_to_assign()
    headers = _bearer(chair)
    path = f"/api/v1/cycles/{cycle.id}/assignments/run"
    answers = _api_in_threads(app, 4, lambda client, _: client.post(path, headers=headers))
    assert (200, None) in answers
    assert set(answers) <= {(200, None), (409, "assignment.run_in_progress")}
    assert len(_assignment_rows(cycle.id)) == 3 * int(cycle.setting("judges_per_nomination"))


def _judge_on_a_fresh_nomination():
    """A panel judge assigned to a nomination they have not yet attested on."""
    from awards_app.services import assignments

    cycle, judge, noms = _cycle_to_assign()
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
    assignments.add(TESTS_ACTOR, noms[0], judge)
    db.session.commit()
    return judge, noms[0]


def test_parallel_attestations_of_no_conflict_record_one(app, postgres):
    from awards_app.models import ConflictAttestation, Nomination, User
    from awards_app.services import conflicts

    judge, nomination = _judge_on_a_fresh_nomination()
    judge_id, nomination_id = judge.id, nomination.id

    def attest(_):
        conflicts.attest_none(db.session.get(User, judge_id), db.session.get(Nomination, nomination_id))

    outcomes = _in_threads(app, 5, attest)
    assert "ok" in outcomes and set(outcomes) <= {"ok", "conflict.already_attested"}
    assert db.session.scalar(select(func.count()).select_from(ConflictAttestation).where(
        ConflictAttestation.judge_id == judge_id, ConflictAttestation.nomination_id == nomination_id)) == 1
    recorded = db.session.scalars(select(AuditEvent.payload).where(AuditEvent.action == "conflict.attested_none"))
    assert [p for p in recorded if p["nomination_id"] == nomination_id] == [{"nomination_id": nomination_id}]


def test_parallel_attestations_through_the_api_answer_409_not_500(app, postgres):
    judge, nomination = _judge_on_a_fresh_nomination()
    headers = _bearer(judge)
    path = f"/api/v1/nominations/{nomination.id}/conflict-attestation"
    answers = _api_in_threads(app, 5, lambda client, _: client.post(path, headers=headers))
    assert (200, None) in answers
    assert set(answers) <= {(200, None), (409, "conflict.already_attested")}


def test_parallel_declarations_of_the_same_conflict_record_one(app, postgres):
    from awards_app.models import ConflictOfInterest, Nomination, User
    from awards_app.services import conflicts

    judge, nomination = _judge_on_a_fresh_nomination()
    judge_id, nomination_id = judge.id, nomination.id

    def declare(_):
        conflicts.declare(db.session.get(User, judge_id), db.session.get(Nomination, nomination_id),
                          "family", "My cousin leads it.")

    outcomes = _in_threads(app, 5, declare)
    assert "ok" in outcomes and set(outcomes) <= {"ok", "conflict.already_declared"}
    assert db.session.scalar(select(func.count()).select_from(ConflictOfInterest).where(
        ConflictOfInterest.judge_id == judge_id, ConflictOfInterest.nomination_id == nomination_id)) == 1


def test_parallel_declarations_through_the_api_answer_409_not_500(app, postgres):
    judge, nomination = _judge_on_a_fresh_nomination()
    headers = _bearer(judge)
    path = f"/api/v1/nominations/{nomination.id}/conflicts"
    body = {"kind": "family", "note": "My cousin leads it."}
    answers = _api_in_threads(app, 5, lambda client, _: client.post(path, headers=headers, json=body))
    # The first wins; one that reads after it committed gets the same declaration
    # back (201, as for a retry), or no longer sees the nomination at all (a
    # declared conflict hides it at once: 404); one that raced it is refused by rule.
    assert (201, None) in answers
    assert set(answers) <= {(201, None), (409, "conflict.already_declared"), (404, "http.404")}
    from awards_app.models import ConflictOfInterest

    assert db.session.scalar(select(func.count()).select_from(ConflictOfInterest).where(
        ConflictOfInterest.nomination_id == nomination.id)) == 1


def _recommended_cycle():
    """A recommendation awaiting the board, and a board member who has not voted."""
    return builders.recommended_cycle()


def _votes_of(member_id):
    from awards_app.models import BoardVote

    return db.session.scalar(select(func.count()).select_from(BoardVote).where(BoardVote.user_id == member_id))


def test_one_member_voting_five_times_at_once_votes_once(app, postgres):
    from awards_app.models import User
    from awards_app.services import decisions

    cycle, member = _recommended_cycle()
    cycle_id, member_id = cycle.id, member.id

    def vote(_):
        cycle = db.session.get(Cycle, cycle_id)
        decisions.cast_vote(db.session.get(User, member_id), decisions.current_recommendation(cycle), "approve")

    outcomes = _in_threads(app, 5, vote)
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {"board.already_voted"}
    assert _votes_of(member_id) == 1


def test_one_member_voting_five_times_at_once_through_the_api(app, postgres):
    cycle, member = _recommended_cycle()
    headers = _bearer(member)
    path = f"/api/v1/cycles/{cycle.id}/votes"
    answers = _api_in_threads(app, 5, lambda client, _: client.post(path, headers=headers,
                                                                     json={"vote": "approve"}))
    assert answers.count((201, None)) == 1
    assert set(answers) - {(201, None)} == {(409, "board.already_voted")}
    assert _votes_of(member.id) == 1


def test_conflict_detection_run_twice_at_once_records_each_finding_once(app, postgres):
    """Two detection runs (the chair's button pressed twice) find the same new
    conflicts: both complete, and each finding is recorded once."""
    from awards_app.models import ConflictOfInterest, Organisation, User
    from awards_app.services import conflicts

    cycle, chair, noms = _cycle_to_assign()
    # A finding neither run has seen: the judge joins the candidate delegation's organisation.
    organisation_id = noms[0].candidate_delegation.organisation_id
    judge = db.session.get(User, chair.id)
    judge.person.organisation = db.session.get(Organisation, organisation_id)
    db.session.commit()
    cycle_id, chair_id = cycle.id, chair.id

    def detect(_):
        conflicts.detect(db.session.get(User, chair_id), db.session.get(Cycle, cycle_id))

    outcomes = _in_threads(app, 4, detect)
    assert outcomes == ["ok"] * 4
    found = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == chair_id)).all()
    assert len(found) == len({(c.nomination_id, c.kind) for c in found}) >= 1
    recorded = db.session.scalars(select(AuditEvent.payload).where(AuditEvent.action == "conflict.detected")).all()
    assert len([p for p in recorded if p["judge_id"] == chair_id]) == len(found)
