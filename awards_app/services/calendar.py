"""A cycle's calendar: the dates the secretariat sets (the call's close,
the close of judging, the board's vote), and each person's deadlines as an
iCalendar feed their calendar program subscribes to.

The dates are what `flask calendar run` (services.schedule) acts on, so a
date in the past or out of order is refused here, whoever sets it.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Nomination, User
from awards_app.services import N_, Forbidden, Message, ServiceError, audit, clock, transitions

# A cycle's dates in the order they must come: the call opens, closes,
# judging closes, the board votes.
DATES = ("opens_at", "deadline", "judging_deadline", "board_vote_deadline")
# The ones the secretariat sets on the dates page; the call's opening is
# stamped when it opens (and shown), never typed in.
EDITABLE = ("deadline", "judging_deadline", "board_vote_deadline")

ORDER_MESSAGE = N_("The dates must follow each other: the call opens, then it closes, then judging closes, "
                   "then the board votes.")


class DatesRefused(ServiceError):
    """Every problem with the dates typed, each at its field with its rule
    id; nothing was saved."""

    def __init__(self, problems: list[ServiceError]):
        first = problems[0]
        super().__init__(first.rule, first.message, field=first.field)
        self.problems = problems


def _problems(cycle: Cycle, changed: dict[str, datetime | None]) -> list[ServiceError]:
    now = clock.now()
    problems = []
    for name in EDITABLE:
        if name in changed and changed[name] is not None and changed[name] <= now:
            problems.append(ServiceError("calendar.past", Message(
                N_("This date has passed (it is now %(now)s UTC): choose a later one."),
                now=f"{now:%Y-%m-%d %H:%M}"), field=name))
    past = {p.field for p in problems}
    dates = [(name, changed[name] if name in changed else getattr(cycle, name)) for name in DATES]
    dates = [(name, value) for name, value in dates if value is not None]
    for (earlier, before), (later, after) in zip(dates, dates[1:], strict=False):
        if after > before:
            continue
        # Said at the date just typed: the one already saved is not the mistake.
        field = later if later in changed else earlier
        if field not in past and field in EDITABLE:
            problems.append(ServiceError("calendar.order", ORDER_MESSAGE, field=field))
            past.add(field)
    return problems


def set_dates(actor, cycle: Cycle, values: dict, *, expected_version: int | None = None) -> dict:
    """Change some of the cycle's dates (the secretariat's). ``values`` maps
    names of EDITABLE to aware datetimes or None (no date: nothing happens
    by itself). A date in the past (calendar.past) or out of order
    (calendar.order) is refused at its field, every problem at once, and
    nothing is saved. Returns {name: (before, after)} of what changed,
    audited as one cycle.dates_changed event."""
    if not actor.has_role("admin"):
        raise Forbidden("calendar.admin_only", N_("Only the secretariat sets a cycle's dates."))
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise DatesRefused([ServiceError("calendar.unknown", Message(N_("No date is called %(name)s."),
                                                                      name=name), field=name)
                            for name in unknown])
    # The dates are what the scheduled run reads: locked, so a run and an edit never cross.
    cycle = transitions.lock_row(Cycle, cycle.id, expected_version)
    changed = {name: clock.aware(value) if value is not None else None for name, value in values.items()
               if (clock.aware(value) if value is not None else None) != getattr(cycle, name)}
    problems = _problems(cycle, changed)
    if problems:
        raise DatesRefused(problems)
    if not changed:
        return {}
    before = {name: getattr(cycle, name) for name in changed}
    for name, value in changed.items():
        setattr(cycle, name, value)
    db.session.flush()
    audit.record(actor, "cycle.dates_changed", cycle,
                 {"before": {n: _iso(v) for n, v in before.items()},
                  "after": {n: _iso(v) for n, v in changed.items()}}, cycle_id=cycle.id)
    return {name: (before[name], changed[name]) for name in changed}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- each person's feed ----------------------------------------------------------------

def new_feed_token(actor, user: User) -> str:
    """A new secret address for the user's feed; the old one stops working.
    Audited without the token (it is the key)."""
    if getattr(actor, "id", None) != user.id:
        raise Forbidden("calendar.own_feed", N_("Only the account's owner sets its calendar link."))
    replaced = user.calendar_token is not None
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.flush()
    audit.record(actor, "user.calendar_link_replaced" if replaced else "user.calendar_link_created", user, {})
    return user.calendar_token


def user_by_feed_token(token: str) -> User | None:
    """The active account whose feed this is; None for an unknown or replaced token."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class Deadline:
    """One date in a person's feed."""

    cycle: Cycle
    kind: str  # a name of DATES
    at: datetime

    @property
    def uid(self) -> str:
        return f"cycle-{self.cycle.id}-{self.kind}@milset-awards"


