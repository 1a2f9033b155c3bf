"""What the people of a season do in their browsers, in a few verbs, for
the acceptance tests. Each verb goes through the pages only; the database
is read to check an outcome, never to make one.

Selectors use form actions, field names and values, which do not change
with the language; a step that cannot be undone goes through its
confirmation page, as a person clicks it.
"""

import os
import re
import time
from dataclasses import dataclass, field

import pyotp

PASSWORD = "harbour kestrel 4471 violet"


def submit(page, action_part: str, button="button[type=submit]") -> int:
    """Press the button of the form whose action ends with action_part; or
    else, on a page whose address holds it, of its form that posts back; or
    else of the form whose action contains action_part. The status of the
    page that answers."""
    form = page.locator(f"main form[action$='{action_part}']")
    if form.count() == 0 and action_part in page.url:
        form = page.locator("main form[method=post]:not([action])")
    if form.count() == 0:
        form = page.locator(f"main form[action*='{action_part}']")
    form = form.first
    with page.expect_navigation() as nav:
        form.locator(button).first.click()
    return nav.value.status


def confirm(page, path: str) -> int:
    """A step that cannot be undone: open its confirmation page, read it,
    press its button. The status of the page that answers."""
    assert page.goto(path).status == 200, path
    assert page.locator(f"main form[action='{path}'] button[type=submit]").count() == 1, (
        f"no confirmation form for {path} at {page.url}: {page.locator('main').inner_text()[:500]}")
    return submit(page, path)


