"""A whole Derek Gray Medal season on an empty production install, through
the pages only, to the laureate on the public page. What goes wrong: one
nomination is not eligible, and the secretariat records it with its reason,
which the nominator reads; a past medallist, listed in the registry with his
accents, cannot be nominated again without them; a nominator whose
organisation is not a member may not nominate."""

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, Person, Season, errors_on, snap, submit

MEMBER = "Association Tunisienne des Jeunes Scientifiques"
NOMINATOR = Person("nominator@atjs.example", "Leila Ben Salah", ("nominator",), MEMBER)
OUTSIDER = Person("teacher@ccj.example", "Rita Gomes", ("nominator",), HOST)  # an accredited, not a member, body


def test_a_derek_gray_medal_season_with_an_ineligible_nomination(production_install, people):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(MEMBER, "Tunisia", "member"), (HOST, "Portugal", "accredited")],
                          cast=(NOMINATOR, OUTSIDER, CHAIR, *JUDGES, *BOARD))

    # The registry of past medallists, which "never received" reads.
    season.admin.goto("/admin/laureates/derek_gray_medal/new")
    season.admin.fill("main input[name=year]", "2013")
    season.admin.fill("main input[name=name]", "José Pérez")
    season.admin.select_option("main select[name=country]", label="Spain")
    assert submit(season.admin, "/admin/laureates/derek_gray_medal/new") == 200

    season.create_cycle("derek_gray_medal", 2027, esi="Lisbon", deadline="2027-03-31")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")

    # Only members, regional offices and the board nominate for the Medal.
    outsider = season.page_of(OUTSIDER)
    outsider.goto(f"/nominate/cycles/{season.cycle_id}/new")
    outsider.fill("main input[name=name]", "Marta Lopes")
    outsider.fill("main textarea[name=statement]", "Thirty years of science clubs in Porto.")
    submit(outsider, f"/nominate/cycles/{season.cycle_id}/new")
    assert "nomination.who_may_nominate" in outsider.locator("main").inner_text()

    # The 2013 medallist, typed without his accents, is recognised.
    again = season.draft_individual(NOMINATOR, "Jose Perez", country="Spain",
                                    statement="Forty years for the movement in Spain.")
    nominator = season.page_of(NOMINATOR)
    nominator.goto(f"/nominations/{again}/submit")
    submit(nominator, f"/nominations/{again}/submit")
    assert season.nomination_state(again) == "draft"
    assert "derek_gray.never_received" in nominator.locator("main").inner_text(), errors_on(nominator)

    # Two nominations from a member organisation.
    laureate = season.draft_individual(NOMINATOR, "Amina Diallo", email="amina.diallo@example.org",
                                       country="Senegal", statement="Founded twelve science clubs in Dakar.")
    refused = season.draft_individual(NOMINATOR, "Tomás Herrera", email="tomas.herrera@example.org",
                                      country="Chile", statement="Chaired the regional science fair for ten years.")
    for nomination in (laureate, refused):
        assert season.submit_nomination(NOMINATOR, nomination) == 200
        assert season.nomination_state(nomination) == "submitted"

    # Screening: the second is not eligible, and the nominator reads why.
    season.fire(season.admin, "close_call")
    season.admin.goto(f"/screening/{refused}")
    assert season.admin.locator("main input[name=verdict]:checked").count() == 0  # no verdict chosen for her
    snap(season.admin, "dgm-screening")
    reason = "Nominated by the organisation he chairs for its own work: the Medal honours a person's contribution."
    season.screen(refused, "ineligible", reason)
    season.screen(laureate, "eligible")
    assert season.nomination_state(refused) == "ineligible"
    nominator = season.page_of(NOMINATOR)
    nominator.goto(f"/nominations/{refused}")
    assert reason in nominator.locator("main").inner_text()

    # The panel, with recorded and vetted expertise in the Medal's fields.
    season.judging_opens(CHAIR, JUDGES, ("science_education", "youth_organisations"),
                         "Twenty years running national science fairs.")

    for judge in (CHAIR, *JUDGES):
        assert season.assigned(judge) == [laureate]
        season.score(judge, laureate, 3)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "A lasting contribution to the movement in West Africa.")
    assert season.state() == "recommended"
    assert season.nomination_state(laureate) == "recommended"

    season.ratified_and_announced(BOARD)
    assert season.nomination_state(laureate) == "laureate"

    public = season.who["public"]
    listed = season.public_laureates(public)
    assert "Amina Diallo" in listed and "Tomás Herrera" not in listed
    snap(public, "dgm-public-laureates")
    assert "Audit chain intact" in season.install.flask("audit", "verify")
