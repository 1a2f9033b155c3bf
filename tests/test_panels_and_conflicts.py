"""Panels with recorded expertise, conflicts found and resolved, and what they hide."""

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, ConflictAttestation, ConflictOfInterest
from awards_app.services import Forbidden, Refusal, ServiceError, conflicts, panels, personal_values, transitions
from tests import builders, factories
from tests.factories import TESTS_ACTOR


@pytest.fixture
def cycle(ctx):
    cycle = builders.open_cycle("best_delegation_award")
    return cycle


def _panel(cycle, *judges_and_roles):
    for user, role in judges_and_roles:
        panels.add_member(TESTS_ACTOR, cycle, user, role)
    db.session.commit()


def test_inviting_a_judge_detects_their_conflicts_at_once(cycle):
    org = factories.OrganisationFactory()
    nomination = builders.eligible_delegation_nomination(cycle, organisation=org)
    judge = builders.judge("jo@example.org", organisation=org)
    found = panels.add_member(TESTS_ACTOR, cycle, judge, "member")
    db.session.commit()
    kinds = {(c.kind, c.rule, c.nomination_id) for c in found}
    assert ("same_organisation", "coi.same_organisation", nomination.id) in kinds
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "conflict.detected")).all()
    evidence = {e["kind"]: e["evidence"] for e in personal_values.reveal([e.payload for e in events])}
    assert evidence["same_organisation"] == {"organisation_id": org.id}


def test_a_conflicted_judge_gets_404_for_the_nomination_and_does_not_see_it(cycle, client, auth):
    org = factories.OrganisationFactory()
    nomination = builders.eligible_delegation_nomination(cycle, organisation=org)
    other = builders.eligible_delegation_nomination(cycle)
    judge = builders.judge("jo@example.org", organisation=org)
    _panel(cycle, (judge, "member"))
    auth.login("jo@example.org")
    page = client.get(f"/judge/cycles/{cycle.id}/declarations")
    assert other.candidate.name.encode() in page.data
    assert nomination.candidate.name.encode() not in page.data
    assert client.post(f"/judge/nominations/{nomination.id}/no-conflict").status_code == 404
    assert client.post(f"/judge/nominations/{other.id}/no-conflict").status_code == 303
    assert client.post("/judge/nominations/999999/no-conflict").status_code == 404


def test_declaring_a_conflict_hides_the_nomination_and_is_audited(cycle, client, auth):
    nomination = builders.eligible_delegation_nomination(cycle)
    judge = builders.judge("jo@example.org")
    _panel(cycle, (judge, "member"))
    auth.login("jo@example.org")
    client.post(f"/judge/nominations/{nomination.id}/declare", data={"kind": "family", "note": "My niece."})
    row = db.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.source == "declared"))
    assert (row.kind, row.status, row.note) == ("family", "open", "My niece.")
    assert conflicts.is_hidden_from(judge, nomination)
    assert client.post(f"/judge/nominations/{nomination.id}/no-conflict").status_code == 404


def test_attesting_no_conflict_is_recorded_per_nomination(cycle, client, auth):
    first = builders.eligible_delegation_nomination(cycle)
    second = builders.eligible_delegation_nomination(cycle)
    judge = builders.judge("jo@example.org")
    _panel(cycle, (judge, "member"))
    auth.login("jo@example.org")
    client.post(f"/judge/cycles/{cycle.id}/no-conflict")
    attested = set(db.session.scalars(select(ConflictAttestation.nomination_id)))
    assert attested == {first.id, second.id}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "conflict.attested_none")) == 2


