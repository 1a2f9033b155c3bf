"""Build realistic states through the services, as users would reach them."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType
from awards_app.services import cycles, transitions
from tests import factories
from tests.factories import TESTS_ACTOR


def award(code: str) -> AwardType:
    cycles.load_award_types(TESTS_ACTOR)
    return db.session.scalar(select(AwardType).where(AwardType.code == code))


def esi_event(year: int = 2027, **kwargs):
    """An ESI edition of `year` (a cycle of an ESI award belongs to the ESI of its year)."""
    return factories.EventFactory(year=year, starts_on=date(year, 7, 12), ends_on=date(year, 7, 18), **kwargs)


def open_cycle(code: str, *, year: int = 2027, event=None, deadline=None, settings=None,
               max_laureates=None):
    """A cycle of the award with published criteria and an open call."""
    award_type = award(code)
    if event is None and award_type.candidate_kind != "individual":
        event = esi_event(year)
    cycle = cycles.create_cycle(
        TESTS_ACTOR, award_type, year, event=event,
        deadline=deadline or datetime.now(UTC) + timedelta(days=30),
        settings=settings, max_laureates=max_laureates)
    for step in ("publish_criteria", "open_call"):
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, step, as_role="admin")
    db.session.commit()
    return cycle


def judge(email: str, *, name: str | None = None, fields=("youth_work",), vetted=True, roles=("judge",),
          organisation=None, country=None, languages=("en",)):
    """A judge account with a profile, its expertise and (by default) vetted."""
    from awards_app.services import judges, users

    user = users.create_user(TESTS_ACTOR, email, name or email.split("@")[0].title(), roles,
                             password="violet kettle harbour 42", organisation=organisation,
                             country=country)
    profile = judges.profile_of(user)
    profile.languages = list(languages)
    for field in fields:
        judges.add_expertise(TESTS_ACTOR, profile, field, "Years of relevant work.", 8)
    if vetted:
        judges.vet(user, profile)
    db.session.commit()
    return user


def eligible_delegation_nomination(cycle, nominator=None, **delegation_kwargs):
    """A delegation nominated, submitted and screened eligible."""
    from awards_app.services import nominations

    nominator = nominator or factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event, **delegation_kwargs)
    factories.ParticipantFactory(delegation=delegation, birth_date=date(2016, 1, 1))
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.")
    nominations.submit(nominator, nomination)
    admin = factories.UserFactory(roles=("admin",))
    nominations.screen(admin, nomination, eligible=True, reason=None)
    db.session.commit()
    return nomination


def close_call(cycle):
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "close_call", as_role="admin")
    db.session.commit()


def judging_cycle(code="best_delegation_award", *, judges=3, nominations=2, criteria=None, year=2027):
    """A cycle in judging: a vetted panel (first judge chairs), eligible
    nominations, every judge assigned to every nomination and attested.
    Another year gives another cycle with a panel of its own."""
    from awards_app.services import assignments, conflicts, panels

    award_type = award(code)
    fields = tuple(award_type.default_settings.get("required_fields", ()))
    cycle = open_cycle(code, year=year)
    noms = [eligible_delegation_nomination(cycle) for _ in range(nominations)]
    panel = []
    for i in range(judges):
        roles = ("judge", "chair", "board") if i == 0 else ("judge",)
        email, name = (f"judge{i}@example.org", f"Judge Number{i}") if year == 2027 else \
            (f"judge{i}.{year}@example.org", f"Judge Number{i} Of{year}")
        user = judge(email, name=name, fields=fields, roles=roles)
        panels.add_member(TESTS_ACTOR, cycle, user, "chair" if i == 0 else "member")
        panel.append(user)
    close_call(cycle)
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
    for n in noms:
        for user in panel:
            assignments.add(TESTS_ACTOR, n, user)
            conflicts.attest_none(user, n)
    db.session.commit()
    return cycle, panel, noms


def recommended_cycle():
    """A cycle whose panel scored every sheet (the second nomination ahead),
    closed scoring and recommended: (cycle, a board member who has not voted)."""
    from awards_app.models import Assignment
    from awards_app.services import recommendations, scoring

    cycle, judges, noms = judging_cycle(nominations=2)
    for judge_ in judges:
        for i, nomination in enumerate(noms):
            sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge_.id,
                                                               Assignment.nomination_id == nomination.id))
            scoring.submit(judge_, sheet, {c.code: (str(3 + i), "") for c in cycle.criteria})
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendations.recommend(judges[0], cycle, "Consensus.")
    member = factories.UserFactory(roles=("board",))
    db.session.commit()
    return cycle, member


def score_all(cycle, judges, noms, values):
    """Every judge submits values[i] on every criterion of the i-th nomination."""
    from awards_app.models import Assignment
    from awards_app.services import scoring

    for judge in judges:
        for value, nomination in zip(values, noms, strict=True):
            sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                               Assignment.nomination_id == nomination.id))
            scoring.submit(judge, sheet, {c.code: (str(value), "") for c in cycle.criteria})
    db.session.commit()
