"""The secretariat prints the ESI's QR codes from Chromium; a code read off
the printed sheet (a screenshot in print media, decoded with zxing-cpp)
takes the judge assigned to the nomination, once logged in, to their sheet,
and answers 404 to a judge who is not (issue 21)."""

import io

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from tests.browser.helpers import DEMO_PASSWORD, email_of, login

pytestmark = pytest.mark.browser

# A4 at the 96 px per inch of CSS: 210 mm wide.
A4_WIDTH = 794


def _esi_nomination_and_a_stranger(site) -> tuple[int, int]:
    """The demo's Padilla cycle (in judging, an ESI award): its event and the
    first nomination judge@ has a sheet for; and an account with the judge
    role on no panel, as a judge of another season would be."""
    from awards_app.extensions import db
    from awards_app.models import Assignment, AwardType, Cycle, Nomination, User
    from awards_app.services import users
    from tests.factories import TESTS_ACTOR

    with site.app.app_context():
        cycle = db.session.scalar(select(Cycle).join(AwardType).where(AwardType.code == "enrique_padilla_award",
                                                                      Cycle.state == "judging"))
        nomination = db.session.scalar(
            select(Nomination.id).join(Assignment).join(User, User.id == Assignment.judge_id)
            .where(Nomination.cycle_id == cycle.id, User.email == email_of("judge")).order_by(Nomination.id))
        users.create_user(TESTS_ACTOR, email_of("judge-elsewhere"), "Judge Elsewhere", ("judge",),
                          password=DEMO_PASSWORD)
        ids = cycle.event_id, nomination
        db.session.commit()
        db.session.remove()
    return ids


def test_a_code_scanned_off_the_printed_sheet_opens_the_assigned_judges_sheet_only(pages, start_site):
    site = start_site("qr-codes")
    event_id, nomination_id = _esi_nomination_and_a_stranger(site)

    admin = pages.open(site, label="admin")
    admin.set_viewport_size({"width": A4_WIDTH, "height": 1123})
    login(admin, "admin")
    admin.goto(f"/reference/events/{event_id}")
    with admin.expect_navigation():
        admin.locator(f"main a[href='/reference/events/{event_id}/codes']").click()
    admin.emulate_media(media="print")
    assert admin.locator("header.site-header").is_hidden()  # the print leaves the menus out
    shot = Image.open(io.BytesIO(admin.screenshot(full_page=True)))
    scanned = {r.text for r in zxingcpp.read_barcodes(shot) if r.format == zxingcpp.BarcodeFormat.QRCode}
    code = f"{site.url}/go/n/{nomination_id}"
    assert code in scanned, f"{code} not among the {len(scanned)} codes read off the sheet"
    assert any("/go/d/" in url for url in scanned)
    # Printed at 44 mm, each symbol stays above 3 cm: at 96 px an inch, 3 cm is 113 px.
    for result in zxingcpp.read_barcodes(shot):
        assert result.position.top_right.x - result.position.top_left.x >= 113

    stranger = pages.open(site, label="judge-elsewhere", phone=True)
    login(stranger, "judge-elsewhere")
    assert stranger.goto(code).status == 404

    # The judge scans before logging in: the login page, then straight to the sheet.
    judge = pages.open(site, label="judge", phone=True)
    judge.goto(code)
    assert "/login" in judge.url
    judge.locator("main input[name=email]").fill(email_of("judge"))
    judge.locator("main input[name=password]").fill(DEMO_PASSWORD)
    with judge.expect_navigation():
        judge.locator("main form button[type=submit]").click()
    assert judge.url == f"{site.url}/judge/nominations/{nomination_id}"
