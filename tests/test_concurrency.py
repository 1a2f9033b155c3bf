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
