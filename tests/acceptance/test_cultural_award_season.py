"""A whole ESI Cultural Award season on an empty production install,
through the pages only, to the laureate delegations on the public page.
What goes wrong: after the announcement the board learns that one laureate
performance broke the rules; a member proposes an amendment, the board
votes it at quorum, and the public page follows the amended decision."""

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, NOMINATOR, Season, snap, submit

SPAIN, ITALY, GERMANY = "Jóvenes Científicos de España", "Giovani Scienziati Italia", "Jugend forscht Netzwerk"


def test_a_cultural_award_season_amended_by_the_board(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (SPAIN, "Spain", "member"),
                                         (ITALY, "Italy", "member"), (GERMANY, "Germany", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "cultural_award", {
        name: "A performance that held the whole hall." for name in (SPAIN, ITALY, GERMANY)}, tmp_path)
    season.judging_opens(CHAIR, JUDGES, ("performing_arts", "cultural_heritage"),
                         "Twenty years directing youth theatre festivals.")
    for judge in (CHAIR, *JUDGES):
        for name, pill in ((SPAIN, 4), (ITALY, 3), (GERMANY, 2)):
            season.score(judge, entries[name], pill)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "Spain and Italy held the hall; Germany close behind.")
    season.ratified_and_announced(BOARD)
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
