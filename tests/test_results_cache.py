"""The chair's results, kept once scoring has closed (issue 22): the kept
page is the page computed afresh, every change that could alter the results
shows on the page at the next request, and the kept page costs the same
statements at any size."""

import html
import re

import flask_babel
import pytest
from sqlalchemy import event, select

from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest
from awards_app.services import (
    assignments,
    conflicts,
    progress,
    recusals,
    results_cache,
    rounds,
    scoring,
    settings_changes,
    shortlists,
    ties,
    transitions,
)
from awards_app.services import rubric as rubric_service
from tests import builders
from tests.conftest import PASSWORD, reset_database
from tests.factories import UserFactory
from tests.test_i18n import compiled_catalogues, i18n_client  # noqa: F401 - fixtures

CODES = ("exemplary_behaviour", "openness", "helpfulness", "interactivity", "active_participation")


@pytest.fixture(autouse=True)
def _nothing_kept():
    results_cache.clear()
    yield
    results_cache.clear()


@pytest.fixture
def computed(monkeypatch):
    """How many times the rankings were computed (not found kept)."""
    calls = []
    compute = progress._rankings

    def counted(*args, **kwargs):
        calls.append(args[0].id)
        return compute(*args, **kwargs)

    monkeypatch.setattr(progress, "_rankings", counted)
    return calls


def _sheet(judge, nomination, round=rounds.FINAL):
    return db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id, Assignment.round == round,
                                                      Assignment.nomination_id == nomination.id))


def _scores(value) -> dict:
    """Every criterion at ``value``, or the values given by code (the others at 1)."""
    values = value if isinstance(value, dict) else dict.fromkeys(CODES, value)
    return {code: (str(values.get(code, 1)), "") for code in CODES}


def _closed(values, judges=3):
    """A best delegation cycle in deliberation: every judge scored the i-th
    nomination values[i] (a number for every criterion, or {code: value})."""
    cycle, panel, noms = builders.judging_cycle(judges=judges, nominations=len(values))
    for judge in panel:
        for value, nomination in zip(values, noms, strict=True):
            scoring.submit(judge, _sheet(judge, nomination), _scores(value))
    transitions.fire_cycle_event(panel[0], cycle, "close_scoring")
    db.session.commit()
    return cycle, panel, noms


def _page(client, cycle) -> str:
    response = client.get(f"/chair/cycles/{cycle.id}")
    assert response.status_code == 200
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def _results(page: str) -> dict[str, list[tuple]]:
    """{method's heading: [(rank, candidate, score, judges, tie broken by, confidence)]} as the page
    shows them (the candidate without its "top" mark)."""
    section = page.split('id="res-h"')[1].split("</section>")[0]
    found = {}
    for part in section.split("<h3>")[1:]:
        heading = re.sub(r"<[^>]+>", "", part.split("</h3>")[0]).strip()
        found[heading] = [tuple(html.unescape(re.sub(r"\s*<span.*?</span>", "", cell)).strip()
                                for cell in re.findall(r"<td>(.*?)</td>", row))
                          for row in re.findall(r"<tr><td>.*?</tr>", part)]
    return found


def _declared(page: str) -> list[tuple]:
    return next(rows for heading, rows in _results(page).items() if heading.endswith("declared"))


def _login(auth, user):
    assert auth.login(user.email).status_code == 302


def test_the_kept_page_is_the_page_computed_afresh_and_is_computed_once(ctx, client, auth, computed):
    cycle, panel, noms = _closed([3, 5, 4, 2])
    _login(auth, panel[0])
    first = _page(client, cycle)
    assert _page(client, cycle) == first
    assert computed == [cycle.id]  # the second request found it kept
    results_cache.clear()
    assert _page(client, cycle) == first
    assert computed == [cycle.id, cycle.id]
    declared = _declared(first)
    assert [row[1] for row in declared] == [noms[i].candidate.name for i in (1, 2, 0, 3)]
    assert all(row[3] == "3" for row in declared)


def test_the_results_are_not_kept_while_scoring_is_open(ctx, client, auth, computed):
    cycle, panel, noms = builders.judging_cycle(nominations=2)
    _login(auth, panel[0])
    assert 'id="res-h"' not in _page(client, cycle)
    assert computed == []


def test_a_sheet_reopened_after_scoring_closed_leaves_the_results(ctx, client, auth):
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    before = _declared(_page(client, cycle))
    assert [(row[1], row[3]) for row in before] == [(noms[1].candidate.name, "3"), (noms[0].candidate.name, "3")]
    scoring.reopen(panel[0], _sheet(panel[2], noms[1]), "A score was typed in the wrong row.")
    db.session.commit()
    after = _declared(_page(client, cycle))
    assert [(row[1], row[3]) for row in after] == [(noms[1].candidate.name, "2"), (noms[0].candidate.name, "3")]


