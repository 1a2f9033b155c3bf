"""A score submit and the screening of one nomination cost a fixed number
of statements, whatever the size of the data (issue 22): at most 12, the
same at two sizes, counted through the test client's POST, the one the
page's form sends. And nothing runs after the action's commit: the flash
message and the redirect use what the view held before it, not objects
reloaded from the database.

The requests run with no application context held by the test, so each
one starts with an empty session, as in production."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from awards_app.extensions import db
from awards_app.models import Assignment, Nomination
from tests import builders, factories
from tests.conftest import PASSWORD, reset_database
from tests.factories import TESTS_ACTOR

BUDGET = 12


@contextmanager
def counting(engine):
    """Every statement the engine sends, COMMIT included (SQLAlchemy sends
    COMMIT to the DBAPI connection directly: the commit event marks it)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def commit(conn):
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


def _send(app, email: str, url: str, form: dict, engine) -> tuple[list[str], object]:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get("/healthz")  # warm: babel, first-use caches
    with counting(engine) as statements:
        response = client.post(url, data=form)
    return statements, response


def _score_submit(app, nominations: int, judges: int) -> tuple[list[str], object]:
    """A judge submits a complete sheet in a cycle of `nominations` x `judges`,
    after submitting all their other sheets but one (their next open sheet is looked for)."""
    from awards_app.services import scoring

    with app.app_context():
        cycle, panel, noms = builders.judging_cycle(judges=judges, nominations=nominations)
        judge = panel[1]
        sheets = {n.id: db.session.scalar(select(Assignment).where(
            Assignment.judge_id == judge.id, Assignment.nomination_id == n.id)) for n in noms}
        for n in noms[:-2]:
            scoring.submit(judge, sheets[n.id], {c.code: ("3", "") for c in cycle.criteria})
        db.session.commit()
        target = noms[-1]
        form = {"action": "submit", "version": str(sheets[target.id].version),
                **{f"score-{c.code}": "4" for c in cycle.criteria}}
        url, email, engine = f"/judge/nominations/{target.id}/scores", judge.email, db.engine
        assignment_id = sheets[target.id].id
    statements, response = _send(app, email, url, form, engine)
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).sheet_state == "submitted"
    return statements, response


def _past_laureates(count: int) -> None:
    """`count` earlier cycles of the Best Delegation Award, each ratified
    with its laureates: the screening asks whether the candidate won before."""
    from awards_app.services import assignments, conflicts, decisions, panels, recommendations, scoring, transitions

    board = [factories.UserFactory(roles=("board",)) for _ in range(3)] if count else []
    for i in range(count):
        cycle = builders.open_cycle("best_delegation_award", year=2020 + i)
        fields = tuple(cycle.settings.get("required_fields", ()))
        noms = [builders.eligible_delegation_nomination(cycle) for _ in range(2)]
        panel = [builders.judge(f"past{i}-judge{k}@example.org", name=f"Past Judge{k} Of{i}", fields=fields,
                                roles=("judge", "chair") if k == 0 else ("judge",)) for k in range(3)]
        for k, user in enumerate(panel):
            panels.add_member(TESTS_ACTOR, cycle, user, "chair" if k == 0 else "member")
        builders.close_call(cycle)
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
        for k, n in enumerate(noms):
            for user in panel:
                sheet = assignments.add(TESTS_ACTOR, n, user)
                conflicts.attest_none(user, n)
                scoring.submit(user, sheet, {c.code: (str(5 - k), "") for c in cycle.criteria})
        chair = panel[0]
        transitions.fire_cycle_event(chair, cycle, "close_scoring")
        recommendation = recommendations.recommend(chair, cycle, "Consensus.")
        for member in board:
            decisions.cast_vote(member, recommendation, "approve")
        db.session.commit()
        assert db.session.scalar(select(Nomination).where(Nomination.cycle_id == cycle.id,
                                                          Nomination.state == "laureate")) is not None


