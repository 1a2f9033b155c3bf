"""A whole Enrique Padilla Award season at an ESI on an empty production
install, through the pages only, to the laureate delegation on the public
page. What goes wrong: a board member belongs to the organisation of the
recommended delegation; the page lets them only recuse, and the decision
is taken by the others at quorum."""

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, NOMINATOR, Person, Season, errors_on, snap

CHILE, KENYA = "Explora Chile", "Kenya Science Clubs"
CONFLICTED = Person("board4@milset.example", "Rodrigo Fuentes", ("board",), CHILE)


def test_an_enrique_padilla_season_where_a_board_member_recuses(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (CHILE, "Chile", "member"),
                                         (KENYA, "Kenya", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, CONFLICTED, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "enrique_padilla_award", {
        CHILE: "Ran a shared stand with three other delegations.",
        KENYA: "Brought every young participant on stage."}, tmp_path)
    season.judging_opens(CHAIR, JUDGES, ("youth_participation",), "Coordinated youth delegations at five ESIs.")
    for judge in (CHAIR, *JUDGES):
        season.score(judge, entries[CHILE], 4)
        season.score(judge, entries[KENYA], 2)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "Chile's delegation drew every other delegation into its stand.")
    assert season.state() == "recommended"

    # The member from Chile's organisation may not approve: only recuse, and the page says why.
    member = season.page_of(CONFLICTED)
    member.goto(f"/board/cycles/{season.cycle_id}")
    assert member.locator("main input[name=vote][value=approve]").count() == 0
    assert CHILE in member.locator("main").inner_text()
    snap(member, "padilla-board-conflicted")
    season.board_vote(CONFLICTED, "recused")
    assert not errors_on(member)
    season.ratified_and_announced(BOARD)

    listed = season.public_laureates(season.who["public"])
    assert CHILE in listed and KENYA not in listed
    assert season.nomination_state(entries[KENYA]) == "not_selected"
    assert "Audit chain intact" in season.install.flask("audit", "verify")
