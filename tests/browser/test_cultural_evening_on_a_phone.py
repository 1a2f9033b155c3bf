"""The cultural evening (issue 21) in a real browser: the chair sets the
running order and calls the delegations on stage; a judge follows on a
360 px phone, without JavaScript, and goes from the performance on stage
to its score sheet."""

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE
from tests.browser.helpers import horizontal_overflow, post

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "test-artifacts/shots"))
PASSWORD = "violet kettle harbour 42"  # the builders' accounts


def _cultural_cycle_in_judging(site) -> dict:
    """A Cultural Award cycle of its own (the demo's has closed scoring): a
    chair and two judges, three delegations, every judge assigned and attested."""
    from awards_app.extensions import db
    from awards_app.services import assignments, conflicts, panels, transitions
    from tests import builders
    from tests.factories import TESTS_ACTOR

    with site.app.app_context():
        cycle = builders.open_cycle("cultural_award", year=2035)
        noms = [builders.eligible_delegation_nomination(cycle, name=name)
                for name in ("Delegation of Peru", "Delegation of Ghana", "Delegation of Japan")]
        fields = ("performing_arts", "cultural_heritage")
        chair = builders.judge("evening-chair@example.org", name="Chair Evening", fields=fields,
                               roles=("judge", "chair"))
        judge = builders.judge("evening-judge@example.org", name="Judge Evening", fields=fields)
        third = builders.judge("evening-third@example.org", name="Third Evening", fields=fields)
        for user, role in ((chair, "chair"), (judge, "member"), (third, "member")):
            panels.add_member(TESTS_ACTOR, cycle, user, role)
        builders.close_call(cycle)
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_judging", as_role="admin")
        for n in noms:
            for user in (chair, judge, third):
                assignments.add(TESTS_ACTOR, n, user)
                conflicts.attest_none(user, n)
        db.session.commit()
        ids = {"cycle": cycle.id, "noms": [n.id for n in noms]}
        db.session.remove()
    return ids


def _login(page, email):
    page.goto("/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def _now_on_stage(page) -> str:
    return page.locator("main .stage-now dd").inner_text()


def test_a_judge_follows_two_performances_on_a_phone(pages, start_site):
    site = start_site("cultural-evening")
    ids = _cultural_cycle_in_judging(site)
    peru, ghana, japan = ids["noms"]
    SHOTS.mkdir(parents=True, exist_ok=True)

    chair = pages.open(site, label="chair")
    _login(chair, "evening-chair@example.org")
    chair.goto(f"/cycles/{ids['cycle']}/running-order")
    # Japan opens the evening, then Ghana, then Peru: not the order of the nominations' numbers.
    chair.locator(f"#position-{japan}").fill("1")
    chair.locator(f"#position-{ghana}").fill("2")
    chair.locator(f"#position-{peru}").fill("3")
    chair.locator(f"#title-{japan}").fill("Taiko drums")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Save the running order").click()
    assert "The running order is saved." in chair.locator("main").inner_text()
    assert post(chair, "main form:has(input[name=direction][value=next])") == 200

    judge = pages.open(site, phone=True, label="judge-phone")
    _login(judge, "evening-judge@example.org")
    judge.goto("/judge/")
    with judge.expect_navigation():
        judge.get_by_role("link", name="Follow the cultural evening").click()
    assert judge.evaluate("() => innerWidth") == PHONE["viewport"]["width"]
    assert horizontal_overflow(judge) == 0, "the evening scrolls sideways on a phone"
    assert "Delegation of Japan" in _now_on_stage(judge) and "Taiko drums" in _now_on_stage(judge)
    assert "Delegation of Ghana" in judge.locator("main .stage > div").nth(1).inner_text()
    judge.screenshot(path=str(SHOTS / "evening-1-japan-on-stage.png"), full_page=True)

    # The judge scores the performance on stage from the evening.
    with judge.expect_navigation():
        judge.get_by_role("link", name=re.compile("Score the performance on stage")).click()
    assert judge.url.endswith(f"/judge/nominations/{japan}")
    assert judge.locator("main a.next-nomination").get_attribute("href") == f"/judge/nominations/{ghana}"
    assert "Next on stage" in judge.locator("main a.next-nomination").inner_text()

    # The chair calls the next delegation; the judge refreshes and follows.
    assert post(chair, "main form:has(input[name=direction][value=next])") == 200
    judge.goto(f"/judge/cycles/{ids['cycle']}/evening")
    with judge.expect_navigation():
        judge.get_by_role("link", name=re.compile("Refresh")).click()
    assert "Delegation of Ghana" in _now_on_stage(judge)
    assert "Delegation of Japan" in judge.locator("main .stage > div").nth(2).inner_text()  # previous
    assert horizontal_overflow(judge) == 0
    judge.screenshot(path=str(SHOTS / "evening-2-ghana-on-stage.png"), full_page=True)
    chair.screenshot(path=str(SHOTS / "running-order-chair.png"), full_page=True)
