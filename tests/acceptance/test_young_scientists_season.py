"""A whole ESI Young Scientists Award season on an empty production install,
through the pages only, to the laureate delegation on the public page. What
goes wrong: after every sheet is in, a judge realises she coached one of the
delegations; scoring cannot close while her declaration is open; the chair
confirms it, her sheet leaves the results, and the ranking changes."""

from tests.acceptance.steps import BOARD, HOST, JUDGES, NOMINATOR, Person, Season, snap, submit

MEXICO, INDIA = "Red Mexicana de Jóvenes Científicos", "Young Scientists India"
# MILSET asks that a member of the Executive Committee chair this jury of three.
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge", "board"))


def test_a_young_scientists_season_with_a_conflict_found_after_scoring(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (MEXICO, "Mexico", "member"),
                                         (INDIA, "India", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "young_scientists_award", {
        MEXICO: "Its ten-year-olds explained their experiments to everyone.",
        INDIA: "Its youngest led the shared stand's demonstrations."}, tmp_path, laureates=1)
    mexico, india = entries[MEXICO], entries[INDIA]
    season.judging_opens(CHAIR, JUDGES, ("science_education", "youth_work"),
                         "Twenty years of science clubs for children.")
    # Mexico leads only through Kenji's sheet: 3, 3 and 5 (3.67) against India's 4, 4 and 2 (3.33).
    for judge, on_mexico, on_india in ((CHAIR, 2, 3), (JUDGES[0], 2, 3), (JUDGES[1], 4, 1)):
        season.score(judge, mexico, on_mexico)
        season.score(judge, india, on_india)

    # Kenji remembers he coached Mexico's delegation last year.
    season.declare_conflict(JUDGES[1], mexico, "collaborator", "I coached this delegation's team in 2026.")
    chair = season.page_of(CHAIR)
    chair.goto(f"/cycles/{season.cycle_id}/events/close_scoring")
    if chair.locator(f"main form[action='/cycles/{season.cycle_id}/events/close_scoring']").count():
        submit(chair, f"/cycles/{season.cycle_id}/events/close_scoring")
    assert season.state() == "judging"
    chair.goto(f"/cycles/{season.cycle_id}")
    assert "conflicts.unresolved" in chair.locator("main").inner_text()
    season.resolve_conflict(CHAIR, JUDGES[1], mexico, "confirm")
    snap(season.page_of(CHAIR), "ysa-conflict-confirmed")
    season.fire(chair, "close_scoring")

    season.recommend(CHAIR, "India's youngest carried the shared stand.")
    assert season.nomination_state(india) == "recommended"
    assert season.nomination_state(mexico) == "eligible"
    season.ratified_and_announced(BOARD)
    listed = season.public_laureates(season.who["public"])
    assert INDIA in listed and MEXICO not in listed
    assert "Audit chain intact" in season.install.flask("audit", "verify")
