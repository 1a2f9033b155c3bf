"""The calendar's pages in a real browser: the secretariat's dates form
(a date in the past refused at its field, what was typed kept) and the
account page's calendar link, whose feed a calendar program reads without
signing in. With CALENDAR_SHOTS naming a folder, each is photographed."""

import os

import icalendar

from tests.browser import axe
from tests.browser.helpers import login, post


def _snap(page, name: str) -> None:
    if folder := os.environ.get("CALENDAR_SHOTS"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_dates_form_refuses_a_past_date_beside_it_and_keeps_it(pages, start_site):
    site = start_site("calendar-dates")
    cycle = site.cycle_id("best_delegation_award", 2027)
    page = pages.open(site, label="dates")
    login(page, "admin")
    page.goto(f"/cycles/{cycle}")
    with page.expect_navigation():
        page.locator(f"main a[href='/cycles/{cycle}/dates']").click()
    page.fill("main input[name=deadline]", "2020-03-01T12:00")
    page.fill("main input[name=judging_deadline]", "2040-02-01T10:00")
    page.fill("main input[name=board_vote_deadline]", "2039-06-01T10:00")
    assert post(page, "main form[action$='/dates']") == 400
    errors = page.locator("main .field-error").all_inner_texts()
    assert any("[calendar.past]" in e for e in errors) and any("[calendar.order]" in e for e in errors), errors
    assert page.input_value("main input[name=deadline]") == "2020-03-01T12:00"
    assert not [v for v in axe.run(page) if v["impact"] in ("serious", "critical")]
    _snap(page, "dates-form-refused")

    page.fill("main input[name=deadline]", "2039-03-01T12:00")
    page.fill("main input[name=board_vote_deadline]", "2040-03-01T10:00")
    assert post(page, "main form[action$='/dates']") == 200
    assert page.url.endswith(f"/cycles/{cycle}")
    assert "2040" in page.locator("main .page-head").inner_text()
    _snap(page, "cycle-page-with-dates")


def test_a_judge_makes_their_calendar_link_and_their_calendar_reads_it(pages, shared_site):
    page = pages.open(shared_site, label="account")
    login(page, "judge")
    page.goto("/account/")
    assert post(page, "main form[action='/account/calendar']") == 200
    address = page.input_value("main #calendar-url")
    assert address.endswith(".ics")
    _snap(page, "account-calendar-link")
    path = "/" + address.split("://", 1)[1].split("/", 1)[1]  # the site names itself by PUBLIC_URL
    feed = page.context.request.get(path)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    icalendar.Calendar.from_ical(feed.body())

    assert post(page, "main form[action='/account/calendar']") == 200  # replaced: the old one is gone
    assert page.input_value("main #calendar-url") != address
    assert page.context.request.get(path).status == 404
