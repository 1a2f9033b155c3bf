"""A whole Enrique Padilla Award season at an ESI on an empty production
install, through the pages only, to the laureate delegation on the public
page. What goes wrong: a board member belongs to the organisation of the
recommended delegation; the page lets them only recuse, and the decision
is taken by the others at quorum."""

from tests.acceptance.steps import Person, Season, errors_on, snap

ADMIN, ADMIN_PASSWORD = "secretariat@milset.example", "first light over quebec 1987"
HOST = "Clube de Ciência Júnior"
CHILE = "Explora Chile"
KENYA = "Kenya Science Clubs"

NOMINATOR = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"))
JUDGES = (Person("judge1@milset.example", "Ana Souza", ("judge",)),
          Person("judge2@milset.example", "Kenji Watanabe", ("judge",)))
CONFLICTED = Person("board1@milset.example", "Rodrigo Fuentes", ("board",), CHILE)
BOARD = (Person("board2@milset.example", "Beatriz Ramos", ("board",)),
         Person("board3@milset.example", "Bongani Dlamini", ("board",)),
         Person("board4@milset.example", "Bruno Keller", ("board",)))


def test_an_enrique_padilla_season_where_a_board_member_recuses(production_install, people, tmp_path):
    season = Season(production_install(ADMIN, ADMIN_PASSWORD), None)
    season.who = people(season.install)
    season.open(ADMIN, ADMIN_PASSWORD)
    season.organisation(HOST, "Portugal", "accredited")
    season.organisation(CHILE, "Chile")
    season.organisation(KENYA, "Kenya")
    season.esi(19, 2027, "Lisbon", "Portugal", host=HOST)
    season.invite(NOMINATOR, CHAIR, *JUDGES, CONFLICTED, *BOARD)
    for organisation in (CHILE, KENYA):
        season.delegation(organisation, 2027, "name,birth_date,role\nAna Pérez,2011-04-02,participant\n"
                          "Luis Soto,1980-01-15,leader\n", tmp_path)

    season.create_cycle("enrique_padilla_award", 2027, esi="Lisbon", deadline="2027-07-16")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")
    chile = season.draft_delegation(NOMINATOR, CHILE, "Ran a shared stand with three other delegations.")
    kenya = season.draft_delegation(NOMINATOR, KENYA, "Brought every young participant on stage.")
    for nomination in (chile, kenya):
        assert season.submit_nomination(NOMINATOR, nomination) == 200
    season.fire(season.admin, "close_call")
    for nomination in (chile, kenya):
        season.screen(nomination, "eligible")

    for judge in (CHAIR, *JUDGES):
        season.record_expertise(judge, "youth_participation", "Coordinated youth delegations at five ESIs.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")
    for judge in JUDGES:
        season.add_to_panel(judge)
    season.assign_automatically(CHAIR)
    season.fire(season.page_of(CHAIR), "open_judging")
    for judge in (CHAIR, *JUDGES):
        season.score(judge, chile, 4)
        season.score(judge, kenya, 2)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "Chile's delegation drew every other delegation into its stand.")
    assert season.state() == "recommended"

    # The member from Chile's organisation may not approve: only recuse.
    member = season.page_of(CONFLICTED)
    member.goto(f"/board/cycles/{season.cycle_id}")
    assert member.locator("main input[name=vote][value=approve]").count() == 0
    assert CHILE in member.locator("main").inner_text()  # the page says why: the same organisation
    snap(member, "padilla-board-conflicted")
    season.board_vote(CONFLICTED, "recused")
    assert not errors_on(member)
    for other in BOARD:
        season.board_vote(other, "approve")
    assert season.state() == "ratified"
    season.fire(season.admin, "announce")

    listed = season.public_laureates(season.who["public"])
    assert CHILE in listed and KENYA not in listed
    assert season.nomination_state(kenya) == "not_selected"
    assert "Audit chain intact" in season.install.flask("audit", "verify")
