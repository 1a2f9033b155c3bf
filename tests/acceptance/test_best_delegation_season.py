"""A whole ESI Best Delegation Award season on an empty production install,
through the pages only, to the laureate delegation on the public page. What
goes wrong: two delegations tie at the top and the declared chain cannot
separate them; the chair records the panel's vote on its page, recommends,
and the audit report's replay reproduces the tie-break as a match."""

from tests.acceptance.steps import Person, Season, no_errors, snap, submit

ADMIN, ADMIN_PASSWORD = "secretariat@milset.example", "first light over quebec 1987"
HOST = "Clube de Ciência Júnior"
BRAZIL = "Rede Brasileira de Jovens Cientistas"
JAPAN = "Japan Youth Science Association"

NOMINATOR = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"))
JUDGES = (Person("judge1@milset.example", "Ana Souza", ("judge",)),
          Person("judge2@milset.example", "Kenji Watanabe", ("judge",)))
BOARD = (Person("board1@milset.example", "Bruno Keller", ("board",)),
         Person("board2@milset.example", "Beatriz Ramos", ("board",)),
         Person("board3@milset.example", "Bongani Dlamini", ("board",)))
PARTICIPANTS = "name,birth_date,role\nLia Costa,2010-02-02,participant\nRui Dias,1979-09-09,leader\n"


def test_a_best_delegation_season_with_a_tie_at_the_top(production_install, people, tmp_path):
    season = Season(production_install(ADMIN, ADMIN_PASSWORD), None)
    season.who = people(season.install)
    season.open(ADMIN, ADMIN_PASSWORD)
    season.organisation(HOST, "Portugal", "accredited")
    season.organisation(BRAZIL, "Brazil")
    season.organisation(JAPAN, "Japan")
    season.esi(19, 2027, "Lisbon", "Portugal", host=HOST)
    season.invite(NOMINATOR, CHAIR, *JUDGES, *BOARD)
    for organisation in (BRAZIL, JAPAN):
        season.delegation(organisation, 2027, PARTICIPANTS, tmp_path)

    season.create_cycle("best_delegation_award", 2027, esi="Lisbon", deadline="2027-07-16")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")
    brazil = season.draft_delegation(NOMINATOR, BRAZIL, "Welcomed every delegation to its evening of music.")
    japan = season.draft_delegation(NOMINATOR, JAPAN, "Ran a shared robotics stand with four delegations.")
    for nomination in (brazil, japan):
        assert season.submit_nomination(NOMINATOR, nomination) == 200
    season.fire(season.admin, "close_call")
    for nomination in (brazil, japan):
        season.screen(nomination, "eligible")

    for judge, field_code in ((CHAIR, "intercultural_exchange"), (JUDGES[0], "youth_work"),
                              (JUDGES[1], "intercultural_exchange")):
        season.record_expertise(judge, field_code, "Led ESI delegations' exchange programmes.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")
    for judge in JUDGES:
        season.add_to_panel(judge)
    season.assign_automatically(CHAIR)
    season.fire(season.page_of(CHAIR), "open_judging")
    for judge in (CHAIR, *JUDGES):
        for nomination in (brazil, japan):
            season.score(judge, nomination, 3)  # the same sheet for both: a perfect tie
    season.fire(season.page_of(CHAIR), "close_scoring")

    # Recommending the top is refused while the tie stands; the refusal leads to the vote's page.
    season.recommend(CHAIR, "The panel's vote decided between two fine delegations.")
    chair = season.page_of(CHAIR)
    assert season.state() == "deliberation"
    assert chair.url.endswith(f"/chair/cycles/{season.cycle_id}/tie"), chair.url
    assert "recommendation.unresolved_tie" in chair.locator("main").inner_text()
    snap(chair, "best-delegation-tie")
    text = chair.locator("main").inner_text()
    assert BRAZIL in text and JAPAN in text
    chair.check("main input[name=how][value=ballots]")
    judge_ids = dict(season.install.query("SELECT email, id FROM user_account"))
    for judge, nomination in ((CHAIR, brazil), (JUDGES[0], brazil), (JUDGES[1], japan)):
        chair.select_option(f"main select[name=ballot_{judge_ids[judge.email]}]", str(nomination))
    chair.fill("main textarea[name=minutes]", "Vote by show of hands at the panel's meeting in Lisbon, 16 July.")
    assert submit(chair, f"/chair/cycles/{season.cycle_id}/tie") == 200
    no_errors(chair)
    season.recommend(CHAIR, "The panel's vote decided between two fine delegations.")
    assert season.state() == "recommended"
    assert season.nomination_state(brazil) == "recommended"

    for member in BOARD:
        season.board_vote(member, "approve")
    season.fire(season.admin, "announce")
    listed = season.public_laureates(season.who["public"])
    assert BRAZIL in listed and JAPAN not in listed

    # The report replays the decision from the audit trail, tie-break included.
    board = season.page_of(BOARD[0])
    board.goto(f"/reports/cycles/{season.cycle_id}")
    report = board.locator("main").inner_text()
    assert "the result matches the ratified decision" in report, report
    snap(board, "best-delegation-report")
    assert "Audit chain intact" in season.install.flask("audit", "verify")
