"""The judge's sheet with the rubric (issue 20, item 5): each criterion's
description and what each band of its scale means, in the judge's language;
a link to the judge's next open sheet; scores on the scale's steps only."""

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, Score
from awards_app.services import scoring
from tests import builders
from tests.factories import PASSWORD


@pytest.fixture
def judged(ctx):
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    first = cycle.criteria[0]
    first.description_en, first.description_fr = "What the delegation changed.", "Ce que la délégation a changé."
    first.descriptors = [{"min": 0, "max": 4, "en": "Little evidence", "fr": "Peu d'éléments"},
                         {"min": 5, "max": 10, "en": "Strong evidence"}]
    first.scale_min, first.scale_max, first.scale_step = 0, 5, 0.5
    db.session.commit()
    return cycle, judges, noms


def _sheet(client, judge, nomination):
    if not getattr(client, "_signed_in", None) == judge.id:
        assert client.post("/login", data={"email": judge.email, "password": PASSWORD}).status_code == 302
        client._signed_in = judge.id
    return client.get(f"/judge/nominations/{nomination.id}")


def test_the_sheet_shows_descriptors_and_description_in_the_judges_language(client, judged):
    cycle, judges, noms = judged
    judge = judges[1]
    judge.locale = "fr"
    db.session.commit()
    page = _sheet(client, judge, noms[0]).get_data(as_text=True)
    assert "Ce que la délégation a changé." in page
    assert "Peu d&#39;éléments" in page
    assert "Strong evidence" in page  # no French given: the English one
    assert 'aria-describedby="about-' in page  # the descriptors describe the criterion's scores


def test_the_next_nomination_link_goes_to_the_judges_next_open_sheet(client, judged):
    cycle, judges, noms = judged
    judge = judges[1]
    page = _sheet(client, judge, noms[0]).get_data(as_text=True)
    assert f'href="/judge/nominations/{noms[1].id}" rel="next"' in page
    last = _sheet(client, judge, noms[2]).get_data(as_text=True)
    assert f'href="/judge/nominations/{noms[0].id}" rel="next"' in last  # from the start again
    for nomination in noms[:2]:
        sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                           Assignment.nomination_id == nomination.id))
        scoring.submit(judge, sheet, {c.code: (str(c.scale_min), "Fine.") for c in cycle.criteria})
    db.session.commit()
    page = _sheet(client, judge, noms[2]).get_data(as_text=True)
    assert 'rel="next"' not in page and "No other sheet of yours is open in this cycle." in page


def test_scores_honour_the_scales_step(client, judged):
    cycle, judges, noms = judged
    judge, first = judges[1], cycle.criteria[0]
    page = _sheet(client, judge, noms[0]).get_data(as_text=True)
    assert f'name="score-{first.code}" value="2.5"' in page and f'name="score-{first.code}" value="5"' in page
    data = {"action": "save", f"score-{first.code}": "2.3"}
    refused = client.post(f"/judge/nominations/{noms[0].id}/scores", data=data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "[scoring.step]" in text and "steps of 0.5" in text
    assert client.post(f"/judge/nominations/{noms[0].id}/scores",
                       data={**data, f"score-{first.code}": "2.5"}).status_code == 303
    assert db.session.scalar(select(Score.value).where(Score.criterion_id == first.id)) == 2.5


def test_the_step_is_checked_by_the_service_whatever_the_page(judged):
    cycle, judges, noms = judged
    first = cycle.criteria[0]
    _, errors = scoring._parse(cycle.criteria, {first.code: ("4.25", "")}, complete=False)
    [problem] = errors[first.code]
    assert problem.rule == "scoring.step"
    assert scoring.scale_points(first) == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]
