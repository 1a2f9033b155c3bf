"""A candidate asks to be forgotten (GDPR art. 17; issue 19), on an empty
production install, through the secretariat's pages: the secretariat finds
her, downloads what is held, erases it after the confirmation page; then no
table and no backup holds her name or address, the nomination and its
history remain under a pseudonym, and `flask audit verify` still passes."""

import json
import subprocess

from tests.acceptance.steps import HOST, Person, Season, errors_on, snap, submit

NAME, EMAIL = "Grace Wanjiru Mbeki", "grace.mbeki@kenya.example"
CLUBS = "Kenya Science Clubs"  # a MILSET member: its people may nominate for the Derek Gray Medal
NOMINATOR = Person("nominator@ksc.example", "Wanjiku Otieno", ("nominator",), CLUBS)


def test_the_secretariat_erases_a_candidate_through_the_pages(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (CLUBS, "Kenya", "member")],
                          cast=(NOMINATOR,))
    season.create_cycle("derek_gray_medal", 2027, esi="Lisbon", deadline="2027-03-31")
    for step in ("publish_criteria", "open_call"):
        season.fire(season.admin, step)
    nomination = season.draft_individual(NOMINATOR, NAME, email=EMAIL, country="Kenya",
                                         statement=f"{NAME} took Kenya's science clubs to every county.")
    assert season.submit_nomination(NOMINATOR, nomination) == 200
    install, admin = season.install, season.admin
    assert install.query("SELECT count(*) FROM person WHERE email = :e", e=EMAIL) == [(1,)]

    admin.goto("/admin/users")
    admin.click("main a[href='/admin/people']")
    admin.fill("main input[name=q]", "mbeki")
    with admin.expect_navigation():
        admin.click("main form[role=search] button")
    admin.click(f"main table a:has-text('{NAME}')")
    held = admin.locator("main").inner_text()
    assert EMAIL in held and "Derek Gray Medal 2027" in held
    snap(admin, "people-data-person")

    with admin.expect_download() as download:
        admin.click("main form[action$='/personal-data'] button")
    document = json.loads(download.value.path().read_text())
    assert document["person"]["email"] == EMAIL

    admin.click("main a[href$='/erase']")
    assert submit(admin, "/erase") == 400  # no reason, box not ticked: refused at the fields
    assert len(errors_on(admin)) == 2
    snap(admin, "people-data-erase-refused")
    admin.fill("main textarea[name=reason]", "Her written request of 1 December 2026.")
    admin.check("main input[name=understood]")
    assert submit(admin, "/erase") == 200
    assert "Erased person" in admin.locator("main h1").inner_text()
    snap(admin, "people-data-erased")

    # Nothing of hers in any table: every column of every row, as text.
    tables = [t for (t,) in install.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
    for table in tables:
        found = install.query(f'SELECT count(*) FROM "{table}" t WHERE lower(t::text) LIKE :a '  # noqa: S608
                              "OR lower(t::text) LIKE :b", a=f"%{EMAIL}%", b=f"%{NAME.lower()}%")
        assert found == [(0,)], f"{table} still holds her"
    assert install.query("SELECT state FROM nomination WHERE id = :n", n=nomination) == [("submitted",)]
    install.flask("audit", "verify")  # exits 0, or the helper fails the test

    # Nor does a backup taken afterwards.
    backup = tmp_path / "after.backup"
    install.flask("backup", "create", str(backup))
    restored = subprocess.run(["pg_restore", "--file=-", str(backup)], check=True, capture_output=True,  # noqa: S603, S607
                              text=True).stdout
    assert EMAIL not in restored and NAME not in restored
