"""Random sequences of declarations, resolutions, scores, reopenings and
transitions by random users never break the engine's invariants: no score of
a confirmed conflict counts, the audit chain stays intact, a cycle has one
final decision, never more laureates than allowed."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest, Cycle, Decision, Nomination
from awards_app.services import (
    Forbidden,
    Refusal,
    ServiceError,
    audit,
    conflicts,
    decisions,
    recommendations,
    scoring,
    transitions,
)
from tests import builders, factories
from tests.conftest import reset_database
from tests.factories import TESTS_ACTOR


@pytest.fixture
def machine_app(app):
    reset_database(app)
    yield app
    reset_database(app)


def test_random_service_sequences_keep_the_invariants(machine_app):
    app = machine_app

    class RandomCycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            reset_database(app)
            self.ctx = app.app_context()
            self.ctx.push()
            self.cycle, self.judges, self.noms = builders.judging_cycle(nominations=3)
            self.board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
            db.session.commit()
            self.codes = [c.code for c in self.cycle.criteria]

        def teardown(self):
            db.session.rollback()
            self.ctx.pop()

        def _try(self, action):
            try:
                action()
                db.session.commit()
            except (Refusal, Forbidden, ServiceError):
                db.session.rollback()

        @rule(j=st.integers(0, 2), n=st.integers(0, 2), value=st.integers(1, 5))
        def submit_scores(self, j, n, value):
            self._submit(self.judges[j], self.noms[n], value)

        @rule(values=st.lists(st.integers(1, 5), min_size=3, max_size=3))
        def everyone_scores_then_the_chair_closes(self, values):
            for judge in self.judges:
                for nomination, value in zip(self.noms, values, strict=True):
                    self._submit(judge, nomination, value)
            self._try(lambda: transitions.fire_cycle_event(self.judges[0], self.cycle, "close_scoring"))

        def _submit(self, judge, nomination, value):
            def act():
                sheet = scoring.sheet_for(judge, nomination.id).assignment
                if sheet.sheet_state == "open":
                    scoring.submit(judge, sheet, {c: (str(value), "") for c in self.codes})
            self._try(act)

        @rule(j=st.integers(1, 2), n=st.integers(0, 2))
        def declare_conflict(self, j, n):
            self._try(lambda: conflicts.declare(self.judges[j], self.noms[n], "family", "random"))

        @rule(action=st.sampled_from(["confirm", "waive"]))
        def chair_resolves_one(self, action):
            row = db.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.status == "open"))
            if row is not None:
                self._try(lambda: conflicts.resolve(self.judges[0], row, action, "Decided by the chair."))

        @rule(j=st.integers(0, 2), n=st.integers(0, 2))
        def chair_reopens(self, j, n):
            def act():
                sheet = db.session.scalar(select(Assignment).where(
                    Assignment.judge_id == self.judges[j].id, Assignment.nomination_id == self.noms[n].id))
                if sheet is not None:
                    scoring.reopen(self.judges[0], sheet, "Mis-keyed.")
            self._try(act)

        @rule(event=st.sampled_from(["close_scoring", "announce", "ratify", "open_judging"]),
              role=st.sampled_from(["admin", "chair", "board", "judge"]))
        def fire(self, event, role):
            self._try(lambda: transitions.fire_cycle_event(TESTS_ACTOR, self.cycle, event, as_role=role))

        @rule()
        def chair_closes_early_with_a_reason(self):
            self._try(lambda: transitions.fire_cycle_event(self.judges[0], self.cycle, "close_scoring",
                                                           reason="A judge fell ill."))

        @rule()
        def chair_recommends(self):
            self._try(lambda: recommendations.recommend(self.judges[0], self.cycle, "The panel's view."))

        @rule(n=st.integers(0, 2))
        def chair_recommends_naming_the_laureate(self, n):
            self._try(lambda: recommendations.recommend(self.judges[0], self.cycle, "Named by the panel's vote.",
                                                        laureate_ids=[self.noms[n].id]))

        @rule(b=st.integers(0, 2), vote=st.sampled_from(["approve", "approve", "reject", "abstain"]))
        def board_votes(self, b, vote):
            self._vote(b, vote)

        def check_and_record_state(self):
            reached.add(db.session.get(Cycle, self.cycle.id).state)

        @rule()
        def the_whole_board_approves(self):
            for b in range(3):
                self._vote(b, "approve")

        def _vote(self, b, vote):
            def act():
                rec = decisions.current_recommendation(self.cycle)
                if rec is not None:
                    decisions.cast_vote(self.board[b], rec, vote, "A reason." if vote == "reject" else None)
            self._try(act)

        @invariant()
        def no_confirmed_conflict_is_counted(self):
            self.check_and_record_state()
            confirmed = {(c.judge_id, c.nomination_id) for c in db.session.scalars(
                select(ConflictOfInterest).where(ConflictOfInterest.status == "confirmed"))}
            counted = {(s.judge_id, s.nomination_id) for s in recommendations.submitted_sheets(self.cycle)}
            assert not confirmed & counted

        @invariant()
        def audit_chain_intact(self):
            chain = audit.verify_chain()
            assert chain.ok, chain.problem

        @invariant()
        def one_final_decision_and_no_extra_laureates(self):
            originals = db.session.scalar(select(func.count()).select_from(Decision).where(
                Decision.cycle_id == self.cycle.id, Decision.amends_id.is_(None)))
            assert originals <= 1
            laureates = db.session.scalar(select(func.count()).select_from(Nomination).where(
                Nomination.cycle_id == self.cycle.id, Nomination.state == "laureate"))
            assert laureates <= db.session.get(Cycle, self.cycle.id).max_laureates
            if laureates:
                assert db.session.get(Cycle, self.cycle.id).state in ("ratified", "announced")

    reached: set[str] = set()
    RandomCycle.TestCase.settings = settings(max_examples=6, stateful_step_count=40, deadline=None, derandomize=True,
                                        suppress_health_check=list(HealthCheck), database=None)
    RandomCycle.TestCase().runTest()
    # The sequences must get far enough for the invariants about decisions to bite.
    assert "recommended" in reached, reached
