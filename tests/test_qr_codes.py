"""QR codes at an ESI: the secretariat prints them, a judge scans one and
lands on their sheet; nobody else learns anything from a code, not even
whether what it names exists."""

import io
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from awards_app.extensions import db
from awards_app.models import Assignment
from awards_app.services import conflicts, qr_codes, scoring, transitions
from tests import builders, factories
from tests.factories import TESTS_ACTOR

MISSING = 987654


@pytest.fixture
def esi(ctx):
    """A cycle of an ESI in judging: two delegations nominated, three
    judges (the first chairs) assigned to both; an admin, a judge off the
    panel, a nominator and a board member."""
    cycle, judges, noms = builders.judging_cycle()
    people = {"admin": factories.UserFactory(roles=("admin",)),
              "stranger": builders.judge("stranger@example.org"),
              "nominator": noms[0].nominator,
              "board": factories.UserFactory(roles=("board",)),
              "chair": judges[0], "judge": judges[1], "other judge": judges[2]}
    db.session.commit()
    return cycle, people, noms


def login(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302


def path(url: str) -> str:
    return urlsplit(url).path


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


# --- what a code encodes -------------------------------------------------------------

def test_a_code_encodes_an_absolute_url_on_the_public_address(app, esi):
    _, _, noms = esi
    url = qr_codes.nomination_url(noms[0].id)
    assert url == f"{app.config['PUBLIC_URL'].rstrip('/')}/go/n/{noms[0].id}"
    assert decode(Image.open(io.BytesIO(qr_codes.png(url)))) == [url]
    d_url = qr_codes.delegation_url(noms[0].candidate_delegation_id)
    assert d_url.endswith(f"/go/d/{noms[0].candidate_delegation_id}")


def test_the_admin_gets_every_delegation_and_nomination_code_of_the_esi(client, esi):
    cycle, people, noms = esi
    login(client, people["admin"])
    page = client.get(f"/reference/events/{cycle.event_id}/codes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for n in noms:
        assert qr_codes.nomination_url(n.id) in html
        assert qr_codes.delegation_url(n.candidate_delegation_id) in html
        assert n.candidate_delegation.name in html
    assert html.count('<svg viewBox="0 0 ') == 4  # two stands, two nominations
    assert cycle.title_in("en") in html
    # Linked from the ESI's page in the reference data.
    event_page = client.get(f"/reference/events/{cycle.event_id}").get_data(as_text=True)
    assert f"/reference/events/{cycle.event_id}/codes.pdf" in event_page


def test_the_codes_are_for_the_secretariat_only(client, esi):
    cycle, people, _ = esi
    for who in ("chair", "judge", "nominator", "board"):
        login(client, people[who])
        assert client.get(f"/reference/events/{cycle.event_id}/codes").status_code == 404, who
        assert client.get(f"/reference/events/{cycle.event_id}/codes.pdf").status_code == 404, who
    login(client, people["admin"])
    assert client.get(f"/reference/events/{MISSING}/codes").status_code == 404


# --- following a code ----------------------------------------------------------------

def test_an_assigned_judge_following_a_nomination_code_lands_on_their_sheet(client, esi):
    _, people, noms = esi
    login(client, people["judge"])
    response = client.get(path(qr_codes.nomination_url(noms[0].id)))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/judge/nominations/{noms[0].id}"
    sheet = client.get(response.headers["Location"])
    assert sheet.status_code == 200
    assert noms[0].candidate_delegation.name in sheet.get_data(as_text=True)


def test_a_delegation_code_leads_the_judge_to_that_delegations_sheet(client, esi):
    _, people, noms = esi
    login(client, people["judge"])
    for n in noms:
        response = client.get(path(qr_codes.delegation_url(n.candidate_delegation_id)))
        assert response.status_code == 302
        assert response.headers["Location"] == f"/judge/nominations/{n.id}"


def test_anonymous_goes_to_the_login_page_and_back_to_the_code(client, esi):
    _, people, noms = esi
    code = path(qr_codes.nomination_url(noms[0].id))
    response = client.get(code)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/go/n/{noms[0].id}"
    # The same answer for a code of nothing: the login page tells nothing either.
    assert client.get(f"/go/n/{MISSING}").headers["Location"] == f"/login?next=/go/n/{MISSING}"
    logged_in = client.post(response.headers["Location"],
                            data={"email": people["judge"].email, "password": factories.PASSWORD})
    assert logged_in.headers["Location"] == code
    assert client.get(code).headers["Location"] == f"/judge/nominations/{noms[0].id}"


def _not_found(client, url):
    """The answer, with the page's own address (the language switch's way back) left out."""
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True).replace(url, "URL")


def test_whoever_may_not_follow_a_code_gets_the_404_of_a_missing_id(client, esi):
    _, people, noms = esi
    conflicts.declare(people["other judge"], noms[0], "family", "My cousin leads it.")
    db.session.commit()
    nomination, delegation = noms[0].id, noms[0].candidate_delegation_id
    for who in ("stranger", "other judge", "nominator", "board"):
        login(client, people[who])
        missing_n, missing_d = _not_found(client, f"/go/n/{MISSING}"), _not_found(client, f"/go/d/{MISSING}")
        assert missing_n[0] == 404 and missing_d[0] == 404
        assert _not_found(client, f"/go/n/{nomination}") == missing_n, who
        assert _not_found(client, f"/go/d/{delegation}") == missing_d, who
    # The judge hidden from the first nomination by a conflict still reaches the second.
    login(client, people["other judge"])
    assert client.get(f"/go/n/{noms[1].id}").headers["Location"] == f"/judge/nominations/{noms[1].id}"


def test_the_secretariat_and_the_chair_open_the_pages_they_manage(client, esi):
    _, people, noms = esi
    login(client, people["admin"])
    assert client.get(f"/go/n/{noms[0].id}").headers["Location"] == f"/nominations/{noms[0].id}"
    assert client.get(f"/go/d/{noms[0].candidate_delegation_id}").headers["Location"] == \
        f"/delegations/{noms[0].candidate_delegation_id}"
    assert client.get(f"/go/n/{MISSING}").status_code == 404
    # The chair is also on the panel: their own sheet first.
    login(client, people["chair"])
    assert client.get(f"/go/n/{noms[0].id}").headers["Location"] == f"/judge/nominations/{noms[0].id}"


def test_a_chair_not_assigned_opens_the_nomination_page_of_their_cycle(client, esi):
    _, people, noms = esi
    db.session.query(Assignment).filter(Assignment.judge_id == people["chair"].id).delete()
    db.session.commit()
    login(client, people["chair"])
    assert client.get(f"/go/n/{noms[0].id}").headers["Location"] == f"/nominations/{noms[0].id}"
    assert client.get(f"/go/d/{noms[0].candidate_delegation_id}").headers["Location"] == \
        f"/nominations/{noms[0].id}"


def test_a_judge_of_two_awards_for_one_delegation_chooses_the_sheet(client, esi):
    from awards_app.services import assignments, panels

    cycle, people, noms = esi
    delegation = noms[0].candidate_delegation
    other = builders.open_cycle("cultural_award", event=cycle.event)
    from awards_app.services import nominations

    nominator = factories.UserFactory(roles=("nominator",))
    second = nominations.create_draft(nominator, other, candidate=delegation, statement="Dances.")
    nominations.submit(nominator, second)
    nominations.screen(people["admin"], second, eligible=True, reason=None)
    fields = tuple(builders.award("cultural_award").default_settings.get("required_fields", ()))
    panels.add_member(TESTS_ACTOR, other, builders.judge("culture0@example.org", fields=fields,
                                                         roles=("judge", "chair")), "chair")
    panels.add_member(TESTS_ACTOR, other, builders.judge("culture1@example.org", fields=fields), "member")
    panels.add_member(TESTS_ACTOR, other, people["judge"], "member")
    builders.close_call(other)
    transitions.fire_cycle_event(TESTS_ACTOR, other, "open_judging", as_role="admin")
    assignments.add(TESTS_ACTOR, second, people["judge"])
    db.session.commit()
    login(client, people["judge"])
    page = client.get(f"/go/d/{delegation.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/judge/nominations/{noms[0].id}"' in html and f'href="/judge/nominations/{second.id}"' in html
    # Another judge of only the first award goes straight to it.
    login(client, people["other judge"])
    assert client.get(f"/go/d/{delegation.id}").headers["Location"] == f"/judge/nominations/{noms[0].id}"


def test_a_shortlist_round_sheet_keeps_its_round_and_the_final_panel_waits_for_its_own(client, ctx):
    from tests.test_shortlist_round import shortlisting_cycle

    _, shortlisters, finalists, noms = shortlisting_cycle()
    login(client, shortlisters[1])
    assert client.get(f"/go/n/{noms[0].id}").headers["Location"] == \
        f"/judge/nominations/{noms[0].id}?round=shortlist"
    assert client.get(f"/go/d/{noms[0].candidate_delegation_id}").headers["Location"] == \
        f"/judge/nominations/{noms[0].id}?round=shortlist"
    # A judge of the final round only has no sheet in play yet: the code opens nothing.
    login(client, finalists[1])
    assert client.get(f"/go/n/{noms[0].id}").status_code == 404


# --- a code scanned off the printed sheet ----------------------------------------------

@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is missing")
def test_a_code_scanned_from_the_printed_pdf_answers_404_to_a_judge_not_assigned(client, esi, tmp_path):
    cycle, people, noms = esi
    login(client, people["admin"])
    pdf = client.get(f"/reference/events/{cycle.event_id}/codes.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "codes.pdf").write_bytes(pdf.data)
    # 150 dpi: a printer's, where a 44 mm code is about 260 pixels.
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "codes.pdf"), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1  # four codes fit one A4 page
    page = Image.open(pages[0])
    assert abs(page.size[0] - 1240) <= 1 and abs(page.size[1] - 1754) <= 1  # A4 at 150 dpi
    scanned = decode(page)
    assert sorted(scanned) == sorted([qr_codes.nomination_url(n.id) for n in noms]
                                     + [qr_codes.delegation_url(n.candidate_delegation_id) for n in noms])
    # Each code's symbol is at least 3 cm wide on the page (without its quiet zone).
    for result in zxingcpp.read_barcodes(page):
        xs = [result.position.top_left.x, result.position.top_right.x]
        assert (max(xs) - min(xs)) / 150 * 25.4 >= 30
    nomination_code = next(u for u in scanned if re.search(rf"/go/n/{noms[0].id}$", u))
    login(client, people["stranger"])
    assert client.get(path(nomination_code)).status_code == 404
    login(client, people["judge"])
    assert client.get(path(nomination_code)).headers["Location"] == f"/judge/nominations/{noms[0].id}"


def test_a_submitted_sheet_is_still_reached_by_its_code(client, esi):
    cycle, people, noms = esi
    sheet = scoring.sheet_for(people["judge"], noms[0].id).assignment
    scoring.submit(people["judge"], sheet, {c.code: ("3", "") for c in cycle.criteria})
    db.session.commit()
    login(client, people["judge"])
    assert client.get(f"/go/n/{noms[0].id}").headers["Location"] == f"/judge/nominations/{noms[0].id}"

