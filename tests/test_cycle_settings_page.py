"""The secretariat's page of a cycle's settings (issue 20, item 1 and the
freezing of item 2): every declared setting with its widget, the award's
default beside it, refusals at the field with their rule ids, nothing saved
on refusal, and a setting frozen once the step it governs has begun."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.i18n import rule_message
from awards_app.models import AuditEvent, Cycle
from awards_app.services import cycles as cycle_service
from awards_app.services import transitions
from tests import builders
from tests.factories import TESTS_ACTOR

AWARD = "derek_gray_medal"


@pytest.fixture
def draft(ctx):
    cycle = cycle_service.create_cycle(TESTS_ACTOR, builders.award(AWARD), 2027,
                                       deadline=datetime.now(UTC) + timedelta(days=30))
    db.session.commit()
    return cycle


@pytest.fixture
def secretariat(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Sam Secretariat")
    auth.login("admin@example.org")
    return user


def _form(client, cycle) -> dict:
    """What the page's form sends as it stands (its fields' current values)."""
    from html.parser import HTMLParser

    found: dict = {}

    class Reader(HTMLParser):
        select = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and "disabled" not in a:
                if a.get("type") in ("radio", "checkbox"):
                    if "checked" in a:
                        found.setdefault(a["name"], []).append(a.get("value"))
                else:
                    found[a["name"]] = a.get("value") or ""
            elif tag == "select":
                self.select = a.get("name")
                found.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in a:
                found[self.select] = a.get("value")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    page = client.get(f"/cycles/{cycle.id}/settings")
    assert page.status_code == 200
    Reader().feed(page.get_data(as_text=True))
    return found


def _stored(cycle_id) -> dict:
    db.session.expire_all()
    return dict(db.session.get(Cycle, cycle_id).settings)


def test_the_secretariat_sets_rules_and_sees_them_on_the_cycle_page(client, draft, secretariat):
    page = client.get(f"/cycles/{draft.id}").get_data(as_text=True)
    assert f"/cycles/{draft.id}/settings" in page
    form = _form(client, draft)
    assert form["identity_threshold"] == "90" and form["aggregation_method"] == "weighted_mean"
    form.update(identity_threshold="85", board_quorum="5", aggregation_method="zscore")
    response = client.post(f"/cycles/{draft.id}/settings", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = _stored(draft.id)
    assert stored["identity_threshold"] == 85 and stored["board_quorum"] == 5
    assert stored["aggregation"]["method"] == "zscore"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.settings_changed")).all()
    assert len(events) == 1
    assert set(events[0].payload["after"]) == {"identity_threshold", "board_quorum", "aggregation"}
    assert events[0].payload["before"]["board_quorum"] == 3
    shown = client.get(f"/cycles/{draft.id}").get_data(as_text=True)
    assert "Standardised scores (z-scores)" in shown and "85" in shown
    again = client.get(f"/cycles/{draft.id}/settings").get_data(as_text=True)
    assert "this cycle differs" in again and "default: 90" in again, again[again.find("setting-identity"):][:1500]


@pytest.mark.parametrize("field, value, rule", [
    ("board_quorum", "0", "settings.board_quorum"),
    ("board_majority", "1.5", "settings.board_majority"),
    ("identity_threshold", "70", "settings.identity_threshold"),
    ("aggregation_method", "coin_toss", "settings.aggregation.method"),
    ("panel_min_size", "9", "settings.panel_size"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(client, draft, secretariat, field, value, rule):
    before = _stored(draft.id)
    form = _form(client, draft)
    if field != "board_quorum":
        form["board_quorum"] = "4"  # a good change beside the bad one, not saved either
    if field == "panel_min_size":
        form["panel_max_size"] = "5"
    form[field] = value
    response = client.post(f"/cycles/{draft.id}/settings", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and rule in page and "There is a problem" in page
    # What was typed is kept (a select offers only known methods: the good change beside it is kept).
    assert f'value="{value}"' in page or field == "aggregation_method"
    assert field == "board_quorum" or 'name="board_quorum" step="1" type="number" value="4"' in page
    assert _stored(draft.id) == before
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.settings_changed")).all() == []


def test_several_problems_are_refused_at_once(client, draft, secretariat):
    form = {**_form(client, draft), "board_quorum": "0", "identity_threshold": "70"}
    page = client.post(f"/cycles/{draft.id}/settings", data=form).get_data(as_text=True)
    assert 'id="board_quorum-error"' in page and 'id="identity_threshold-error"' in page


def test_after_the_call_opens_a_rule_of_the_call_is_frozen(client, draft, secretariat, app):
    for step in ("publish_criteria", "open_call"):
        transitions.fire_cycle_event(TESTS_ACTOR, draft, step, as_role="admin")
    db.session.commit()
    page = client.get(f"/cycles/{draft.id}/settings").get_data(as_text=True)
    assert "Frozen" in page and "approval" in page, page[page.find('setting-max_attachments'):][:800]
    with pytest.raises(cycle_service.ServiceError) as refused:
        cycle_service.update_settings(secretariat, draft, {"max_attachments": 3})
    assert refused.value.rule == "settings.frozen" and refused.value.field == "max_attachments"
    assert "call_open" in refused.value.message
    with app.test_request_context():  # a reader is told the setting and the steps in words
        shown = rule_message(refused.value.message)
    assert "“Files per nomination”" in shown and "“Call open”" in shown and "call_open" not in shown
    db.session.rollback()
    # The panel's rules still change until judging opens.
    form = {**_form(client, draft), "judges_per_nomination": "4", "max_attachments": "3"}
    assert client.post(f"/cycles/{draft.id}/settings", data=form).status_code == 303
    stored = _stored(draft.id)
    assert stored["judges_per_nomination"] == 4 and stored.get("max_attachments", 10) == 10


def test_a_rubric_stage_setting_is_refused_through_the_page_after_the_call_opens(client, draft, secretariat):
    form = _form(client, draft)
    for step in ("publish_criteria", "open_call"):
        transitions.fire_cycle_event(TESTS_ACTOR, draft, step, as_role="admin")
    db.session.commit()
    response = client.post(f"/cycles/{draft.id}/settings", data={**form, "version": str(draft.version),
                                                                   "endorsement_valid_days": "20"})
    # A frozen field is not offered by the page; one sent anyway is left as it was.
    assert response.status_code == 303
    assert _stored(draft.id).get("endorsement_valid_days", 14) == 14


def test_the_settings_page_is_the_secretariats_only(client, draft, make_user, auth):
    make_user("chair@example.org", roles=("chair",))
    make_user("nominator@example.org", roles=("nominator",))
    for who in ("chair@example.org", "nominator@example.org"):
        auth.login(who)
        assert client.get(f"/cycles/{draft.id}/settings").status_code == 404
        assert client.post(f"/cycles/{draft.id}/settings", data={"board_quorum": "1"}).status_code == 404
        auth.logout()
    assert _stored(draft.id)["board_quorum"] == 3


def _token(user) -> str:
    from awards_app.services import tokens as token_service

    _row, token = token_service.create(user, "tests")
    db.session.commit()
    return token


def test_the_api_patches_settings_with_the_same_service_and_rule_ids(client, draft, make_user):
    admin = make_user("admin@example.org", roles=("admin",))
    chair = make_user("chair@example.org", roles=("chair",))
    headers = {"Authorization": f"Bearer {_token(admin)}"}
    url = f"/api/v1/cycles/{draft.id}/settings"
    good = client.patch(url, headers=headers, json={"settings": {"board_quorum": 4,
                                                                  "aggregation": {"method": "median"}}})
    assert good.status_code == 200, good.get_json()
    assert good.get_json()["settings"]["board_quorum"] == 4
    assert good.get_json()["settings"]["aggregation"] == {"method": "median"}
    bad = client.patch(url, headers=headers, json={"settings": {
        "board_majority": 1.5, "panel_min_size": 9, "panel_max_size": 5, "aggregation": {"method": "coin_toss"}}})
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["errors"]["board_majority"][0]["rule"] == "settings.board_majority"
    assert body["errors"]["aggregation_method"][0]["rule"] == "settings.aggregation.method"
    assert {e["rule"] for e in body["errors"]["panel_min_size"]} == {"settings.panel_size"}
    assert _stored(draft.id)["board_majority"] == 0.5
    read_only = client.patch(url, headers=headers, json={"settings": {"candidate_kind": "project"}})
    assert read_only.status_code == 422 and read_only.get_json()["code"] == "settings.read_only"
    refused = client.patch(url, headers={"Authorization": f"Bearer {_token(chair)}"},
                           json={"settings": {"board_quorum": 1}})
    assert refused.status_code == 403
    assert _stored(draft.id)["board_quorum"] == 4


def test_a_setting_freezes_when_its_step_begins_whatever_the_award():
    from workflows import REGISTRY
    from workflows.settings import SETTINGS, may_change

    standard = REGISTRY["derek_gray_medal"].cycle_states
    assert may_change("max_attachments", "criteria_published", standard)
    assert not may_change("max_attachments", "call_open", standard)
    assert may_change("judges_per_nomination", "screening", standard)
    assert not may_change("judges_per_nomination", "judging", standard)
    assert may_change("aggregation", "screening", standard) and not may_change("aggregation", "judging", standard)
    assert may_change("board_quorum", "deliberation", standard)
    assert not may_change("board_quorum", "recommended", standard)
    assert not may_change("board_quorum", "cancelled", standard)
    milset = REGISTRY["milset_award"].cycle_states  # no call: only its first state
    assert may_change("max_attachments", "draft", milset) and not may_change("max_attachments", "designated", milset)
    assert not any(may_change(s.name, "draft", standard) for s in SETTINGS if s.internal)
    assert not may_change("candidate_kind", "draft", standard)


def test_laureates_follow_the_setting_and_a_stale_page_is_refused(client, draft, secretariat):
    form = _form(client, draft)
    assert client.post(f"/cycles/{draft.id}/settings", data={**form, "max_laureates": "2"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Cycle, draft.id).max_laureates == 2  # what the recommendation and the board read
    stale = client.post(f"/cycles/{draft.id}/settings", data={**form, "max_laureates": "3"})
    assert stale.status_code == 409 and "edit.stale" in stale.get_data(as_text=True)
    assert _stored(draft.id)["max_laureates"] == 2
