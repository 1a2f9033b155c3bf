"""One complete past cycle, played through the services as people would
play it: the 2025 MILSET Volunteer Award, from the call to the announced
laureate. A newcomer then finds a finished audit report and its chain.

The names are invented for the demo.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType, Cycle, Nomination, Organisation, Person
from awards_app.services import (
    assignments,
    conflicts,
    cycles,
    decisions,
    endorsements,
    judges,
    nominations,
    panels,
    recommendations,
    scoring,
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
        organisation = db.session.scalar(select(Organisation).where(
            Organisation.name.like("Youth Science %"), Organisation.country.has(iso2=iso)))
        draft = nominations.create_draft(
            nominator, cycle, statement=statement, volunteer_years=years,
            volunteer_places=f"{organisation.name}, {YEAR - years}-{YEAR}",
            candidate=nominations.IndividualCandidate(name=name, email=email, date_of_birth=born,
                                                      organisation_id=organisation.id,
                                                      country_id=organisation.country_id))
        _endorsement, token = endorsements.request(nominator, draft, f"president@{iso.lower()}.example.org")
        endorsements.respond(token, name=f"President of {organisation.name}", organisation=organisation.name,
                             role="President", text=f"{name} is the heart of our volunteer team.")
        nominations.submit(nominator, draft)
        nominations.screen(admin, draft, eligible=True, reason=None)
        drafts.append(draft)

    for user in [chair, *panel_judges]:
        profile = judges.profile_of(user)
        for field in cycle.setting("required_fields"):
            if not any(e.field == field for e in profile.expertise):
                judges.add_expertise(user, profile, field, "Coordinated MILSET volunteers for a decade.", 10)
        judges.vet(admin, profile)
    panels.add_member(admin, cycle, chair, "chair")
    for user in panel_judges:
        panels.add_member(admin, cycle, user, "member")
    transitions.fire_cycle_event(admin, cycle, "close_call")
    transitions.fire_cycle_event(admin, cycle, "open_judging")

    for draft in drafts:
        for user in [chair, *panel_judges]:
            assignments.add(chair, draft, user, source="demo")
            conflicts.attest_none(user, draft)
    for offset, user in enumerate([chair, *panel_judges]):
        for draft, candidate in zip(drafts, CANDIDATES, strict=True):
            sheet = scoring.sheet_for(user, draft.id).assignment
            base = candidate[-1]
            raw = {c.code: (str(max(c.scale_min, min(c.scale_max, base - (offset == 2)))), "")
                   for c in cycle.criteria}
            scoring.submit(user, sheet, raw)
    transitions.fire_cycle_event(chair, cycle, "close_scoring")
    recommendation = recommendations.recommend(
        chair, cycle, "The panel agreed: the longest and deepest commitment, and the widest reach.")
    volunteer.record_hearing(admin, cycle, held_on=datetime.now(UTC).date(), present=list(board),
                             minutes="The Executive Committee heard the three candidates online.")
    for member in board:
        decisions.cast_vote(member, recommendation, "approve")
    transitions.fire_cycle_event(admin, cycle, "announce")
    return cycle


PENDING = ("Tomás Oliveira", "tomas.oliveira@example.org", date(2002, 6, 11), 6, "PT",
           "Six years guiding visitors through the science festival of his town, now its volunteer lead.")


def request_pending_endorsement(domain: str, year: int) -> None:
    """A draft for this year's Volunteer Award whose endorsement is asked
    for and not yet given, so a newcomer finds its notice in the Mailbox and
    can follow the link as the endorser would. Once per database."""
    award = db.session.scalar(select(AwardType).where(AwardType.code == "volunteer_award"))
    cycle = award and db.session.scalar(select(Cycle).where(Cycle.award_type_id == award.id, Cycle.year == year))
    nominator = _user(f"nominator@{domain}")
    name, email, born, years, iso, statement = PENDING
    if cycle is None or cycle.state != "call_open" or db.session.scalar(
            select(Nomination.id).join(Nomination.candidate_person)
            .where(Nomination.cycle_id == cycle.id, Person.email == email)):
        return
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.name.like("Youth Science %"), Organisation.country.has(iso2=iso)))
    draft = nominations.create_draft(
        nominator, cycle, statement=statement, volunteer_years=years,
        volunteer_places=f"{organisation.name}, {year - years}-{year}",
        candidate=nominations.IndividualCandidate(name=name, email=email, date_of_birth=born,
                                                  organisation_id=organisation.id,
                                                  country_id=organisation.country_id))
    endorsements.request(nominator, draft, f"president@{iso.lower()}.example.org")
