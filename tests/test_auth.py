import pytest

from tests.conftest import PASSWORD


def test_login_with_the_right_password_reaches_the_home_page(client, make_user):
    make_user("judge@example.org", roles=("judge",), name="Jo Judge")
    response = client.post("/login", data={"email": "judge@example.org", "password": PASSWORD},
                           follow_redirects=True)
    assert response.status_code == 200
    assert b"Welcome, Jo Judge" in response.data
    assert b"Declare your conflicts of interest" in response.data


def test_email_is_matched_without_regard_to_case(client, make_user):
    make_user("judge@example.org", roles=("judge",))
    response = client.post("/login", data={"email": "Judge@Example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user("judge@example.org")
    wrong = client.post("/login", data={"email": "judge@example.org", "password": "not it at all"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"Wrong email or password." in wrong.data
    assert b"Wrong email or password." in unknown.data
    assert client.get("/home").status_code == 302  # still not logged in


def test_a_failed_login_keeps_the_typed_email(client):
    response = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert b'value="nobody@example.org"' in response.data


def test_failed_and_successful_logins_are_audited(client, make_user, ctx):
    from sqlalchemy import select

    from awards_app.extensions import db
    from awards_app.models import AuditEvent

    make_user("judge@example.org")
    client.post("/login", data={"email": "judge@example.org", "password": "wrong password!"})
    client.post("/login", data={"email": "judge@example.org", "password": PASSWORD})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["auth.login_failed", "auth.login"]


def test_logout_ends_the_session(client, auth, make_user):
    make_user("judge@example.org")
    auth.login("judge@example.org")
    assert client.get("/home").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    # Nothing of the site stays on a shared phone: the offline copies of score sheets, the waiting saves.
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/home").status_code == 302


def test_logout_by_get_is_not_allowed(client, auth, make_user):
    make_user("judge@example.org")
    auth.login("judge@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/home").status_code == 200


def _pages_behind_login(app):
    """Every GET page of the app except the few that are public by design."""
    from flask import url_for

    # Public by design: the login page and its second step, a forgotten password, the health check,
    # the single-use links (an endorser's, an invitation or a reset), the laureates and the signed
    # checkpoints they were decided under, a calendar feed (its address is its key), and the offline
    # scoring's service worker and offline page (no data in either; the worker is fetched without a session).
    open_pages = {"auth.login", "auth.second_step", "auth.forgot", "main.index", "main.healthz", "static",
                  "endorse.respond", "auth.use_link", "board.laureates", "board.checkpoint_note",
                  "calendar.feed", "offline.service_worker", "offline.offline"}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in open_pages or "GET" not in rule.methods or rule.rule.startswith("/api/"):
                continue  # the API answers 401 instead (tests/api/test_permissions.py)
            yield rule.endpoint, url_for(rule.endpoint, **{arg: "1" for arg in rule.arguments})


def test_every_page_behind_login_redirects_to_the_login_page(app, client):
    pages = list(_pages_behind_login(app))
    assert pages, "no pages found behind login"
    for endpoint, url in pages:
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login"), endpoint


@pytest.mark.parametrize("target,expected", [
    ("/awards/", "/awards/"),
    ("https://evil.example/", "/home"),
    ("//evil.example/", "/home"),
    ("/\\evil.example", "/home"),
    ("javascript:alert(1)", "/home"),
])
def test_login_redirects_only_to_paths_of_the_app(client, make_user, target, expected):
    make_user("judge@example.org")
    response = client.post(f"/login?next={target}",
                           data={"email": "judge@example.org", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_secretariat_pages_are_hidden_from_other_roles(client, auth, make_user):
    make_user("judge@example.org", roles=("judge",))
    make_user("admin@example.org", roles=("admin",))
    auth.login("judge@example.org")
    assert client.get("/admin/users").status_code == 404
    auth.logout()
    auth.login("admin@example.org")
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert b"judge@example.org" in page.data