def test_a_resubmitted_sheet_with_other_scores_changes_the_ranking(ctx, client, auth):
    """A sheet reopened, scored anew and submitted again (here behind the
    cycle's back, in judging again): same count of sheets, other scores."""
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    assert _declared(_page(client, cycle))[0][1] == noms[1].candidate.name
    for judge in panel:
        scoring.reopen(panel[0], _sheet(judge, noms[0]), "Scores to correct.")
    cycle.state = "judging"
    db.session.commit()
    for judge in panel:
        scoring.submit(judge, _sheet(judge, noms[0]), _scores(5))
        scoring.reopen(panel[0], _sheet(judge, noms[1]), "Scores to correct.")
        scoring.submit(judge, _sheet(judge, noms[1]), _scores(1))
    cycle.state = "deliberation"
    db.session.commit()
    after = _declared(_page(client, cycle))
    assert [row[1] for row in after] == [noms[0].candidate.name, noms[1].candidate.name]
    assert after[0][2] == "100.00" and after[1][2] == "0.00"


@pytest.fixture
def board(ctx):
    admin = UserFactory(roles=("admin",))
    members = [UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    return admin, members


def _approved(admin, members, cycle, **change):
    proposal = settings_changes.propose(admin, cycle, reason="The board's decision.", **change)
    fates = [settings_changes.vote(member, proposal, "for") for member in members]
    assert fates[-1] == "approved"
    db.session.commit()


def test_weights_approved_by_the_board_change_the_ranking(ctx, client, auth, board):
    # The first nomination excels on one criterion only; the second is fair on all.
    cycle, panel, noms = _closed([{"exemplary_behaviour": 5}, 2])
    _login(auth, panel[0])
    assert [row[1] for row in _declared(_page(client, cycle))] == [noms[1].candidate.name, noms[0].candidate.name]
    rows = [rubric_service.as_row(c) for c in cycle.criteria]
    for row in rows:
        if row["code"] == "exemplary_behaviour":
            row["weight"] = 5
    _approved(*board, cycle, criteria=rows)
    assert [row[1] for row in _declared(_page(client, cycle))] == [noms[0].candidate.name, noms[1].candidate.name]


def test_a_method_approved_by_the_board_is_declared_and_gets_the_confidence(ctx, client, auth, board):
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    page = _results(_page(client, cycle))
    assert page["Median"][0][5] == "—" and _declared(_page(client, cycle))[0][5] != "—"
    _approved(*board, cycle, settings={"aggregation": {"method": "median", "resamples": 20}})
    page = _results(_page(client, cycle))
    assert "declared" in next(heading for heading in page if heading.startswith("Median"))
    assert page["Median declared"][0][5] == "100%"
    assert page["Weighted mean"][0][5] == "—"


def test_the_panels_tie_vote_breaks_the_tie_on_the_page(ctx, client, auth):
    cycle, panel, noms = _closed([4, 4])
    _login(auth, panel[0])
    page = _page(client, cycle)
    assert "is not broken by the declared chain" in page
    assert [row[0] for row in _declared(page)] == ["1", "1"]
    ties.record_vote(panel[0], cycle, votes={noms[1].id: 2, noms[0].id: 1}, minutes="Voted by show of hands.")
    db.session.commit()
    page = _page(client, cycle)
    assert "is not broken by the declared chain" not in page
    assert [(row[0], row[1], row[4]) for row in _declared(page)] == [
        ("1", noms[1].candidate.name, "The panel's vote"), ("2", noms[0].candidate.name, "The panel's vote")]


def test_a_confirmed_conflict_recuses_the_judge_and_their_sheet_leaves_the_results(ctx, client, auth):
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    assert [row[3] for row in _declared(_page(client, cycle))] == ["3", "3"]
    conflict = conflicts.declare(panel[1], noms[1], "family", "My cousin leads the delegation.")
    db.session.commit()
    assert [row[3] for row in _declared(_page(client, cycle))] == ["3", "3"]  # open: not yet recused
    recusals.resolve(panel[0], conflict, "confirm", None)
    db.session.commit()
    assert [(row[1], row[3]) for row in _declared(_page(client, cycle))] == [
        (noms[1].candidate.name, "2"), (noms[0].candidate.name, "3")]


def test_a_conflict_confirmed_behind_the_applications_back_still_drops_the_sheet(ctx, client, auth):
    """The sheet stays (no recusal ran): the confirmed conflict alone must keep its scores out."""
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    assert [row[3] for row in _declared(_page(client, cycle))] == ["3", "3"]
    db.session.add(ConflictOfInterest(judge_id=panel[2].id, nomination_id=noms[0].id, kind="financial",
                                      source="declared", status="confirmed"))
    db.session.commit()
    assert [(row[1], row[3]) for row in _declared(_page(client, cycle))] == [
        (noms[1].candidate.name, "3"), (noms[0].candidate.name, "2")]


def test_the_chairs_own_conflict_hides_the_nomination_from_the_kept_results(ctx, client, auth):
    cycle, panel, noms = _closed([3, 5, 4])
    _login(auth, panel[0])
    assert len(_declared(_page(client, cycle))) == 3
    conflicts.declare(panel[0], noms[2], "same_organisation", "I work with them.")
    db.session.commit()
    shown = _declared(_page(client, cycle))
    assert [row[1] for row in shown] == [noms[1].candidate.name, noms[0].candidate.name]


def test_a_shortlist_cycles_results_are_the_final_rounds(ctx, client, auth):
    """Results are per round: after the shortlist, the chair of the final
    round sees the final sheets of the shortlisted nominations only, never
    the shortlist round's, which the same cycle also holds."""
    from tests.test_shortlist_round import shortlisting_cycle

    cycle, shortlisters, finalists, noms = shortlisting_cycle((9, 6, 5, 2))
    shortlists.decide(shortlisters[0], cycle, "rank", "2", "The top two go on.")
    assignments.run(finalists[0], cycle)
    for judge, value in zip(finalists, (2, 2, 2), strict=True):
        for nomination, bonus in zip(noms[:2], (0, 3), strict=True):
            conflicts.attest_none(judge, nomination)
            scoring.submit(judge, _sheet(judge, nomination), _scores(value + bonus))
    transitions.fire_cycle_event(finalists[0], cycle, "close_scoring")
    db.session.commit()
    _login(auth, finalists[0])
    shown = _declared(_page(client, cycle))
    # The final round reverses the shortlist's order; each has its three final sheets.
    assert [(row[1], row[3]) for row in shown] == [(noms[1].candidate.name, "3"), (noms[0].candidate.name, "3")]


def test_the_kept_results_page_costs_the_same_statements_at_any_size(app, client, auth):
    spent = []
    for size in (3, 9):
        with app.app_context():
            cycle, panel, noms = _closed([1 + i % 5 for i in range(size)], judges=2 + size // 3)
            cycle_id, chair = cycle.id, panel[0].email
        assert auth.login(chair).status_code == 302
        assert client.get(f"/chair/cycles/{cycle_id}").status_code == 200  # computed and kept
        with app.app_context():
            engine = db.engine
        statements = []

        def count(conn, cursor, statement, *args, into=statements):
            into.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            page = client.get(f"/chair/cycles/{cycle_id}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert page.status_code == 200 and b'id="res-h"' in page.data
        assert not any("FROM score" in s for s in statements)  # kept: no score is read
        spent.append(len(statements))
        auth.logout()
        reset_database(app)
    assert spent[0] == spent[1], f"statements of the kept results page at 3 and 9 nominations: {spent}"


def test_a_renamed_candidate_shows_under_the_new_name(ctx, client, auth):
    """Names are not kept with the rankings: they are read on every request."""
    cycle, panel, noms = _closed([3, 5])
    _login(auth, panel[0])
    assert _declared(_page(client, cycle))[0][1] == noms[1].candidate.name
    noms[1].candidate.name = "Delegation of the Renamed Club"
    db.session.commit()
    assert [row[1] for row in _declared(_page(client, cycle))] == ["Delegation of the Renamed Club",
                                                                   noms[0].candidate.name]


def test_the_kept_rows_are_written_in_the_readers_language(ctx, i18n_client):  # noqa: F811 - the fixture
    cycle, panel, noms = _closed([3, 5])
    client = i18n_client
    assert client.post("/login", data={"email": panel[0].email, "password": PASSWORD}).status_code == 302
    assert '<span class="state">top</span>' in _page(client, cycle)
    assert client.post("/language", data={"lang": "fr"}).status_code == 303
    flask_babel.refresh()  # the test's application context, which the requests share, held the first language
    page = _page(client, cycle)
    assert '<span class="state">en tête</span>' in page and '<span class="state">top</span>' not in page
