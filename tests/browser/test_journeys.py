"""Issue 10: one Best Delegation Award 2027, from the nomination to the
auditor's verified bundle, played in the browser by everyone involved, once
in English and once in French.

A nominator submits the Delegation of Brazil with a PDF and an endorsement
(the endorser answers through the link in the outbox); the secretariat
closes the call and screens it; the chair and a judge record their expertise
and the secretariat vets it; the secretariat names the chair, who invites
three judges; one judge declares a conflict, which the chair confirms; the
chair assigns judges optimally and opens judging; three judges attest and
score (one with the keyboard alone, one on a phone); the chair closes
scoring and recommends; three board members ratify (the last with the
keyboard alone); an auditor downloads the PDF report, the bundle and the
verifier, and the bundle verifies.

Along the way axe-core checks the main page of each role (subtests: a
violation is reported without stopping the journey). All demo accounts
belong to the Luxembourg organisation, so the candidate is from Brazil:
conflict detection finds nothing by itself.
"""

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from awards_app.models import Assignment, ConflictOfInterest, Endorsement, JudgeProfile, User
from tests.browser.helpers import (
    confirm_and_post,
    email_of,
    horizontal_overflow,
    keyboard_activate,
    keyboard_login,
    login,
    no_error_flash,
    post,
    tab_to,
)

pytestmark = pytest.mark.browser

AWARD, YEAR = "best_delegation_award", 2027
CANDIDATE = "Delegation of Brazil"
ENDORSER = "coordinator@brazil.example.org"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PHONE_WIDTH = 360


def _profile_of(local: str):
    return select(JudgeProfile).join(User, JudgeProfile.user_id == User.id).where(User.email == email_of(local))


