"""Acceptance: the app installed as README's production section says, then
used only through its pages by the people who run it.

Each test gets an empty PostgreSQL database and the commands a secretariat
runs on its server, as subprocesses with APP_ENV=production: `flask db
upgrade` as the schema's owner, `flask db grant-runtime`, `flask setup`,
the first administrator by `flask users create`; then gunicorn serves the
app as the runtime role, and Playwright drives Debian's Chromium. The test
reads only what a mail catcher would: the notices in the outbox.

They need PostgreSQL, so they run in the PostgreSQL pass (TEST_DATABASE_URL)
and skip in the SQLite one; in CI a missing browser fails them.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, missing_tools  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
ACCEPTANCE_DIR = Path(__file__).resolve().parent
ARTIFACTS = REPO / "test-artifacts" / "acceptance"
RUNTIME_ROLE = "awards_accept_runtime"


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if ACCEPTANCE_DIR in Path(str(item.path)).parents]
    url = os.environ.get("TEST_DATABASE_URL", "")
    reason = None
    if not url.startswith("postgresql"):
        reason = "acceptance tests install on PostgreSQL: they run when TEST_DATABASE_URL points at it"
    elif (missing := missing_tools()) and os.environ.get("CI") != "true":
        reason = missing
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Install:
    """A production install on its own database, served by gunicorn."""

    url: str
    env: dict
    owner_url: str
    log: Path

    def flask(self, *args: str, input: str | None = None) -> str:
        """Run a `flask` command on the server, as its administrator would."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO,
                              env=self.env, input=input, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def query(self, sql: str, **params) -> list[tuple]:
        engine = create_engine(self.owner_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def mail_to(self, recipient: str, subject_contains: str = "") -> str:
        """The newest notice to this address (optionally with this in its
        subject), read as a mail catcher shows it: subject and body."""
        rows = self.query("SELECT subject, body FROM outbox_message WHERE lower(recipient) = lower(:r) "
                          "ORDER BY id DESC", r=recipient)
        rows = [r for r in rows if subject_contains in r[0]]
        assert rows, f"no notice to {recipient} with {subject_contains!r} in the outbox"
        return f"Subject: {rows[0][0]}\n\n{rows[0][1]}"

    def link_in_mail(self, recipient: str, path_pattern: str, subject_contains: str = "") -> str:
        """The path of the first link in the newest notice to recipient whose
        path matches path_pattern (a regular expression)."""
        mail = self.mail_to(recipient, subject_contains)
        for link in re.findall(r"https?://[^\s>\"]+", mail):
            path = link.split("://", 1)[1].split("/", 1)[-1]
            if re.match(path_pattern, "/" + path):
                assert link.startswith(self.url), f"a link in the mail points elsewhere: {link}"
                return "/" + path
        raise AssertionError(f"no link matching {path_pattern} in:\n{mail}")


def _recreate(url, roles=()):
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        for role in roles:
            conn.execute(text(f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
                              "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        if roles:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture
def production_install(tmp_path):
    """install(first_admin_email, password) -> Install: an empty database,
    migrated and set up as README says, served in production mode."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    owner_url = base.set(database=f"{base.database}_accept_{worker_id}").render_as_string(hide_password=False)
    runtime_url = make_url(owner_url).set(username=RUNTIME_ROLE, password=None)
    _recreate(owner_url, roles=(RUNTIME_ROLE,))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "acceptance-" + "x" * 40,
           "DATABASE_URL": runtime_url.render_as_string(hide_password=False),
           "MIGRATION_DATABASE_URL": owner_url, "PUBLIC_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
           "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_SERVER": "", "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_URL", None)
    log = tmp_path / "gunicorn.log"
    install = Install(url=url, env=env, owner_url=owner_url, log=log)
    servers = []

    def start(admin_email: str, admin_password: str) -> Install:
        install.flask("db", "upgrade")
        install.flask("db", "grant-runtime")
        out = install.flask("setup")
        assert "flask users create" in out, out
        install.flask("users", "create", admin_email, "--role", "admin", "--name", "Secretariat",
                      "--password", admin_password)
        with open(log, "w") as fh:
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "wsgi:app"], cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - our server
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or servers[0].poll() is not None:
                    raise AssertionError("gunicorn did not start:\n" + log.read_text()) from None
                time.sleep(0.3)
        return install

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
    _recreate(owner_url)


@pytest.fixture(scope="session")
def chromium():
    reason = missing_tools()
    if reason:
        pytest.fail(f"CI must run the acceptance tests, but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class People:
    """One browser context per person (their own cookies), each page failing
    on a server error; screenshots of every open page when a test fails."""

    def __init__(self, browser, install: Install):
        self.browser, self.install, self.pages = browser, install, {}

    def __getitem__(self, who: str):
        if who not in self.pages:
            context = self.browser.new_context(base_url=self.install.url, locale="en-GB")
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.on("response", lambda r: r.status >= 500 and pytest.fail(
                f"{r.status} from {r.url} for {who}:\n{self.install.log.read_text()[-4000:]}"))
            self.pages[who] = page
        return self.pages[who]

    def screenshot_all(self, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for who, page in self.pages.items():
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{who}.png"), full_page=True)
            except Exception:  # noqa: BLE001, S110 - a failed screenshot must not hide the failure
                pass


@pytest.fixture
def people(chromium, request):
    holder = {}

    def for_install(install: Install) -> People:
        holder["people"] = People(chromium, install)
        return holder["people"]

    yield for_install
    if "people" in holder:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            holder["people"].screenshot_all(request.node.name)
        for page in holder["people"].pages.values():
            page.context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
