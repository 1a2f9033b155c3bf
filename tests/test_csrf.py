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
    response = csrf_client.post("/login", data={"email": "me@example.org", "password": "secret words",
                                                "csrf_token": "stale"})
    assert response.status_code == 400
    assert b"me@example.org" in response.data  # shown, to copy into the form again
    assert b"secret words" not in response.data  # a password is never shown back


def test_a_forged_post_is_never_armed_with_a_fresh_token(csrf_client, make_user):
    """Another site posts a form at a signed-in judge: the refusal page must
    not offer a button that sends the forger's values with a valid token."""
    make_user("judge@example.org", roles=("judge",))
    page = csrf_client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    csrf_client.post("/login", data={"email": "judge@example.org", "password": "violet kettle harbour 42",
                                     "csrf_token": token.decode()})
    forged = csrf_client.post("/profile/tokens/", data={"name": "forger's token"},
                              headers={"Referer": "https://evil.example/page"})
    assert forged.status_code == 400
    assert b"forger&#39;s token" in forged.data
    assert b"<form" not in forged.data.split(b"<main", 1)[-1].split(b"</main>", 1)[0]
    assert b'href="/home"' in forged.data  # back to this site, never to the referring one


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
