"""The secretariat installs the engine and prepares its first award, from an
empty PostgreSQL database in production mode, with nothing but pages once
the first administrator exists (issue 16's "done when").

Selectors use form actions, field names and element ids, which do not
change with the language; the test reads the notices as a mail catcher
would, and each person uses a browser of their own.
"""

import re

from tests.acceptance.steps import (
    PASSWORD,
    accept_invitation,
    choose,
    confirm,
    enrol_second_factor,
    enter_code,
    log_in,
    snap,
    submit,
)

ADMIN = "secretariat@milset.example"
ADMIN_PASSWORD = "first light over quebec 1987"
NEW_PASSWORD = "lantern meadow 9024 copper"

NOMINATOR = ("nominator@atjs.example", "Leila Ben Salah", ["nominator"])
CHAIR = ("chair@milset.example", "Chidi Okafor", ["chair", "judge"])
JUDGES = [("judge1@milset.example", "Ana Souza", ["judge"]),
          ("judge2@milset.example", "Kenji Watanabe", ["judge"])]
# The third judge is invited from the panel's page: no account yet.
PANEL_JUDGE = ("judge3@milset.example", "Marie Dubois")
BOARD = [("board1@milset.example", "Bruno Keller", ["board"]),
         ("board2@milset.example", "Beatriz Ramos", ["board"]),
         ("board3@milset.example", "Bongani Dlamini", ["board"])]


