"""A Cultural Award decided live at the ESI on an empty production install
(issue 21), through the pages only: the chair sets the cultural evening's
running order and calls the performances on stage; the secretariat prints
the ESI's QR codes, and a code read from the PDF opens the judge's sheet for
its judge and nothing for a board member; a judge follows the evening on a
phone and scores one performance while the hall's Wi-Fi is down, the score
reaching the server once the connection returns; after the announcement the
secretariat makes the participation certificates with `flask certificates
run`, read back with their accents."""

import re
import subprocess

import zxingcpp
from PIL import Image

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, NOMINATOR, Season, no_errors, snap, submit

SPAIN, ITALY = "Jóvenes Científicos de España", "Giovani Scienziati Italia"
PARTICIPANTS = ("name,birth_date,role\nInês Ñúñez Peña,2012-02-02,participant\n"
                "Élodie Fournier,2011-05-05,participant\nRui Dias,1979-09-09,leader\n")


def _codes_in(pdf: bytes, tmp_path) -> list[str]:
    (tmp_path / "codes.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "codes.pdf"), str(tmp_path / "codes")],
                   check=True)
    return [r.text for page in sorted(tmp_path.glob("codes*.png"))
            for r in zxingcpp.read_barcodes(Image.open(page)) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _until(page, condition: str, tries: int = 100) -> None:
    for _ in range(tries):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never held: {condition}")


def test_the_cultural_award_live_at_the_esi(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (SPAIN, "Spain", "member"),
                                         (ITALY, "Italy", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "cultural_award", {
        SPAIN: "A flamenco of the elements.", ITALY: "A commedia dell'arte of the planets."}, tmp_path,
        participants=PARTICIPANTS)
    season.judging_opens(CHAIR, JUDGES, ("performing_arts", "cultural_heritage"),
                         "Twenty years directing youth theatre festivals.")
    cycle = season.cycle_id
    event = season.install.query("SELECT id FROM event WHERE year = 2027")[0][0]

    # The chair sets the running order (Italy opens the evening) and calls Italy on stage.
    chair = season.page_of(CHAIR)
    chair.goto(f"/cycles/{cycle}/running-order")
    chair.fill(f"main input[name=position-{entries[ITALY]}]", "1")
    chair.fill(f"main input[name=position-{entries[SPAIN]}]", "2")
    chair.fill(f"main input[name=title-{entries[ITALY]}]", "I pianeti in commedia")
    assert submit(chair, f"/cycles/{cycle}/running-order", "button[type=submit]:not([name=move])") == 200
    no_errors(chair)
    assert submit(chair, "/running-order/stage") == 200  # "Call next on stage": the first
    no_errors(chair)
    snap(chair, "esi-running-order")

    # The secretariat prints the ESI's codes; Italy's code, read from the PDF, opens its sheet for its judge only.
    admin = season.admin
    pdf = admin.request.get(f"{season.install.url}/reference/events/{event}/codes.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    italy_code = f"{season.install.url}/go/n/{entries[ITALY]}"
    assert italy_code in _codes_in(pdf.body(), tmp_path)
    judge = season.page_of(JUDGES[0])
    assert entries[ITALY] in season.assigned(JUDGES[0])
    judge.goto(italy_code)
    assert judge.url.endswith(f"/judge/nominations/{entries[ITALY]}")
    assert season.page_of(BOARD[0]).goto(italy_code).status == 404

    # The judge follows the evening on a phone, and the hall's Wi-Fi drops while they score Italy.
    judge.set_viewport_size({"width": 360, "height": 740})
    judge.goto("/judge/")
    with judge.expect_navigation():
        judge.locator(f"main a[href='/judge/cycles/{cycle}/evening']").click()
    assert "I pianeti in commedia" in judge.locator("main").inner_text()
    snap(judge, "esi-evening-phone")
    judge.goto(f"/judge/cycles/{cycle}/declarations")
    no_conflict = f"/judge/nominations/{entries[ITALY]}/no-conflict"
    if judge.locator(f"main form[action='{no_conflict}']").count():
        assert submit(judge, no_conflict) == 200
    judge.goto(f"/judge/nominations/{entries[ITALY]}")
    _until(judge, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    judge.goto(f"/judge/nominations/{entries[ITALY]}")  # now under the service worker: kept on the phone
    judge.context.set_offline(True)
    judge.goto(f"/judge/nominations/{entries[ITALY]}")
    for criterion in judge.locator("main fieldset.criterion").all():
        criterion.locator(".pill").nth(3).click()
    judge.click("main button[name=action][value=submit]")
    _until(judge, "() => document.getElementById('sync-status').textContent.includes('1 save(s) waiting')")
    snap(judge, "esi-offline-waiting")
    sheet_state = ("SELECT a.sheet_state FROM assignment a JOIN user_account u ON u.id = a.judge_id "
                   "WHERE u.email = :e AND a.nomination_id = :n")
    assert season.install.query(sheet_state, e=JUDGES[0].email, n=entries[ITALY]) == [("open",)]
    judge.context.set_offline(False)
    judge.evaluate("() => window.dispatchEvent(new Event('online'))")
    for _ in range(100):
        if season.install.query(sheet_state, e=JUDGES[0].email, n=entries[ITALY]) == [("submitted",)]:
            break
        judge.wait_for_timeout(100)
    assert season.install.query(sheet_state, e=JUDGES[0].email, n=entries[ITALY]) == [("submitted",)]
    assert season.install.query(
        "SELECT count(*) FROM audit_event WHERE action = 'score.submitted' AND payload->>'nomination_id' = :n "
        "AND payload->>'judge_id' = (SELECT id::text FROM user_account WHERE email = :e)",
        n=str(entries[ITALY]), e=JUDGES[0].email) == [(1,)]

    # The rest of the panel scores, the board decides, the secretariat announces.
    season.score(JUDGES[0], entries[SPAIN], 4)
    for member in (CHAIR, JUDGES[1]):
        season.score(member, entries[SPAIN], 4)
        season.score(member, entries[ITALY], 2)
    season.fire(chair, "close_scoring")
    season.recommend(CHAIR, "Spain's flamenco held the hall.")
    season.ratified_and_announced(BOARD)

    # Participation certificates for every participant, made by the worker, read back with their accents.
    admin.goto(f"/reference/events/{event}/certificates")
    admin.select_option("main select[name=kind]", "participation")
    admin.select_option("main select[name=language]", "fr")
    assert submit(admin, f"/reference/events/{event}/certificates") == 200
    no_errors(admin)
    season.install.flask("certificates", "run")
    admin.goto(f"/reference/events/{event}/certificates")
    snap(admin, "esi-certificates")
    links = admin.locator("main a[href^='/reference/certificates/files/']")
    assert links.count() == 2  # one PDF per delegation
    texts = []
    for href in links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))"):
        got = admin.request.get(f"{season.install.url}{href}")
        assert got.status == 200 and got.headers["content-type"] == "application/pdf"
        (tmp_path / "certificate.pdf").write_bytes(got.body())
        texts.append(subprocess.run(["pdftotext", str(tmp_path / "certificate.pdf"), "-"], check=True,
                                    capture_output=True, text=True).stdout)
    every = "\n".join(texts)
    assert every.count("Inês Ñúñez Peña") == 2 and every.count("Élodie Fournier") == 2
    assert re.search(r"participation|Participation", every)
    assert "Audit chain intact" in season.install.flask("audit", "verify")
