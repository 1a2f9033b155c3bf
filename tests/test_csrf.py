"""With CSRF on (as in production), an expired form keeps what was typed."""

import re

import pytest


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield app.test_client()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_post_without_a_valid_token_is_refused_but_keeps_the_text(csrf_client):
    response = csrf_client.post("/login", data={"email": "me@example.org", "password": "x",
                                                "csrf_token": "stale"})
    assert response.status_code == 400
    assert b"me@example.org" in response.data
    assert re.search(rb'name="csrf_token" value="[^"]+"', response.data)


def test_a_state_changing_button_without_a_token_changes_nothing(csrf_client, make_user):
    page = csrf_client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    make_user("judge@example.org")
    csrf_client.post("/login", data={"email": "judge@example.org",
                                     "password": "violet kettle harbour 42",
                                     "csrf_token": token.decode()})
    assert csrf_client.get("/home").status_code == 200
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/home").status_code == 200  # still logged in
