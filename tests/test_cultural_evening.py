"""The cultural evening (issue 21): the Cultural Award's running order, set
by the secretariat or the cycle's chair and validated at its fields; the
stage called next and back, audited with ids only; the judge following it
on their own page and scoring in running order; and who may see what."""

import re

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent, Nomination, Performance
from awards_app.services import conflicts, scoring
from tests import builders, factories
from tests.factories import PASSWORD


@pytest.fixture
def evening(ctx):
    """A Cultural Award cycle in judging: three judges (the first chairs),
    three eligible delegations, every judge assigned and attested."""
    cycle, judges, noms = builders.judging_cycle("cultural_award", nominations=3)
    names = {n.id: n.candidate.name for n in noms}
    return {"cycle": cycle, "chair": judges[0], "judge": judges[1], "other": judges[2], "noms": noms,
            "names": names, "admin": factories.UserFactory(roles=("admin",))}


def login(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def order_form(places: dict, titles: dict | None = None) -> dict:
    """The running order form: {nomination id: place typed}."""
    form = {"nomination": [str(nid) for nid in places]}
    for nid, place in places.items():
        form[f"position-{nid}"] = str(place)
        form[f"title-{nid}"] = (titles or {}).get(nid, "")
    return form


def saved_order(cycle) -> list[tuple[int, int, str | None]]:
    db.session.expire_all()
    return [(p.position, p.nomination_id, p.title) for p in db.session.scalars(
        select(Performance).where(Performance.cycle_id == cycle.id).order_by(Performance.position))]


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def set_reverse_order(client, w):
    """The chair puts the delegations on stage in the reverse of their numbers (not the order by id)."""
    a, b, c = (n.id for n in w["noms"])
    login(client, w["chair"])
    response = client.post(f"/cycles/{w['cycle'].id}/running-order",
                           data=order_form({a: 3, b: 2, c: 1}, {c: "Dances of the Andes"}))
    assert response.status_code == 303
    return [c, b, a]


def call(client, w, direction, seen=None):
    data = {"direction": direction}
    if seen is not None:
        data["seen"] = str(seen)
    return client.post(f"/cycles/{w['cycle'].id}/running-order/stage", data=data)


def on_stage(cycle):
    db.session.expire_all()
    called = [p for p in db.session.scalars(select(Performance).where(Performance.cycle_id == cycle.id))
              if p.on_stage_at is not None]
    return max(called, key=lambda p: p.on_stage_at).nomination_id if called else None


# --- setting the order -------------------------------------------------------------

def test_the_chair_sets_the_order_and_the_record_holds_ids_only(client, evening):
    w = evening
    login(client, w["chair"])
    page = client.get(f"/cycles/{w['cycle'].id}/running-order")
    assert page.status_code == 200
    for name in w["names"].values():
        assert name in page.text
    order = set_reverse_order(client, w)
    assert [nid for _, nid, _ in saved_order(w["cycle"])] == order
    assert saved_order(w["cycle"])[0] == (1, order[0], "Dances of the Andes")
    [event] = events("running_order.set")
    assert event.payload == {"order": order, "removed": []}
    assert event.actor_id == w["chair"].id and event.cycle_id == w["cycle"].id
    text = repr(event.payload)
    assert "Andes" not in text and not any(name in text for name in w["names"].values())


def test_gaps_close_up_and_the_secretariat_may_reorder(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    login(client, w["admin"])
    assert client.post(f"/cycles/{w['cycle'].id}/running-order",
                       data=order_form({a: 10, b: 20, c: 5})).status_code == 303
    assert [(p, nid) for p, nid, _ in saved_order(w["cycle"])] == [(1, c), (2, a), (3, b)]


def test_duplicate_and_missing_places_are_refused_at_their_fields_keeping_what_was_typed(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    login(client, w["chair"])
    response = client.post(f"/cycles/{w['cycle'].id}/running-order",
                           data=order_form({a: 2, b: 2, c: ""}, {a: "Songs of the sea"}))
    assert response.status_code == 400
    html = response.text
    # Each problem next to its own field, with its rule id.
    assert re.search(rf'id="position-{a}-error">[^<]*\[running_order.position_taken\]', html)
    assert re.search(rf'id="position-{b}-error">[^<]*\[running_order.position_taken\]', html)
    assert re.search(rf'id="position-{c}-error">[^<]*\[running_order.position_missing\]', html)
    assert 'value="Songs of the sea"' in html  # nothing typed is lost
    assert saved_order(w["cycle"]) == [] and events("running_order.set") == []
    response = client.post(f"/cycles/{w['cycle'].id}/running-order", data=order_form({a: "first", b: 0, c: 1}))
    assert response.status_code == 400
    assert re.search(rf'id="position-{a}-error">[^<]*\[running_order.position_number\]', response.text)
    assert re.search(rf'id="position-{b}-error">[^<]*\[running_order.position_number\]', response.text)


def test_a_nomination_of_another_cycle_or_not_eligible_is_refused_at_its_field(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    other_cycle = builders.open_cycle("cultural_award", year=2029)
    stranger = builders.eligible_delegation_nomination(other_cycle)
    w["noms"][2].state = "withdrawn"
    db.session.commit()
    login(client, w["chair"])
    response = client.post(f"/cycles/{w['cycle'].id}/running-order",
                           data=order_form({a: 1, b: 2, c: 3, stranger.id: 4}))
    assert response.status_code == 400
    assert re.search(rf'id="position-{c}-error">[^<]*\[running_order.not_eligible\]', response.text)
    assert re.search(rf'id="position-{stranger.id}-error">[^<]*\[running_order.not_in_cycle\]', response.text)
    assert saved_order(w["cycle"]) == []
    # Without the two, the order is saved: the withdrawn delegation no longer performs.
    assert client.post(f"/cycles/{w['cycle'].id}/running-order",
                       data=order_form({a: 1, b: 2})).status_code == 303
    assert [nid for _, nid, _ in saved_order(w["cycle"])] == [a, b]


def test_an_eligible_nomination_left_out_of_the_form_is_refused(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    login(client, w["chair"])
    response = client.post(f"/cycles/{w['cycle'].id}/running-order", data=order_form({a: 1, b: 2}))
    assert response.status_code == 400
    # The missing one is back on the page, its problem at its place.
    assert re.search(rf'id="position-{c}-error">[^<]*\[running_order.incomplete\]', response.text)
    assert saved_order(w["cycle"]) == []


def test_moving_a_performance_up_renumbers_the_page_and_saves_nothing(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    login(client, w["chair"])
    response = client.post(f"/cycles/{w['cycle'].id}/running-order",
                           data=order_form({a: 1, b: 2, c: 3}, {c: "Drums"}) | {"move": f"up-{c}"})
    assert response.status_code == 200
    assert f'name="position-{c}" value="2"' in response.text and f'name="position-{b}" value="3"' in response.text
    assert 'value="Drums"' in response.text
    assert saved_order(w["cycle"]) == []


# --- the stage ---------------------------------------------------------------------

def test_calling_next_and_previous_moves_now_on_stage_and_is_audited(client, evening):
    w = evening
    order = set_reverse_order(client, w)
    first_call = events("running_order.set")[-1].seq
    performance = {nid: pid for pid, nid in db.session.execute(
        select(Performance.id, Performance.nomination_id).where(Performance.cycle_id == w["cycle"].id))}
    assert on_stage(w["cycle"]) is None
    assert call(client, w, "previous").status_code == 303  # nothing on stage yet: refused, nothing moves
    assert on_stage(w["cycle"]) is None
    assert call(client, w, "next", seen=0).status_code == 303
    assert on_stage(w["cycle"]) == order[0]
    assert call(client, w, "next", seen=performance[order[0]]).status_code == 303
    assert on_stage(w["cycle"]) == order[1]
    assert call(client, w, "previous", seen=performance[order[1]]).status_code == 303
    assert on_stage(w["cycle"]) == order[0]
    # A press made on a stale page (another chair already moved it) calls nothing.
    response = call(client, w, "next", seen=performance[order[1]])
    assert response.status_code == 303 and on_stage(w["cycle"]) == order[0]
    page = client.get(f"/cycles/{w['cycle'].id}/running-order")
    assert "[edit.stale]" in page.text
    calls = [e for e in events("running_order.on_stage") if e.seq > first_call]
    assert [(e.payload["nomination_id"], e.payload["direction"]) for e in calls] == [
        (order[0], "next"), (order[1], "next"), (order[0], "previous")]
    assert set(calls[0].payload) == {"nomination_id", "position", "direction", "from_nomination_id"}
    assert calls[1].payload["from_nomination_id"] == order[0]
    assert all(e.actor_id == w["chair"].id and e.object_type == "performance" for e in calls)


def test_the_last_performance_has_no_next(client, evening):
    w = evening
    set_reverse_order(client, w)
    for _ in range(3):
        assert call(client, w, "next").status_code == 303
    last = on_stage(w["cycle"])
    count = len(events("running_order.on_stage"))
    call(client, w, "next")
    assert on_stage(w["cycle"]) == last and len(events("running_order.on_stage")) == count
    assert "[running_order.at_end]" in client.get(f"/cycles/{w['cycle'].id}/running-order").text


# --- the judge's page ----------------------------------------------------------------

def test_the_judge_sees_now_next_previous_and_their_sheets(client, evening):
    w = evening
    order = set_reverse_order(client, w)
    call(client, w, "next")
    call(client, w, "next")  # order[1] on stage
    sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == w["judge"].id,
                                                       Assignment.nomination_id == order[0]))
    scoring.submit(w["judge"], sheet, {c.code: ("3", "") for c in w["cycle"].criteria})
    db.session.commit()
    login(client, w["judge"])
    page = client.get(f"/judge/cycles/{w['cycle'].id}/evening")
    assert page.status_code == 200
    html = page.text
    now = html[html.index("Now on stage"):html.index(">Next<")]
    assert w["names"][order[1]] in now
    upcoming = html[html.index(">Next<"):html.index(">Previous<")]
    assert w["names"][order[2]] in upcoming
    before = html[html.index(">Previous<"):html.index("</dl>")]
    assert w["names"][order[0]] in before and "Dances of the Andes" in before
    assert f'href="/judge/nominations/{order[1]}"' in html  # the sheet for the one on stage
    assert "Score the performance on stage" in html
    listing = html[html.index('class="evening-list"'):]
    positions = [listing.index(w["names"][nid]) for nid in order]
    assert positions == sorted(positions)  # the whole order, in running order
    assert re.search(rf'href="/judge/nominations/{order[0]}"[^>]*>submitted<', listing)
    assert re.search(rf'href="/judge/nominations/{order[2]}"[^>]*>to score<', listing)
    # Each link names its delegation for a screen reader, not only "to score".
    assert f'aria-label="To score: {w["names"][order[2]]}"' in listing.replace("&#39;", "'")
    assert f'aria-label="Submitted: {w["names"][order[0]]}"' in listing.replace("&#39;", "'")
    assert 'http-equiv="refresh"' in html and ">↻ Refresh<" in html.replace("\n", "")


def test_the_dashboard_links_the_evening_once_the_order_is_set(client, evening):
    w = evening
    login(client, w["judge"])
    assert f"/judge/cycles/{w['cycle'].id}/evening" not in client.get("/judge/").text
    set_reverse_order(client, w)
    login(client, w["judge"])
    assert f"/judge/cycles/{w['cycle'].id}/evening" in client.get("/judge/").text


def test_a_performance_hidden_by_a_conflict_keeps_its_place_without_its_name(client, evening):
    w = evening
    order = set_reverse_order(client, w)
    call(client, w, "next")  # order[0] on stage
    hidden = db.session.get(Nomination, order[0])
    conflicts.declare(w["judge"], hidden, "family", "My cousin dances in it.")
    db.session.commit()
    login(client, w["judge"])
    html = client.get(f"/judge/cycles/{w['cycle'].id}/evening").text
    assert w["names"][order[0]] not in html and "Dances of the Andes" not in html
    assert f"/judge/nominations/{order[0]}" not in html
    assert html.count("A performance you do not judge") == 2  # on stage now, and its place in the order
    assert w["names"][order[1]] in html and w["names"][order[2]] in html


def test_the_sheets_next_link_follows_the_running_order(client, evening):
    w = evening
    order = set_reverse_order(client, w)  # the highest id performs first
    login(client, w["judge"])
    html = client.get(f"/judge/nominations/{order[0]}").text
    assert re.search(rf'href="/judge/nominations/{order[1]}"[^>]*>Next on stage', html)
    html = client.get(f"/judge/nominations/{order[1]}").text
    assert re.search(rf'href="/judge/nominations/{order[2]}"[^>]*>Next on stage', html)
    # After the last on stage, back to the first still open.
    html = client.get(f"/judge/nominations/{order[2]}").text
    assert re.search(rf'href="/judge/nominations/{order[0]}"[^>]*>Next on stage', html)
    # A submitted sheet is skipped.
    sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == w["judge"].id,
                                                       Assignment.nomination_id == order[1]))
    scoring.submit(w["judge"], sheet, {c.code: ("3", "") for c in w["cycle"].criteria})
    db.session.commit()
    html = client.get(f"/judge/nominations/{order[0]}").text
    assert re.search(rf'href="/judge/nominations/{order[2]}"[^>]*>Next on stage', html)


def test_without_a_running_order_the_next_link_goes_by_number(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    login(client, w["judge"])
    html = client.get(f"/judge/nominations/{a}").text
    assert re.search(rf'href="/judge/nominations/{b}"[^>]*>Next nomination', html)


# --- who may -------------------------------------------------------------------------

def test_only_the_panels_judges_see_the_evening(client, evening):
    w = evening
    set_reverse_order(client, w)
    url = f"/judge/cycles/{w['cycle'].id}/evening"
    client.post("/logout")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    unassigned = builders.judge("off-panel@example.org", fields=("performing_arts",))
    nominator = w["noms"][0].nominator
    db.session.commit()
    for who in (unassigned, nominator, w["admin"]):
        login(client, who)
        assert client.get(url).status_code == 404, who.email
    for who in (w["chair"], w["judge"], w["other"]):
        login(client, who)
        assert client.get(url).status_code == 200, who.email


def test_only_the_secretariat_and_the_chair_set_the_order_and_call_the_stage(client, evening):
    w = evening
    a, b, c = (n.id for n in w["noms"])
    url = f"/cycles/{w['cycle'].id}/running-order"
    elsewhere = builders.open_cycle("cultural_award", year=2029)
    from awards_app.services import panels
    from tests.factories import TESTS_ACTOR
    chair_elsewhere = builders.judge("chair-elsewhere@example.org", roles=("judge", "chair"))
    panels.add_member(TESTS_ACTOR, elsewhere, chair_elsewhere, "chair")
    nominator = w["noms"][0].nominator
    db.session.commit()
    client.post("/logout")
    assert client.get(url).status_code == 302
    assert client.post(url, data=order_form({a: 1, b: 2, c: 3})).status_code in (302, 401)  # to the login
    for who in (nominator, chair_elsewhere, w["judge"]):
        login(client, who)
        assert client.get(url).status_code == 404, who.email
        assert client.post(url, data=order_form({a: 1, b: 2, c: 3})).status_code == 404, who.email
    assert saved_order(w["cycle"]) == []
    set_reverse_order(client, w)
    # A judge of the panel sees the evening but does not run it: 403, and the stage does not move.
    login(client, w["judge"])
    assert call(client, w, "next").status_code == 403
    for who in (nominator, chair_elsewhere):
        login(client, who)
        assert call(client, w, "next").status_code == 404
    assert on_stage(w["cycle"]) is None and events("running_order.on_stage") == []


def test_an_award_performed_on_no_stage_has_no_running_order(client, ctx):
    cycle, judges, noms = builders.judging_cycle("best_delegation_award")
    admin = factories.UserFactory(roles=("admin",))
    db.session.commit()
    for who in (admin, judges[0]):
        login(client, who)
        assert client.get(f"/cycles/{cycle.id}/running-order").status_code == 404
    login(client, judges[1])
    assert client.get(f"/judge/cycles/{cycle.id}/evening").status_code == 404
