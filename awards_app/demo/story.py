"""One complete past cycle, played through the services as people would
play it: the 2025 MILSET Volunteer Award, from the call to the announced
laureate. A newcomer then finds a finished audit report and its chain.

The names are invented for the demo.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from awards_app.demo import season
from awards_app.extensions import db
from awards_app.models import AwardType, Cycle, Nomination, Person
from awards_app.services import (
    cycles,
    decisions,
    endorsements,
    nominations,
    recommendations,
    transitions,
    users,
    volunteer,
)

YEAR = 2025
CANDIDATES = [
    # name, email, birth date, years, organisation country code, statement, scores per criterion
    ("Inès Moreau", "ines.moreau@example.org", date(1999, 4, 2), 8, "FR",
     "Eight years running holiday science camps for children in rural Brittany.", 5),
    ("Kwame Mensah", "kwame.mensah@example.org", date(2001, 9, 17), 6, "SN",
     "Built the volunteer network behind three national science fairs.", 4),
    ("Lucía Ramírez", "lucia.ramirez@example.org", date(2000, 1, 25), 5, "AR",
     "Trains young volunteers to present science in public libraries.", 3),
]


def _user(email):
    return users.find_by_email(email)


def play(domain: str) -> Cycle | None:
    """Play the story once; a second run finds the cycle and does nothing."""
    award = db.session.scalar(select(AwardType).where(AwardType.code == "volunteer_award"))
    if award is None or db.session.scalar(select(Cycle).where(Cycle.award_type_id == award.id,
                                                              Cycle.year == YEAR)):
        return None
    admin, nominator = _user(f"admin@{domain}"), _user(f"nominator@{domain}")
    chair, panel_judges = _user(f"chair@{domain}"), [_user(f"judge@{domain}"), _user(f"judge2@{domain}")]
    board = [_user(f"board@{domain}"), _user(f"board2@{domain}"), _user(f"board3@{domain}")]

    cycle = cycles.create_cycle(admin, award, YEAR, deadline=datetime.now(UTC) + timedelta(days=1))
    transitions.fire_cycle_event(admin, cycle, "publish_criteria")
    transitions.fire_cycle_event(admin, cycle, "open_call")

    drafts = []
    for name, email, born, years, iso, statement, _score in CANDIDATES:
        draft = season.individual_draft(nominator, cycle, name, email, born, years, iso, statement)
        season.endorsed_by_own_organisation(nominator, draft, iso)
        nominations.submit(nominator, draft)
        nominations.screen(admin, draft, eligible=True, reason=None)
        drafts.append(draft)

    season.form_panel(admin, cycle, chair, panel_judges)
    transitions.fire_cycle_event(admin, cycle, "close_call")
    transitions.fire_cycle_event(admin, cycle, "open_judging")

    season.assign_all(chair, drafts, [chair, *panel_judges])
    for offset, user in enumerate([chair, *panel_judges]):
        for draft, candidate in zip(drafts, CANDIDATES, strict=True):
            season.score(user, cycle, draft, candidate[-1] - (offset == 2))
    transitions.fire_cycle_event(chair, cycle, "close_scoring")
    recommendation = recommendations.recommend(
        chair, cycle, "The panel agreed: the longest and deepest commitment, and the widest reach.")
    volunteer.record_hearing(admin, cycle, held_on=datetime.now(UTC).date(), present=list(board),
                             minutes="The Executive Committee heard the three candidates online.")
    for member in board:
        decisions.cast_vote(member, recommendation, "approve")
    transitions.fire_cycle_event(admin, cycle, "announce")
    return cycle


PENDING = ("Tomás Oliveira", "tomas.oliveira@example.org", date(1968, 6, 11), 30, "PT",
           "Thirty years guiding visitors through the science festival of his town, which he founded.")


def request_pending_endorsement(domain: str, year: int) -> None:
    """A draft for this year's Derek Gray Medal whose endorsement is asked
    for and not yet given, so a newcomer finds its notice in the Mailbox and
    can follow the link as the endorser would. Once per database."""
    award = db.session.scalar(select(AwardType).where(AwardType.code == "derek_gray_medal"))
    cycle = award and db.session.scalar(select(Cycle).where(Cycle.award_type_id == award.id, Cycle.year == year))
    nominator = _user(f"nominator@{domain}")
    name, email, born, years, iso, statement = PENDING
    if cycle is None or cycle.state != "call_open" or db.session.scalar(
            select(Nomination.id).join(Nomination.candidate_person)
            .where(Nomination.cycle_id == cycle.id, Person.email == email)):
        return
    draft = season.individual_draft(nominator, cycle, name, email, born, years, iso, statement)
    endorsements.request(nominator, draft, f"president@{iso.lower()}.example.org")
