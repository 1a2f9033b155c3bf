"""Login limits, session lifetime, passwords and response headers."""

import pytest

from awards_app.services import ServiceError, users
from tests.factories import TESTS_ACTOR


def test_ten_failed_logins_per_account_then_429_and_no_permanent_lockout(client, make_user, app):
    make_user("jo@example.org")
    for _ in range(10):
        assert client.post("/login", data={"email": "jo@example.org", "password": "wrong password!"}).status_code == 200
    blocked = client.post("/login", data={"email": "jo@example.org", "password": "violet kettle harbour 42"})
    assert blocked.status_code == 429
    # Another account from the same address is not blocked by this one's failures.
    make_user("other@example.org")
    assert client.post("/login", data={"email": "other@example.org",
                                       "password": "violet kettle harbour 42"}).status_code == 302
    from awards_app.extensions import limiter

    limiter.reset()  # the window passes: the account can log in again
    assert client.post("/login", data={"email": "jo@example.org",
                                       "password": "violet kettle harbour 42"}).status_code == 302


def test_successful_logins_do_not_count_toward_the_limit(client, make_user):
    make_user("jo@example.org")
    for _ in range(12):
        assert client.post("/login", data={"email": "jo@example.org",
                                           "password": "violet kettle harbour 42"}).status_code == 302
        client.post("/logout")


def test_the_session_is_renewed_on_login_and_cleared_on_logout(client, make_user):
    make_user("jo@example.org")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    client.post("/login", data={"email": "jo@example.org", "password": "violet kettle harbour 42"})
    with client.session_transaction() as s:
        assert "planted" not in s and "_user_id" in s
    client.post("/logout")
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_an_idle_session_ends(client, make_user, app):
    make_user("jo@example.org")
    client.post("/login", data={"email": "jo@example.org", "password": "violet kettle harbour 42"})
    with client.session_transaction() as s:
        s["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/home").status_code == 302


def test_a_session_past_its_absolute_lifetime_ends(client, make_user, app):
    make_user("jo@example.org")
    client.post("/login", data={"email": "jo@example.org", "password": "violet kettle harbour 42"})
    with client.session_transaction() as s:
        s["started_at"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 1
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize("password,rule", [
    ("short", "password.too_short"),
    ("password1234", "password.too_common"),
    ("Qwertyuiop123", "password.too_common"),
])
def test_weak_passwords_are_refused(ctx, password, rule):
    with pytest.raises(ServiceError) as refused:
        users.create_user(TESTS_ACTOR, "weak@example.org", "Weak", ("judge",), password=password)
    assert refused.value.rule == rule


def test_every_response_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    assert client.get("/login").headers["Content-Security-Policy"] != csp  # a fresh nonce each time


def test_production_sends_hsts_and_secure_cookies(monkeypatch):
    from awards_app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_no_get_request_changes_state(app, client, ctx):
    """Request every GET page of the app, as a user holding every role, on a
    cycle in judging: no table gains, loses or changes a row."""
    from flask import url_for
    from sqlalchemy import func, select

    from awards_app.extensions import db
    from tests import builders

    cycle, judges, noms = builders.judging_cycle()
    every_role = ("admin", "judge", "chair", "board", "nominator", "auditor")
    users.set_roles(TESTS_ACTOR, judges[0], every_role)
    newcomer = users.create_user(TESTS_ACTOR, "new@example.org", "New Comer", every_role,
                                 password="violet kettle harbour 42")  # no judge profile yet
    db.session.commit()

    def snapshot():
        return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar()
                for t in db.metadata.sorted_tables}

    ids = {"cycle_id": cycle.id, "nomination_id": noms[0].id, "event_id": cycle.event_id, "code": "volunteer_award"}
    before = snapshot()
    with app.test_request_context():
        urls = [url_for(r.endpoint, **{a: ids.get(a, 1) for a in r.arguments})
                for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    for user in (judges[0], newcomer):
        client.post("/login", data={"email": user.email, "password": "violet kettle harbour 42"})
        for url in urls:
            assert client.get(url).status_code < 500, url
        client.post("/logout")
    db.session.expire_all()
    before["audit_event"] += 4  # the two logins and two logouts

    assert snapshot() == before
