"""A Derek Gray Medal season whose rules the secretariat sets in the pages
(issue 20): a rubric with French descriptors and the z-score method before
the call opens; after it opened, a change of the rubric refused, then
proposed with its reason and approved by the board; a French judge scoring
with the descriptors beside each criterion; the report's replay matching."""

import re

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, Person, Season, no_errors, snap, submit

MEMBER = "Association Tunisienne des Jeunes Scientifiques"
NOMINATOR = Person("nominator@atjs.example", "Leila Ben Salah", ("nominator",), MEMBER)
JUGE = Person("juge@milset.example", "Camille Martin", ("judge",), locale="fr")


def _form_fields(page, action: str) -> dict:
    """What the form would send as it stands, as a script posting it by hand would read it."""
    return page.evaluate("""(action) => {
        const form = document.querySelector(`main form[action='${action}']`);
        return Object.fromEntries(new FormData(form).entries());
    }""", action)


def test_the_secretariat_sets_the_rubric_and_method_and_the_board_approves_a_late_change(production_install, people):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(MEMBER, "Tunisia", "member"), (HOST, "Portugal", "accredited")],
                          cast=(NOMINATOR, CHAIR, JUDGES[0], JUGE, *BOARD))
    season.create_cycle("derek_gray_medal", 2027, esi="Lisbon", deadline="2027-03-31")
    cycle = season.cycle_id
    admin = season.admin

    # The deciding method, on the settings page.
    admin.goto(f"/cycles/{cycle}/settings")
    admin.select_option("main select[name=aggregation_method]", "zscore")
    assert submit(admin, f"/cycles/{cycle}/settings") == 200
    no_errors(admin)

    # The rubric: the first criterion described, with what its scores mean in French.
    admin.goto(f"/cycles/{cycle}/settings")
    with admin.expect_navigation():
        admin.locator(f"main a[href='/cycles/{cycle}/rubric']").click()
    rubric = f"/cycles/{cycle}/rubric"
    admin.fill("main input[name=criteria-0-weight]", "0")  # a slip, refused at the field
    admin.fill("main textarea[name=criteria-0-description_fr]", "Ce que le candidat a apporté au mouvement.")
    for band, (low, high, meaning) in enumerate(((1, 2, "Une contribution locale et ponctuelle"),
                                                 (3, 5, "Une contribution durable, reconnue au-delà de son pays"))):
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-min]", str(low))
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-max]", str(high))
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-fr]", meaning)
    assert submit(admin, rubric, "button[name=action][value=save]") == 400
    assert "rubric.weight" in admin.locator("#criteria-0-weight-error").inner_text()
    assert admin.input_value("main input[name=criteria-0-descriptors-1-fr]").startswith("Une contribution durable")
    admin.fill("main input[name=criteria-0-weight]", "2")
    snap(admin, "rubric-editor")
    assert submit(admin, rubric, "button[name=action][value=save]") == 200
    no_errors(admin)
    assert season.install.query("SELECT weight, descriptors->1->>'fr' FROM criterion WHERE cycle_id = :c "
                                "ORDER BY position LIMIT 1", c=cycle) == [
        (2.0, "Une contribution durable, reconnue au-delà de son pays")]

    season.fire(admin, "publish_criteria")
    season.fire(admin, "open_call")

    # After the call opened, the rubric changes only with the board's approval.
    admin.goto(rubric)
    assert admin.locator("main button[name=action][value=save]").count() == 0
    sent = _form_fields(admin, rubric) | {"criteria-1-weight": "3", "action": "save"}
    direct = admin.request.post(f"{season.install.url}{rubric}", form=sent)
    assert direct.status == 400 and "rubric.frozen" in direct.text()
    admin.fill("main input[name=criteria-1-weight]", "3")
    admin.fill("main textarea[name=reason]", "Long-term investment counts more, as the board asked in March.")
    assert submit(admin, rubric, "button[name=action][value=propose]") == 200
    no_errors(admin)
    change = int(re.search(r"/changes/(\d+)", admin.url).group(1))
    weights = "SELECT weight FROM criterion WHERE cycle_id = :c ORDER BY position"
    assert season.install.query(weights, c=cycle) == [(2.0,), (1.0,)]  # nothing applies before the board

    for n, member in enumerate(BOARD):
        page = season.page_of(member)
        page.goto("/board/")
        with page.expect_navigation():
            page.locator(f"main a[href='/changes/{change}']").click()
        if n == 0:
            snap(page, "rubric-proposal")
            assert "Long-term investment counts more" in page.locator("main").inner_text()
        page.check("main input[name=vote][value=for]")
        assert submit(page, f"/changes/{change}") == 200
        no_errors(page)
    assert season.install.query(weights, c=cycle) == [(2.0,), (3.0,)]
    assert season.install.query("SELECT status FROM settings_change WHERE id = :i", i=change) == [("approved",)]

    # The season goes on to judging.
    nomination = season.draft_individual(NOMINATOR, "Amina Diallo", email="amina.diallo@example.org",
                                         country="Senegal", statement="Founded twelve science clubs in Dakar.")
    assert season.submit_nomination(NOMINATOR, nomination) == 200
    season.fire(admin, "close_call")
    season.screen(nomination, "eligible")
    season.judging_opens(CHAIR, (JUDGES[0], JUGE), ("science_education", "youth_organisations"),
                         "Twenty years running national science fairs.")

    # The French judge reads the descriptors beside the criterion, in French.
    juge = season.page_of(JUGE)
    juge.goto(f"/judge/cycles/{cycle}/declarations")
    assert submit(juge, f"/judge/nominations/{nomination}/no-conflict") == 200
    juge.goto(f"/judge/nominations/{nomination}")
    first = juge.locator("main fieldset.criterion").first
    assert "Une contribution durable, reconnue au-delà de son pays" in first.inner_text()
    assert "Ce que le candidat a apporté au mouvement." in first.inner_text()
    snap(juge, "rubric-judge-sheet")

    for judge in (CHAIR, JUDGES[0], JUGE):
        season.score(judge, nomination, 3)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "A lasting contribution to the movement in West Africa.")
    assert season.install.query("SELECT method FROM recommendation WHERE cycle_id = :c", c=cycle) == [("zscore",)]
    season.ratified_and_announced(BOARD)

    report = season.page_of(BOARD[0])
    report.goto(f"/reports/cycles/{cycle}")
    assert "the result matches the ratified decision" in report.locator("main").inner_text()
    assert "Audit chain intact" in season.install.flask("audit", "verify")
