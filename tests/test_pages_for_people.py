"""Pages for people, not for the machine: no duplicate ids, no raw Mermaid,
no Python reprs, labels instead of codes, names instead of hashes, a
confirmation step before what cannot be undone, the chair's whole cycle."""

import re
from collections import Counter

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, Nomination
from tests import builders, factories
from tests.factories import TESTS_ACTOR

ID = re.compile(r'\sid="([^"]+)"')


def _duplicate_ids(html: str) -> list[str]:
    return [i for i, n in Counter(ID.findall(html)).items() if n > 1]


@pytest.fixture
def judging(ctx, auth):
    cycle, judges, noms = builders.judging_cycle()
    auth.login(judges[0].email)
    return cycle, judges, noms


def test_the_main_pages_have_no_duplicate_id(client, ctx, judging, auth, make_user):
    cycle, _judges, _noms = judging
    for url in (f"/cycles/{cycle.id}", f"/cycles/{cycle.id}/panel", f"/chair/cycles/{cycle.id}"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _duplicate_ids(page.get_data(as_text=True)) == [], url
    admin = make_user("admin@example.org", roles=("admin",))
    auth.logout()
    auth.login(admin.email)
    panel = client.get(f"/cycles/{cycle.id}/panel").get_data(as_text=True)
    assert 'name="new_judge-email"' in panel
    assert _duplicate_ids(panel) == []
    volunteer = builders.open_cycle("volunteer_award")
    make_user("nominator@example.org", roles=("nominator",))
    auth.logout()
    auth.login("nominator@example.org")
    client.post(f"/nominate/cycles/{volunteer.id}/new", data={
        "name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0", "organisation_id": "0",
        "statement": "Tireless."})
    nomination = db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'name="email"' in page
    assert _duplicate_ids(page) == []


def test_the_award_page_lists_the_steps_in_words_not_mermaid(client, ctx, auth, make_user):
    builders.award("volunteer_award")
    db.session.commit()
    make_user("judge@example.org", roles=("judge",))
    auth.login("judge@example.org")
    page = client.get("/awards/volunteer_award").get_data(as_text=True)
    assert "stateDiagram" not in page and "-->" not in page
    assert "Hearing" in page and "Send back to the panel → Deliberation" in page
    assert "Record the vote → Ratified" in page
    assert page.count('<ol class="steps">') == 2  # the cycle and the nomination, once each


def test_the_rules_in_force_read_as_words_not_python(client, ctx, auth, make_user):
    cycle = builders.open_cycle("volunteer_award")
    cycle.settings = {**cycle.settings, "aggregation": {"method": "trimmed_mean", "trim": 0.2,
                                                        "tie_break": ["criterion:impact", "panel_vote"]}}
    db.session.commit()
    make_user("judge@example.org", roles=("judge",))
    auth.login("judge@example.org")
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    rules = page[page.index('id="rules-h"'):]
    assert "{" not in rules and "[" not in rules and "True" not in rules and "None" not in rules
    assert "How scores are combined" in rules and "Method: Trimmed mean" in rules
    assert "Ties broken by: Criterion impact, The panel&#39;s vote" in rules
    assert "Odd years only</th><td>Yes" in rules and "Nominee younger than (years)</th><td>30" in rules


def test_conflict_evidence_names_the_organisation_and_country_in_words(client, ctx, auth):
    from awards_app.services import panels

    cycle = builders.open_cycle("best_delegation_award")
    org = factories.OrganisationFactory(name="Clube de Ciência Júnior")
    builders.eligible_delegation_nomination(cycle, organisation=org)
    chair = builders.judge("chair@example.org", roles=("judge", "chair"))
    insider = builders.judge("jo@example.org", organisation=org, country=org.country)
    for user, role in ((chair, "chair"), (insider, "member")):
        panels.add_member(TESTS_ACTOR, cycle, user, role)
    db.session.commit()
    auth.login("chair@example.org")
    page = client.get(f"/cycles/{cycle.id}/panel").get_data(as_text=True)
    conflicts = page[page.index('id="coi-h"'):]
    assert "Organisation: Clube de Ciência Júnior" in conflicts
    assert f"Country: {org.country.name_in('en')}" in conflicts
    assert "organisation_id" not in conflicts and " = " not in conflicts
    assert "Same organisation" in conflicts and "found by detection" in conflicts


def test_the_chair_and_the_board_read_methods_and_votes_in_words(client, ctx, auth):
    from awards_app.services import decisions

    cycle, member = builders.recommended_cycle()
    auth.login("judge0@example.org")
    chair_page = client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    assert "Declared method for this cycle: <strong>Weighted mean</strong>" in chair_page
    assert "<h3>weighted_mean" not in chair_page and "<h3>Trimmed mean" in chair_page
    recommendation = decisions.current_recommendation(cycle)
    decisions.cast_vote(member, recommendation, "approve", None)
    db.session.commit()
    auth.logout()
    auth.login(member.email)
    board_page = client.get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    assert "Method: Weighted mean" in board_page and "<strong>Approve</strong>" in board_page
    assert "weighted_mean" not in board_page and "<strong>approve</strong>" not in board_page


def test_the_ratified_decision_names_its_laureate_not_a_hash(client, ctx, auth):
    from awards_app.services import decisions

    cycle, member = builders.recommended_cycle()
    recommendation = decisions.current_recommendation(cycle)
    for voter in (member, *(factories.UserFactory(roles=("board",)) for _ in range(2))):
        decisions.cast_vote(voter, recommendation, "approve", None)
    db.session.commit()
    decision = decisions.final_decision(cycle)
    assert decision is not None
    laureate = db.session.get(Nomination, decision.laureate_nomination_ids[0])
    auth.login(member.email)
    page = client.get(f"/board/cycles/{cycle.id}").get_data(as_text=True)
    shown = page[page.index("<h2>Decision</h2>"):]
    assert f"<strong>{laureate.candidate}</strong>" in shown
    assert decision.inputs_hash[:16] not in page


def _submit_all(cycle, judges, noms):
    from awards_app.services import scoring

    for judge in judges:
        for i, nomination in enumerate(noms):
            sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                               Assignment.nomination_id == nomination.id))
            scoring.submit(judge, sheet, {c.code: (str(3 + i), "") for c in cycle.criteria})
    db.session.commit()