# What each date is called in a feed; %(cycle)s is the cycle's title.
TITLES = {
    "opens_at": N_("Call for nominations opens: %(cycle)s"),
    "deadline": N_("Call for nominations closes: %(cycle)s"),
    "judging_deadline": N_("Judging closes: %(cycle)s"),
    "board_vote_deadline": N_("Board vote: %(cycle)s"),
}

_ENDED = ("cancelled", "announced")  # a finished cycle's dates leave the feed


def deadlines_of(user: User) -> list[Deadline]:
    """The dates that concern this person: for a judge, the close of judging
    of the cycles where they have sheets; for a nominator, the call's close
    of the cycles where they have drafts; for a board member, every board
    vote; for the secretariat, every date of every cycle. Cycles that ended
    (announced, cancelled) are left out."""
    live = select(Cycle).where(Cycle.state.not_in(_ENDED))
    wanted: dict[int, set[str]] = {}

    def want(cycle_ids, kinds):
        for cycle_id in cycle_ids:
            wanted.setdefault(cycle_id, set()).update(kinds)

    if user.has_role("admin"):
        want(db.session.scalars(live.with_only_columns(Cycle.id)), DATES)
    if user.has_role("board"):
        want(db.session.scalars(live.with_only_columns(Cycle.id).where(Cycle.board_vote_deadline.is_not(None))),
             ("board_vote_deadline",))
    want(db.session.scalars(select(Nomination.cycle_id).where(Assignment.nomination_id == Nomination.id,
                                                             Assignment.judge_id == user.id).distinct()),
         ("judging_deadline",))
    want(db.session.scalars(select(Nomination.cycle_id).where(Nomination.nominator_id == user.id,
                                                             Nomination.state == "draft").distinct()),
         ("deadline",))
    if not wanted:
        return []
    deadlines = []
    for cycle in db.session.scalars(live.where(Cycle.id.in_(wanted)).order_by(Cycle.id)):
        for kind in DATES:
            if kind in wanted[cycle.id] and getattr(cycle, kind) is not None:
                deadlines.append(Deadline(cycle, kind, getattr(cycle, kind)))
    return sorted(deadlines, key=lambda d: (d.at, d.cycle.id))


def ics(user: User, *, stamp: datetime | None = None) -> bytes:
    """The person's deadlines as an iCalendar (RFC 5545) calendar, each
    event titled in their language. A deadline is a moment in UTC with no
    end (RFC 5545: it ends as it starts), so each calendar program shows it
    at the hour it falls in its reader's own zone."""
    import icalendar

    locale = user.locale or "en"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//MILSET//Award engine//EN")
    calendar.add("version", "2.0")
    stamp = stamp or clock.now()
    with force_locale(locale):
        calendar.add("x-wr-calname", gettext("MILSET awards: my deadlines"))
        for deadline in deadlines_of(user):
            event = icalendar.Event()
            event.add("uid", deadline.uid)
            event.add("dtstamp", stamp)
            event.add("dtstart", deadline.at)
            event.add("summary", gettext(TITLES[deadline.kind], cycle=deadline.cycle.title_in(locale)))
            calendar.add_component(event)
    return calendar.to_ical()
