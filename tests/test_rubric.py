"""A cycle's rubric (issue 20, items 1 and 2): the secretariat's editor,
every problem refused at once at its field with its rule id, nothing saved
and nothing typed lost, the rubric frozen once the call opens."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Criterion, Cycle
from awards_app.services import ServiceError, rubric
from awards_app.services import cycles as cycle_service
from awards_app.services.cycles import SettingsRefused
from tests import builders
from tests.factories import TESTS_ACTOR, UserFactory

AWARD = "derek_gray_medal"

SOUND = {"code": "impact", "name_en": "Impact", "name_fr": "Impact", "name_es": "", "description_en": "Reach.",
         "weight": "2", "scale_min": "0", "scale_max": "10", "scale_step": "0.5",
         "descriptors": [{"min": 0, "max": 3, "en": "Little", "fr": "Faible"},
                         {"min": 3.5, "max": 10, "fr": "Fort"}]}


@pytest.fixture
def draft(ctx):
    cycle = cycle_service.create_cycle(TESTS_ACTOR, builders.award(AWARD), 2027,
                                       deadline=datetime.now(UTC) + timedelta(days=30))
    db.session.commit()
    return cycle


@pytest.fixture
def admin(ctx):
    user = UserFactory(roles=("admin",))
    db.session.commit()
    return user


def _problems(cycle, rows) -> dict[str, set[str]]:
    _, problems = rubric.check(cycle, rows)
    found: dict[str, set[str]] = {}
    for p in problems:
        found.setdefault(p.field, set()).add(p.rule)
    return found


def test_a_sound_rubric_is_stored_in_order_with_its_bands_and_audited_whole(draft, admin):
    rows = [SOUND, {**SOUND, "code": "method", "name_en": "Method", "name_fr": "", "weight": 1,
                    "scale_step": 1, "descriptors": []}]
    assert rubric.update(admin, draft, rows)
    db.session.commit()
    db.session.expire_all()
    cycle = db.session.get(Cycle, draft.id)
    first, second = cycle.criteria
    assert (first.code, first.weight, first.scale_step, second.code) == ("impact", 2, 0.5, "method")
    assert first.descriptors == [{"min": 0, "max": 3, "en": "Little", "fr": "Faible"},
                                 {"min": 3.5, "max": 10, "fr": "Fort"}]
    assert second.name("fr") == "Method" and second.name("es") == "Method"  # FR/ES fall back to EN
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rubric.changed")).one()
    assert [r["code"] for r in event.payload["after"]] == ["impact", "method"]
    assert event.payload["after"][0]["descriptors"][1] == {"min": 3.5, "max": 10, "fr": "Fort"}
    assert [r["code"] for r in event.payload["before"]] == [c["code"] for c in cycle.award_type.default_criteria]


@pytest.mark.parametrize(("change", "field", "rule"), [
    ({"weight": "0"}, "weight", "rubric.weight"),
    ({"weight": "-1"}, "weight", "rubric.weight"),
    ({"weight": "heavy"}, "weight", "rubric.weight"),
    ({"scale_min": "10", "scale_max": "10"}, "scale_max", "rubric.scale"),
    ({"scale_min": "0.5"}, "scale_min", "rubric.scale"),
    ({"scale_step": "0"}, "scale_step", "rubric.step"),
    ({"scale_step": "3"}, "scale_step", "rubric.step"),  # 10 is not a whole number of 3s
    ({"descriptors": [{"min": 0, "max": 12, "en": "All"}]}, "descriptors", "rubric.bands"),
    ({"descriptors": [{"min": 0, "max": 5, "en": "Low"}, {"min": 5, "max": 10, "en": "High"}]},
     "descriptors", "rubric.bands"),
    ({"descriptors": [{"min": 6, "max": 10, "en": "High"}, {"min": 0, "max": 5, "en": "Low"}]},
     "descriptors", "rubric.bands"),
    ({"descriptors": [{"min": 4, "max": 2, "en": "Odd"}]}, "descriptors", "rubric.bands"),
    ({"descriptors": [{"min": 0, "max": 2}]}, "descriptors", "rubric.bands"),
    ({"name_en": " "}, "name_en", "rubric.name_required"),
    ({"code": "Not a code"}, "code", "rubric.code"),
])
def test_each_bad_value_is_refused_at_its_field_with_its_rule(draft, change, field, rule):
    assert _problems(draft, [{**SOUND, **change}]) == {f"criteria.0.{field}": {rule}}


def test_every_problem_is_refused_at_once_and_nothing_is_saved(draft, admin):
    before = rubric.as_rows(draft)
    rows = [{**SOUND, "weight": "0", "scale_step": "4"},
            {**SOUND, "name_fr": "Autre", "scale_min": "5", "scale_max": "1"},  # same code, same EN name
            {**SOUND, "code": "third", "name_en": "Third", "name_fr": "", "descriptors": [
                {"min": 0, "max": 6, "en": "a"}, {"min": 5, "max": 10, "en": "b"}]}]
    with pytest.raises(SettingsRefused) as refused:
        rubric.update(admin, draft, rows)
    db.session.rollback()
    assert {(p.field, p.rule) for p in refused.value.problems} == {
        ("criteria.0.weight", "rubric.weight"), ("criteria.0.scale_step", "rubric.step"),
        ("criteria.1.code", "rubric.duplicate_code"), ("criteria.1.name_en", "rubric.duplicate_name"),
        ("criteria.1.name_es", "rubric.duplicate_name"),  # empty: it reads as the English name
        ("criteria.1.scale_max", "rubric.scale"), ("criteria.2.descriptors", "rubric.bands")}
    assert rubric.as_rows(db.session.get(Cycle, draft.id)) == before
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rubric.changed")).all()


def test_an_empty_rubric_and_a_criterion_the_tie_break_names_are_refused(draft, admin):
    assert _problems(draft, []) == {"criteria": {"rubric.empty"}}
    cycle_service.update_settings(admin, draft, {"aggregation": {"tie_break": [
        f"criterion:{draft.criteria[0].code}"]}})
    assert _problems(draft, [{**SOUND, "code": "other"}]) == {"criteria": {"rubric.tie_break"}}


def test_codes_may_swap_between_criteria_and_order_follows_the_rows(draft, admin):
    a, b = (rubric.as_row(c) for c in draft.criteria[:2])
    swapped = [{**b, "code": a["code"]}, {**a, "code": b["code"]}]
    assert rubric.update(admin, draft, swapped)
    db.session.commit()
    db.session.expire_all()
    first, second = db.session.get(Cycle, draft.id).criteria[:2]
    assert (first.id, first.code, second.id, second.code) == (b["id"], a["code"], a["id"], b["code"])


def test_only_the_secretariat_sets_the_rubric(draft):
    chair = UserFactory(roles=("chair", "board"))
    with pytest.raises(ServiceError) as refused:
        rubric.update(chair, draft, [SOUND])
    assert refused.value.rule == "rubric.admin_only" and refused.value.status == 403


def test_the_rubric_freezes_when_the_call_opens_naming_the_board(ctx, admin):
    cycle = builders.open_cycle(AWARD)
    with pytest.raises(SettingsRefused) as refused:
        rubric.update(admin, cycle, [SOUND])
    assert refused.value.rule == "rubric.frozen" and "board" in refused.value.message
    from workflows import REGISTRY
    from workflows.settings import may_change_rubric

    states = REGISTRY[AWARD].cycle_states
    assert may_change_rubric("criteria_published", states) and not may_change_rubric("call_open", states)


def test_a_scored_criterion_cannot_be_removed(ctx):
    cycle, judges, noms = builders.judging_cycle(nominations=1)
    builders.score_all(cycle, judges, noms, [5])
    kept = [rubric.as_row(c) for c in cycle.criteria[1:]]
    assert _problems(cycle, kept) == {"criteria": {"rubric.scored"}}


# --- the page ------------------------------------------------------------------------------

def TESTS_ADMIN():  # noqa: N802 - reads as the actor it is
    user = UserFactory(roles=("admin",))
    db.session.flush()
    return user


@pytest.fixture
def secretariat(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Sam Secretariat")
    auth.login("admin@example.org")
    return user


def _page_form(client, cycle) -> dict:
    page = client.get(f"/cycles/{cycle.id}/rubric")
    assert page.status_code == 200
    return _read(page)


def _read(page) -> dict:
    from html.parser import HTMLParser

    found: dict = {}

    class Reader(HTMLParser):
        textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "submit"):
                found[a["name"]] = a.get("value") or ""
            elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
                found[a["name"]] = a.get("value", "y")
            elif tag == "textarea":
                self.textarea = a["name"]
                found[self.textarea] = ""

        def handle_data(self, data):
            if self.textarea:
                found[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                found[self.textarea] = found[self.textarea].removeprefix("\n")
                self.textarea = None

    Reader().feed(page.get_data(as_text=True))
    return found


def test_the_secretariat_edits_reorders_and_removes_criteria_through_the_page(client, draft, secretariat):
    rubric.update(TESTS_ADMIN(), draft, [*(rubric.as_row(c) for c in draft.criteria),
                                         {**SOUND, "code": "third", "name_en": "Third", "name_fr": ""}])
    db.session.commit()
    settings_page = client.get(f"/cycles/{draft.id}/settings").get_data(as_text=True)
    assert f"/cycles/{draft.id}/rubric" in settings_page
    form = _page_form(client, draft)
    codes = [c.code for c in draft.criteria]
    assert form["criteria-0-code"] == codes[0] and form["criteria-0-weight"] == "1"
    # The second criterion first, French descriptors on it; the third removed.
    form.update({"criteria-0-position": "2", "criteria-1-position": "1", "criteria-1-weight": "2,5",
                 "criteria-1-scale_min": "0", "criteria-1-scale_max": "10",
                 "criteria-1-description_fr": "Ce que le candidat a changé.",
                 "criteria-1-descriptors-0-min": "0", "criteria-1-descriptors-0-max": "4",
                 "criteria-1-descriptors-0-fr": "Peu convaincant",
                 "criteria-1-descriptors-1-min": "5", "criteria-1-descriptors-1-max": "10",
                 "criteria-1-descriptors-1-fr": "Remarquable", "criteria-2-remove": "y", "action": "save"})
    response = client.post(f"/cycles/{draft.id}/rubric", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    cycle = db.session.get(Cycle, draft.id)
    assert [c.code for c in cycle.criteria] == [codes[1], codes[0]]
    assert cycle.criteria[0].weight == 2.5 and cycle.criteria[0].description("fr") == "Ce que le candidat a changé."
    assert cycle.criteria[0].descriptors[1] == {"min": 5, "max": 10, "fr": "Remarquable"}
    page = client.get(f"/cycles/{draft.id}/rubric").get_data(as_text=True)
    assert "Remarquable" in page and "Rubric saved." in page


def test_a_refused_rubric_keeps_what_was_typed_with_each_rule_beside_its_field(client, draft, secretariat):
    form = _page_form(client, draft)
    form.update({"criteria-0-weight": "0", "criteria-1-scale_min": "10", "criteria-1-name_fr": "Mon nom à moi",
                 "criteria-0-descriptors-0-min": "0", "criteria-0-descriptors-0-max": "99",
                 "criteria-0-descriptors-0-en": "Everything", "action": "save"})
    stored = rubric.as_rows(draft)
    response = client.post(f"/cycles/{draft.id}/rubric", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for rule in ("rubric.weight", "rubric.scale", "rubric.bands"):
        assert f"[{rule}]" in page
    assert 'id="criteria-0-weight-error"' in page  # beside the field, tied to it
    assert 'value="Mon nom à moi"' in page and 'value="Everything"' in page and 'value="99"' in page
    db.session.expire_all()
    assert rubric.as_rows(db.session.get(Cycle, draft.id)) == stored


def test_adding_a_criterion_offers_an_empty_row_and_saves_nothing(client, draft, secretariat):
    form = _page_form(client, draft)
    count = len(draft.criteria)
    form.update({"criteria-0-name_es": "Typed, not saved", "action": "add"})
    page = client.post(f"/cycles/{draft.id}/rubric", data=form).get_data(as_text=True)
    assert f'name="criteria-{count}-code"' in page and 'value="Typed, not saved"' in page
    form = _read_text(page)
    form.update({f"criteria-{count}-code": "outreach", f"criteria-{count}-name_en": "Outreach", "action": "save"})
    assert client.post(f"/cycles/{draft.id}/rubric", data=form).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Criterion).where(Criterion.cycle_id == draft.id, Criterion.code == "outreach"))


def _read_text(html: str) -> dict:
    class Page:
        def get_data(self, as_text=True):
            return html

    return _read(Page())


def test_a_change_after_the_call_opened_is_refused_and_offered_to_the_board(client, ctx, secretariat):
    cycle = builders.open_cycle(AWARD)
    form = _page_form(client, cycle)
    page = client.get(f"/cycles/{cycle.id}/rubric").get_data(as_text=True)
    assert "Propose this rubric to the board" in page
    form.update({"criteria-0-weight": "3", "action": "save"})
    refused = client.post(f"/cycles/{cycle.id}/rubric", data=form)
    assert refused.status_code == 400 and "[rubric.frozen]" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).criteria[0].weight == 1


def test_the_api_sets_the_rubric_through_the_settings_endpoint_with_the_same_rule_ids(client, draft, make_user):
    from tests.test_cycle_settings_page import _token

    admin = make_user("api-admin@example.org", roles=("admin",))
    headers = {"Authorization": f"Bearer {_token(admin)}"}
    url = f"/api/v1/cycles/{draft.id}/settings"
    bad = client.patch(url, headers=headers, json={"settings": {"board_quorum": 0},
                                                   "criteria": [{**SOUND, "weight": -2}]})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["criteria.0.weight"][0]["rule"] == "rubric.weight"
    assert errors["board_quorum"][0]["rule"] == "settings.board_quorum"
    db.session.expire_all()
    assert rubric.as_rows(db.session.get(Cycle, draft.id))[0]["code"] == draft.criteria[0].code
    good = client.patch(url, headers=headers, json={"settings": {"board_quorum": 4}, "criteria": [SOUND]})
    assert good.status_code == 200, good.get_json()
    [criterion] = good.get_json()["criteria"]
    assert criterion["scale_step"] == 0.5 and criterion["descriptors"][1]["fr"] == "Fort"
    assert good.get_json()["settings"]["board_quorum"] == 4


def test_the_settings_page_offers_every_method_the_aggregation_knows(client, draft, secretariat):
    from judging import aggregation

    page = client.get(f"/cycles/{draft.id}/settings").get_data(as_text=True)
    select = page[page.index('name="aggregation_method"'):]
    select = select[:select.index("</select>")]
    assert [m for m in aggregation.METHODS if f'value="{m}"' in select] == list(aggregation.METHODS)
    assert set(aggregation.METHODS) == {"weighted_mean", "trimmed_mean", "median", "zscore"}
    for name in ("aggregation_tie_break_1", "board_quorum", "board_majority", "max_laureates", "panel_min_size",
                 "panel_max_size", "judges_per_nomination"):
        assert f'name="{name}"' in page
