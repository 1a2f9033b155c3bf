"""Conflict detection through the services and the chair's page, by
identity (issue 18): one person with two accounts, a delegation's members,
one organisation entered twice, possible findings the chair decides with
the evidence in their language, and the cycle's threshold."""

from datetime import date

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import ConflictOfInterest, Participant
from awards_app.services import conflicts, judges, nominations, panels
from tests import builders, factories
from tests.factories import TESTS_ACTOR
from workflows.settings import check_settings


def _findings(cycle, judge=None) -> dict:
    query = select(ConflictOfInterest).where(ConflictOfInterest.source == "detected")
    if judge is not None:
        query = query.where(ConflictOfInterest.judge_id == judge.id)
    return {(c.nomination_id, c.kind): c for c in db.session.scalars(query)
            if c.nomination.cycle_id == cycle.id}


def _individual(cycle, nominator, name, *, email=None, organisation=None, submit=True):
    person = factories.PersonFactory(name=name, email=email,
                                     organisation=organisation or factories.OrganisationFactory())
    nomination = nominations.create_draft(nominator, cycle, candidate=person, statement="Decades of science clubs.")
    if submit:
        nominations.submit(nominator, nomination)
    db.session.commit()
    return nomination


@pytest.fixture
def medal(ctx):
    """A Derek Gray Medal call with a panel of two judges already formed."""
    cycle = builders.open_cycle("derek_gray_medal")
    chair = builders.judge("chair@example.org", name="Chidi Okafor", roles=("judge", "chair"))
    ana = builders.judge("ana.souza@milset.example", name="Ana Souza")
    panels.add_member(TESTS_ACTOR, cycle, chair, "chair")
    panels.add_member(TESTS_ACTOR, cycle, ana, "member")
    db.session.commit()
    return cycle, chair, ana


def test_a_judge_nominating_from_a_second_account_is_the_nominator(medal):
    cycle, _, ana = medal
    second = factories.UserFactory(email="ana@home.example", person__name="SOUZA, Ana", roles=("nominator",))
    nomination = _individual(cycle, second, "Grace Mbeki")
    finding = _findings(cycle, ana)[nomination.id, "nominator"]
    assert (finding.tier, finding.rule) == ("certain", "coi.nominator")
    assert finding.evidence["as"] == "nominator" and finding.evidence["nomination_side"] == "SOUZA, Ana"


def test_the_candidate_written_with_initials_is_a_possible_finding_the_chair_decides(medal, client, auth):
    cycle, chair, ana = medal
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = _individual(cycle, nominator, "A. Souza")
    finding = _findings(cycle, ana)[nomination.id, "self"]
    assert (finding.tier, finding.rule, finding.status) == ("possible", "coi.possibly_same_person", "open")
    assert finding.evidence["match"] == "identity.initials"

    chair.locale = "fr"
    db.session.commit()
    auth.login("chair@example.org")
    page = client.get(f"/cycles/{cycle.id}/panel").get_data(as_text=True)
    assert "possible : la présidence décide" in page
    assert "des initiales et des seconds prénoms compatibles avec une même personne" in page
    assert "Côté juge : Ana Souza" in page.replace("&#39;", "'") or "Côté juge: Ana Souza" in page
    assert "A. Souza" in page

    # Not the same person: dismissed with a reason, it stays dismissed while the evidence is the same.
    response = client.post(f"/conflicts/{finding.id}/resolve",
                           data={"action": "dismiss", "rationale": "Another person: Alice Souza, a teacher."})
    assert response.status_code in (302, 303)
    conflicts.detect(TESTS_ACTOR, cycle)
    db.session.commit()
    assert db.session.get(ConflictOfInterest, finding.id).status == "dismissed"


def test_look_alike_names_raise_nothing(medal):
    cycle, _, ana = medal
    nominator = factories.UserFactory(roles=("nominator",))
    _individual(cycle, nominator, "Ana Souto")
    _individual(cycle, nominator, "Anabela Sousa Lima")
    assert _findings(cycle, ana) == {}


def test_an_endorser_with_a_mailbox_alias_is_the_judge(medal):
    cycle, _, _ = medal
    gmail = builders.judge("kenji.watanabe@gmail.com", name="Kenji Watanabe")
    panels.add_member(TESTS_ACTOR, cycle, gmail, "member")
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = _individual(cycle, nominator, "Grace Mbeki", submit=False)
    factories.EndorsementFactory(nomination=nomination, email="KenjiWatanabe+medal@gmail.com",
                                 endorser_name="K. W.")
    nominations.submit(nominator, nomination)
    db.session.commit()
    finding = _findings(cycle, gmail)[nomination.id, "endorser"]
    assert (finding.tier, finding.evidence["match"]) == ("certain", "identity.same_email")


def test_one_organisation_entered_twice_is_one(medal):
    cycle, _, _ = medal
    tunis = factories.OrganisationFactory(name="University of Tunis")
    also_tunis = factories.OrganisationFactory(name="Univ. of Tunis")
    judge = builders.judge("leila@example.org", name="Leila Ben Ali", organisation=tunis)
    panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = _individual(cycle, nominator, "Grace Mbeki", organisation=also_tunis)
    finding = _findings(cycle, judge)[nomination.id, "same_organisation"]
    assert finding.tier == "certain"
    assert (finding.evidence["judge_side"], finding.evidence["nomination_side"]) == (
        "University of Tunis", "Univ. of Tunis")


