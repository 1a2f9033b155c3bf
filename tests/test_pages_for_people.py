"""Pages for people, not for the machine: no duplicate ids, no raw Mermaid,
no Python reprs, labels instead of codes, names instead of hashes, a
confirmation step before what cannot be undone, the chair's whole cycle."""

import re
from collections import Counter

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Nomination
from tests import builders

ID = re.compile(r'\sid="([^"]+)"')


def _duplicate_ids(html: str) -> list[str]:
    return [i for i, n in Counter(ID.findall(html)).items() if n > 1]


@pytest.fixture
def judging(ctx, auth):
    cycle, judges, noms = builders.judging_cycle()
    auth.login(judges[0].email)
    return cycle, judges, noms


def test_the_main_pages_have_no_duplicate_id(client, ctx, judging, auth, make_user):
    cycle, _judges, _noms = judging
    for url in (f"/cycles/{cycle.id}", f"/cycles/{cycle.id}/panel", f"/chair/cycles/{cycle.id}"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _duplicate_ids(page.get_data(as_text=True)) == [], url
    admin = make_user("admin@example.org", roles=("admin",))
    auth.logout()
    auth.login(admin.email)
    panel = client.get(f"/cycles/{cycle.id}/panel").get_data(as_text=True)
    assert 'name="new_judge-email"' in panel
    assert _duplicate_ids(panel) == []
    volunteer = builders.open_cycle("volunteer_award")
    make_user("nominator@example.org", roles=("nominator",))
    auth.logout()
    auth.login("nominator@example.org")
    client.post(f"/nominate/cycles/{volunteer.id}/new", data={
        "name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0", "organisation_id": "0",
        "statement": "Tireless."})
    nomination = db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'name="email"' in page
    assert _duplicate_ids(page) == []


def test_the_award_page_lists_the_steps_in_words_not_mermaid(client, ctx, auth, make_user):
    builders.award("volunteer_award")
    db.session.commit()
    make_user("judge@example.org", roles=("judge",))
    auth.login("judge@example.org")
    page = client.get("/awards/volunteer_award").get_data(as_text=True)
    assert "stateDiagram" not in page and "-->" not in page
    assert "Hearing" in page and "Send back to the panel → Deliberation" in page
    assert "Record the vote → Ratified" in page
