"""A whole MILSET Volunteer Award season on an empty production install,
through the pages only, to the laureate on the public page. What goes
wrong: the secretariat must hold it in an even year, which takes the
board's recorded override; the Executive Committee must hear the candidate
before it may vote; and it first sends the recommendation back, so the
panel recommends again and the committee hears the candidate again."""

from datetime import date

from tests.acceptance.steps import BOARD, CHAIR, JUDGES, Person, Season, errors_on, snap, submit

MEMBER = "Youth Science Canada"
NOMINATOR = Person("nominator@ysc.example", "Marc Tremblay", ("nominator",), MEMBER)
ENDORSER = "director@ysc.example"


def test_a_volunteer_award_season_in_an_even_year(production_install, people):
    season = Season.begin(production_install, people, organisations=[(MEMBER, "Canada", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))

    # 2028 is an even year: the criteria cannot be published until the board overrides.
    cycle = season.create_cycle("volunteer_award", 2028, deadline="2028-03-31")
    season.admin.goto(f"/cycles/{cycle}")
    waiting = season.admin.locator("main .actions").inner_text()
    assert "Not yet" in waiting and "volunteer.odd_year" in waiting, waiting
    snap(season.admin, "volunteer-not-yet")
    for member in BOARD:
        page = season.page_of(member)
        page.goto(f"/cycles/{cycle}/odd-year-override")
        page.fill("main textarea[name=reason]", "The 2027 edition was postponed by the pandemic's aftermath.")
        assert submit(page, f"/cycles/{cycle}/odd-year-override") == 200
        assert not errors_on(page)
    snap(season.page_of(BOARD[2]), "volunteer-override")
    season.fire(season.admin, "publish_criteria")
    season.fire(season.admin, "open_call")

    # The candidature, endorsed by the candidate's own organisation through its link.
    nomination = season.draft_individual(
        NOMINATOR, "Sofia Lindqvist", email="sofia.lindqvist@example.org", country="Canada",
        organisation=MEMBER, born="2001-06-14", years="7",
        statement="Seven years running weekend science camps for newcomers' children.")
    season.request_endorsement(NOMINATOR, nomination, ENDORSER)
    season.endorse(ENDORSER, "Claire Dubois", MEMBER, "Executive director",
                   "Sofia built our newcomers' camps from nothing.")
    assert season.submit_nomination(NOMINATOR, nomination) == 200
    assert season.nomination_state(nomination) == "submitted"

    season.fire(season.admin, "close_call")
    season.screen(nomination, "eligible")

    season.judging_opens(CHAIR, JUDGES, ("youth_volunteering", "science_outreach"),
                         "Ran a national volunteer programme for ten years.")
    for judge in (CHAIR, *JUDGES):
        season.score(judge, nomination, 4)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "An exemplary volunteer, endorsed by her organisation.")
    assert season.state() == "hearing"

    # The Executive Committee votes only once it has heard the candidate.
    board = season.page_of(BOARD[0])
    board.goto(f"/board/cycles/{cycle}")
    board.check("main input[name=vote][value=approve]")
    submit(board, f"/board/cycles/{cycle}")
    assert "volunteer.hearing_held" in board.locator("main").inner_text()
    record_hearing(season, cycle, "The Committee heard Sofia Lindqvist by video for 20 minutes.")
    snap(season.admin, "volunteer-hearing")

    # The committee sends the rationale back: it names no example from her own organisation.
    season.board_vote(BOARD[0], "approve")
    for member in BOARD[1:]:
        season.board_vote(member, "reject", "The rationale should say what her camps changed for the children.")
    assert season.state() == "deliberation"
    assert season.nomination_state(nomination) == "eligible"
    season.recommend(CHAIR, "Her camps brought 300 newcomers' children to science; two now volunteer themselves.")
    assert season.state() == "hearing"
    chair = season.page_of(CHAIR)
    chair.goto(f"/chair/cycles/{cycle}")
    assert "Rejected" in chair.locator("main").inner_text()  # the first proposal stays in the record
    record_hearing(season, cycle, "The Committee heard Sofia Lindqvist again, with her director.")
    season.ratified_and_announced(BOARD)

    listed = season.public_laureates(season.who["public"])
    assert "Sofia Lindqvist" in listed
    assert "Audit chain intact" in season.install.flask("audit", "verify")


def record_hearing(season, cycle, minutes: str) -> None:
    season.admin.goto(f"/cycles/{cycle}/hearing")
    season.admin.fill("main input[name=held_on]", date.today().isoformat())  # held today: it cannot be recorded before
    for member in BOARD:
        season.admin.locator("main select[name=present] option", has_text=member.name).evaluate(
            "option => option.selected = true")
    season.admin.fill("main textarea[name=minutes]", minutes)
    assert submit(season.admin, f"/cycles/{cycle}/hearing") == 200
    assert not errors_on(season.admin)
