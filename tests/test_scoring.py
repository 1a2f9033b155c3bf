"""Judges score through the dashboard: drafts, submission, the lock and its
reopening, independence, and every bad input."""

import re

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent, Score
from awards_app.services import Forbidden, Refusal, scoring
from tests import builders


@pytest.fixture
def judging(ctx):
    return builders.judging_cycle()


def _form(cycle, value="4", **overrides):
    data = {f"score-{c.code}": value for c in cycle.criteria}
    data.update({f"comment-{c.code}": "Well argued." for c in cycle.criteria})
    data.update(overrides)
    return data


def _sheet(judge, nomination):
    return db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                      Assignment.nomination_id == nomination.id))


def test_the_dashboard_shows_assignments_with_progress(judging, client, auth):
    cycle, judges, noms = judging
    auth.login(judges[1].email)
    page = client.get("/judge/")
    assert b"Scored 0 of 2" in page.data
    assert noms[0].candidate.name.encode() in page.data


def test_save_a_draft_then_submit_which_locks(judging, client, auth):
    cycle, judges, noms = judging
    auth.login(judges[1].email)
    first = cycle.criteria[0]
    draft = client.post(f"/judge/nominations/{noms[0].id}/scores",
                        data={"action": "save", f"score-{first.code}": "3"})
    assert draft.status_code == 303
    sheet = _sheet(judges[1], noms[0])
    assert sheet.sheet_state == "open"
    assert [s.value for s in db.session.scalars(select(Score).where(Score.assignment_id == sheet.id))] == [3.0]
    submitted = client.post(f"/judge/nominations/{noms[0].id}/scores", data={"action": "submit", **_form(cycle)})
    assert submitted.status_code == 303
    db.session.refresh(sheet)
    assert sheet.sheet_state == "submitted" and sheet.submitted_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "score.submitted"))
    assert event.payload["scores"] == {c.code: 4.0 for c in cycle.criteria}
    late = client.post(f"/judge/nominations/{noms[0].id}/scores", data={"action": "submit", **_form(cycle, "5")})
    assert late.status_code == 409 and b"scoring.locked" in late.data
    assert {s.value for s in db.session.scalars(select(Score).where(Score.assignment_id == sheet.id))} == {4.0}


@pytest.mark.parametrize("bad,message", [
    ("99", b"Enter a score from"),
    ("-1", b"Enter a score from"),
    ("seven", b"Enter a number."),
    ("nan", b"Enter a score from"),
])
def test_a_bad_score_is_refused_by_its_field_and_keeps_the_other_values(judging, client, auth, bad, message):
    cycle, judges, noms = judging
    auth.login(judges[1].email)
    first, second = cycle.criteria[0], cycle.criteria[1]
    response = client.post(f"/judge/nominations/{noms[0].id}/scores", data={
        "action": "submit", **_form(cycle), f"score-{first.code}": bad,
        f"comment-{second.code}": "A comment I typed"})
    assert response.status_code == 400
    assert message in response.data
    assert re.search(rf'id="err-{first.code}"'.encode(), response.data)
    assert b"A comment I typed" in response.data
    assert db.session.scalars(select(Score)).all() == []


def test_a_missing_required_comment_is_refused(ctx):
    cycle, judges, noms = builders.judging_cycle()
    criterion = cycle.criteria[0]
    criterion.comment_required = True
    db.session.commit()
    raw = {c.code: ("4", "") for c in cycle.criteria}
    with pytest.raises(scoring.SheetErrors) as invalid:
        scoring.submit(judges[1], _sheet(judges[1], noms[0]), raw)
    assert invalid.value.errors == {criterion.code: ["A comment is required for this criterion."]}


def test_only_the_chair_reopens_a_locked_sheet_with_a_reason(judging):
    cycle, judges, noms = judging
    sheet = _sheet(judges[1], noms[0])
    scoring.submit(judges[1], sheet, {c.code: ("4", "") for c in cycle.criteria})
    db.session.commit()
    with pytest.raises(Forbidden):
        scoring.reopen(judges[2], sheet, "I want to")
    with pytest.raises(Exception) as no_reason:
        scoring.reopen(judges[0], sheet, "  ")
    assert no_reason.value.rule == "scoring.reopen_reason_required"
    scoring.reopen(judges[0], sheet, "The judge mis-keyed criterion 2.")
    db.session.commit()
    assert sheet.sheet_state == "open"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "score.reopened"))
    assert event.payload["reason"] == "The judge mis-keyed criterion 2." and event.actor == f"user:{judges[0].id}"


def test_no_scoring_before_the_conflict_attestation(ctx):
    from awards_app.models import ConflictAttestation

    cycle, judges, noms = builders.judging_cycle()
    for row in db.session.scalars(select(ConflictAttestation).where(
            ConflictAttestation.judge_id == judges[1].id)).all():
        db.session.delete(row)
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        scoring.save_draft(judges[1], _sheet(judges[1], noms[0]), {})
    assert refused.value.rules[0]["rule"] == "scoring.attestation_required"


def test_independence_other_scores_hidden_until_own_submit_and_deliberation(judging, client, auth):
    from awards_app.services import transitions

    cycle, judges, noms = judging
    for judge in judges[:2]:
        scoring.submit(judge, _sheet(judge, noms[0]), {c.code: ("5", "") for c in cycle.criteria})
    db.session.commit()
    auth.login(judges[1].email)
    before = client.get(f"/judge/nominations/{noms[0].id}")
    assert b"The other judges" not in before.data
    for judge in judges:
        for n in noms:
            sheet = _sheet(judge, n)
            if sheet.sheet_state == "open":
                scoring.submit(judge, sheet, {c.code: ("3", "") for c in cycle.criteria})
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    after = client.get(f"/judge/nominations/{noms[0].id}")
    assert b"The other judges" in after.data and judges[0].name.encode() in after.data


def test_a_judge_without_an_assignment_gets_404(judging, client, auth, make_user):
    cycle, judges, noms = judging
    make_user("stranger@example.org", roles=("judge",))
    auth.login("stranger@example.org")
    assert client.get(f"/judge/nominations/{noms[0].id}").status_code == 404
    assert client.post(f"/judge/nominations/{noms[0].id}/scores", data=_form(cycle)).status_code == 404


def test_the_scoring_page_fits_a_phone_and_works_without_javascript(judging, client, auth):
    cycle, judges, noms = judging
    auth.login(judges[1].email)
    page = client.get(f"/judge/nominations/{noms[0].id}").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    # A plain HTML form: the one script only enhances it (offline saves), deferred, from the app itself.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/offline-scoring.js" defer>']
    form = re.search(r'<form method="post" action="[^"]*/scores".*?</form>', page, re.S).group(0)
    assert "onsubmit" not in form and "onclick" not in form
    for c in cycle.criteria:
        assert f'name="score-{c.code}"' in form and f'name="comment-{c.code}"' in form
    assert 'value="submit"' in form
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "min-width: 44px" in css and "min-height: 44px" in css  # touch targets
    assert re.search(r"\.scale \{[^}]*flex-wrap: wrap", css)  # scale buttons wrap, never scroll sideways
