"""A cycle's calendar: the dates the secretariat sets (service and page),
the clock the tests control, the scheduled run (`flask calendar run`) and
each person's iCalendar feed."""

import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, Nomination, OutboxMessage, ReminderSent
from awards_app.services import Forbidden, calendar, clock, nominations
from awards_app.services.calendar import DatesRefused
from tests import builders, factories
from tests.conftest import PASSWORD
from tests.test_outbox_worker import smtp  # noqa: F401 - the fake mail server, a fixture

DAY = timedelta(days=1)


def _at(days: float, base: datetime | None = None) -> datetime:
    return ((base or datetime.now(UTC)) + timedelta(days=days)).replace(microsecond=0)


def _events(action: str, cycle_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if cycle_id is not None:
        query = query.where(AuditEvent.cycle_id == cycle_id)
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))


def _mail(recipient: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                   .order_by(OutboxMessage.id)))


# --- the clock ---------------------------------------------------------------------------

def test_the_clock_tells_the_frozen_moment_then_the_real_one_again(ctx):
    moment = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    with clock.frozen("2031-05-06T07:08:00Z") as frozen:
        assert frozen == moment and clock.now() == moment
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_clock_reads_the_apps_config_when_not_frozen(app, ctx):
    app.config["CLOCK_NOW"] = "2030-01-01T00:00:00"
    try:
        assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
        with clock.frozen(datetime(2029, 1, 1)):
            assert clock.now() == datetime(2029, 1, 1, tzinfo=UTC)  # the block's moment comes first
    finally:
        del app.config["CLOCK_NOW"]


# --- the dates, through the service -------------------------------------------------------

@pytest.fixture
def cycle(ctx):
    return builders.open_cycle("volunteer_award", year=2027)


@pytest.fixture
def admin(ctx):
    return factories.UserFactory(roles=("admin",))


def test_the_secretariat_sets_the_dates_and_the_change_is_audited(cycle, admin):
    close, judging, vote = _at(20), _at(40), _at(50)
    changed = calendar.set_dates(admin, cycle, {"deadline": close, "judging_deadline": judging,
                                                "board_vote_deadline": vote})
    db.session.commit()
    assert set(changed) == {"deadline", "judging_deadline", "board_vote_deadline"}
    db.session.refresh(cycle)
    assert (cycle.deadline, cycle.judging_deadline, cycle.board_vote_deadline) == (close, judging, vote)
    [event] = _events("cycle.dates_changed", cycle.id)
    assert event.actor_id == admin.id
    assert event.payload["after"]["judging_deadline"] == judging.isoformat()


def test_a_date_in_the_past_is_refused_at_its_field_and_nothing_is_saved(cycle, admin):
    before = (cycle.deadline, cycle.judging_deadline)
    with pytest.raises(DatesRefused) as refused:
        calendar.set_dates(admin, cycle, {"deadline": _at(-1), "judging_deadline": _at(40)})
    db.session.rollback()
    assert [(p.rule, p.field) for p in refused.value.problems] == [("calendar.past", "deadline")]
    db.session.refresh(cycle)
    assert (cycle.deadline, cycle.judging_deadline) == before
    assert not _events("cycle.dates_changed")


def test_the_past_is_the_clocks_not_the_machines(cycle, admin):
    with clock.frozen(_at(100)), pytest.raises(DatesRefused) as refused:
        calendar.set_dates(admin, cycle, {"judging_deadline": _at(60)})
    assert refused.value.rule == "calendar.past"


@pytest.mark.parametrize("values, field", [
    ({"judging_deadline": "close"}, "judging_deadline"),  # judging closes when the call does
    ({"deadline": 45, "judging_deadline": 40}, "judging_deadline"),
    ({"board_vote_deadline": 10}, "board_vote_deadline"),  # before the call's close already saved
])
def test_dates_out_of_order_are_refused_at_the_date_typed(cycle, admin, values, field):
    close = cycle.deadline
    typed = {name: close if v == "close" else _at(v) for name, v in values.items()}
    with pytest.raises(DatesRefused) as refused:
        calendar.set_dates(admin, cycle, typed)
    db.session.rollback()
    assert [(p.rule, p.field) for p in refused.value.problems] == [("calendar.order", field)]
    assert db.session.get(Cycle, cycle.id).judging_deadline is None


