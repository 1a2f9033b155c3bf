"""The chair's view of a cycle, requested as the chair would: the progress
and who is late counted in SQL, the matrix a page of 50 nominations at a
time with only their judges as columns, bad ?page values clamped, and the
nominations a conflict hides from the chair neither shown nor counted."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent, OutboxMessage
from awards_app.services import conflicts
from tests import builders, factories
from tests.factories import TESTS_ACTOR

ROW = re.compile(rb'<tr><th scope="row">([^<]*)</th>')
COLUMN = re.compile(rb'<th scope="col">([^<]*)</th>')


def _nomination(cycle, name):
    delegation = factories.DelegationFactory(event=cycle.event, name=name)
    return factories.NominationFactory(cycle=cycle, candidate_delegation=delegation, state="eligible",
                                       submitted_at=datetime.now(UTC))


def _chair(cycle):
    from awards_app.services import panels

    fields = tuple(cycle.award_type.default_settings.get("required_fields", ()))
    chair = builders.judge("chair@example.org", name="Chair Person", fields=fields, roles=("judge", "chair"))
    panels.add_member(TESTS_ACTOR, cycle, chair, "chair")
    db.session.commit()
    return chair


def _sheet(nomination, judge, submitted):
    db.session.add(Assignment(nomination=nomination, judge=judge, sheet_state="submitted" if submitted else "open",
                              submitted_at=datetime.now(UTC) if submitted else None))


@pytest.fixture
def big(ctx):
    """A cycle in judging with 60 nominations the chair sees and one a
    conflict hides from them (the 11th made). Alpha has a sheet, submitted,
    on all 60; Beta one awaited on each of the first 50; Gamma one on each
    of the last 10, the first 5 awaited. Delta's only sheet, awaited, is on
    the hidden nomination."""
    from awards_app.services import panels, transitions

    cycle = builders.open_cycle("best_delegation_award")
    chair = _chair(cycle)
    fields = tuple(cycle.award_type.default_settings.get("required_fields", ()))
    alpha, beta, gamma, delta = (builders.judge(f"{n.lower()}@example.org", name=f"{n} Judge", fields=fields)
                                 for n in ("Alpha", "Beta", "Gamma", "Delta"))
    for judge in (alpha, beta, gamma, delta):
        panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    visible, hidden = [builders.eligible_delegation_nomination(cycle, name="Delegation 00")], None
    builders.close_call(cycle)
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
    for i in range(1, 61):
        if i == 10:
            hidden = _nomination(cycle, "Hidden Delegation")
            continue
        visible.append(_nomination(cycle, f"Delegation {len(visible):02d}"))
    for i, n in enumerate(visible):
        _sheet(n, alpha, True)
        if i < 50:
            _sheet(n, beta, False)
        else:
            _sheet(n, gamma, i >= 55)
    _sheet(hidden, delta, False)
    _sheet(hidden, alpha, True)
    conflicts.declare(chair, hidden, "family", "My cousin leads it.")
    db.session.commit()
    return {"cycle": cycle, "chair": chair, "alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta,
            "visible": visible, "hidden": hidden}


def _page(client, auth, big, query=""):
    auth.login(big["chair"].email)
    response = client.get(f"/chair/cycles/{big['cycle'].id}{query}")
    assert response.status_code == 200, query
    return response.data


def _rows(page):
    return [name.decode() for name in ROW.findall(page)]


def _columns(page):
    return [name.decode() for name in COLUMN.findall(page.split(b'class="table matrix"')[1].split(b"</thead>")[0])]


def test_the_first_page_shows_50_nominations_and_only_their_judges(big, client, auth):
    page = _page(client, auth, big)
    assert _rows(page) == [f"Delegation {i:02d}" for i in range(50)]
    assert _columns(page) == ["Candidate", "Alpha Judge", "Beta Judge"]
    assert b"Nominations 1 to 50 of 60" in page
    assert b'aria-current="page">1</a>' in page
    assert f'href="/chair/cycles/{big["cycle"].id}?page=2"'.encode() in page


def test_the_second_page_shows_the_rest(big, client, auth):
    page = _page(client, auth, big, "?page=2")
    assert _rows(page) == [f"Delegation {i:02d}" for i in range(50, 60)]
    assert _columns(page) == ["Candidate", "Alpha Judge", "Gamma Judge"]
    assert b'aria-current="page">2</a>' in page
    assert b'rel="prev"' in page and b'rel="next"' not in page
    # Gamma: 5 awaited then 5 submitted, Alpha submitted everywhere.
    assert page.count(b'<span class="fail" aria-hidden="true">') == 5
    assert page.count(b'<span class="ok" aria-hidden="true">') == 15


@pytest.mark.parametrize("value, expected", [("0", 1), ("-1", 1), ("x", 1), ("", 1), ("1.5", 1),
                                             ("2", 2), ("3", 2), ("99999999999999999999", 2)])
def test_a_bad_page_number_gives_the_nearest_page(big, client, auth, value, expected):
    page = _page(client, auth, big, f"?page={value}")
    assert f'aria-current="page">{expected}</a>'.encode() in page
    assert len(_rows(page)) == (50 if expected == 1 else 10)


def test_the_progress_and_the_late_judges_leave_the_hidden_nomination_out(big, client, auth):
    page = _page(client, auth, big)
    # Visible sheets: Alpha 60 submitted, Beta 50 awaited, Gamma 5 awaited and 5 submitted: 65 of 120.
    assert b"65 of 120 score sheets submitted" in page
    assert b'<progress max="120" value="65"' in page
    assert b"2 judges have score sheets awaited" in page
    late = page.split(b'class="late-judges"')[1].split(b"</details>")[0]
    assert b"<td>Beta Judge</td><td>50</td>" in late and b"<td>Gamma Judge</td><td>5</td>" in late
    assert b"Alpha Judge" not in late and b"Delta Judge" not in late
    for query in ("", "?page=2", "?show=awaited", "?show=awaited&page=2"):
        page = _page(client, auth, big, query)
        assert b"Hidden Delegation" not in page and b"Delta Judge" not in page


def test_only_the_nominations_with_sheets_awaited(big, client, auth):
    page = _page(client, auth, big, "?show=awaited&page=2")
    # Beta's 50, then the 5 where Gamma's sheet is awaited.
    assert _rows(page) == [f"Delegation {i:02d}" for i in range(50, 55)]
    assert b"Nominations 51 to 55 of 55" in page
    assert f'href="/chair/cycles/{big["cycle"].id}?page=1&amp;show=awaited"'.encode() in page
    assert f'href="/chair/cycles/{big["cycle"].id}"'.encode() in page  # back to every nomination
    assert len(_rows(_page(client, auth, big, "?show=nonsense"))) == 50  # an unknown filter is ignored


def test_the_reminder_counts_each_judges_awaited_sheets(big, client, auth):
    auth.login(big["chair"].email)
    response = client.post(f"/chair/cycles/{big['cycle'].id}/remind")
    assert response.status_code == 303
    messages = {m.recipient: m.body for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Scores awaited")))}
    assert set(messages) == {big["beta"].email, big["gamma"].email}
    assert messages[big["beta"].email].startswith("50 score sheet(s)")
    assert messages[big["gamma"].email].startswith("5 score sheet(s)")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scoring.reminders_sent"))
    assert event.payload["judges"] == sorted([big["beta"].id, big["gamma"].id])


def test_a_cycle_without_score_sheets(ctx, client, auth):
    cycle = builders.open_cycle("best_delegation_award")
    auth.login(_chair(cycle).email)
    page = client.get(f"/chair/cycles/{cycle.id}?page=7")
    assert page.status_code == 200
    assert b"0 of 0 score sheets submitted" in page.data and b"No score sheets yet." in page.data
    assert b'class="pager"' not in page.data and b"Remind the late judges" not in page.data


def test_the_results_name_each_candidate(ctx, client, auth):
    from awards_app.services import scoring, transitions

    cycle, judges, noms = builders.judging_cycle(nominations=3)
    for judge in judges:
        for value, n in zip((3, 5, 4), noms, strict=True):
            sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                               Assignment.nomination_id == n.id))
            scoring.submit(judge, sheet, {c.code: (str(value), "") for c in cycle.criteria})
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    names = [n.candidate.name for n in noms]
    auth.login(judges[0].email)
    page = client.get(f"/chair/cycles/{cycle.id}").data.decode()
    results = page.split('id="res-h"')[1]
    for method in ("Median", "Trimmed mean", "Weighted mean", "Standardised scores (z-scores)"):
        ranking = results.split(f"<h3>{method}")[1].split("</table>")[0]
        # Best first: the second nomination, then the third, then the first.
        assert [ranking.index(names[i]) for i in (1, 2, 0)] == sorted(ranking.index(name) for name in names)