def test_a_delegations_members_and_the_judges_declared_relations(ctx):
    cycle = builders.open_cycle("best_delegation_award")
    leader = builders.judge("pedro@example.org", name="Pedro Soto")
    mother = builders.judge("carmen@example.org", name="Carmen Fernández")
    judges.add_relation(TESTS_ACTOR, judges.profile_of(mother), "Ana Lucia Fernandez", None, "family")
    stranger = builders.judge("kim@example.org", name="Kim Lee")
    for judge in (leader, mother, stranger):
        panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    delegation = factories.DelegationFactory(event=cycle.event)
    db.session.add_all([Participant(delegation=delegation, name="Ana Lucía Fernández", birth_date=date(2014, 5, 1)),
                        Participant(delegation=delegation, name="SOTO, Pedro", birth_date=date(1980, 1, 1),
                                    role="leader")])
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.")
    nominations.submit(nominator, nomination)
    db.session.commit()

    member = _findings(cycle, leader)[nomination.id, "self"]
    assert (member.rule, member.tier, member.evidence["role"]) == ("coi.delegation_member", "certain", "leader")
    family = _findings(cycle, mother)[nomination.id, "family"]
    assert family.rule == "coi.declared_by_judge"
    assert family.evidence["nomination_side"] == "Ana Lucía Fernández"
    assert not [k for (n, k) in _findings(cycle, stranger) if n == nomination.id and k != "same_country"]


def test_the_cycle_sets_how_alike_names_must_be(ctx):
    strict = builders.open_cycle("derek_gray_medal", settings={"identity_threshold": 97})
    judge = builders.judge("katarzyna@example.org", name="Katarzyna Wiśniewska")
    panels.add_member(TESTS_ACTOR, strict, judge, "member")
    nominator = factories.UserFactory(roles=("nominator",))
    near_miss = _individual(strict, nominator, "Katarzyna Wisniewka")
    assert _findings(strict, judge) == {}
    strict.settings = {**strict.settings, "identity_threshold": 90}
    conflicts.detect(TESTS_ACTOR, strict)
    assert _findings(strict, judge)[near_miss.id, "self"].evidence["match"] == "identity.fuzzy_name"


def _refused(settings) -> set:
    return {r.rule for r in check_settings({"candidate_kind": "individual", **settings}) if not r.ok}


@pytest.mark.parametrize("value", [79, 100.5, "high", True])
def test_a_threshold_out_of_range_is_refused_by_rule(value):
    assert _refused({"identity_threshold": value}) == {"settings.identity_threshold"}
    assert _refused({"identity_threshold": 85.5}) == set()


def test_the_whole_cycle_reads_the_same_identities_as_rows_as_from_loaded_nominations(ctx):
    """The whole-cycle run reads its candidates as rows (issue 22's speed);
    they must be exactly what the loaded nominations give, for every kind of
    candidate and everyone a nomination names."""
    from awards_app.models import Nomination
    from awards_app.services import candidate_rows

    cycle = builders.open_cycle("best_delegation_award")
    organisation = factories.OrganisationFactory(name="Clube de Ciência Aurora")
    factories.OrganisationAliasFactory(organisation=organisation, name="Aurora Science Club")
    delegation = factories.DelegationFactory(event=cycle.event, organisation=organisation)
    db.session.add_all([Participant(delegation=delegation, name="Ana Lucía Fernández", birth_date=date(2014, 5, 1)),
                        Participant(delegation=delegation, name="Pedro Soto", birth_date=date(1980, 1, 1),
                                    role="leader")])
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.",
                                          declared_relations=[{"name": "Rosa Fernández", "email": "rosa@example.org",
                                                      "kind": "family"}])
    factories.EndorsementFactory(nomination=nomination, endorser_name="Iris Novak")
    factories.EndorsementFactory(nomination=nomination, endorser_name="Omar Haddad")
    nominations.submit(nominator, nomination)
    builders.eligible_delegation_nomination(cycle)
    medal = builders.open_cycle("derek_gray_medal")
    _individual(medal, nominator, "Yasmin Benali", email="yasmin@example.org", organisation=organisation)
    db.session.commit()
    for each in (cycle, medal):
        loaded = db.session.scalars(select(Nomination).where(Nomination.cycle_id == each.id,
                                                             Nomination.state != "draft").order_by(Nomination.id))
        as_rows = candidate_rows.cycle_candidates(each)
        assert as_rows == conflicts._candidate_identities(list(loaded))
        assert as_rows and all(c.nominator is not None for c in as_rows)
    [delegation_row] = [c for c in candidate_rows.cycle_candidates(cycle) if c.nomination_id == nomination.id]
    assert [m.name for m in delegation_row.members] == ["Ana Lucía Fernández", "Pedro Soto"]
    assert [e.name for e in delegation_row.endorsers] == ["Iris Novak", "Omar Haddad"]
    assert delegation_row.organisation.aliases == ("Aurora Science Club",) and delegation_row.relations