def test_an_empty_date_is_allowed_and_only_the_secretariat_sets_dates(cycle, admin):
    close = cycle.deadline
    assert calendar.set_dates(admin, cycle, {"deadline": None}) == {"deadline": (close, None)}
    with pytest.raises(Forbidden):
        calendar.set_dates(factories.UserFactory(roles=("chair", "board")), cycle, {"judging_deadline": _at(40)})


# --- the scheduled run ------------------------------------------------------------------

def _run(runner, moment: datetime):
    result = runner.invoke(args=["calendar", "run", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_the_call_closes_by_itself_when_the_clock_passes_its_date(runner, cycle):
    nominator = factories.UserFactory(roles=("nominator",), locale="fr")
    draft = nominations.create_draft(nominator, cycle, candidate=factories.PersonFactory(),
                                     statement="Twenty years of science clubs.")
    db.session.commit()
    due = cycle.deadline
    assert "0 step(s) taken" in _run(runner, due - timedelta(minutes=1))
    assert db.session.get(Cycle, cycle.id).state == "call_open"

    output = _run(runner, due + timedelta(minutes=1))
    assert f"Cycle {cycle.id}: close_call." in output
    assert db.session.get(Cycle, cycle.id).state == "screening"
    assert db.session.get(Nomination, draft.id).state == "cancelled"  # the draft lapsed
    [closed] = [e for e in _events("cycle.transition", cycle.id) if e.payload["event"] == "close_call"]
    assert (closed.actor, closed.actor_id) == ("calendar", None)
    [told] = _mail(nominator.email)
    assert told.locale == "fr" and cycle.title_in("fr") in told.body

    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert "0 step(s) taken, 0 refused, 0 reminder(s)" in _run(runner, due + timedelta(hours=2))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def _paris(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo('Europe/Paris')):%Y-%m-%d %H:%M} (Europe/Paris)"


def _judging(ctx, deadline_in_days: float):
    cycle, judges, noms = builders.judging_cycle()
    cycle.judging_deadline = _at(deadline_in_days)
    db.session.commit()
    return cycle, judges, noms


def test_a_refused_close_of_scoring_is_recorded_and_told_once(runner, ctx):
    cycle, judges, noms = _judging(ctx, 5)
    admin = factories.UserFactory(roles=("admin",))
    db.session.commit()
    chair = judges[0]
    due = cycle.judging_deadline
    output = _run(runner, due + timedelta(minutes=5))
    assert "close_scoring refused (scoring.all_submitted)" in output
    assert db.session.get(Cycle, cycle.id).state == "judging"  # not forced
    [refused] = _events("calendar.step_refused", cycle.id)
    assert refused.payload == {"event": "close_scoring", "due": due.isoformat(), "rules": ["scoring.all_submitted"]}
    for person in (admin, chair):
        [notice] = _mail(person.email)
        assert "scoring.all_submitted" in notice.body and f"/cycles/{cycle.id}" in notice.body

    _run(runner, due + timedelta(hours=1))
    assert len(_events("calendar.step_refused", cycle.id)) == 1
    assert len(_mail(admin.email)) == len(_mail(chair.email)) == 1


def test_scoring_closes_at_its_date_once_every_sheet_is_in(runner, ctx):
    cycle, judges, noms = _judging(ctx, 5)
    builders.score_all(cycle, judges, noms, [3, 4])
    assert f"Cycle {cycle.id}: close_scoring." in _run(runner, cycle.judging_deadline)
    assert db.session.get(Cycle, cycle.id).state == "deliberation"


def test_judges_with_open_sheets_are_reminded_once_in_their_language(runner, ctx):
    cycle, judges, noms = _judging(ctx, 10)
    french, done, late = judges
    french.locale, french.timezone = "fr", "Europe/Paris"
    builders.score_all(cycle, [done], noms, [3, 4])
    due = cycle.judging_deadline
    _run(runner, due - timedelta(days=4))  # before the window (3 days by default)
    assert not _mail(french.email)

    output = _run(runner, due - timedelta(days=2))
    assert "2 reminder(s) sent" in output
    [notice] = _mail(french.email)
    # In the judge's language: the French catalogue's words (English until the lead merges
    # /work/tr/calendar.json into it) around the cycle's French name, their own time zone.
    with force_locale("fr"):
        expected = gettext("Scores due by %(due)s: %(cycle)s", due=_paris(due), cycle=cycle.title_in("fr"))
    assert notice.locale == "fr" and notice.subject == expected
    assert "Prix de la meilleure délégation" in notice.subject
    assert "(Europe/Paris)" in notice.body
    for nomination in noms:
        assert f"/judge/nominations/{nomination.id}" in notice.body
    assert len(_mail(late.email)) == 1 and not _mail(done.email)
    [sent] = _events("calendar.reminders_sent", cycle.id)
    assert sorted(sent.payload["users"]) == sorted([french.id, late.id])

    _run(runner, due - timedelta(days=1))
    assert len(_mail(french.email)) == 1
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2


def test_a_moved_judging_deadline_is_a_new_reminder(runner, ctx):
    cycle, judges, _noms = _judging(ctx, 10)
    _run(runner, cycle.judging_deadline - timedelta(days=1))
    cycle = db.session.get(Cycle, cycle.id)
    cycle.judging_deadline = cycle.judging_deadline + timedelta(days=7)
    db.session.commit()
    _run(runner, cycle.judging_deadline - timedelta(days=1))
    assert len(_mail(judges[1].email)) == 2


def test_board_members_who_have_not_voted_are_reminded_once(runner, ctx):
    cycle, member = builders.recommended_cycle()
    cycle.board_vote_deadline = _at(10)
    db.session.commit()
    _run(runner, cycle.board_vote_deadline - timedelta(days=2))
    [notice] = _mail(member.email)
    assert f"/board/cycles/{cycle.id}" in notice.body
    _run(runner, cycle.board_vote_deadline - timedelta(days=1))
    assert len(_mail(member.email)) == 1


def test_a_bad_now_is_refused_by_the_command(runner, ctx):
    result = runner.invoke(args=["calendar", "run", "--now", "next tuesday"])
    assert result.exit_code != 0 and "ISO 8601" in result.output


# --- the feed ----------------------------------------------------------------------------

def _feed(client, token: str) -> icalendar.Calendar:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def _summaries(feed: icalendar.Calendar) -> dict[str, datetime]:
    return {str(e["summary"]): e.decoded("dtstart") for e in feed.walk("VEVENT")}


def test_a_judges_feed_lists_the_judging_deadline_in_their_language(client, ctx):
    cycle, judges, _noms = _judging(ctx, 10)
    judges[1].locale = "fr"
    token = calendar.new_feed_token(judges[1], judges[1])
    db.session.commit()
    events = _summaries(_feed(client, token))
    title = f"{cycle.award_type.name('fr')} {cycle.year}"
    [(summary, start)] = events.items()
    with force_locale("fr"):
        assert summary == gettext("Judging closes: %(cycle)s", cycle=title)
    assert start == cycle.judging_deadline


def test_each_person_sees_the_dates_that_concern_them(client, ctx):
    cycle = builders.open_cycle("volunteer_award", year=2027)
    cycle.judging_deadline, cycle.board_vote_deadline = _at(40), _at(50)
    nominator = factories.UserFactory(roles=("nominator",))
    nominations.create_draft(nominator, cycle, candidate=factories.PersonFactory(), statement="Clubs.")
    people = {who: factories.UserFactory(roles=roles) for who, roles in
              (("admin", ("admin",)), ("board", ("board",)), ("stranger", ("judge",)))}
    tokens = {who: calendar.new_feed_token(u, u) for who, u in [*people.items(), ("nominator", nominator)]}
    db.session.commit()
    title = cycle.title
    assert set(_summaries(_feed(client, tokens["nominator"]))) == {f"Call for nominations closes: {title}"}
    assert set(_summaries(_feed(client, tokens["board"]))) == {f"Board vote: {title}"}
    assert set(_summaries(_feed(client, tokens["admin"]))) == {
        f"Call for nominations closes: {title}", f"Judging closes: {title}", f"Board vote: {title}"}
    assert _summaries(_feed(client, tokens["stranger"])) == {}


def test_an_unknown_or_replaced_feed_address_is_404(client, ctx):
    user = factories.UserFactory(roles=("judge",))
    old = calendar.new_feed_token(user, user)
    new = calendar.new_feed_token(user, user)
    db.session.commit()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert [e.action for e in _events("user.calendar_link_created")] == ["user.calendar_link_created"]
    [replaced] = _events("user.calendar_link_replaced")
    assert new not in str(replaced.payload) and old not in str(replaced.payload)


# --- the pages ---------------------------------------------------------------------------

def test_the_account_page_creates_shows_and_replaces_the_link(client, auth, make_user):
    user = make_user("judge@example.org", roles=("judge",))
    auth.login(user.email, PASSWORD)
    page = client.get("/account/").get_data(as_text=True)
    assert "Create my calendar link" in page and "/calendar/" not in page
    response = client.post("/account/calendar", follow_redirects=True)
    page = response.get_data(as_text=True)
    first = db.session.get(type(user), user.id).calendar_token
    assert f"http://localhost/calendar/{first}.ics" in page or f"/calendar/{first}.ics" in page
    assert "Replace the link" in page
    client.post("/account/calendar")
    db.session.expire_all()
    second = db.session.get(type(user), user.id).calendar_token
    assert second != first
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200


def _dates_form(cycle, **typed):
    return {"version": cycle.version, "deadline": "", "judging_deadline": "", "board_vote_deadline": "", **typed}


def test_the_dates_page_reads_and_writes_in_the_readers_time_zone(client, auth, ctx):
    cycle = builders.open_cycle("volunteer_award", year=2027)
    admin = factories.UserFactory(roles=("admin",), timezone="America/Montreal", email="sec@example.org")
    db.session.commit()
    auth.login(admin.email, factories.PASSWORD)
    page = client.get(f"/cycles/{cycle.id}/dates").get_data(as_text=True)
    assert "America/Montreal" in page
    shown_close = cycle.deadline.astimezone(ZoneInfo("America/Montreal"))
    assert f'value="{shown_close:%Y-%m-%dT%H:%M}"' in page
    judging = _at(60).astimezone(UTC)
    response = client.post(f"/cycles/{cycle.id}/dates", data=_dates_form(
        cycle, deadline=f"{shown_close:%Y-%m-%dT%H:%M}", judging_deadline=f"{judging.year + 1}-01-15T09:30"))
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Cycle, cycle.id)
    assert saved.deadline == cycle.deadline  # unchanged to the second: not moved by saving the page
    assert saved.judging_deadline == datetime(judging.year + 1, 1, 15, 14, 30, tzinfo=UTC)  # 09:30 in Montreal