def _screen(app, nominations: int, judges: int, laureates: int, verdict: str) -> tuple[list[str], object]:
    """The secretariat screens one of `nominations` submitted in a cycle whose
    panel has `judges` (detection runs against them) and whose award had
    `laureates` earlier laureates."""
    from awards_app.services import nominations as nomination_service
    from awards_app.services import panels

    with app.app_context():
        _past_laureates(laureates)
        cycle = builders.open_cycle("best_delegation_award", year=2030)
        fields = tuple(cycle.settings.get("required_fields", ()))
        for i in range(judges):
            user = builders.judge(f"screen-judge{i}@example.org", name=f"Screening Judge{i}", fields=fields)
            panels.add_member(TESTS_ACTOR, cycle, user, "chair" if i == 0 else "member")
        nominator = factories.UserFactory(roles=("nominator",))
        waiting = []
        for _ in range(nominations):
            delegation = factories.DelegationFactory(event=cycle.event)
            factories.ParticipantFactory(delegation=delegation)
            draft = nomination_service.create_draft(nominator, cycle, candidate=delegation, statement="Good.")
            nomination_service.submit(nominator, draft)
            waiting.append(draft)
        admin = factories.UserFactory(roles=("admin",))
        db.session.commit()
        target = waiting[0]
        form = {"verdict": verdict, "reason": "" if verdict == "eligible" else "Not registered.",
                "version": str(target.version)}
        url, email, engine, target_id = f"/screening/{target.id}", admin.email, db.engine, target.id
    statements, response = _send(app, email, url, form, engine)
    with app.app_context():
        assert db.session.get(Nomination, target_id).state == verdict
    return statements, response


SIZES = {"small": {"nominations": 3, "judges": 3}, "large": {"nominations": 8, "judges": 6}}


@pytest.fixture(scope="module")
def costs(app):
    """{action: {size: statements}}."""
    reset_database(app)
    found: dict[str, dict[str, list[str]]] = {}
    for size, shape in SIZES.items():
        laureates = 0 if size == "small" else 2  # the larger size's award has earlier laureates
        for name, measure, extra in (("score_submit", _score_submit, {}),
                                     ("screen_eligible", _screen, {"laureates": laureates, "verdict": "eligible"}),
                                     ("screen_ineligible", _screen, {"laureates": laureates,
                                                                     "verdict": "ineligible"})):
            statements, response = measure(app, **shape, **extra)
            assert response.status_code == 303, (name, size, response.status_code)
            found.setdefault(name, {})[size] = statements
            reset_database(app)
    return found


def _sent(statements: list[str]) -> list[str]:
    """The statements, without the COMMIT marker (as tests/test_query_counts.py counts)."""
    return [s for s in statements if s != "COMMIT"]


ACTIONS = ["score_submit", "screen_eligible", "screen_ineligible"]


@pytest.mark.parametrize("action", ACTIONS)
def test_the_action_costs_the_same_statements_at_both_sizes(costs, action):
    small, large = (len(_sent(costs[action][size])) for size in SIZES)
    assert small == large, f"{action}: {small} statements at {SIZES['small']}, {large} at {SIZES['large']}"


@pytest.mark.parametrize("action", ACTIONS)
def test_the_action_stays_within_its_statement_budget(app, costs, action):
    if action == "score_submit" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # SQLite's driver receives the sheet's new scores one INSERT each (one per criterion);
        # PostgreSQL takes them as one (insertmanyvalues). CI's second pass asserts the budget.
        pytest.skip("the score submit's budget is asserted on PostgreSQL")
    statements = _sent(costs[action]["large"])
    assert len(statements) <= BUDGET, f"{action}: {len(statements)} statements, budget {BUDGET}:\n" + \
        "\n".join(s[:120] for s in statements)


@pytest.mark.parametrize("action", ACTIONS)
def test_nothing_is_read_after_the_action_commits(costs, action):
    statements = costs[action]["large"]
    assert statements.count("COMMIT") == 1, statements
    after = statements[statements.index("COMMIT") + 1:]
    assert after == [], f"{action}: {len(after)} statements after the commit: {after}"
