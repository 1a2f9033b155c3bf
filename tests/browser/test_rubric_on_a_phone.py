"""A judge on a 360 px phone reads what each band of a criterion's scale
means, in French, beside the criterion, and finds the scores before the
statement (issue 20, item 5)."""

import os

import pytest
from sqlalchemy import select

from tests.browser import axe
from tests.browser.conftest import PHONE
from tests.browser.helpers import horizontal_overflow, login, post

pytestmark = pytest.mark.browser

BANDS = [{"min": 1, "max": 2, "en": "Few took part", "fr": "Peu de participants sur scène"},
         {"min": 3, "max": 5, "en": "Everyone took part", "fr": "Chaque participant a pris la parole"}]


def _describe_the_first_criterion(site) -> tuple[int, int]:
    """The demo's Padilla cycle (in judging) with the descriptors a board-approved
    change would have left on its first criterion (the pages that set them are
    played in tests/acceptance/test_rubric_season.py). Returns (cycle, the
    judge's first nomination)."""
    from awards_app.extensions import db
    from awards_app.models import Assignment, AwardType, Cycle, Nomination, User

    with site.app.app_context():
        cycle = db.session.scalar(select(Cycle).join(AwardType).where(AwardType.code == "enrique_padilla_award",
                                                                      Cycle.state == "judging"))
        first = cycle.criteria[0]
        first.descriptors = BANDS
        first.description_en = "How many of the delegation's young people presented their work."
        first.description_fr = "Combien des jeunes de la délégation ont présenté leur travail."
        nomination = db.session.scalar(
            select(Nomination.id).join(Assignment).join(User, User.id == Assignment.judge_id)
            .where(Nomination.cycle_id == cycle.id, User.email == "judge@demo.milset.org")
            .order_by(Nomination.id))
        ids = cycle.id, nomination
        db.session.commit()
        db.session.remove()
    return ids


def test_a_judge_reads_the_descriptors_in_french_on_a_phone_scores_first(pages, start_site):
    site = start_site("rubric-phone")
    cycle_id, nomination_id = _describe_the_first_criterion(site)
    page = pages.open(site, "fr-FR", phone=True, label="judge-phone")
    login(page, "judge")
    page.goto(f"/judge/cycles/{cycle_id}/declarations")
    no_conflict = f"main form[action='/judge/nominations/{nomination_id}/no-conflict']"
    if page.locator(no_conflict).count():  # the demo may have had the judge attest already
        assert post(page, no_conflict) == 200
    page.goto(f"/judge/nominations/{nomination_id}")
    assert page.evaluate("() => innerWidth") == PHONE["viewport"]["width"]
    assert horizontal_overflow(page) == 0, "the sheet scrolls sideways on a phone"

    first = page.locator("main fieldset.criterion").first
    bands = first.locator(".descriptors li")
    assert bands.count() == 2
    assert bands.nth(1).is_visible() and "Chaque participant a pris la parole" in bands.nth(1).inner_text()
    assert "Combien des jeunes de la délégation" in first.inner_text()
    # The criteria come before the statement on the screen, though not in the HTML.
    scores_top = page.locator("main section.sheet").bounding_box()["y"]
    statement_top = page.locator("main .dossier").bounding_box()["y"]
    assert scores_top < statement_top
    # The band's words sit beside the criterion's scores, above its pills.
    assert bands.nth(1).bounding_box()["y"] < first.locator(".pill").first.bounding_box()["y"]
    blocking = [v for v in axe.run(page) if v["impact"] in axe.BLOCKING]
    assert not blocking, blocking
    if folder := os.environ.get("RUBRIC_SCREENSHOTS"):
        # What the phone shows once the judge reaches the first criterion (a
        # full-page picture draws the sticky buttons over the middle of it).
        page.evaluate("() => document.querySelector('main fieldset.criterion').scrollIntoView()")
        page.screenshot(path=f"{folder}/judge-sheet-360.png")
        page.screenshot(path=f"{folder}/judge-sheet-360-full.png", full_page=True)
        desktop = pages.open(site, "fr-FR", label="judge-desktop")
        login(desktop, "judge")
        desktop.goto(f"/judge/nominations/{nomination_id}")
        desktop.screenshot(path=f"{folder}/judge-sheet-desktop.png", full_page=True)


def test_the_secretariat_proposes_a_late_rubric_change_and_the_board_reads_it(pages, start_site):
    """The rubric editor and the proposal's page, as the secretariat and a
    board member see them: no serious accessibility problem, no sideways
    scroll on a phone."""
    site = start_site("rubric-proposal")
    cycle_id = site.cycle_id("derek_gray_medal", 2027)  # its call is open: the rubric froze
    admin = pages.open(site, label="secretariat")
    login(admin, "admin")
    admin.goto(f"/cycles/{cycle_id}/settings")
    with admin.expect_navigation():
        admin.locator(f"main a[href='/cycles/{cycle_id}/rubric']").click()
    assert not [v for v in axe.run(admin) if v["impact"] in axe.BLOCKING]
    folder = os.environ.get("RUBRIC_SCREENSHOTS")
    if folder:
        admin.screenshot(path=f"{folder}/rubric-editor-frozen.png", full_page=True)
    admin.fill("main input[name=criteria-1-weight]", "2")
    admin.fill("main textarea[name=reason]", "The board asked for long-term commitment to weigh double.")
    assert post(admin, f"main form[action='/cycles/{cycle_id}/rubric']",
                "button[name=action][value=propose]") == 200
    assert "/changes/" in admin.url
    path = admin.url.split(site.url, 1)[1]

    member = pages.open(site, "fr-FR", phone=True, label="board-phone")
    login(member, "board")
    member.goto("/board/")
    with member.expect_navigation():
        member.locator(f"main a[href='{path}']").click()
    assert "weigh double" in member.locator("main").inner_text()
    assert horizontal_overflow(member) == 0, "the proposal's page scrolls sideways on a phone"
    assert not [v for v in axe.run(member) if v["impact"] in axe.BLOCKING]
    if folder:
        member.screenshot(path=f"{folder}/proposal-board-360.png", full_page=True)
