"""Hostile input gets a refusal with a rule id, never a 500: page numbers past
any database's offset, and text holding a NUL byte or another control
character (PostgreSQL cannot store a NUL; the driver raised a 500)."""

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import Nomination, User
from awards_app.services import ServiceError, users
from tests import builders
from tests.api.conftest import issue_token
from tests.factories import TESTS_ACTOR


@pytest.fixture
def admin_token(ctx, make_user):
    return issue_token(make_user("admin@example.org", roles=("admin", "board", "judge", "chair")))


def _lists(client):
    """Every list the OpenAPI document says takes a page number."""
    spec = client.get("/api/v1/openapi.json").json
    return sorted(path for path, operations in spec["paths"].items()
                  if "{" not in path and any(p.get("name") == "page"
                                             for p in operations.get("get", {}).get("parameters", [])))


def test_every_paginated_list_refuses_a_page_past_any_offset_by_name(app, client, admin_token):
    lists = _lists(client)
    assert len(lists) >= 5
    for path in lists:
        response = client.get(f"{path}?page=9223372036854775808",
                              headers={"Authorization": f"Bearer {admin_token}"})
        assert response.status_code == 422, path
        assert response.json["code"] == "pagination.page_too_large"
        assert "page" in response.json["errors"]


def test_a_page_within_range_past_the_end_is_simply_empty(client, admin_token):
    response = client.get("/api/v1/cycles?page=1000000", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200 and response.json == []


def test_the_api_refuses_a_nul_in_the_body_at_its_field(client, admin_token):
    response = client.post("/api/v1/cycles", json={"award": "volunteer_award", "year": 2027,
                                                   "notes": {"inner": ["fine", "bad\x00byte"]}},
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 422
    assert response.json["code"] == "input.control_character"
    assert list(response.json["errors"]) == ["notes.inner.1"]


def test_the_api_refuses_a_control_character_in_the_query(client, admin_token):
    response = client.get("/api/v1/cycles?award=milset\x07", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 422
    assert response.json["errors"] == {"award": ["Remove the invisible control character from this text."]}


def _draft_with_statement(client, make_user, auth, statement):
    """A nominator's new draft, as the page sends it."""
    cycle = builders.open_cycle("volunteer_award")
    make_user("nina@example.org", roles=("nominator",))
    auth.login("nina@example.org")
    return client.post(f"/nominate/cycles/{cycle.id}/new", data={
        "name": "Amélie Dupont", "country_id": "0", "organisation_id": "0",
        "date_of_birth": "2001-05-04", "volunteer_years": "6", "statement": statement})


def test_a_page_refuses_a_nul_at_its_field_and_keeps_what_was_typed(client, ctx, make_user, auth):
    response = _draft_with_statement(client, make_user, auth, "Tireless\x00 volunteer.")
    assert response.status_code == 400
    assert b"[input.control_character]" in response.data
    assert "Amélie Dupont".encode() in response.data  # the rest of the form is kept
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_tab_and_line_breaks_are_text_not_control_characters(client, ctx, make_user, auth):
    response = _draft_with_statement(client, make_user, auth, "First line\r\n\tindented second line")
    assert response.status_code == 303


def test_any_other_way_to_store_a_nul_is_refused_by_rule_before_the_database(ctx):
    with pytest.raises(ServiceError) as refused:
        users.create_user(TESTS_ACTOR, "x@example.org", "Name\x00Injected", ("nominator",))
    assert refused.value.rule == "input.control_character"
    assert refused.value.field == "name"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
