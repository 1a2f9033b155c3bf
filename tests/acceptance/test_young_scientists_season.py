"""A whole ESI Young Scientists Award season on an empty production install,
through the pages only, to the laureate delegation on the public page. What
goes wrong: after every sheet is in, a judge realises she coached one of the
delegations; scoring cannot close while her declaration is open; the chair
confirms it, her sheet leaves the results, and the ranking changes."""

from tests.acceptance.steps import Person, Season, snap, submit

ADMIN, ADMIN_PASSWORD = "secretariat@milset.example", "first light over quebec 1987"
HOST = "Clube de Ciência Júnior"
MEXICO = "Red Mexicana de Jóvenes Científicos"
INDIA = "Young Scientists India"

NOMINATOR = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)
# MILSET asks that a member of the Executive Committee chair this jury of three.
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge", "board"))
JUDGES = (Person("judge1@milset.example", "Ana Souza", ("judge",)),
          Person("judge2@milset.example", "Kenji Watanabe", ("judge",)))
BOARD = (Person("board1@milset.example", "Bruno Keller", ("board",)),
         Person("board2@milset.example", "Beatriz Ramos", ("board",)),
         Person("board3@milset.example", "Bongani Dlamini", ("board",)))
PARTICIPANTS = "name,birth_date,role\nPaula Ruiz,2016-10-10,participant\nDiego Mora,1985-05-05,leader\n"


def test_a_young_scientists_season_with_a_conflict_found_after_scoring(production_install, people, tmp_path):
    season = Season(production_install(ADMIN, ADMIN_PASSWORD), None)
    season.who = people(season.install)
    season.open(ADMIN, ADMIN_PASSWORD)
    season.organisation(HOST, "Portugal", "accredited")
    season.organisation(MEXICO, "Mexico")
    season.organisation(INDIA, "India")
    season.esi(19, 2027, "Lisbon", "Portugal", host=HOST)
    season.invite(NOMINATOR, CHAIR, *JUDGES, *BOARD)
    for organisation in (MEXICO, INDIA):
        season.delegation(organisation, 2027, PARTICIPANTS, tmp_path)

    season.create_cycle("young_scientists_award", 2027, esi="Lisbon", deadline="2027-07-16", laureates=1)
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")
    mexico = season.draft_delegation(NOMINATOR, MEXICO, "Its ten-year-olds explained their experiments to everyone.")
    india = season.draft_delegation(NOMINATOR, INDIA, "Its youngest led the shared stand's demonstrations.")
    for nomination in (mexico, india):
        assert season.submit_nomination(NOMINATOR, nomination) == 200
    season.fire(season.admin, "close_call")
    for nomination in (mexico, india):
        season.screen(nomination, "eligible")

    for judge, field_code in ((CHAIR, "science_education"), (JUDGES[0], "youth_work"),
                              (JUDGES[1], "science_education")):
        season.record_expertise(judge, field_code, "Twenty years of science clubs for children.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")
    for judge in JUDGES:
        season.add_to_panel(judge)
    season.assign_automatically(CHAIR)
    season.fire(season.page_of(CHAIR), "open_judging")
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
    for member in BOARD:
        season.board_vote(member, "approve")
    season.fire(season.admin, "announce")
    listed = season.public_laureates(season.who["public"])
    assert INDIA in listed and MEXICO not in listed
    assert "Audit chain intact" in season.install.flask("audit", "verify")