def test_the_chair_confirms_or_waives_with_a_rationale(cycle):
    org = factories.OrganisationFactory()
    nomination = builders.eligible_delegation_nomination(cycle, organisation=org)
    chair = builders.judge("chair@example.org", roles=("judge", "chair"))
    judge = builders.judge("jo@example.org", organisation=org)
    _panel(cycle, (chair, "chair"), (judge, "member"))
    found = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id)).all()
    assert {c.kind for c in found} == {"same_organisation", "same_country"}
    with pytest.raises(ServiceError) as no_reason:
        conflicts.resolve(chair, found[0], "waive", "")
    assert no_reason.value.rule == "conflict.rationale_required"
    conflicts.resolve(chair, found[0], "waive", "Large national body; no working tie.")
    assert conflicts.is_hidden_from(judge, nomination)  # the other finding is still open
    conflicts.resolve(chair, found[1], "waive", "Large national body; no working tie.")
    db.session.commit()
    assert not conflicts.is_hidden_from(judge, nomination)
    waived = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.waived"))
    assert waived.payload["rationale"] == "Large national body; no working tie."


def test_a_conflicted_chair_cannot_resolve_the_conflict(cycle):
    org = factories.OrganisationFactory()
    builders.eligible_delegation_nomination(cycle, organisation=org)
    chair = builders.judge("chair@example.org", roles=("judge", "chair"), organisation=org)
    judge = builders.judge("jo@example.org", organisation=org)
    _panel(cycle, (chair, "chair"), (judge, "member"))
    judge_conflict = db.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id))
    with pytest.raises(Forbidden) as refused:
        conflicts.resolve(chair, judge_conflict, "confirm", None)
    assert refused.value.rule == "conflict.chair_conflicted"
    admin = factories.UserFactory(roles=("admin",))
    conflicts.resolve(admin, judge_conflict, "confirm", None)
    assert judge_conflict.status == "confirmed"


def test_a_dismissed_false_match_stays_dismissed_until_its_evidence_changes(cycle):
    nomination = builders.eligible_delegation_nomination(cycle)
    judge = builders.judge("jo@example.org", country=nomination.candidate_delegation.organisation.country)
    _panel(cycle, (judge, "member"))
    conflict = db.session.scalar(select(ConflictOfInterest))
    assert conflict.kind == "same_country"
    conflicts.resolve(factories.UserFactory(roles=("admin",)), conflict, "dismiss",
                      "Judge emigrated 20 years ago.")
    db.session.commit()
    conflicts.detect(TESTS_ACTOR, cycle)
    assert conflict.status == "dismissed"
    judge.person.country = factories.CountryFactory()
    nomination.candidate_delegation.organisation.country = judge.person.country
    db.session.flush()
    conflicts.detect(TESTS_ACTOR, cycle)
    assert conflict.status == "open"


def test_judging_cannot_open_until_the_panel_covers_the_fields_and_conflicts_are_resolved(cycle, client,
                                                                                           auth, make_user):
    org = factories.OrganisationFactory()
    builders.eligible_delegation_nomination(cycle, organisation=org)
    chair = builders.judge("chair@example.org", roles=("judge", "chair"), fields=("youth_work",))
    j2 = builders.judge("j2@example.org", fields=("youth_work",), organisation=org)
    j3 = builders.judge("j3@example.org", fields=("intercultural_exchange",), vetted=False)
    _panel(cycle, (chair, "chair"), (j2, "member"), (j3, "member"))
    builders.close_call(cycle)
    with pytest.raises(Refusal) as refused:
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
    rules = {r["rule"] for r in refused.value.rules}
    assert {"panel.expertise_covers_fields", "conflicts.unresolved"} <= rules
    db.session.rollback()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    page = client.get(f"/cycles/{cycle.id}/panel")
    assert b"panel.expertise_covers_fields" in page.data and b"Intercultural exchange" in page.data
    from awards_app.services import judges
    judges.vet(chair, judges.profile_of(j3))
    for open_conflict in db.session.scalars(select(ConflictOfInterest)).all():
        conflicts.resolve(chair, open_conflict, "confirm", None)
    db.session.commit()
    assert transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin") == "judging"


