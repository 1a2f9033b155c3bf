"""The coming ESI year's cycles caught mid-season, so that whoever logs in to
the demo finds something to do at once:

- Derek Gray Medal: submitted nominations waiting for the secretariat's
  screening while the call is still open;
- Enrique Padilla Award: judging, with score sheets still to fill in (the
  demo's judge, Jules, has not scored yet);
- ESI Cultural Award: deliberation, with a tie at the last laureate place
  for the chair to settle by the panel's vote;
- MILSET Volunteer Award: the recommendation waiting for the Executive
  Committee's hearing.

The MILSET Award's designated host already waits for the board's votes (the
loader designates it), and the Best Delegation Award's call stays open for
nominators (and for the browser journey, which plays that season whole).
Each is played through the services once, from the open call the demo
loader gives every award; a cycle found past its open call is left alone.
"""

from datetime import date

from sqlalchemy import func, select

from awards_app.demo import season
from awards_app.extensions import db
from awards_app.models import AwardType, Cycle, Delegation, Nomination, Organisation
from awards_app.services import nominations, recommendations, transitions, users


def _cycle(code: str, year: int) -> Cycle | None:
    """The award's cycle of that year, if it is still at its open call with no nomination."""
    cycle = db.session.scalar(select(Cycle).join(AwardType).where(AwardType.code == code, Cycle.year == year))
    if cycle is None or cycle.state != "call_open" or db.session.scalar(
            select(func.count()).select_from(Nomination).where(Nomination.cycle_id == cycle.id)):
        return None
    return cycle


def _delegations(cycle: Cycle, countries: list[str]) -> list[Delegation]:
    return [db.session.scalar(select(Delegation).join(Organisation).where(
        Delegation.event_id == cycle.event_id, Organisation.id == season.demo_organisation(iso).id))
        for iso in countries]


class _People:
    """The demo accounts by their local part (people.chair), each looked up once."""

    def __init__(self, domain: str):
        self.domain = domain

    def __getattr__(self, local: str):
        user = users.find_by_email(f"{local}@{self.domain}")
        setattr(self, local, user)  # found once; later reads skip __getattr__
        return user


def _submitted_delegations(people, cycle: Cycle, countries: list[str], statement: str) -> list[Nomination]:
    submitted = []
    for delegation in _delegations(cycle, countries):
        draft = nominations.create_draft(people.nominator, cycle, candidate=delegation, statement=statement)
        nominations.submit(people.nominator, draft)
        submitted.append(draft)
    return submitted


def _judged(people, cycle: Cycle, entries: list[Nomination], chair, members) -> None:
    """Screened eligible, a panel formed and assigned, judging opened."""
    for nomination in entries:
        nominations.screen(people.admin, nomination, eligible=True, reason=None)
    season.form_panel(people.admin, cycle, chair, members)
    transitions.fire_cycle_event(people.admin, cycle, "close_call")
    transitions.fire_cycle_event(people.admin, cycle, "open_judging")
    season.assign_all(chair, entries, [chair, *members])


DEREK_GRAY_CANDIDATES = [
    ("Hélène Marchetti", "helene.marchetti@example.org", date(1961, 3, 8), 35, "FR",
     "Thirty-five years building France's network of young scientists' clubs."),
    ("Joseph Otieno", "joseph.otieno@example.org", date(1970, 11, 23), 25, "KE",
     "Founded Kenya's first science fair for secondary schools and ran it for twenty-five years."),
]


def derek_gray_awaiting_screening(people, year: int) -> None:
    cycle = _cycle("derek_gray_medal", year)
    if cycle is None:
        return
    for name, email, born, years, iso, statement in DEREK_GRAY_CANDIDATES:
        draft = season.individual_draft(people.nominator, cycle, name, email, born, years, iso, statement)
        nominations.submit(people.nominator, draft)


def padilla_in_judging(people, year: int) -> None:
    cycle = _cycle("enrique_padilla_award", year)
    if cycle is None:
        return
    entries = _submitted_delegations(people, cycle, ["IN", "JP", "MX"],
                                     "Every young participant took the stage at least once.")
    _judged(people, cycle, entries, people.chair, [people.judge, people.judge2])
    for value, nomination in zip((5, 4, 3), entries, strict=True):
        for judge in (people.chair, people.judge2):
            season.score(judge, cycle, nomination, value)


def cultural_award_tied(people, year: int) -> None:
    """Two laureates allowed; the second and third score exactly alike."""
    cycle = _cycle("cultural_award", year)
    if cycle is None:
        return
    entries = _submitted_delegations(people, cycle, ["ES", "IT", "DE"],
                                     "A performance that held the whole hall.")
    panel = [people.chair, people.judge3, people.judge4]
    _judged(people, cycle, entries, people.chair, panel[1:])
    for value, nomination in zip((5, 3, 3), entries, strict=True):
        for judge in panel:
            season.score(judge, cycle, nomination, value)
    transitions.fire_cycle_event(people.chair, cycle, "close_scoring")


VOLUNTEER_CANDIDATES = [
    ("Amara Nwosu", "amara.nwosu@example.org", date(2000, 2, 14), 7, "NG",
     "Seven years leading Lagos' weekend science clubs for girls.", 5),
    ("Mateo Rojas", "mateo.rojas@example.org", date(2002, 8, 30), 5, "CO",
     "Five years of science caravans to Colombia's rural schools.", 4),
]


def volunteer_awaiting_hearing(people, year: int) -> None:
    cycle = _cycle("volunteer_award", year)
    if cycle is None:
        return
    entries = []
    for name, email, born, years, iso, statement, _value in VOLUNTEER_CANDIDATES:
        draft = season.individual_draft(people.nominator, cycle, name, email, born, years, iso, statement)
        season.endorsed_by_own_organisation(people.nominator, draft, iso)
        nominations.submit(people.nominator, draft)
        entries.append(draft)
    panel = [people.chair, people.judge, people.judge3]
    _judged(people, cycle, entries, people.chair, panel[1:])
    for nomination, candidate in zip(entries, VOLUNTEER_CANDIDATES, strict=True):
        for judge in panel:
            season.score(judge, cycle, nomination, candidate[-1])
    transitions.fire_cycle_event(people.chair, cycle, "close_scoring")
    recommendations.recommend(people.chair, cycle, "Seven years of clubs that changed who studies science in Lagos.")


def play(domain: str, year: int) -> None:
    people = _People(domain)
    derek_gray_awaiting_screening(people, year)
    padilla_in_judging(people, year)
    cultural_award_tied(people, year)
    volunteer_awaiting_hearing(people, year)
