"""What a request may carry and what an answer may leave behind: bodies are
bounded (tightly before login), personal answers are never cached, and the
production server names no product or version."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


def test_an_anonymous_post_larger_than_a_login_form_is_refused(client):
    response = client.post("/login", data={"email": "x@example.org", "padding": "x" * (100 * 1024)})
    assert response.status_code == 413
    assert b"too large" in response.data
    assert b"Traceback" not in response.data


def test_an_anonymous_gibibyte_is_refused_from_its_length_alone(client):
    response = client.post("/login", data=b"email=x", content_type="application/x-www-form-urlencoded",
                           environ_overrides={"CONTENT_LENGTH": str(2**30)})
    assert response.status_code == 413


def test_an_anonymous_post_of_a_normal_login_form_still_works(client, make_user):
    user = make_user("lena@example.org")
    response = client.post("/login", data={"email": user.email, "password": "violet kettle harbour 42",
                                            "padding": "x" * 20_000})
    assert response.status_code == 302


def test_a_signed_in_body_may_be_as_large_as_an_attachment_but_not_larger(app, client, auth, make_user):
    user = make_user("lena@example.org")
    auth.login(user.email)
    medium = client.post("/profile/tokens/", data={"name": "laptop", "padding": "x" * (2 * MiB)})
    assert medium.status_code != 413
    huge = client.post("/profile/tokens/", data=b"name=x", content_type="application/x-www-form-urlencoded",
                       environ_overrides={"CONTENT_LENGTH": str(app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert huge.status_code == 413


def test_the_api_answers_a_too_large_body_with_a_json_error(client):
    response = client.post("/api/v1/cycles", data=b"{}", content_type="application/json",
                           headers={"Authorization": "Bearer awd_unknown"},
                           environ_overrides={"CONTENT_LENGTH": str(64 * MiB)})
    assert response.status_code in (401, 413)  # refused before or at the body, never read
    assert response.is_json


@pytest.mark.parametrize("path", ["/home", "/login", "/profile/tokens/", "/api/v1/cycles", "/healthz"])
def test_no_answer_may_be_kept_by_a_browser_or_a_proxy(client, auth, make_user, path):
    auth.login(make_user("lena@example.org").email)
    assert client.get(path).headers.get("Cache-Control") == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_server(tmp_path):
    port = _free_port()
    env = {**os.environ, "APP_ENV": "testing", "TEST_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine starts a worker slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_names_no_product_or_version_even_on_its_own_error_pages(gunicorn_server):
    answer = urllib.request.urlopen(f"http://127.0.0.1:{gunicorn_server}/healthz", timeout=5)  # noqa: S310
    assert answer.headers["Server"] == "awards"
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=5) as raw:
        raw.sendall(b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")  # gunicorn's own 400
        reply = raw.recv(4096).decode("latin-1")
    assert reply.startswith("HTTP/1.1 4")
    assert "gunicorn" not in reply.lower()