def test_the_panel_page_is_hidden_from_judges_who_do_not_chair_it(cycle, client, auth):
    judge = builders.judge("jo@example.org")
    _panel(cycle, (judge, "member"))
    auth.login("jo@example.org")
    assert client.get(f"/cycles/{cycle.id}/panel").status_code == 404


def test_a_judge_keeps_a_profile_and_the_secretariat_vets_it(client, auth, ctx, make_user):
    make_user("jo@example.org", roles=("judge",))
    auth.login("jo@example.org")
    refused = client.post("/profile/judge/expertise", data={"field": "youth_work", "evidence": "", "years": "5"})
    assert refused.status_code == 400 and b"This field is required" in refused.data
    client.post("/profile/judge/expertise", data={"field": "youth_work",
                                                  "evidence": "Ran a science club for 10 years.", "years": "10"})
    client.post("/profile/judge/languages", data={"languages": ["fr", "es"]})
    page = client.get("/profile/judge")
    assert b"Ran a science club" in page.data and b"Not yet vetted" in page.data
    auth.logout()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    listing = client.get("/judges/")
    assert b"jo@example.org" in listing.data
    from awards_app.models import JudgeProfile
    profile = db.session.scalar(select(JudgeProfile))
    client.post(f"/judges/{profile.id}/vet")
    db.session.refresh(profile)
    assert profile.vetted_at is not None and profile.languages == ["es", "fr"]


def test_optimal_assignment_never_places_a_conflicted_judge_and_explains_its_fit(cycle, client, auth, make_user):
    from awards_app.models import Assignment

    org = factories.OrganisationFactory()
    conflicted = builders.eligible_delegation_nomination(cycle, organisation=org)
    others = [builders.eligible_delegation_nomination(cycle) for _ in range(3)]
    fields = ("intercultural_exchange", "youth_work")
    panel = [builders.judge(f"j{i}@example.org", fields=fields[: 1 + i % 2]) for i in range(3)]
    panel.append(builders.judge("insider@example.org", fields=fields, organisation=org))
    _panel(cycle, *[(u, "member") for u in panel])
    cycle.settings = {**cycle.settings, "judges_per_nomination": 2}
    db.session.commit()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    client.post(f"/cycles/{cycle.id}/panel/assign")
    rows = db.session.scalars(select(Assignment)).all()
    assert len(rows) == 2 * 4
    assert all(not (a.judge_id == panel[3].id and a.nomination_id == conflicted.id) for a in rows)
    assert all(a.fit > 0 for a in rows)
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.run"))
    assert run.payload["feasible"] is True and run.payload["optimal"] is True
    added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.added")).all()
    assert all(e.payload["reasons"] for e in added)
    assert {o.id for o in others} <= {a.nomination_id for a in rows}


def test_an_infeasible_assignment_names_the_nominations_it_cannot_cover(cycle, client, auth, make_user):
    org = factories.OrganisationFactory()
    stuck = builders.eligible_delegation_nomination(cycle, organisation=org)
    panel = [builders.judge(f"j{i}@example.org", organisation=org) for i in range(3)]
    _panel(cycle, *[(u, "member") for u in panel])
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    page = client.post(f"/cycles/{cycle.id}/panel/assign", follow_redirects=True)
    assert b"assignment.too_few_eligible_judges" in page.data
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.run"))
    assert run.payload["feasible"] is False
    assert run.payload["uncovered"][0]["nomination_id"] == stuck.id


def test_the_chair_cannot_add_a_conflicted_judge_by_hand(cycle):
    from awards_app.services import assignments

    org = factories.OrganisationFactory()
    nomination = builders.eligible_delegation_nomination(cycle, organisation=org)
    insider = builders.judge("insider@example.org", organisation=org)
    _panel(cycle, (insider, "member"))
    with pytest.raises(ServiceError) as refused:
        assignments.add(TESTS_ACTOR, nomination, insider)
    assert refused.value.rule == "assignment.conflict"