def test_the_chair_closes_scoring_from_the_chairs_view_after_a_confirmation(client, judging):
    cycle, judges, noms = judging
    assert "/events/close_scoring" not in client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    _submit_all(cycle, judges, noms)
    view = client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    link = f'href="/cycles/{cycle.id}/events/close_scoring"'
    assert link in view
    confirm = client.get(f"/cycles/{cycle.id}/events/close_scoring").get_data(as_text=True)
    assert "No judge can submit or change a score sheet after this" in confirm
    assert f'action="/cycles/{cycle.id}/events/close_scoring"' in confirm and 'name="version"' in confirm
    db.session.refresh(cycle)
    assert cycle.state == "judging"  # the confirmation page changes nothing
    client.post(f"/cycles/{cycle.id}/events/close_scoring", data={"version": cycle.version})
    db.session.refresh(cycle)
    assert cycle.state == "deliberation"


def test_a_judge_who_declared_a_conflict_is_not_awaited(client, judging):
    from awards_app.services import conflicts

    cycle, judges, noms = judging
    conflicts.declare(judges[2], noms[0], "family", "My cousin leads it.")
    db.session.commit()
    view = client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    assert "0 of 5 score sheets submitted" in view  # 3 judges x 2 nominations, less the recused sheet
    late = dict(re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", view))
    assert late[judges[2].name] == "1" and late[judges[1].name] == "2"


def test_irreversible_cycle_steps_ask_for_confirmation_first(client, ctx, auth, make_user):
    cycle = builders.open_cycle("best_delegation_award")
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    for event in ("close_call", "cancel"):
        assert f'<a class="button" href="/cycles/{cycle.id}/events/{event}">' in page
        assert f'<form method="post" action="/cycles/{cycle.id}/events/{event}">' not in page
        confirm = client.get(f"/cycles/{cycle.id}/events/{event}")
        assert confirm.status_code == 200 and b"This cannot be undone." in confirm.data
    assert b"The deadline announced to nominators is" in client.get(f"/cycles/{cycle.id}/events/close_call").data
    # A step the user may not take now has nothing to confirm.
    assert client.get(f"/cycles/{cycle.id}/events/announce").status_code == 303
    db.session.refresh(cycle)
    assert cycle.state == "call_open"


def test_submitting_and_withdrawing_a_nomination_ask_for_confirmation_first(client, ctx, auth, make_user):
    volunteer = builders.open_cycle("volunteer_award")
    make_user("nominator@example.org", roles=("nominator",))
    auth.login("nominator@example.org")
    client.post(f"/nominate/cycles/{volunteer.id}/new", data={
        "name": "Amélie Dupont", "country_id": "0", "organisation_id": "0", "statement": "Tireless."})
    nomination = db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    for step in ("submit", "withdraw"):
        assert f'href="/nominations/{nomination.id}/{step}"' in page
        assert f'action="/nominations/{nomination.id}/{step}"' not in page
        confirm = client.get(f"/nominations/{nomination.id}/{step}").get_data(as_text=True)
        assert f'action="/nominations/{nomination.id}/{step}"' in confirm and "This cannot be undone." in confirm
    assert "can no longer be edited" in client.get(f"/nominations/{nomination.id}/submit").get_data(as_text=True)
    client.post(f"/nominations/{nomination.id}/withdraw", data={"version": nomination.version})
    db.session.refresh(nomination)
    assert nomination.state == "withdrawn"
    assert client.get(f"/nominations/{nomination.id}/withdraw").status_code == 303  # nothing left to confirm



def test_the_cycle_page_says_why_a_step_is_not_offered_yet(client, ctx, auth, make_user):
    """An even-year Volunteer cycle offers no "publish" button: the page
    says which rule holds it back instead of showing nothing."""
    from awards_app.services import cycles

    cycle = cycles.create_cycle(TESTS_ACTOR, builders.award("volunteer_award"), 2028)
    db.session.commit()
    admin = make_user("admin@example.org", roles=("admin",))
    auth.login(admin.email)
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "Not yet" in page and "volunteer.odd_year" in page
    assert f'/cycles/{cycle.id}/events/publish_criteria"' not in page


def test_a_deadline_is_shown_with_its_time_zone(client, ctx, auth, make_user):
    cycle = builders.open_cycle("derek_gray_medal")
    db.session.commit()
    nominator = make_user("nominator@example.org", roles=("nominator",))
    auth.login(nominator.email)
    page = client.get("/nominate/").get_data(as_text=True)
    assert re.search(r"Deadline: <strong>[^<]+ \((UTC|[A-Z][a-z]+/[A-Za-z_]+)\)</strong>", page), page
    assert cycle.deadline is not None


def test_a_judge_who_stated_no_conflict_can_still_declare_one_found_later(client, ctx, judging):
    """Kenji attested "no conflict", then remembers he coached the team: the
    declarations page still offers the declaration, which opens a conflict
    for the chair and hides the nomination from him."""
    from awards_app.models import ConflictOfInterest

    cycle, judges, noms = judging
    page = client.get(f"/judge/cycles/{cycle.id}/declarations").get_data(as_text=True)
    assert "You stated you have no conflict." in page
    assert f'action="/judge/nominations/{noms[0].id}/declare"' in page
    client.post(f"/judge/nominations/{noms[0].id}/declare", data={"kind": "collaborator",
                                                                  "note": "I coached this team in 2026."})
    conflict = db.session.scalar(select(ConflictOfInterest).where(
        ConflictOfInterest.judge_id == judges[0].id, ConflictOfInterest.nomination_id == noms[0].id))
    assert conflict is not None and conflict.status == "open"
    assert client.get(f"/judge/nominations/{noms[0].id}").status_code == 404