def test_the_dates_page_refuses_a_past_date_at_its_field_and_keeps_what_was_typed(client, auth, ctx):
    cycle = builders.open_cycle("volunteer_award", year=2027)
    admin = factories.UserFactory(roles=("admin",), email="sec@example.org")
    db.session.commit()
    auth.login(admin.email, factories.PASSWORD)
    response = client.post(f"/cycles/{cycle.id}/dates", data=_dates_form(
        cycle, deadline="2020-03-01T12:00", judging_deadline="2040-02-01T10:00",
        board_vote_deadline="2039-01-01T10:00"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "[calendar.past]" in page and "[calendar.order]" in page
    assert 'value="2020-03-01T12:00"' in page and 'value="2039-01-01T10:00"' in page
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).judging_deadline is None
    assert not _events("cycle.dates_changed")


def test_the_dates_page_is_the_secretariats(client, auth, ctx):
    cycle = builders.open_cycle("volunteer_award", year=2027)
    chair = factories.UserFactory(roles=("chair", "board"), email="chair@example.org")
    db.session.commit()
    auth.login(chair.email, factories.PASSWORD)
    assert client.get(f"/cycles/{cycle.id}/dates").status_code == 404
    assert client.post(f"/cycles/{cycle.id}/dates", data=_dates_form(
        cycle, judging_deadline="2040-01-01T10:00")).status_code == 404
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).judging_deadline is None