class Journey:
    def __init__(self, site, pages, axe_log, subtests, locale, tmp_path):
        self.site, self.pages, self.axe_log, self.subtests = site, pages, axe_log, subtests
        self.locale, self.tmp_path = locale, tmp_path
        self.cycle_id = site.cycle_id(AWARD, YEAR)
        self.nomination_id = None

    # --- small verbs ---------------------------------------------------------------------

    def person(self, local: str, *, phone: bool = False):
        """A browser of this person's own, logged in."""
        page = self.pages.open(self.site, self.locale, phone=phone, label=local)
        login(page, local)
        self.check_language(page)
        return page

    def check_language(self, page):
        assert page.evaluate("() => document.documentElement.lang") == self.locale[:2]

    def axe(self, page, label: str, role: str):
        blocking = self.axe_log.check(page, label, role)
        with self.subtests.test(msg=f"axe: {label} ({role})"):
            assert not blocking, "\n".join(blocking)

    def visit(self, page, path: str, label: str | None = None, role: str | None = None):
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        if label:
            self.axe(page, label, role)

    def close(self, page):
        page.context.close()

    # --- the story -------------------------------------------------------------------------

    def nominator_submits_with_attachment_and_endorsement(self):
        page = self.person("nominator")
        self.axe(page, "home", "nominator")
        page.locator("main a[href='/nominate/']").first.click()
        page.wait_for_url("**/nominate/")
        self.axe(page, "open calls and nominations", "nominator")
        with page.expect_navigation():
            page.locator(f"main a[href='/nominate/cycles/{self.cycle_id}/new']").click()
        self.axe(page, "new nomination", "nominator")
        page.locator("main select[name=delegation]").select_option(label=CANDIDATE)
        page.locator("main textarea[name=statement]").fill(
            "Ran the welcome evening for forty delegations and hosted a shared science fair stand.")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/nominations/" in page.url, page.url
        self.nomination_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        assert self.site.nomination_state(self.nomination_id) == "draft"

        evidence = self.tmp_path / "welcome-evening.pdf"
        evidence.write_bytes(PDF)
        upload = f"main form[action='/nominations/{self.nomination_id}/attachments']"
        page.locator(f"{upload} input[type=file]").set_input_files(evidence)
        assert post(page, upload) == 200
        no_error_flash(page)
        assert page.locator(f"main a[href^='/nominations/{self.nomination_id}/attachments/']").count() == 1

        request = f"main form[action='/nominations/{self.nomination_id}/endorsements']"
        page.locator(f"{request} input[name=email]").fill(ENDORSER)
        assert post(page, request) == 200
        no_error_flash(page)
        self.axe(page, "nomination draft", "nominator")

        # The endorser, with no account, follows the link of the email.
        endorser = self.pages.open(self.site, self.locale, label="endorser")
        self.visit(endorser, self.site.endorsement_link(ENDORSER), "endorsement form", "endorser")
        self.check_language(endorser)
        endorser.locator("main input[name=name]").fill("Ana Souza")
        endorser.locator("main input[name=organisation]").fill("Brazilian Youth Science Network")
        endorser.locator("main input[name=role]").fill("Coordinator")
        endorser.locator("main textarea[name=text]").fill("They made every delegation feel at home.")
        assert post(endorser, "main form") == 200
        self.axe(endorser, "endorsement thanks", "endorser")
        received = self.site.read(lambda s: s.scalar(select(Endorsement.received_at).where(
            Endorsement.nomination_id == self.nomination_id, Endorsement.email == ENDORSER)))
        assert received is not None
        self.close(endorser)

        page.reload()
        assert confirm_and_post(page, f"/nominations/{self.nomination_id}/submit") == 200
        no_error_flash(page)
        assert self.site.nomination_state(self.nomination_id) == "submitted"
        self.close(page)

    def secretariat_closes_the_call_and_screens(self):
        page = self.person("admin")
        self.axe(page, "home", "admin")
        self.visit(page, f"/cycles/{self.cycle_id}", "cycle page", "admin")
        assert confirm_and_post(page, f"/cycles/{self.cycle_id}/events/close_call") == 200
        no_error_flash(page)
        assert self.site.cycle_state(self.cycle_id) == "screening"

        self.visit(page, "/screening/", "screening queue", "admin")
        self.visit(page, f"/screening/{self.nomination_id}", "screening a nomination", "admin")
        form = f"main form[action='/screening/{self.nomination_id}']"
        page.locator(f"{form} input[name=verdict][value=eligible]").check()
        assert post(page, form) == 200
        no_error_flash(page)
        assert self.site.nomination_state(self.nomination_id) == "eligible"
        self.admin = page

    def judges_record_expertise_and_the_secretariat_vets_it(self):
        for local, expertise in (("chair", "intercultural_exchange"), ("judge", "youth_work")):
            page = self.person(local)
            self.visit(page, "/profile/judge", "judge profile", local)
            form = "main form[action='/profile/judge/expertise']"
            page.locator(f"{form} select[name=field]").select_option(expertise)
            page.locator(f"{form} textarea[name=evidence]").fill("Led ESI delegations' exchange programmes.")
            page.locator(f"{form} input[name=years]").fill("8")
            assert post(page, form) == 200
            no_error_flash(page)
            self.close(page)

        page = self.admin
        self.visit(page, "/judges/", "judges' profiles", "admin")
        for local in ("chair", "judge"):
            profile = self.site.read(lambda s, local=local: s.scalar(_profile_of(local)))
            assert post(page, f"main form[action='/judges/{profile.id}/vet']") == 200
            no_error_flash(page)
            assert self.site.read(lambda s, local=local: s.scalar(_profile_of(local)).vetted_at) is not None

    def chair_forms_the_panel(self):
        page = self.admin
        panel = f"/cycles/{self.cycle_id}/panel"
        self.visit(page, panel, "panel", "admin")
        self._invite(page, "chair", "chair")
        self.close(page)

        page = self.chair = self.person("chair")
        self.axe(page, "home", "chair")
        self.visit(page, f"/cycles/{self.cycle_id}")
        page.locator(f"main a[href='{panel}']").click()
        page.wait_for_url(f"**{panel}")
        for local in ("judge", "judge2", "judge3"):
            self._invite(page, local, "member")
        self.axe(page, "panel", "chair")
        assert page.locator("#cov-h ~ ul .fail").count() == 0, "required expertise not covered"

    def _invite(self, page, local: str, role: str):
        form = f"main form[action='/cycles/{self.cycle_id}/panel/members']"
        page.locator(f"{form} select[name=user]").select_option(str(self.site.user_id(email_of(local))))
        page.locator(f"{form} select[name=role]").select_option(role)
        assert post(page, form) == 200
        no_error_flash(page)

    def a_judge_declares_a_conflict_and_the_chair_confirms_it(self):
        page = self.person("judge3")
        page.locator("nav a[href='/judge/']").click()
        page.wait_for_url("**/judge/")
        declarations = f"/judge/cycles/{self.cycle_id}/declarations"
        page.locator(f"main a[href='{declarations}']").click()
        page.wait_for_url(f"**{declarations}")
        self.axe(page, "conflict declarations", "judge")
        form = f"main form[action='/judge/nominations/{self.nomination_id}/declare']"
        page.locator(f"{form} >> xpath=ancestor::details/summary").click()
        page.locator(f"{form} select[name=kind]").select_option("collaborator")
        page.locator(f"{form} textarea[name=note]").fill("I coached this delegation's leader last year.")
        assert post(page, form) == 200
        no_error_flash(page)
        self.close(page)

        conflict_id, status = self.site.read(lambda s: s.execute(
            select(ConflictOfInterest.id, ConflictOfInterest.status)
            .join(User, ConflictOfInterest.judge_id == User.id)
            .where(User.email == email_of("judge3"), ConflictOfInterest.nomination_id == self.nomination_id)).one())
        assert status == "open"
        page = self.chair
        page.reload()
        form = f"main form[action='/conflicts/{conflict_id}/resolve']"
        page.locator(f"{form} select[name=action]").select_option("confirm")
        assert post(page, form) == 200
        no_error_flash(page)
        assert self.site.read(lambda s: s.get(ConflictOfInterest, conflict_id).status) == "confirmed"

    def chair_assigns_judges_and_opens_judging(self):
        page = self.chair
        assert post(page, f"main form[action='/cycles/{self.cycle_id}/panel/assign']") == 200
        no_error_flash(page)
        assigned = {row[0] for row in self.site.rows(lambda s: s.execute(
            select(User.email).join(Assignment, Assignment.judge_id == User.id)
            .where(Assignment.nomination_id == self.nomination_id)))}
        assert assigned == {email_of(x) for x in ("chair", "judge", "judge2")}, "judge3 is recused"

        self.visit(page, f"/cycles/{self.cycle_id}", "cycle page", "chair")
        assert confirm_and_post(page, f"/cycles/{self.cycle_id}/events/open_judging") == 200
        no_error_flash(page)
        assert self.site.cycle_state(self.cycle_id) == "judging"

    def chair_scores_with_the_mouse(self):
        page = self.chair
        self.visit(page, f"/judge/cycles/{self.cycle_id}/declarations")
        assert post(page, f"main form[action='/judge/nominations/{self.nomination_id}/no-conflict']") == 200
        self.visit(page, f"/judge/nominations/{self.nomination_id}", "score sheet", "chair")
        for fieldset in page.locator("main fieldset.criterion").all():
            fieldset.locator(".pill").nth(3).click()  # 4 on the 1-5 scale
        self._submit_sheet(page)
        self._sheet_is_submitted("chair")

    def judge_scores_with_the_keyboard_alone(self):
        page = self.pages.open(self.site, self.locale, label="judge-keyboard")
        keyboard_login(page, "judge")
        keyboard_activate(page, "nav a[href='/judge/']")
        self.axe(page, "judging dashboard", "judge")
        keyboard_activate(page, f"main a[href='/judge/cycles/{self.cycle_id}/declarations']")
        keyboard_activate(page, f"main form[action='/judge/nominations/{self.nomination_id}/no-conflict'] button")
        keyboard_activate(page, "nav a[href='/judge/']")
        keyboard_activate(page, f"main a[href='/judge/nominations/{self.nomination_id}']")
        self.axe(page, "score sheet", "judge")
        codes = page.locator("main fieldset.criterion input[type=radio][value='1']").evaluate_all(
            "els => els.map(e => e.name)")
        assert len(codes) == 5, codes
        for n, name in enumerate(codes):
            # Tab enters the radio group, Space checks the first pill, arrows move the choice.
            tab_to(page, f"input[name='{name}']")
            page.keyboard.press("Space")
            for _ in range(4 if n % 2 else 3):
                page.keyboard.press("ArrowRight")
            tab_to(page, f"textarea[name='comment-{name.removeprefix('score-')}']")
            page.keyboard.type("Seen at the fair.")
        checked = page.locator("main input[type=radio]:checked").evaluate_all("els => els.map(e => e.value)")
        assert checked == ["4", "5", "4", "5", "4"], checked
        keyboard_activate(page, "main button[name=action][value=submit]")
        no_error_flash(page)
        self._sheet_is_submitted("judge")
        self.close(page)

    def judge_scores_on_a_phone(self):
        page = self.person("judge2", phone=True)
        assert horizontal_overflow(page) == 0
        page.locator("nav a[href='/judge/']").tap()
        page.wait_for_url("**/judge/")
        assert horizontal_overflow(page) == 0, "the judging dashboard scrolls sideways on a phone"
        declarations = f"/judge/cycles/{self.cycle_id}/declarations"
        page.locator(f"main a[href='{declarations}']").tap()
        page.wait_for_url(f"**{declarations}")
        assert horizontal_overflow(page) == 0, "the declarations page scrolls sideways on a phone"
        assert post(page, f"main form[action='/judge/nominations/{self.nomination_id}/no-conflict']") == 200
        self.visit(page, "/judge/")
        page.locator(f"main a[href='/judge/nominations/{self.nomination_id}']").tap()
        page.wait_for_url(f"**/judge/nominations/{self.nomination_id}")
        assert page.evaluate("() => innerWidth") == PHONE_WIDTH
        assert horizontal_overflow(page) == 0, "the score sheet scrolls sideways on a phone"
        self.axe(page, "score sheet on a phone", "judge")
        for fieldset in page.locator("main fieldset.criterion").all():
            fieldset.locator(".pill").nth(2).tap()  # 3
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE_WIDTH
        self._submit_sheet(page)
        self._sheet_is_submitted("judge2")
        self.close(page)

    def _submit_sheet(self, page):
        form = f"main form[action='/judge/nominations/{self.nomination_id}/scores']"
        assert post(page, form, "button[name=action][value=submit]") == 200
        no_error_flash(page)

    def _sheet_is_submitted(self, local):
        state = self.site.read(lambda s: s.scalar(
            select(Assignment.sheet_state).join(User, Assignment.judge_id == User.id)
            .where(User.email == email_of(local), Assignment.nomination_id == self.nomination_id)))
        assert state == "submitted", f"{local}'s sheet is {state}"

    def chair_recommends(self):
        page = self.chair
        self.visit(page, f"/cycles/{self.cycle_id}")
        assert confirm_and_post(page, f"/cycles/{self.cycle_id}/events/close_scoring") == 200
        no_error_flash(page)
        assert self.site.cycle_state(self.cycle_id) == "deliberation"
        page.locator(f"main a[href='/chair/cycles/{self.cycle_id}']").click()
        page.wait_for_url(f"**/chair/cycles/{self.cycle_id}")
        self.axe(page, "chair's view with results", "chair")
        recommend = f"/chair/cycles/{self.cycle_id}/recommend"
        page.locator(f"main a[href='{recommend}']").click()  # a page that says the board will vote on it
        page.wait_for_url(f"**{recommend}")
        self.axe(page, "recommendation", "chair")
        form = "main form:has(textarea[name=rationale])"
        page.locator(f"{form} textarea[name=rationale]").fill("The only candidate, and a strong one.")
        assert post(page, form) == 200
        no_error_flash(page)
        assert self.site.cycle_state(self.cycle_id) == "recommended"
        self.close(page)

    def board_ratifies(self):
        for local in ("board", "board2"):
            page = self.person(local)
            page.locator("nav a[href='/board/']").click()
            page.wait_for_url("**/board/")
            if local == "board":
                self.axe(page, "awaiting the board", "board")
            page.locator(f"main a[href='/board/cycles/{self.cycle_id}']").click()
            page.wait_for_url(f"**/board/cycles/{self.cycle_id}")
            if local == "board":
                self.axe(page, "board vote", "board")
            page.locator("main input[name=vote][value=approve]").check()
            assert post(page, "main form:has(input[name=vote])") == 200
            no_error_flash(page)
            self.close(page)
        assert self.site.cycle_state(self.cycle_id) == "recommended"

        # The third vote, which ratifies, with the keyboard alone.
        page = self.pages.open(self.site, self.locale, label="board3-keyboard")
        keyboard_login(page, "board3")
        keyboard_activate(page, "nav a[href='/board/']")
        keyboard_activate(page, f"main a[href='/board/cycles/{self.cycle_id}']")
        tab_to(page, "main input[name=vote][value=approve]")
        page.keyboard.press("Space")
        assert page.locator("main input[name=vote][value=approve]").is_checked()
        keyboard_activate(page, "main form:has(input[name=vote]) button[type=submit]")
        # The vote that decides is confirmed on a page that says what it does.
        self.axe(page, "confirming the deciding vote", "board")
        keyboard_activate(page, "main form:has(input[name=confirmed]) button[type=submit]")
        no_error_flash(page)
        self.axe(page, "board decision", "board")
        self.close(page)
        assert self.site.cycle_state(self.cycle_id) == "ratified"
        assert self.site.nomination_state(self.nomination_id) == "laureate"

    def auditor_downloads_the_report_and_the_bundle_verifies(self):
        page = self.person("auditor")
        self.axe(page, "home", "auditor")
        page.locator("nav a[href='/reports/']").click()
        page.wait_for_url("**/reports/")
        self.axe(page, "audit reports", "auditor")
        page.locator(f"main a[href='/reports/cycles/{self.cycle_id}']").click()
        page.wait_for_url(f"**/reports/cycles/{self.cycle_id}")
        self.axe(page, "audit report", "auditor")
        files = {}
        for name, href in (("pdf", f"/reports/cycles/{self.cycle_id}/report.pdf"),
                           ("bundle", f"/reports/cycles/{self.cycle_id}/bundle.json"),
                           ("verifier", "/reports/verifier.py")):
            with page.expect_download() as download:
                page.locator(f"main a[href='{href}']").click()
            files[name] = self.tmp_path / download.value.suggested_filename
            download.value.save_as(files[name])
        assert files["pdf"].read_bytes().startswith(b"%PDF-")
        bundle = json.loads(files["bundle"].read_text(encoding="utf-8"))
        actions = {e["action"] for e in bundle["events"]}
        assert {"conflict.declared", "conflict.confirmed"} <= actions, sorted(actions)
        checked = subprocess.run([sys.executable, str(files["verifier"]), str(files["bundle"])],
                                 capture_output=True, text=True, timeout=60, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("OK "), checked.stdout

        # The same verifier catches a bundle changed after the fact.
        vote = next(e for e in bundle["events"] if e["action"] == "board.vote")
        vote["payload"]["vote"] = "reject"
        forged = self.tmp_path / "forged.json"
        forged.write_text(json.dumps(bundle), encoding="utf-8")
        refused = subprocess.run([sys.executable, str(files["verifier"]), str(forged)],
                                 capture_output=True, text=True, timeout=60, check=False)
        assert refused.returncode == 1 and f"seq {vote['seq']}" in refused.stdout, refused.stdout
        self.close(page)


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_best_delegation_award_from_nomination_to_verified_bundle(
        locale, start_site, pages, axe_log, subtests, tmp_path):
    journey = Journey(start_site(f"journey-{locale}"), pages, axe_log, subtests, locale, tmp_path)
    journey.nominator_submits_with_attachment_and_endorsement()
    journey.secretariat_closes_the_call_and_screens()
    journey.judges_record_expertise_and_the_secretariat_vets_it()
    journey.chair_forms_the_panel()
    journey.a_judge_declares_a_conflict_and_the_chair_confirms_it()
    journey.chair_assigns_judges_and_opens_judging()
    journey.chair_scores_with_the_mouse()
    journey.judge_scores_with_the_keyboard_alone()
    journey.judge_scores_on_a_phone()
    journey.chair_recommends()
    journey.board_ratifies()
    journey.auditor_downloads_the_report_and_the_bundle_verifies()
