"""What a reader learns of an object depends on the object (issue 23, item 1):
a board member who judges a cycle reads none of its audit events while
its results are hidden; a judge reads a dossier only once they attested
"no conflict" with it, and never the fields the pages keep from judges;
a chair adding a panel member learns no account's name."""

from awards_app.extensions import db
from awards_app.models import Assignment


def _events(api, token, **query) -> list[dict]:
    """Every audit event the token may read, page by page."""
    events, page = [], 1
    while True:
        params = "&".join(f"{k}={v}" for k, v in {**query, "page": page, "page_size": 100}.items())
        response = api.get(f"/api/v1/audit-events?{params}", token)
        assert response.status_code == 200, response.get_json()
        if not response.json:
            return events
        events += response.json
        page += 1


def _submit_scores(judge, nomination):
    from sqlalchemy import select

    from awards_app.services import scoring

    sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                       Assignment.nomination_id == nomination.id))
    scoring.submit(judge, sheet, {c.code: ("3", "A fine case.") for c in nomination.cycle.criteria})
    db.session.commit()


# --- 1. the audit trail, as its reader may see it now -----------------------------------

def test_a_board_member_judging_the_cycle_reads_none_of_its_events_while_results_are_hidden(api, world):
    """The finding: a judge on the board read the others' submitted scores and
    the conflicts they declared through /api/v1/audit-events during judging."""
    cycle, chair, judges = world.cycle, world.chair, world.judges
    assert chair.has_role("board")  # judge0 chairs the panel and sits on the board
    _submit_scores(judges[1], world.nominations[1])

    board = _events(api, world.tokens["board"])
    of_cycle = {e["action"] for e in board if e["cycle_id"] == cycle.id}
    assert {"score.submitted", "conflict.declared"} <= of_cycle  # the board member off the panel reads them

    chair_sees = _events(api, world.tokens["chair"])
    assert [e for e in chair_sees if e["cycle_id"] == cycle.id] == []
    assert _events(api, world.tokens["chair"], cycle_id=cycle.id) == []
    assert _events(api, world.tokens["chair"], action="score.submitted") == []
    # Events of cycles they do not judge, and of no cycle, stay in their trail.
    assert any(e["cycle_id"] == world.open_cycle.id for e in chair_sees)
    assert any(e["cycle_id"] is None for e in chair_sees)


def test_once_results_are_visible_a_judging_reader_gets_the_scores_not_the_others_conflicts(api, world):
    cycle, chair, judges = world.cycle, world.chair, world.judges
    _submit_scores(judges[1], world.nominations[1])
    cycle.state = "deliberation"  # the workflow shows the panel's results from here
    assert cycle.award_type.workflow.results_visible(cycle.state)
    db.session.commit()

    chair_sees = _events(api, world.tokens["chair"], cycle_id=cycle.id)
    actions = {e["action"] for e in chair_sees}
    assert "score.submitted" in actions
    # judges[2]'s declaration and its note stay out; the chair's own attestations are theirs.
    assert not [e for e in chair_sees if e["action"].startswith("conflict.") and e["actor_id"] != chair.id]
    assert any(e["action"] == "conflict.attested_none" and e["actor_id"] == chair.id for e in chair_sees)
    # The auditor, who judges nothing, reads all of it.
    auditor_sees = _events(api, world.tokens["auditor"], cycle_id=cycle.id)
    declared = [e for e in auditor_sees if e["action"] == "conflict.declared"]
    assert declared and declared[0]["payload"]["note"] == "My cousin leads it."