def test_the_outbox_worker_runs_the_calendar_when_asked(app, runner, smtp, cycle):  # noqa: F811 - the fixture
    nominator = factories.UserFactory(roles=("nominator",))
    nominations.create_draft(nominator, cycle, candidate=factories.PersonFactory(), statement="Clubs.")
    db.session.commit()
    cycle_id, email = cycle.id, nominator.email  # the worker ends the session these belong to
    app.config["CLOCK_NOW"] = (cycle.deadline + timedelta(minutes=1)).isoformat()
    previous = signal.getsignal(signal.SIGINT)
    # Stopped once the lapsed draft's notice is sent (or, should the calendar not run, after 20 s).
    smtp.on_send = lambda: os.kill(os.getpid(), signal.SIGINT)
    guard = threading.Timer(20, lambda: os.kill(os.getpid(), signal.SIGINT))
    guard.start()
    try:
        result = runner.invoke(args=["outbox", "worker", "--interval", "0.1", "--calendar", "60"])
    finally:
        guard.cancel()
        signal.signal(signal.SIGINT, previous)
        del app.config["CLOCK_NOW"]
    assert result.exit_code == 0, result.output
    assert "Calendar: 1 step(s) taken" in result.output
    assert db.session.get(Cycle, cycle_id).state == "screening"
    assert [m["To"] for m in smtp.sent] == [email]
