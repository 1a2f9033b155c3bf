"""A MILSET Award season on an empty production install, through the pages
only, to the host on the public page. What goes wrong: the ESI was entered
with the wrong host; the board rejects the designation with its reasons,
the secretariat corrects the edition and designates again, and the board
confirms the right host."""

from tests.acceptance.steps import BOARD, HOST, Season, errors_on, snap, submit

WRONG = "Ciência Viva"


def test_a_milset_award_season_where_the_board_rejects_the_wrong_host(production_install, people):
    season = Season.begin(production_install, people, esi_host=WRONG,
                          organisations=[(WRONG, "Portugal", "member"), (HOST, "Portugal", "accredited")],
                          cast=BOARD)

    season.create_cycle("milset_award", 2027, esi="Lisbon")
    season.fire(season.admin, "designate_host")
    assert season.state() == "designated"

    # The board sees the designated host and rejects it, each with the reason.
    for member in BOARD:
        page = season.page_of(member)
        page.goto(f"/board/cycles/{season.cycle_id}")
        assert WRONG in page.locator("main").inner_text()
        season.board_vote(member, "reject", f"The host of ESI 2027 is {HOST}, not {WRONG}.")
    assert season.state() == "draft"
    snap(season.page_of(BOARD[2]), "milset-award-rejected")

    # The secretariat corrects the edition's host and designates again.
    event_id = season.install.query("SELECT id FROM event WHERE year = 2027")[0][0]
    season.admin.goto(f"/reference/events/{event_id}")
    season.admin.select_option("main select[name=host]", label=HOST)
    assert submit(season.admin, f"/reference/events/{event_id}") == 200
    assert not errors_on(season.admin)
    season.fire(season.admin, "designate_host")
    page = season.page_of(BOARD[0])
    page.goto(f"/board/cycles/{season.cycle_id}")
    board_page = page.locator("main").inner_text()
    assert HOST in board_page and "Rejected" in board_page  # the history keeps the first proposal
    snap(page, "milset-award-second-proposal")
    season.ratified_and_announced(BOARD, announce="present")

    listed = season.public_laureates(season.who["public"])
    assert "MILSET Award" in listed and HOST in listed and WRONG not in listed
    assert "Audit chain intact" in season.install.flask("audit", "verify")
