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
    before["personal_value"] += 2  # the logins' addresses

    def stored_subtrees(size):  # the Merkle tree's complete subtrees of 16 leaves and more
        return sum(size >> level for level in range(4, size.bit_length()))

    before["audit_subtree"] += stored_subtrees(before["audit_event"]) - stored_subtrees(before["audit_event"] - 4)

    assert snapshot() == before


def _wrong(client, email, address):
    return client.post("/login", data={"email": email, "password": "wrong password!"},
                       environ_base={"REMOTE_ADDR": address}).status_code


def _right(client, email, address):
    return client.post("/login", data={"email": email, "password": "violet kettle harbour 42"},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_guessing_from_one_address_cannot_lock_the_owner_out_from_another(client, make_user, app):
    from awards_app.extensions import db
    from awards_app.models import AuditEvent

    make_user("admin@example.org", roles=("admin",))
    for _ in range(10):
        assert _wrong(client, "admin@example.org", "203.0.113.9") == 200
    assert _right(client, "admin@example.org", "203.0.113.9") == 429
    assert _right(app.test_client(), "admin@example.org", "198.51.100.4") == 302
    # The refusal is audited once for its window, however often the guesser retries.
    for _ in range(5):
        assert _wrong(client, "admin@example.org", "203.0.113.9") == 429
    limited = db.session.query(AuditEvent).filter_by(action="auth.login_limited").all()
    assert len(limited) == 1
    from awards_app.services import personal_values

    opened = personal_values.reveal([limited[0].payload])[0]
    assert opened["email"] == "admin@example.org" and opened["remote_addr"] == "203.0.113.9"
    assert "203.0.113.9" not in str(limited[0].payload)  # the hashed form holds only commitments


def test_a_guesser_using_many_addresses_meets_the_accounts_ceiling(client, make_user, app):
    make_user("jo@example.org")
    for n in range(50):
        assert _wrong(client, "jo@example.org", f"203.0.113.{n}") == 200
    assert _wrong(client, "jo@example.org", "203.0.113.200") == 429


def _redis_or_skip(url):
    import os

    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise  # CI machines run Redis: the shared count must be proved there
        pytest.skip("no Redis at " + url)


def test_with_redis_every_worker_shares_one_count(tmp_path):
    """Two app instances stand for two gunicorn workers: with REDIS_URL the
    eleventh failure is refused whichever worker it reaches."""
    import uuid

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.services import users

    redis_url = "redis://127.0.0.1:6379/15"
    _redis_or_skip(redis_url)
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workers.db'}"}
    workers = [create_app("testing", **settings), create_app("testing", **settings)]
    with workers[0].app_context():
        db.create_all()
        users.create_user(TESTS_ACTOR, "jo@example.org", "Jo", ("nominator",), password="violet kettle harbour 42")
        db.session.commit()
    try:
        clients = [w.test_client() for w in workers]
        for n in range(10):
            assert _wrong(clients[n % 2], "jo@example.org", "203.0.113.9") == 200
        assert _right(clients[0], "jo@example.org", "203.0.113.9") == 429
        assert _right(clients[1], "jo@example.org", "203.0.113.9") == 429
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_each_judge_has_their_own_address(app, client, monkeypatch, proxies):
    """At a venue, every phone reaches the app through the same proxy: with
    TRUSTED_PROXIES the failed-login limit counts each phone's forwarded
    address, not the proxy's; without it the header is ignored (anyone could
    write it) and the one address is shared."""
    from awards_app import trust_proxies
    from awards_app.extensions import limiter

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    trust_proxies(app, proxies)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "2 per 15 minutes")

    def fail_from(address):
        return client.post("/login", data={"email": "nobody@example.org", "password": "wrong password!"},
                           headers={"X-Forwarded-For": address}).status_code

    try:
        assert [fail_from("203.0.113.7") for _ in range(3)] == [200, 200, 429]
        assert fail_from("203.0.113.8") == (200 if proxies else 429)
    finally:
        limiter.reset()
