"""The demo holds cycles a newcomer can act on at once, in every role:
screening to do, sheets to score, a tie to settle, a vote to cast, a
hearing to record."""

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType, Cycle

PASSWORD = "demo password for tests"


@pytest.fixture
def demo(runner, ctx, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0


def _cycle(code: str) -> Cycle:
    return db.session.scalar(select(Cycle).join(AwardType).where(AwardType.code == code, Cycle.year == 2027))


def _as(client, local: str):
    client.post("/logout")
    client.post("/login", data={"email": f"{local}@demo.milset.org", "password": PASSWORD})
    return client


def test_the_demos_cycles_of_the_coming_year_are_each_at_a_step_someone_can_take(demo, client):
    states = {code: _cycle(code).state for code in ("derek_gray_medal", "enrique_padilla_award", "cultural_award",
                                                    "milset_award", "volunteer_award", "best_delegation_award")}
    assert states == {"derek_gray_medal": "call_open", "enrique_padilla_award": "judging",
                      "cultural_award": "deliberation", "milset_award": "designated",
                      "volunteer_award": "hearing", "best_delegation_award": "call_open"}

    queue = _as(client, "admin").get("/screening/").get_data(as_text=True)
    assert "Hélène Marchetti" in queue and "Joseph Otieno" in queue

    dashboard = _as(client, "judge").get("/judge/").get_data(as_text=True)
    padilla = _cycle("enrique_padilla_award")
    assert f"/judge/cycles/{padilla.id}/declarations" in dashboard  # sheets waiting for Jules

    cultural = _cycle("cultural_award")
    chair = _as(client, "chair").get(f"/chair/cycles/{cultural.id}").get_data(as_text=True)
    assert "A tie at the last laureate place" in chair

    board = _as(client, "board2").get("/board/").get_data(as_text=True)
    assert f"/board/cycles/{_cycle('milset_award').id}" in board  # the designated host awaits the votes

    volunteer = _cycle("volunteer_award")
    hearing = _as(client, "admin").get(f"/cycles/{volunteer.id}/hearing")
    assert hearing.status_code == 200 and 'name="minutes"' in hearing.get_data(as_text=True)
