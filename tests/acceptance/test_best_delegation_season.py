"""A whole ESI Best Delegation Award season on an empty production install,
through the pages only, to the laureate delegation on the public page. What
goes wrong: two delegations tie at the top and the declared chain cannot
separate them; the chair records the panel's vote on its page, recommends,
and the audit report's replay reproduces the tie-break as a match."""

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, NOMINATOR, Season, no_errors, snap, submit

BRAZIL, JAPAN = "Rede Brasileira de Jovens Cientistas", "Japan Youth Science Association"


def test_a_best_delegation_season_with_a_tie_at_the_top(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (BRAZIL, "Brazil", "member"),
                                         (JAPAN, "Japan", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "best_delegation_award", {
        BRAZIL: "Welcomed every delegation to its evening of music.",
        JAPAN: "Ran a shared robotics stand with four delegations."}, tmp_path)
    brazil, japan = entries[BRAZIL], entries[JAPAN]
    season.judging_opens(CHAIR, JUDGES, ("intercultural_exchange", "youth_work"),
                         "Led ESI delegations' exchange programmes.")
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

    season.ratified_and_announced(BOARD)
    listed = season.public_laureates(season.who["public"])
    assert BRAZIL in listed and JAPAN not in listed

    # The report replays the decision from the audit trail, tie-break included.
    board = season.page_of(BOARD[0])
    board.goto(f"/reports/cycles/{season.cycle_id}")
    report = board.locator("main").inner_text()
    assert "the result matches the ratified decision" in report, report
    snap(board, "best-delegation-report")
    assert "Audit chain intact" in season.install.flask("audit", "verify")
