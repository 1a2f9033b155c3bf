"""A Derek Gray Medal season with a shortlist round, played through the pages
on an empty production install (issue 20's "done when"): the secretariat
chooses the z-score method and the shortlist round, sets the final rubric
with French descriptors and the shortlist round's own criterion; the call
closes by itself at its date (`flask calendar run` with a clock the test
sets); the shortlist round's panel scores every eligible nomination and its
chair shortlists the top two by rank, with a reason; the final round's own
panel scores only those two, a French judge reading the descriptors on a
360 px phone; the board ratifies, and the report replays both rounds from
the audit trail."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.acceptance.steps import (
    ADMIN,
    BOARD,
    CHAIR,
    HOST,
    JUDGES,
    Person,
    Season,
    no_errors,
    snap,
    submit,
)

MEMBER = "Association Tunisienne des Jeunes Scientifiques"
NOMINATOR = Person("nominator@atjs.example", "Leila Ben Salah", ("nominator",), MEMBER)
FINAL_CHAIR = Person("final.chair@milset.example", "Marta Kowalska", ("chair", "judge"))
JUGE = Person("juge@milset.example", "Camille Martin", ("judge",), locale="fr")
FINAL_JUDGE = Person("judge3@milset.example", "Priya Raman", ("judge",))
SHORTLIST_PANEL = (CHAIR, *JUDGES)
FINAL_PANEL = (FINAL_CHAIR, JUGE, FINAL_JUDGE)
DESCRIPTOR = "Une contribution durable, reconnue au-delà de son pays"


def _typed(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%dT%H:%M}"


def test_a_shortlist_round_feeds_the_final_round_and_the_report_replays_both(production_install, people):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(MEMBER, "Tunisia", "member"), (HOST, "Portugal", "accredited")],
                          cast=(NOMINATOR, *SHORTLIST_PANEL, *FINAL_PANEL, *BOARD))
    cycle = season.create_cycle("derek_gray_medal", 2027, esi="Lisbon")
    admin = season.admin

    # The rules: the z-score method and a shortlist round, on the settings page.
    admin.goto(f"/cycles/{cycle}/settings")
    admin.select_option("main select[name=aggregation_method]", "zscore")
    admin.check("main input[name=shortlist_round][value=yes]")
    assert submit(admin, f"/cycles/{cycle}/settings") == 200
    no_errors(admin)

    # The final round's rubric, with what its first criterion's scores mean in French.
    admin.goto(f"/cycles/{cycle}/rubric")
    for band, (low, high, meaning) in enumerate(((1, 2, "Une contribution locale et ponctuelle"),
                                                 (3, 5, DESCRIPTOR))):
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-min]", str(low))
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-max]", str(high))
        admin.fill(f"main input[name=criteria-0-descriptors-{band}-fr]", meaning)
    assert submit(admin, f"/cycles/{cycle}/rubric", "button[name=action][value=save]") == 200
    no_errors(admin)

    # The shortlist round's own criterion, reached from the rubric page's rounds.
    with admin.expect_navigation():
        admin.locator(f"main nav a[href='/cycles/{cycle}/rubric?round=shortlist']").click()
    for name, text in (("code", "promise"), ("name_en", "Promise of the contribution"),
                       ("name_fr", "Promesse de la contribution"), ("name_es", "Promesa de la contribución")):
        admin.fill(f"main input[name=criteria-0-{name}]", text)
    assert submit(admin, "/rubric?round=shortlist", "button[name=action][value=save]") == 200
    no_errors(admin)
    snap(admin, "shortlist-rubric")
    assert season.install.query("SELECT round, code FROM criterion WHERE cycle_id = :c ORDER BY round, position",
                                c=cycle) == [("final", "contribution"), ("final", "long_term_investment"),
                                             ("shortlist", "promise")]

    season.fire(admin, "publish_criteria")
    season.fire(admin, "open_call")

    # The call's date, in the secretariat's time zone.
    zone = ZoneInfo(season.install.query("SELECT timezone FROM user_account WHERE email = :e", e=ADMIN)[0][0])
    close = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    admin.goto(f"/cycles/{cycle}/dates")
    admin.fill("main input[name=deadline]", _typed(close, zone))
    assert submit(admin, f"/cycles/{cycle}/dates") == 200
    no_errors(admin)

    candidates = {}
    for name, country in (("Amina Diallo", "Senegal"), ("Tomás Ferreira", "Brazil"), ("Yuki Sato", "Japan")):
        nomination = season.draft_individual(NOMINATOR, name, country=country,
                                             statement=f"{name} founded science clubs for young people.")
        assert season.submit_nomination(NOMINATOR, nomination) == 200
        candidates[name] = nomination
    amina, tomas, yuki = candidates.values()

    # Nobody closes the call: the calendar does, once the clock passes its date.
    season.install.flask("calendar", "run", "--now", (close - timedelta(minutes=1)).isoformat())
    assert season.state() == "call_open"
    assert f"Cycle {cycle}: close_call." in season.install.flask("calendar", "run", "--now",
                                                                  (close + timedelta(minutes=1)).isoformat())
    assert season.state() == "screening"
    for nomination in candidates.values():
        season.screen(nomination, "eligible")

    # Two panels, each covering the award's fields: the shortlist round's, then the final round's.
    fields = ("science_education", "youth_organisations")
    for n, judge in enumerate((*SHORTLIST_PANEL, *FINAL_PANEL)):
        season.record_expertise(judge, fields[n % 2], "Twenty years running national science fairs.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")  # the round the cycle prepares: the shortlist's
    for judge in JUDGES:
        season.add_to_panel(judge)
    season.add_to_panel(FINAL_CHAIR, "chair", round="final")
    for judge in (JUGE, FINAL_JUDGE):
        season.add_to_panel(judge, round="final")
    assert season.install.query(
        "SELECT p.round, count(*) FROM panel_member m JOIN panel p ON p.id = m.panel_id WHERE p.cycle_id = :c "
        "GROUP BY p.round ORDER BY p.round", c=cycle) == [("final", 3), ("shortlist", 3)]

    # The shortlist round: its panel scores every nomination on its one criterion.
    season.assign_automatically(CHAIR)
    season.fire(season.page_of(CHAIR), "open_shortlist")
    assert season.state() == "shortlist_scoring"
    for judge in SHORTLIST_PANEL:
        for nomination, pill in ((amina, 9), (tomas, 6), (yuki, 2)):
            season.score(judge, nomination, pill)
    season.fire(season.page_of(CHAIR), "close_shortlist")
    assert season.state() == "shortlisting"

    # The chair draws the shortlist: the top two by rank, previewed first, with the reason.
    chair = season.page_of(CHAIR)
    chair.goto(f"/chair/cycles/{cycle}")
    shortlist = f"/chair/cycles/{cycle}/shortlist"
    with chair.expect_navigation():
        chair.locator(f"main a[href='{shortlist}']").click()
    chair.check("main input[name=basis][value=rank]")
    chair.fill("main input[name=cutoff]", "2")
    assert submit(chair, shortlist, "button[name=action][value=decide]") == 400  # the reason is asked first
    assert chair.input_value("main input[name=cutoff]") == "2"
    chair.fill("main textarea[name=reason]", "The two strongest contributions go on to the final jury.")
    assert submit(chair, shortlist, "button[name=action][value=preview]") == 200
    assert chair.locator("main tr.kept").count() == 2
    snap(chair, "shortlist-preview")
    assert submit(chair, shortlist, "button[name=action][value=decide]") == 200
    no_errors(chair)
    assert "Decided" in chair.locator("main").inner_text()
    assert season.state() == "judging"
    assert season.install.query("SELECT basis, cutoff, nomination_ids::text FROM shortlist_decision "
                                "WHERE cycle_id = :c", c=cycle) == [("rank", 2.0, f"[{amina}, {tomas}]")]

    # The final round: its own panel, only the shortlisted nominations.
    season.assign_automatically(FINAL_CHAIR)
    assert season.install.query(
        "SELECT DISTINCT a.nomination_id FROM assignment a WHERE a.round = 'final' ORDER BY 1") == [(amina,),
                                                                                                    (tomas,)]

    # The French judge on a phone reads the descriptors beside the criterion, criteria first.
    juge = season.page_of(JUGE)
    juge.set_viewport_size({"width": 360, "height": 740})
    juge.goto(f"/judge/cycles/{cycle}/declarations")
    assert submit(juge, f"/judge/nominations/{amina}/no-conflict") == 200
    juge.goto(f"/judge/nominations/{amina}")
    first = juge.locator("main fieldset.criterion").first
    assert DESCRIPTOR in first.inner_text()
    assert first.bounding_box()["width"] <= 360
    assert juge.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    snap(juge, "shortlist-final-sheet-phone")

    for judge in FINAL_PANEL:
        season.score(judge, amina, 4)
        season.score(judge, tomas, 2)
    season.fire(season.page_of(FINAL_CHAIR), "close_scoring")
    assert season.recommend(FINAL_CHAIR, "A lasting contribution to the movement in West Africa.") == 200
    assert season.install.query("SELECT method, laureate_nomination_ids::text FROM recommendation "
                                "WHERE cycle_id = :c", c=cycle) == [("zscore", f"[{amina}]")]
    season.ratified_and_announced(BOARD)
    assert [season.nomination_state(n) for n in (amina, tomas, yuki)] == ["laureate", "not_selected",
                                                                          "not_selected"]

    # The report shows both rounds, each replayed from the audit trail.
    report = season.page_of(BOARD[0])
    report.goto(f"/reports/cycles/{cycle}")
    text = report.locator("main").inner_text()
    assert "The shortlist round" in text and "The final round's panel and its expertise" in text
    assert "the shortlist matches the chair's decision" in text
    assert "the result matches the ratified decision" in text
    assert "The two strongest contributions go on to the final jury." in text
    snap(report, "shortlist-report")
    assert "Audit chain intact" in season.install.flask("audit", "verify")
