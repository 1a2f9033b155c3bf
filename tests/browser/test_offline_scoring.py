"""A judge scores on a 360 x 740 phone while the venue's Wi-Fi drops (issue
21): the sheets opened online open again offline, the scores typed offline
wait on the phone (the page says so), and when the connection returns the
server holds exactly those scores, once; a sheet locked meanwhile from
another device is reported with its reason, and what the judge typed for it
is still shown."""

import time

import pytest
from sqlalchemy import func, select

from tests.browser.helpers import login, post

pytestmark = pytest.mark.browser

JUDGE = "judge@demo.milset.org"


def _the_judges_open_sheets(site) -> tuple[int, list[int]]:
    """The demo's Padilla cycle in judging and the judge's open sheets there (attested, so they score)."""
    from awards_app.extensions import db
    from awards_app.models import Assignment, AwardType, Cycle, Nomination, User
    from awards_app.services import conflicts

    with site.app.app_context():
        cycle = db.session.scalar(select(Cycle).join(AwardType).where(AwardType.code == "enrique_padilla_award",
                                                                      Cycle.state == "judging"))
        judge = db.session.scalar(select(User).where(User.email == JUDGE))
        sheets = list(db.session.scalars(
            select(Nomination.id).join(Assignment).where(Nomination.cycle_id == cycle.id,
                                                         Assignment.judge_id == judge.id,
                                                         Assignment.sheet_state == "open")
            .order_by(Nomination.id)))
        conflicts.attest_none_for_all(judge, cycle)
        db.session.commit()
        ids = cycle.id, sheets
        db.session.remove()
    return ids


def _stored(site, nomination_id: int) -> tuple[str, dict, int, int]:
    """(sheet state, {criterion code: value}, draft saves audited, submissions audited) for the judge's sheet."""
    from awards_app.extensions import db
    from awards_app.models import Assignment, AuditEvent, Criterion, Score, User

    with site.app.app_context():
        sheet = db.session.scalar(select(Assignment).join(User, User.id == Assignment.judge_id).where(
            User.email == JUDGE, Assignment.nomination_id == nomination_id))
        scores = dict(db.session.execute(select(Criterion.code, Score.value).join(Score.criterion)
                                         .where(Score.assignment_id == sheet.id)).all())
        counts = [db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(sheet.id)))
            for action in ("score.draft_saved", "score.submitted")]
        found = sheet.sheet_state, scores, *counts
        db.session.remove()
    return found


def _lock_from_another_device(site, nomination_id: int) -> None:
    from awards_app.extensions import db
    from awards_app.models import Assignment, User
    from awards_app.services import scoring

    with site.app.app_context():
        judge = db.session.scalar(select(User).where(User.email == JUDGE))
        sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                           Assignment.nomination_id == nomination_id))
        scoring.submit(judge, sheet, {c.code: ("1", "From the laptop.") for c in scoring.criteria_of(sheet)})
        db.session.commit()
        db.session.remove()


def _until(page, condition: str, seconds: float = 10) -> None:
    """Wait until the page's ``condition`` (a function's text) holds; polled from
    here, as the app's CSP rightly forbids the eval Playwright's wait_for_function uses."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while True:
        try:
            if page.evaluate(condition):
                return
        except Error:  # the page is reloading: ask the next one
            pass
        assert time.monotonic() < deadline, f"never held: {condition}"
        page.wait_for_timeout(100)


def _pick(page, pill: int) -> dict:
    """Every criterion of the sheet on the page scored with the pill at this position; {code: value}."""
    picked = {}
    for criterion in page.locator("main fieldset.criterion").all():
        choice = criterion.locator(".pill").nth(pill)
        choice.click()
        picked[criterion.get_attribute("data-code")] = float(choice.locator("input").get_attribute("value"))
    return picked


def test_scores_typed_offline_reach_the_server_once_and_a_locked_sheet_is_reported(pages, start_site):
    site = start_site("offline")
    cycle_id, sheets = _the_judges_open_sheets(site)
    assert len(sheets) >= 3, sheets
    first, second, third = sheets[:3]
    page = pages.open(site, "en-GB", phone=True, label="judge-offline")
    login(page, "judge")

    # Online: the judging page and the three sheets, which the phone keeps.
    page.goto("/judge/")
    _until(page, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    for nomination in (first, second, third):
        page.goto(f"/judge/nominations/{nomination}")
    assert "Online" in page.locator("#sync-status").inner_text()

    page.context.set_offline(True)
    page.goto(f"/judge/nominations/{second}")  # from the phone's copy
    typed_second = _pick(page, 2)
    page.click("main button[name=action][value=save]")
    assert "1 save(s) waiting" in page.locator("#sync-status").inner_text()
    page.goto(f"/judge/nominations/{first}")
    typed_first = _pick(page, 3)
    page.click("main button[name=action][value=submit]")
    page.goto(f"/judge/nominations/{third}")
    typed_third = _pick(page, 4)
    page.fill(f"main textarea[name=comment-{next(iter(typed_third))}]", "Typed in the hall.")
    page.click("main button[name=action][value=save]")
    status = page.locator("#sync-status").inner_text()
    assert "Offline" in status and "3 save(s) waiting" in status, status
    assert _stored(site, first)[0] == "open" and _stored(site, second)[1] == {}

    # Meanwhile the third sheet is submitted from the judge's laptop.
    _lock_from_another_device(site, third)

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _until(page, "() => !document.querySelector('form[data-offline-sheet]') && "
                 "!!document.getElementById('sync-refusal')")  # the sheet as the server holds it: locked
    refusal = page.locator("#sync-refusal").inner_text()
    assert "submitted and locked" in refusal and "[scoring.locked]" in refusal, refusal
    assert "Typed in the hall." in refusal  # what was typed for it is still shown
    page.screenshot(path="test-artifacts/offline-locked-sheet.png", full_page=True)

    assert _stored(site, first) == ("submitted", typed_first, 0, 1)
    assert _stored(site, second) == ("open", typed_second, 1, 0)
    assert _stored(site, third)[1] == {code: 1.0 for code in typed_third}  # the laptop's, untouched
    # Back online again later: nothing is sent twice.
    page.goto(f"/judge/nominations/{second}")
    _until(page, "() => document.getElementById('sync-status').textContent.includes('Online')")
    assert _stored(site, first)[2:] == (0, 1) and _stored(site, second)[2:] == (1, 0)


def test_a_judge_without_javascript_still_scores_through_the_form(pages, start_site):
    site = start_site("offline-nojs")
    _cycle_id, sheets = _the_judges_open_sheets(site)
    page = pages.open(site, "en-GB", phone=True, label="judge-nojs", javascript=False)
    login(page, "judge")
    page.goto(f"/judge/nominations/{sheets[0]}")
    typed = _pick(page, 1)
    assert post(page, "main form[data-offline-sheet]", "button[name=action][value=save]") == 200
    assert _stored(site, sheets[0])[1] == typed