def snap(page, name: str) -> None:
    """A screenshot for a person to look at, when ACCEPTANCE_SCREENSHOTS names a folder."""
    if folder := os.environ.get("ACCEPTANCE_SCREENSHOTS"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def choose(page, select: str, containing: str) -> None:
    """Pick the option whose text contains `containing`, as a person reads the list."""
    labels = page.locator(f"{select} option").all_inner_texts()
    matching = [label for label in labels if containing in label]
    assert len(matching) == 1, f"{containing!r} in {select}: {labels}"
    page.select_option(select, label=matching[0])


def errors_on(page) -> list[str]:
    return page.locator("main .flash-error, main .field-error").all_inner_texts()


def no_errors(page) -> None:
    shown = errors_on(page)
    assert not shown, f"errors on {page.url}: {shown}"


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", password)
    submit(page, "/login")


def enter_code(page, secret: str) -> None:
    # The code of the next 30-second step: this one's was spent at enrolment
    # (a code is good once), and the app allows one step of clock drift.
    page.fill("main input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    submit(page, "/login/code")


def enrol_second_factor(page) -> str:
    """From the page a decisive role is sent to: the key typed into an app
    (here pyotp), the first code, the recovery codes shown once."""
    assert page.url.endswith("/account/second-factor"), page.url
    submit(page, "/account/second-factor/start")
    secret = page.locator("#totp-secret").inner_text().strip()
    snap(page, "second-factor-enrolment")
    assert page.locator(".qr svg").count() == 1  # the QR code is drawn by the app itself
    page.fill("main input[name=code]", pyotp.TOTP(secret).now())
    submit(page, "/account/second-factor/confirm")
    assert page.locator("#recovery-codes li").count() == 10
    snap(page, "recovery-codes")
    return secret


def accept_invitation(install, page, email: str, password: str = PASSWORD) -> None:
    path = install.link_in_mail(email, r"/password/[A-Za-z0-9_-]+$")
    page.goto(path)
    page.fill("main input[name=password]", password)
    page.fill("main input[name=password_again]", password)
    submit(page, "/password/")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    roles: tuple[str, ...]
    organisation: str | None = None
    locale: str = "en"


# The cast the seasons share: the first administrator (made by `flask users
# create`), the ESI's host, a nominator, a chair, two judges, three board members.
ADMIN, ADMIN_PASSWORD = "secretariat@milset.example", "first light over quebec 1987"
HOST = "Clube de Ciência Júnior"
NOMINATOR = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"))
JUDGES = (Person("judge1@milset.example", "Ana Souza", ("judge",)),
          Person("judge2@milset.example", "Kenji Watanabe", ("judge",)))
BOARD = (Person("board1@milset.example", "Bruno Keller", ("board",)),
         Person("board2@milset.example", "Beatriz Ramos", ("board",)),
         Person("board3@milset.example", "Bongani Dlamini", ("board",)))
PARTICIPANTS = "name,birth_date,role\nLia Costa,2016-02-02,participant\nRui Dias,1979-09-09,leader\n"


@dataclass
class Season:
    """One award's season on a fresh production install: the secretariat
    (logged in with a second factor), the people it invited (each in a
    browser of their own, logged in), and the verbs of the season."""

    install: object
    who: object
    admin: object = None
    cycle_id: int | None = None
    people: dict = field(default_factory=dict)

    # --- the install and its people ------------------------------------------------------

    @classmethod
    def begin(cls, production_install, people, organisations=(), esi_host: str | None = None,
              cast=()) -> "Season":
        """An empty production install; the administrator logged in with a
        second factor; the organisations (name, country, status); the ESI of
        2027 in Lisbon when it has a host; the cast invited and logged in."""
        season = cls(production_install(ADMIN, ADMIN_PASSWORD), None)
        season.who = people(season.install)
        season.open(ADMIN, ADMIN_PASSWORD)
        for name, country, status in organisations:
            season.organisation(name, country, status)
        if esi_host:
            season.esi(19, 2027, "Lisbon", "Portugal", host=esi_host)
        season.invite(*cast)
        return season

    def open(self, admin_email: str, admin_password: str) -> None:
        self.admin = self.who["admin"]
        log_in(self.admin, admin_email, admin_password)
        self.admin.goto("/home")
        enrol_second_factor(self.admin)

    def organisation(self, name: str, country: str, status: str = "member") -> None:
        page = self.admin
        page.goto("/reference/organisations/new")
        page.fill("main input[name=name]", name)
        page.select_option("main select[name=country]", label=country)
        page.select_option("main select[name=status]", status)
        assert submit(page, "/reference/organisations/new") == 200
        no_errors(page)

    def esi(self, number: int, year: int, city: str, country: str, host: str | None = None) -> None:
        """An ESI edition, held from 12 to 18 July of its year (ages are counted on its first day)."""
        page = self.admin
        page.goto("/reference/events/new")
        page.fill("main input[name=number]", str(number))
        page.fill("main input[name=year]", str(year))
        page.fill("main input[name=city]", city)
        page.select_option("main select[name=country]", label=country)
        page.fill("main input[name=starts_on]", f"{year}-07-12")
        page.fill("main input[name=ends_on]", f"{year}-07-18")
        if host:
            page.select_option("main select[name=host]", label=host)
        assert submit(page, "/reference/events/new") == 200
        no_errors(page)

    def delegation(self, organisation: str, esi_year: int, participants: str | None = None,
                   tmp_path=None) -> int:
        """The secretariat registers an organisation's delegation at the ESI
        and imports its participants (CSV: name, birth_date, role)."""
        page = self.admin
        event_id = self.install.query("SELECT id FROM event WHERE year = :y", y=esi_year)[0][0]
        page.goto(f"/delegations/events/{event_id}/new")
        page.select_option("main select[name=organisation]", label=organisation)
        assert submit(page, f"/delegations/events/{event_id}/new") == 200
        no_errors(page)
        delegation_id = int(re.search(r"/delegations/(\d+)", page.url).group(1))
        if participants:
            upload = tmp_path / f"participants-{delegation_id}.csv"
            upload.write_text(participants, encoding="utf-8")
            page.set_input_files("main input[type=file]", str(upload))
            assert submit(page, f"/delegations/{delegation_id}/participants") == 200
            no_errors(page)
        return delegation_id

    def invite(self, *people: Person) -> None:
        """The secretariat invites each person; each sets a password from
        the link in their notice, and chairs and board members enrol a
        second factor. Each ends logged in in a browser of their own."""
        page = self.admin
        for person in people:
            page.goto("/admin/users/invite")
            page.fill("main input[name=email]", person.email)
            page.fill("main input[name=name]", person.name)
            for role in person.roles:
                page.check(f"main input[name=roles][value={role}]")
            page.select_option("main select[name=locale]", person.locale)
            if person.organisation:
                page.select_option("main select[name=organisation]", label=person.organisation)
            assert submit(page, "/admin/users/invite") == 200
            no_errors(page)
        for person in people:
            browser = self.who[person.email]
            accept_invitation(self.install, browser, person.email)
            if {"chair", "board"} & set(person.roles):
                browser.goto("/home")
                enrol_second_factor(browser)
            browser.goto("/home")
            assert browser.url.endswith("/home"), f"{person.email} ended at {browser.url}"
            self.people[person.email] = person

    def page_of(self, person: Person):
        return self.who[person.email]

    # --- the cycle -------------------------------------------------------------------------

    def create_cycle(self, award: str, year: int, esi: str | None = None, deadline: str | None = None,
                     laureates: int | None = None) -> int:
        page = self.admin
        page.goto("/cycles/new")
        page.select_option("main select[name=award]", award)
        page.fill("main input[name=year]", str(year))
        if esi:
            choose(page, "main select[name=event]", esi)
        if deadline:
            page.fill("main input[name=deadline]", deadline)
        if laureates:
            page.fill("main input[name=max_laureates]", str(laureates))
        assert submit(page, "/cycles/new") == 200
        no_errors(page)
        self.cycle_id = int(re.search(r"/cycles/(\d+)", page.url).group(1))
        return self.cycle_id

    def fire(self, page, event: str) -> None:
        """A cycle step from the cycle's page, through its confirmation."""
        page.goto(f"/cycles/{self.cycle_id}")
        path = f"/cycles/{self.cycle_id}/events/{event}"
        link = page.locator(f"main a[href='{path}'], main form[action='{path}']")
        assert link.count() >= 1, f"{event} is not offered on the cycle's page: {page.locator('main').inner_text()}"
        assert confirm(page, path) == 200
        no_errors(page)

    def state(self) -> str:
        return self.install.query("SELECT state FROM cycle WHERE id = :c", c=self.cycle_id)[0][0]

    def nomination_state(self, nomination_id: int) -> str:
        return self.install.query("SELECT state FROM nomination WHERE id = :n", n=nomination_id)[0][0]

    # --- nominations -----------------------------------------------------------------------

    def draft_individual(self, nominator: Person, name: str, *, email: str | None = None,
                         country: str | None = None, organisation: str | None = None,
                         born: str | None = None, years: str | None = None,
                         statement: str = "A lifetime of science clubs for young people.",
                         close: tuple[tuple[str, str], ...] = ()) -> int:
        """close: (name, relation) of the people the nominator declares close to the candidate."""
        page = self.page_of(nominator)
        page.goto(f"/nominate/cycles/{self.cycle_id}/new")
        page.fill("main input[name=name]", name)
        if email:
            page.fill("main input[name=email]", email)
        if country:
            page.select_option("main select[name=country_id]", label=country)
        if organisation:
            page.select_option("main select[name=organisation_id]", label=organisation)
        if born:
            page.fill("main input[name=date_of_birth]", born)
        if years:
            page.fill("main input[name=volunteer_years]", years)
        page.fill("main textarea[name=statement]", statement)
        for row, (person, relation) in enumerate(close):
            page.fill(f"main input[name=declared_relations-{row}-name]", person)
            page.select_option(f"main select[name=declared_relations-{row}-kind]", relation)
        assert submit(page, f"/nominate/cycles/{self.cycle_id}/new") == 200
        no_errors(page)
        return int(re.search(r"/nominations/(\d+)", page.url).group(1))

    def draft_delegation(self, nominator: Person, delegation: str,
                         statement: str = "A delegation every other one remembers.") -> int:
        page = self.page_of(nominator)
        page.goto(f"/nominate/cycles/{self.cycle_id}/new")
        choose(page, "main select[name=delegation]", delegation)
        page.fill("main textarea[name=statement]", statement)
        assert submit(page, f"/nominate/cycles/{self.cycle_id}/new") == 200
        no_errors(page)
        return int(re.search(r"/nominations/(\d+)", page.url).group(1))

    def request_endorsement(self, nominator: Person, nomination_id: int, endorser_email: str) -> None:
        page = self.page_of(nominator)
        page.goto(f"/nominations/{nomination_id}")
        action = f"/nominations/{nomination_id}/endorsements"
        page.fill(f"main form[action='{action}'] input[name=email]", endorser_email)
        assert submit(page, action) == 200
        no_errors(page)

    def endorse(self, email: str, name: str, organisation: str, role: str, text: str) -> None:
        """The endorser, who has no account, answers through the link in their email."""
        page = self.who[email]
        page.goto(self.install.link_in_mail(email, r"/endorse/[A-Za-z0-9_.-]+$"))
        page.fill("main input[name=name]", name)
        page.fill("main input[name=organisation]", organisation)
        page.fill("main input[name=role]", role)
        page.fill("main textarea[name=text]", text)
        assert submit(page, "/endorse/") == 200
        no_errors(page)

    def delegations_nominated(self, nominator: Person, award: str, delegations: dict, tmp_path,
                              participants: str = PARTICIPANTS, laureates: int | None = None) -> dict:
        """An ESI award's season up to judging: each organisation's
        delegation registered with its participants, the cycle created,
        published and opened, each delegation nominated with its statement
        ({organisation: statement}), the call closed and each screened
        eligible. Returns {organisation: nomination id}."""
        for organisation in delegations:
            self.delegation(organisation, 2027, participants, tmp_path)
        self.create_cycle(award, 2027, esi="Lisbon", deadline="2027-07-16", laureates=laureates)
        self.fire(self.admin, "publish_criteria")
        self.fire(self.admin, "open_call")
        entries = {name: self.draft_delegation(nominator, name, statement) for name, statement in delegations.items()}
        for nomination in entries.values():
            assert self.submit_nomination(nominator, nomination) == 200
        self.fire(self.admin, "close_call")
        for nomination in entries.values():
            self.screen(nomination, "eligible")
        return entries

    def submit_nomination(self, nominator: Person, nomination_id: int) -> int:
        page = self.page_of(nominator)
        return confirm(page, f"/nominations/{nomination_id}/submit")

    def screen(self, nomination_id: int, verdict: str, reason: str = "") -> None:
        page = self.admin
        page.goto(f"/screening/{nomination_id}")
        page.check(f"main input[name=verdict][value={verdict}]")
        if reason:
            page.fill("main textarea[name=reason]", reason)
        assert submit(page, f"/screening/{nomination_id}") == 200
        no_errors(page)

    # --- the panel ---------------------------------------------------------------------------

    def record_expertise(self, judge: Person, field_code: str, evidence: str, years: int = 10) -> None:
        page = self.page_of(judge)
        page.goto("/profile/judge")
        form = "main form[action='/profile/judge/expertise']"
        page.select_option(f"{form} select[name=field]", field_code)
        page.fill(f"{form} textarea[name=evidence]", evidence)
        page.fill(f"{form} input[name=years]", str(years))
        assert submit(page, "/profile/judge/expertise") == 200
        no_errors(page)

    def vet_every_profile(self) -> None:
        page = self.admin
        page.goto("/judges/")
        while (vet := page.locator("main form[action$='/vet']")).count():
            with page.expect_navigation():
                vet.first.locator("button[type=submit]").click()
            no_errors(page)

    def add_to_panel(self, judge: Person, role: str = "member", round: str | None = None) -> None:
        """The secretariat adds a judge to the panel of the round the cycle
        prepares, or of ``round`` (a cycle with a shortlist round has two)."""
        page = self.admin
        page.goto(f"/cycles/{self.cycle_id}/panel" + (f"?round={round}" if round else ""))
        form = "main form:has(select[name=user])"
        choose(page, f"{form} select[name=user]", judge.name)
        page.select_option(f"{form} select[name=role]", role)
        with page.expect_navigation() as answer:
            page.locator(f"{form} button[type=submit]").click()
        assert answer.value.status == 200
        no_errors(page)

    def judging_opens(self, chair: Person, judges, fields: tuple[str, ...], evidence: str) -> None:
        """Each judge records expertise in one of the award's fields (in
        turn, so the panel covers them all), the secretariat vets it and
        forms the panel, the chair assigns the sheets and opens judging."""
        for n, judge in enumerate((chair, *judges)):
            self.record_expertise(judge, fields[n % len(fields)], evidence)
        self.vet_every_profile()
        self.add_to_panel(chair, "chair")
        for judge in judges:
            self.add_to_panel(judge)
        self.assign_automatically(chair)
        self.fire(self.page_of(chair), "open_judging")
        assert self.state() == "judging"

    def assign_automatically(self, chair: Person) -> None:
        page = self.page_of(chair)
        page.goto(f"/cycles/{self.cycle_id}/panel")
        assert submit(page, f"/cycles/{self.cycle_id}/panel/assign") == 200
        no_errors(page)

    # --- judging ------------------------------------------------------------------------------

    def assigned(self, judge: Person) -> list[int]:
        rows = self.install.query(
            "SELECT a.nomination_id FROM assignment a JOIN user_account u ON u.id = a.judge_id "
            "JOIN nomination n ON n.id = a.nomination_id WHERE u.email = :e AND n.cycle_id = :c "
            "ORDER BY a.nomination_id", e=judge.email, c=self.cycle_id)
        return [r[0] for r in rows]

    def score(self, judge: Person, nomination_id: int, pill: int) -> None:
        """The judge states no conflict, then scores every criterion with the
        pill at this position (0 = the lowest) and submits the sheet."""
        page = self.page_of(judge)
        page.goto(f"/judge/cycles/{self.cycle_id}/declarations")
        no_conflict = f"/judge/nominations/{nomination_id}/no-conflict"
        if page.locator(f"main form[action='{no_conflict}']").count():
            assert submit(page, no_conflict) == 200
        page.goto(f"/judge/nominations/{nomination_id}")
        for criterion in page.locator("main fieldset.criterion").all():
            criterion.locator(".pill").nth(pill).click()
        assert submit(page, f"/judge/nominations/{nomination_id}/scores",
                      "button[name=action][value=submit]") == 200
        no_errors(page)

    def declare_conflict(self, judge: Person, nomination_id: int, kind: str, note: str) -> None:
        """The judge declares a conflict with a nomination from the declarations page, whenever they find it."""
        page = self.page_of(judge)
        page.goto(f"/judge/cycles/{self.cycle_id}/declarations")
        form = f"main form[action='/judge/nominations/{nomination_id}/declare']"
        page.locator(f"{form} >> xpath=ancestor::details/summary").click()
        page.select_option(f"{form} select[name=kind]", kind)
        page.fill(f"{form} textarea[name=note]", note)
        assert submit(page, f"/judge/nominations/{nomination_id}/declare") == 200
        no_errors(page)

    def resolve_conflict(self, chair: Person, judge: Person, nomination_id: int, action: str,
                         rationale: str = "") -> None:
        conflict_id = self.install.query(
            "SELECT c.id FROM conflict_of_interest c JOIN user_account u ON u.id = c.judge_id "
            "WHERE u.email = :e AND c.nomination_id = :n AND c.status = 'open'", e=judge.email, n=nomination_id)[0][0]
        page = self.page_of(chair)
        page.goto(f"/cycles/{self.cycle_id}/panel")
        form = f"main form[action='/conflicts/{conflict_id}/resolve']"
        page.select_option(f"{form} select[name=action]", action)
        if rationale:
            page.fill(f"{form} textarea[name=rationale]", rationale)
        assert submit(page, f"/conflicts/{conflict_id}/resolve") == 200
        no_errors(page)

    def recommend(self, chair: Person, rationale: str) -> int:
        """From the chair's view to the recommendation's page, which says the
        board will vote on it; the rationale; the status of the answer."""
        page = self.page_of(chair)
        page.goto(f"/chair/cycles/{self.cycle_id}")
        path = f"/chair/cycles/{self.cycle_id}/recommend"
        with page.expect_navigation():
            page.locator(f"main a[href='{path}']").first.click()
        page.fill("main textarea[name=rationale]", rationale)
        return submit(page, path)

    def board_vote(self, member: Person, vote: str, reason: str = "") -> None:
        page = self.page_of(member)
        page.goto(f"/board/cycles/{self.cycle_id}")
        page.check(f"main input[name=vote][value={vote}]")
        if reason:
            page.fill("main textarea[name=reason]", reason)
        submit(page, f"/board/cycles/{self.cycle_id}")
        if page.locator("main input[name=confirmed]").count():  # the vote that decides is confirmed first
            submit(page, f"/board/cycles/{self.cycle_id}")
        no_errors(page)

    def ratified_and_announced(self, board, announce: str = "announce") -> None:
        for member in board:
            self.board_vote(member, "approve")
        assert self.state() == "ratified"
        self.fire(self.admin, announce)
        assert self.state() == "announced"

    def public_laureates(self, page) -> str:
        page.goto("/laureates")
        return page.locator("main").inner_text()