def test_the_secretariat_installs_invites_and_opens_a_derek_gray_medal(production_install, people):
    install = production_install(ADMIN, ADMIN_PASSWORD)
    who = people(install)
    admin = who["admin"]

    # The first administrator logs in and must enrol a second factor first.
    log_in(admin, ADMIN, ADMIN_PASSWORD)
    admin.goto("/reference/organisations")
    admin_secret = enrol_second_factor(admin)

    # Organisations, one refused as the same body spelled differently.
    for name, country, status in [("Association Tunisienne des Jeunes Scientifiques", "Tunisia", "member"),
                                  ("Youth Science Canada", "Canada", "member"),
                                  ("Clube de Ciência Júnior", "Portugal", "accredited")]:
        admin.goto("/reference/organisations/new")
        admin.fill("main input[name=name]", name)
        admin.select_option("main select[name=country]", label=country)
        admin.select_option("main select[name=status]", status)
        assert submit(admin, "/reference/organisations/new") == 200
        assert name in admin.content()
    admin.goto("/reference/organisations/new")
    admin.fill("main input[name=name]", "association tunisienne des jeunes-scientifiques")
    admin.select_option("main select[name=country]", label="Tunisia")
    assert submit(admin, "/reference/organisations/new") == 400
    error = admin.locator("#name-error").inner_text()
    assert "Association Tunisienne des Jeunes Scientifiques" in error
    assert admin.locator(".error-summary a[href='#name']").count() == 1
    assert admin.input_value("main input[name=name]") == "association tunisienne des jeunes-scientifiques"
    snap(admin, "organisation-duplicate")

    # The coming ESI, hosted by a member organisation.
    admin.goto("/reference/events")
    assert "Québec" in admin.content() and "Mazatlán" in admin.content()  # shipped by flask setup
    admin.goto("/reference/events/new")
    admin.fill("main input[name=number]", "19")
    admin.fill("main input[name=year]", "2027")
    admin.fill("main input[name=city]", "Lisbon")
    admin.select_option("main select[name=country]", label="Portugal")
    admin.select_option("main select[name=host]", label="Clube de Ciência Júnior")
    admin.fill("main input[name=starts_on]", "2027-07-12")
    admin.fill("main input[name=ends_on]", "2027-07-18")
    assert submit(admin, "/reference/events/new") == 200
    assert "Lisbon" in admin.content()

    # Invitations by email: a nominator, a chair, judges, the board.
    for email, name, roles in [NOMINATOR, CHAIR, *JUDGES, *BOARD]:
        admin.goto("/admin/users/invite")
        admin.fill("main input[name=email]", email)
        admin.fill("main input[name=name]", name)
        for role in roles:
            admin.check(f"main input[name=roles][value={role}]")
        if email == NOMINATOR[0]:
            admin.select_option("main select[name=locale]", "fr")
            admin.select_option("main select[name=organisation]",
                                label="Association Tunisienne des Jeunes Scientifiques")
        assert submit(admin, "/admin/users/invite") == 200
    snap(admin, "accounts-after-invitations")
    invitation = install.mail_to(NOMINATOR[0])  # in her language, its footer too
    assert "Bonjour Leila Ben Salah" in invitation and "Envoyé par" in invitation, invitation

    # The admin creates the Derek Gray Medal cycle, publishes its criteria and opens the call.
    admin.goto("/cycles/new")
    admin.select_option("main select[name=award]", "derek_gray_medal")
    admin.fill("main input[name=year]", "2027")
    choose(admin, "main select[name=event]", "Lisbon")
    admin.fill("main input[name=deadline]", "2027-03-31")
    assert submit(admin, "/cycles/new") == 200
    cycle_url = admin.url
    cycle_id = int(re.search(r"/cycles/(\d+)", cycle_url).group(1))
    for event in ("publish_criteria", "open_call"):
        assert confirm(admin, f"/cycles/{cycle_id}/events/{event}") == 200
    assert install.query("SELECT state FROM cycle WHERE id = :c", c=cycle_id) == [("call_open",)]

    # The panel: the chair by account, a third judge who has none yet.
    admin.goto(f"/cycles/{cycle_id}/panel")
    choose(admin, "main form[action*='/panel/members'] select[name=user]", CHAIR[1])
    admin.select_option("main form[action*='/panel/members'] select[name=role]", "chair")
    assert submit(admin, "/panel/members") == 200
    admin.fill("main input[name='new_judge-email']", PANEL_JUDGE[0])
    admin.fill("main input[name='new_judge-name']", PANEL_JUDGE[1])
    assert submit(admin, "/panel/new-judge") == 200
    assert PANEL_JUDGE[1] in admin.content()
    snap(admin, "panel")

    # Everyone sets a password from their email; the decisive roles enrol a second factor.
    secrets = {}
    for email, _name, roles in [NOMINATOR, CHAIR, *JUDGES, *BOARD, (*PANEL_JUDGE, ["judge"])]:
        page = who[email]
        accept_invitation(install, page, email)
        if {"chair", "board"} & set(roles):
            page.goto("/home")
            secrets[email] = enrol_second_factor(page)
        page.goto("/home")
        assert page.url.endswith("/home"), f"{email} ended at {page.url}"

    # The nominator sees the open call, in French, in her time zone's calendar.
    nominator = who[NOMINATOR[0]]
    nominator.goto("/nominate/")
    assert "Médaille Derek Gray" in nominator.content()
    snap(nominator, "nominator-open-calls-fr")

    # The chair logs in again on another device: password, then a code.
    chair_phone = who["chair-phone"]
    log_in(chair_phone, CHAIR[0], PASSWORD)
    assert chair_phone.url.endswith("/login/code")
    enter_code(chair_phone, secrets[CHAIR[0]])
    assert chair_phone.url.endswith("/home"), chair_phone.url

    # A judge forgot her password: the same answer as for an unknown address.
    forgetful = who["judge1-later"]
    answers = []
    for email in (JUDGES[0][0], "nobody@nowhere.example"):
        forgetful.goto("/login/forgot")
        forgetful.fill("main input[name=email]", email)
        submit(forgetful, "/login/forgot")
        answers.append(forgetful.locator("main").inner_text())
    assert answers[0] == answers[1]
    snap(forgetful, "forgot-password-answer")
    assert install.query("SELECT count(*) FROM outbox_message WHERE recipient = 'nobody@nowhere.example'") == [(0,)]
    forgetful.goto(install.link_in_mail(JUDGES[0][0], r"/password/[A-Za-z0-9_-]+$"))
    forgetful.fill("main input[name=password]", NEW_PASSWORD)
    forgetful.fill("main input[name=password_again]", NEW_PASSWORD)
    submit(forgetful, "/password/")
    log_in(who["judge1-phone"], JUDGES[0][0], PASSWORD)
    assert "/login" in who["judge1-phone"].url  # the old password no longer works
    log_in(who["judge1-phone"], JUDGES[0][0], NEW_PASSWORD)
    assert who["judge1-phone"].url.endswith("/home")
    who[JUDGES[0][0]].goto("/home")  # her session from before the reset has ended
    assert "/login" in who[JUDGES[0][0]].url

    # A board member leaves: deactivated, signed out, unable to log in.
    leaver, leaver_name = BOARD[2][0], BOARD[2][1]
    admin.goto("/admin/users")
    admin.click(f"main a:has-text('{leaver_name}')")
    assert submit(admin, "/deactivate") == 200
    who[leaver].goto("/board/")
    assert "/login" in who[leaver].url
    log_in(who[leaver], leaver, PASSWORD)
    assert "/login" in who[leaver].url and who[leaver].locator("main .flash-error, main .field-error").count()
    snap(who[leaver], "deactivated-login")
    admin.goto("/admin/users")
    snap(admin, "accounts-at-the-end")
    assert install.query("SELECT active FROM user_account WHERE email = :e", e=leaver) == [(False,)]

    # The record: every step audited, the chain intact, the admin's recovery
    # codes unused and the second factor on for every decisive account.
    assert "Audit chain intact" in install.flask("audit", "verify")
    enrolled = install.query("SELECT u.email FROM user_account u JOIN user_role r ON r.user_id = u.id "
                             "WHERE r.role IN ('admin', 'chair', 'board') AND u.totp_enabled_at IS NULL")
    assert enrolled == []
    assert admin_secret
