"""Tokens on the profile page, Bearer authentication, CSRF for cookie
sessions, JSON errors and the Idempotency-Key."""

import json
import re

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import ApiToken, Nomination
from tests import builders, factories
from tests.api.conftest import issue_token
from tests.conftest import PASSWORD


def test_a_token_is_shown_once_stored_hashed_and_revocable(client, auth, make_user, api):
    user = make_user("tokens@example.org", roles=("nominator",))
    auth.login("tokens@example.org")
    page = client.post("/profile/tokens/", data={"name": "my script"})
    assert page.status_code == 201
    token = re.search(rb"mla_[A-Za-z0-9_\-]{40,}", page.data).group(0).decode()
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash != token and len(row.token_hash) == 64 and token.startswith(row.prefix)
    assert token.encode() not in client.get("/profile/tokens/").data  # never shown again
    auth.logout()
    assert api.get("/api/v1/cycles", token).status_code == 200
    auth.login("tokens@example.org")
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 303
    auth.logout()
    revoked = api.get("/api/v1/cycles", token)
    assert revoked.status_code == 401 and revoked.json["code"] == "auth.invalid_token"


def test_another_users_token_cannot_be_revoked(client, auth, make_user):
    owner = make_user("owner@example.org")
    make_user("thief@example.org")
    issue_token(owner)
    row = db.session.scalar(select(ApiToken))
    auth.login("thief@example.org")
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


@pytest.mark.parametrize("header", [None, "Bearer mla_unknown", "Bearer ", "Basic dXNlcjpwYXNz", "mla_x"])
def test_without_a_valid_token_the_api_answers_401_in_json(api, ctx, header):
    response = api.get("/api/v1/nominations", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.json) == {"code", "message", "errors"}
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_token_acts_with_its_users_roles_only(api, make_user):
    nominator = make_user("n@example.org", roles=("nominator",))
    token = issue_token(nominator)
    response = api.post("/api/v1/cycles", token, json={"award": "best_delegation_award", "year": 2031})
    assert response.status_code == 403 and response.json["code"] == "cycle.admin_only"
    assert api.get("/api/v1/audit-events", token).status_code == 404


def test_a_cookie_session_needs_the_csrf_header_on_unsafe_methods(app, client, auth, make_user):
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.get("/api/v1/cycles").status_code == 200  # reading needs no CSRF token
        body = {"award": "derek_gray_medal", "year": 2031}  # no ESI needed
        refused = client.post("/api/v1/cycles", json=body)
        assert refused.status_code == 400 and refused.json["code"] == "csrf.invalid"
        page = client.get("/profile/tokens/")
        csrf_token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
        accepted = client.post("/api/v1/cycles", json=body, headers={"X-CSRFToken": csrf_token.decode()})
        assert accepted.status_code == 201, accepted.json
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_bearer_token_needs_no_csrf_header(app, api, make_user):
    token = issue_token(make_user("admin@example.org", roles=("admin",)))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = api.post("/api/v1/cycles", token, json={"award": "derek_gray_medal", "year": 2031})
        assert response.status_code == 201, response.json
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_errors_are_json_with_code_message_and_errors(api, make_user):
    token = issue_token(make_user("admin@example.org", roles=("admin",)))
    missing = api.get("/api/v1/cycles/999999", token)
    assert missing.status_code == 404 and missing.json["code"] == "http.404"
    unknown = api.get("/api/v1/no-such-thing", token)
    assert unknown.status_code == 404 and set(unknown.json) == {"code", "message", "errors"}
    wrong_method = api.delete("/api/v1/cycles", token)
    assert wrong_method.status_code == 405 and set(wrong_method.json) == {"code", "message", "errors"}
    assert set(wrong_method.headers["Allow"].split(", ")) >= {"GET", "POST"}
    not_json = api.post("/api/v1/cycles", token, data="award=x", content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415 and not_json.json["code"] == "http.415"
    invalid = api.post("/api/v1/cycles", token, json={"award": "best_delegation_award", "year": 2031.5,
                                                       "colour": "blue"})
    assert invalid.status_code == 422
    assert set(invalid.json["errors"]) == {"year", "colour"}
    bad_json = api.post("/api/v1/cycles", token, data="{", content_type="application/json")
    assert bad_json.status_code == 400 and "code" in bad_json.json
    bad_page = api.get("/api/v1/cycles?page=0", token)
    assert bad_page.status_code == 422 and "page" in bad_page.json["errors"]


def test_a_server_error_is_json_without_a_stack_trace(app, api, make_user, monkeypatch):
    from awards_app.services import cycles

    token = issue_token(make_user("admin@example.org", roles=("admin",)))
    monkeypatch.setattr(cycles, "create_cycle", lambda *a, **k: 1 / 0)
    response = api.post("/api/v1/cycles", token, json={"award": "best_delegation_award", "year": 2031})
    assert response.status_code == 500
    assert response.json["code"] == "server.error" and "Traceback" not in response.get_data(as_text=True)


def test_lists_are_paginated_with_the_x_pagination_header(api, make_user, ctx):
    token = issue_token(make_user("admin@example.org", roles=("admin",)))
    builders.award("best_delegation_award")
    db.session.commit()
    page = api.get("/api/v1/awards?page=2&page_size=2", token)
    assert page.status_code == 200 and len(page.json) == 2
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["page"] == 2 and meta["total"] >= 3 and meta["previous_page"] == 1


def test_an_idempotent_retry_returns_the_first_response_and_creates_nothing(api, ctx):
    cycle = builders.open_cycle("best_delegation_award")
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event)
    db.session.commit()
    token = issue_token(nominator)
    body = {"cycle_id": cycle.id, "delegation_id": delegation.id, "statement": "Kind to all."}
    first = api.post("/api/v1/nominations", token, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.json
    again = api.post("/api/v1/nominations", token, json=body, headers={"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json, again.headers["Location"]) == (
        201, first.json, first.headers["Location"])
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 1
    other = api.post("/api/v1/nominations", token, json={**body, "statement": "Changed."},
                     headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json["code"] == "idempotency.key_reused"
    # Without a key, the same request is a new one: the service refuses the duplicate.
    duplicate = api.post("/api/v1/nominations", token, json=body)
    assert duplicate.status_code == 422 and duplicate.json["code"] == "nomination.duplicate"


def test_an_idempotency_key_belongs_to_its_user(api, ctx):
    cycle = builders.open_cycle("best_delegation_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    one, two = factories.UserFactory(roles=("nominator",)), factories.UserFactory(roles=("nominator",))
    db.session.commit()
    body = {"cycle_id": cycle.id, "delegation_id": delegation.id}
    for user in (one, two):
        response = api.post("/api/v1/nominations", issue_token(user), json=body,
                            headers={"Idempotency-Key": "shared"})
        assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 2


def test_the_openapi_document_and_the_docs_page_are_public_and_local(client, app):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    assert spec.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html and "<script>" not in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert client.get(src).status_code == 200, src


def test_login_still_works_next_to_the_api(client, auth, make_user):
    make_user("x@example.org")
    assert auth.login("x@example.org", PASSWORD).status_code == 302
