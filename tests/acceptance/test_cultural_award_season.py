"""A whole ESI Cultural Award season on an empty production install,
through the pages only, to the laureate delegations on the public page.
What goes wrong: after the announcement the board learns that one laureate
performance broke the rules; a member proposes an amendment, the board
votes it at quorum, and the public page follows the amended decision."""

from tests.acceptance.steps import Person, Season, snap, submit

ADMIN, ADMIN_PASSWORD = "secretariat@milset.example", "first light over quebec 1987"
HOST = "Clube de Ciência Júnior"
SPAIN, ITALY, GERMANY = "Jóvenes Científicos de España", "Giovani Scienziati Italia", "Jugend forscht Netzwerk"

NOMINATOR = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"))
JUDGES = (Person("judge1@milset.example", "Ana Souza", ("judge",)),
          Person("judge2@milset.example", "Kenji Watanabe", ("judge",)))
BOARD = (Person("board1@milset.example", "Bruno Keller", ("board",)),
         Person("board2@milset.example", "Beatriz Ramos", ("board",)),
         Person("board3@milset.example", "Bongani Dlamini", ("board",)))
PARTICIPANTS = "name,birth_date,role\nMia Vogel,2009-03-03,participant\nJan Roth,1975-07-07,leader\n"


def test_a_cultural_award_season_amended_by_the_board(production_install, people, tmp_path):
    season = Season(production_install(ADMIN, ADMIN_PASSWORD), None)
    season.who = people(season.install)
    season.open(ADMIN, ADMIN_PASSWORD)
    season.organisation(HOST, "Portugal", "accredited")
    for name, country in ((SPAIN, "Spain"), (ITALY, "Italy"), (GERMANY, "Germany")):
        season.organisation(name, country)
    season.esi(19, 2027, "Lisbon", "Portugal", host=HOST)
    season.invite(NOMINATOR, CHAIR, *JUDGES, *BOARD)
    for organisation in (SPAIN, ITALY, GERMANY):
        season.delegation(organisation, 2027, PARTICIPANTS, tmp_path)

    season.create_cycle("cultural_award", 2027, esi="Lisbon", deadline="2027-07-14")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")
    entries = {name: season.draft_delegation(NOMINATOR, name, "A performance that held the whole hall.")
               for name in (SPAIN, ITALY, GERMANY)}
    for nomination in entries.values():
        assert season.submit_nomination(NOMINATOR, nomination) == 200
    season.fire(season.admin, "close_call")
    for nomination in entries.values():
        season.screen(nomination, "eligible")

    for judge, field_code in ((CHAIR, "performing_arts"), (JUDGES[0], "cultural_heritage"),
                              (JUDGES[1], "performing_arts")):
        season.record_expertise(judge, field_code, "Twenty years directing youth theatre festivals.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")
    for judge in JUDGES:
        season.add_to_panel(judge)
    season.assign_automatically(CHAIR)
    season.fire(season.page_of(CHAIR), "open_judging")
    for judge in (CHAIR, *JUDGES):
        for name, pill in ((SPAIN, 4), (ITALY, 3), (GERMANY, 2)):
            season.score(judge, entries[name], pill)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "Spain and Italy held the hall; Germany close behind.")
    for member in BOARD:
        season.board_vote(member, "approve")
    season.fire(season.admin, "announce")
    listed = season.public_laureates(season.who["public"])
    assert SPAIN in listed and ITALY in listed and GERMANY not in listed

    # Italy's troupe turns out to have been professional: a member proposes the amendment.
    proposer = season.page_of(BOARD[0])
    proposer.goto(f"/board/cycles/{season.cycle_id}/amendment")
    proposer.check(f"main input[name=laureates][value='{entries[SPAIN]}']")
    proposer.uncheck(f"main input[name=laureates][value='{entries[ITALY]}']")
    proposer.check(f"main input[name=laureates][value='{entries[GERMANY]}']")
    proposer.fill("main textarea[name=reason]",
                  "Italy's troupe was professional, against the award's rules; Germany was next.")
    assert submit(proposer, f"/board/cycles/{season.cycle_id}/amendment") == 200
    snap(proposer, "cultural-amendment-proposed")
    # One member's proposal changes nothing until the board votes it at quorum.
    assert ITALY in season.public_laureates(season.who["public"])
    for member in BOARD:
        season.board_vote(member, "approve")
    listed = season.public_laureates(season.who["public"])
    assert SPAIN in listed and GERMANY in listed and ITALY not in listed
    assert season.nomination_state(entries[ITALY]) == "not_selected"
    assert season.nomination_state(entries[GERMANY]) == "laureate"
    assert "Audit chain intact" in season.install.flask("audit", "verify")
