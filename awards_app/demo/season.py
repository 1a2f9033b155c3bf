"""The steps of a season as the demo plays them through the services, shared
by the finished 2025 story and the cycles caught mid-season: a panel with
vetted expertise, sheets assigned, attested and scored."""

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Organisation
from awards_app.services import assignments, conflicts, endorsements, judges, nominations, panels, scoring


def demo_organisation(iso: str) -> Organisation:
    """The demo member organisation of a country (data.DEMO_ORGANISATION_COUNTRIES)."""
    return db.session.scalar(select(Organisation).where(
        Organisation.name.like("Youth Science %"), Organisation.country.has(iso2=iso)))


def individual_draft(nominator, cycle, name: str, email: str, born, years: int, iso: str, statement: str):
    """A draft for a person of the country's demo organisation, who volunteered there until the cycle's year."""
    organisation = demo_organisation(iso)
    return nominations.create_draft(
        nominator, cycle, statement=statement, volunteer_years=years,
        volunteer_places=f"{organisation.name}, {cycle.year - years}-{cycle.year}",
        candidate=nominations.IndividualCandidate(name=name, email=email, date_of_birth=born,
                                                  organisation_id=organisation.id,
                                                  country_id=organisation.country_id))


def endorsed_by_own_organisation(nominator, draft, iso: str) -> None:
    """The president of the candidate's organisation answers the endorsement link at once."""
    organisation = demo_organisation(iso)
    _endorsement, token = endorsements.request(nominator, draft, f"president@{iso.lower()}.example.org")
    endorsements.respond(token, name=f"President of {organisation.name}", organisation=organisation.name,
                         role="President", text=f"{draft.candidate} is the heart of our volunteer team.")


def form_panel(admin, cycle, chair, members) -> None:
    """The chair and members, each with vetted expertise in every field the
    award requires, so the panel covers them whoever sits on it."""
    for user in [chair, *members]:
        profile = judges.profile_of(user)
        for field in cycle.setting("required_fields"):
            if not any(e.field == field for e in profile.expertise):
                judges.add_expertise(user, profile, field, "Coordinated MILSET programmes for a decade.", 10)
        if profile.vetted_at is None:
            judges.vet(admin, profile)
    panels.add_member(admin, cycle, chair, "chair")
    for user in members:
        panels.add_member(admin, cycle, user, "member")


def assign_all(chair, nominations, panel) -> None:
    """Every panel member on every nomination, each attesting no conflict."""
    for nomination in nominations:
        for user in panel:
            assignments.add(chair, nomination, user, source="demo")
            conflicts.attest_none(user, nomination)


def score(user, cycle, nomination, value: int) -> None:
    """The judge submits the same value on every criterion (within its scale)."""
    sheet = scoring.sheet_for(user, nomination.id).assignment
    scoring.submit(user, sheet, {c.code: (str(max(c.scale_min, min(c.scale_max, value))), "")
                                 for c in cycle.criteria})
