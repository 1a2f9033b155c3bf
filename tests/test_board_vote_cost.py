"""A board vote costs a fixed number of statements, whatever the size of
the cycle (issue 22): a vote that does not decide and the one that does,
posted through the board's page as a member would, counted at two sizes.

The requests run with no application context held by the test, so each one
starts with an empty session, as in production."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from awards_app.extensions import db
from awards_app.models import BoardVote, Cycle, Decision, Nomination
from tests import builders, factories
from tests.conftest import PASSWORD, reset_database

SIZES = (3, 12)  # nominations in the cycle before the board

# What a vote costs, counted once (issue 22: 25 statements in the service
# and 98 through the page for a vote that does not decide, before the
# cycle's facts were gathered once). A vote that does not decide: the
# account, the cycle, the pending proposal, the member's ties to its
# laureates (their identities: 13), the cycle's row lock and the proposal
# read afresh, the guards' facts (9), the member's earlier vote, the vote
# and its audit append (3). The confirmation page: the same reads, rolled
# back, and the page. The vote that decides adds the cycle's transition,
# each laureate conferred (as many as the cycle names, not its
# nominations), the decision record, the nominators' and the board's
# notices (one a member) and the signed checkpoint, each audited.
BUDGET = {"not_deciding": 33, "asks_to_confirm": 31, "deciding": 68}


@contextmanager
def counted(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _before_the_board(nominations: int) -> tuple[int, list[str]]:
    """A cycle whose panel scored every sheet, closed scoring and recommended
    (the first nomination ahead): its id and three board members' emails."""
    from awards_app.services import recommendations, transitions

    cycle, judges, noms = builders.judging_cycle(nominations=nominations)
    builders.score_all(cycle, judges, noms, [5] + [3] * (nominations - 1))
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendations.recommend(judges[0], cycle, "Consensus.")
    board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    return cycle.id, [member.email for member in board]


def _vote(app, engine, email: str, cycle_id: int, **form) -> tuple[int, int]:
    """(the response's status, the statements the POST sent)."""
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get("/healthz")  # warm: babel, first-use caches
    with counted(engine) as statements:
        response = client.post(f"/board/cycles/{cycle_id}", data={"vote": "approve", **form})
    return response.status_code, len(statements)


def _measure(app, nominations: int) -> dict[str, int]:
    with app.app_context():
        cycle_id, board = _before_the_board(nominations)
        engine = db.engine
    first, second, third = board
    spent = {}
    assert _vote(app, engine, first, cycle_id)[0] == 303
    status, spent["not_deciding"] = _vote(app, engine, second, cycle_id)
    assert status == 303
    status, spent["asks_to_confirm"] = _vote(app, engine, third, cycle_id)
    assert status == 200  # the confirmation page: nothing recorded yet
    status, spent["deciding"] = _vote(app, engine, third, cycle_id, confirmed="1")
    assert status == 303
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).state == "ratified"
        assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 3
        decision = db.session.scalar(select(Decision).where(Decision.cycle_id == cycle_id))
        laureates = db.session.scalars(select(Nomination.id).where(Nomination.cycle_id == cycle_id,
                                                                   Nomination.state == "laureate")).all()
        assert sorted(laureates) == sorted(decision.laureate_nomination_ids) and laureates
    reset_database(app)
    return spent


@pytest.fixture(scope="module")
def spent(app):
    """{what: (statements at the small size, at the large size)}."""
    reset_database(app)
    small, large = (_measure(app, size) for size in SIZES)
    return {what: (small[what], large[what]) for what in small}


@pytest.mark.parametrize("what", ["not_deciding", "asks_to_confirm", "deciding"])
def test_a_board_vote_costs_the_same_statements_at_any_size(spent, what):
    small, large = spent[what]
    assert small == large, f"{what}: {small} statements at {SIZES[0]} nominations, {large} at {SIZES[1]}"


@pytest.mark.parametrize("what", sorted(BUDGET))
def test_a_board_vote_stays_within_its_statement_budget(spent, what):
    assert max(spent[what]) <= BUDGET[what], f"{what}: {spent[what]} statements, budget {BUDGET[what]}"
