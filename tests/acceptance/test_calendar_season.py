"""The calendar on an empty production install (no demo): the secretariat
sets a cycle's dates through the pages (a date in the past refused first),
then only the scheduled command acts. When the clock passes the call's
date, `flask calendar run` closes the call and the draft left behind
lapses; three days before the judging deadline a French judge with sheets
still open gets one reminder, in French, however often cron runs; and the
judge's calendar feed lists that deadline."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from tests.acceptance.steps import (
    ADMIN,
    CHAIR,
    HOST,
    JUDGES,
    NOMINATOR,
    PARTICIPANTS,
    Person,
    Season,
    errors_on,
    no_errors,
    snap,
    submit,
)

SPAIN, ITALY = "Jóvenes Científicos de España", "Giovani Scienziati Italia"
FRENCH_JUDGE = Person("juge@milset.example", "Camille Martin", ("judge",), locale="fr")


def _typed(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%dT%H:%M}"


def _run(season: Season, moment: datetime) -> str:
    return season.install.flask("calendar", "run", "--now", moment.isoformat())


def test_the_calendar_closes_the_call_and_reminds_a_french_judge(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (SPAIN, "Spain", "member"),
                                         (ITALY, "Italy", "member")],
                          cast=(NOMINATOR, CHAIR, JUDGES[0], FRENCH_JUDGE))
    for organisation in (SPAIN, ITALY):
        season.delegation(organisation, 2027, PARTICIPANTS, tmp_path)
    cycle = season.create_cycle("cultural_award", 2027, esi="Lisbon")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")

    # The secretariat sets the dates, in its own time zone; a date in the past first.
    page = season.admin
    zone = ZoneInfo(season.install.query("SELECT timezone FROM user_account WHERE email = :e", e=ADMIN)[0][0])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    close, judging, vote = now + timedelta(days=2), now + timedelta(days=20), now + timedelta(days=30)
    page.goto(f"/cycles/{cycle}")
    with page.expect_navigation():
        page.locator(f"main a[href='/cycles/{cycle}/dates']").click()
    page.fill("main input[name=deadline]", _typed(now - timedelta(days=1), zone))
    assert submit(page, f"/cycles/{cycle}/dates") == 400
    assert any("[calendar.past]" in e for e in errors_on(page)), errors_on(page)
    assert page.input_value("main input[name=deadline]") == _typed(now - timedelta(days=1), zone)
    snap(page, "calendar-dates-refused")
    page.fill("main input[name=deadline]", _typed(close, zone))
    page.fill("main input[name=judging_deadline]", _typed(judging, zone))
    page.fill("main input[name=board_vote_deadline]", _typed(vote, zone))
    assert submit(page, f"/cycles/{cycle}/dates") == 200
    no_errors(page)
    assert season.install.query("SELECT deadline, judging_deadline FROM cycle WHERE id = :c", c=cycle)[0] == (
        close.replace(tzinfo=None), judging.replace(tzinfo=None))

    spain = season.draft_delegation(NOMINATOR, SPAIN)
    italy = season.draft_delegation(NOMINATOR, ITALY)  # left a draft
    assert season.submit_nomination(NOMINATOR, spain) == 200

    # Nothing happens before the date; once the clock passes it, the call closes by itself.
    assert "0 step(s) taken" in _run(season, close - timedelta(minutes=1))
    assert season.state() == "call_open"
    assert f"Cycle {cycle}: close_call." in _run(season, close + timedelta(minutes=1))
    assert season.state() == "screening"
    assert season.nomination_state(italy) == "cancelled" and season.nomination_state(spain) == "submitted"
    assert "Draft closed" in season.install.mail_to(NOMINATOR.email, "Draft closed")
    assert "0 step(s) taken, 0 refused, 0 reminder(s) sent" in _run(season, close + timedelta(minutes=5))
    actors = season.install.query("SELECT actor FROM audit_event WHERE cycle_id = :c AND action = "
                                  "'cycle.transition' AND payload::text LIKE '%close_call%'", c=cycle)
    assert actors == [("calendar",)]

    season.screen(spain, "eligible")
    season.judging_opens(CHAIR, (JUDGES[0], FRENCH_JUDGE), ("performing_arts", "cultural_heritage"),
                         "Twenty years directing youth theatre festivals.")

    # Three days before judging closes (the default), every judge's sheet is open: each is reminded once.
    assert "3 reminder(s) sent" in _run(season, judging - timedelta(days=2))
    _run(season, judging - timedelta(days=1))
    notices = season.install.query("SELECT subject, body, locale FROM outbox_message WHERE recipient = :r "
                                   "AND body LIKE :link", r=FRENCH_JUDGE.email, link=f"%/judge/nominations/{spain}%")
    assert len(notices) == 1
    subject, body, locale = notices[0]
    assert locale == "fr" and "Prix" in subject  # the cycle's French name; the words once the catalogue has them
    assert f"{season.install.url}/judge/nominations/{spain}" in body

    # The judge's calendar feed, from the address on their account page, without signing in.
    judge = season.page_of(FRENCH_JUDGE)
    judge.goto("/account/")
    assert submit(judge, "/account/calendar") == 200
    snap(judge, "calendar-account-link")
    address = judge.input_value("main #calendar-url")
    assert re.fullmatch(re.escape(season.install.url) + r"/calendar/[A-Za-z0-9_-]+\.ics", address), address
    feed = season.who["calendar program"].request.get(address)
    assert feed.status == 200
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [judging]
    assert "Prix" in str(events[0]["summary"])
