"""Real-browser tests: Playwright drives Debian's Chromium against the real
app, served by werkzeug in a background thread, on SQLite files of its own.

The demo data (`flask demo load`) is built once per test process into a
template database; every site the tests start copies it, so a journey that
moves the Best Delegation Award 2027 cycle to the board does so on its own
copy and the English and French runs never meet.

These fixtures do not use the `app` fixture of tests/conftest.py (whose
tables are emptied after each test): their names are distinct on purpose.

Browsers cannot be downloaded on these machines: `playwright install` is
never run; the tests launch /usr/bin/chromium (Debian's package). Without it,
or without the playwright package, the tests skip, except in CI (CI=true),
where a missing browser is an installation fault and fails them. With
TEST_DATABASE_URL set (CI's PostgreSQL pass) they skip: they are about the
browser, and already ran in the SQLite pass.
"""

import os
import re
import shutil
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import axe
from tests.browser.helpers import DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# --headless etc.: this machine has no network and no display; Chromium must
# not try to reach Google's update, sync or component servers.
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"
BROWSER_DIR = Path(__file__).resolve().parent


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not axe.AXE_JS.exists():
        return f"{axe.AXE_JS} is missing (npm ci)"
    return None


def pytest_configure(config):
    if not any(line.split(":")[0].strip() == "browser" for line in config.getini("markers")):
        config.addinivalue_line("markers", "browser: drives a real browser (Playwright + Debian's Chromium)")


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if BROWSER_DIR in Path(str(item.path)).parents]
    if not mine:
        return
    if os.environ.get("TEST_DATABASE_URL"):
        reason = "browser tests run on their own SQLite files; they already ran in the SQLite pass"
    elif (reason := missing_tools()) and os.environ.get("CI") == "true":
        reason = None  # in CI a missing browser must fail, not skip: see the `chromium` fixture
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


# --- the app, served for real ----------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@dataclass
class Site:
    """One running copy of the app on its own SQLite file."""

    name: str
    app: object
    url: str
    server: object = field(repr=False)
    thread: threading.Thread = field(repr=False)
    # Tracebacks of requests the app failed (a 500), for the failure report.
    errors: list = field(default_factory=list, repr=False)

    def read(self, fn):
        """Run fn() in an app context and return its result: the tests read the
        database as a mail catcher or an inspector would, never write it."""
        from awards_app.extensions import db

        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    # The facts the journeys check, read from the database.
    def cycle_id(self, award_code: str, year: int) -> int:
        from sqlalchemy import select

        from awards_app.models import AwardType, Cycle

        return self.read(lambda s: s.scalar(select(Cycle.id).join(AwardType).where(
            AwardType.code == award_code, Cycle.year == year)))

    def cycle_state(self, cycle_id: int) -> str:
        from awards_app.models import Cycle

        return self.read(lambda s: s.get(Cycle, cycle_id).state)

    def nomination_state(self, nomination_id: int) -> str:
        from awards_app.models import Nomination

        return self.read(lambda s: s.get(Nomination, nomination_id).state)

    def user_id(self, email: str) -> int:
        from sqlalchemy import select

        from awards_app.models import User

        return self.read(lambda s: s.scalar(select(User.id).where(User.email == email)))

    def endorsement_link(self, recipient: str) -> str:
        """The link in the newest email to this address, as a mail catcher shows it."""
        from sqlalchemy import select

        from awards_app.models import OutboxMessage

        body = self.read(lambda s: s.scalar(select(OutboxMessage.body).where(
            OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())))
        assert body, f"no email to {recipient} in the outbox"
        match = re.search(r"/endorse/[A-Za-z0-9_-]+", body)
        assert match, f"no endorsement link in the email to {recipient}: {body!r}"
        return match.group(0)

    def rows(self, fn):
        """A list of plain tuples from a query built by fn(session)."""
        return self.read(lambda s: [tuple(r) for r in fn(s)])


def _build_template(path: Path, uploads: Path) -> None:
    """Schema by the migrations, then `flask demo load`, committed."""
    from flask_migrate import upgrade

    from awards_app import create_app, demo
    from awards_app.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", UPLOAD_DIR=str(uploads))
    before = os.environ.get("DEMO_PASSWORD")
    os.environ["DEMO_PASSWORD"] = DEMO_PASSWORD
    try:
        with app.app_context():
            upgrade()
            demo.load()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        if before is None:
            os.environ.pop("DEMO_PASSWORD", None)
        else:
            os.environ["DEMO_PASSWORD"] = before


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo database, built once per test process and copied by each site."""
    root = tmp_path_factory.mktemp("browser-template")
    path = root / "template.db"
    _build_template(path, root / "uploads")
    return path


@pytest.fixture(scope="session")
def start_site(demo_template, tmp_path_factory):
    """start_site(name) -> Site: a fresh copy of the demo database, served on
    127.0.0.1 at a free port until the end of the session."""
    from awards_app import create_app

    running: list[Site] = []

    def start(name: str) -> Site:
        root = tmp_path_factory.mktemp(f"site-{name}")
        db_path = root / "b.db"
        shutil.copyfile(demo_template, db_path)
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
                         WTF_CSRF_ENABLED=True, UPLOAD_DIR=str(root / "uploads"))
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_URL"] = url  # links in emails point at this server
        thread = threading.Thread(target=server.serve_forever, name=f"site-{name}", daemon=True)
        thread.start()
        site = Site(name=name, app=app, url=url, server=server, thread=thread)

        def record_error(sender, exception, **extra):
            from flask import request

            site.errors.append(f"{request.method} {request.full_path}\n"
                               + "".join(traceback.format_exception(exception)))

        got_request_exception.connect(record_error, app, weak=False)
        running.append(site)
        return site

    start.running = running
    yield start
    for site in running:
        site.server.shutdown()
        site.thread.join(timeout=5)
        site.read(lambda s: s.get_bind().dispose())


@pytest.fixture(scope="session")
def shared_site(start_site):
    """A site for tests that log in and look but move no workflow."""
    return start_site("shared")


# --- the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    reason = missing_tools()
    if reason:  # only reached in CI: elsewhere the tests were skipped at collection
        pytest.fail(f"CI must run the browser tests, but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


class Pages:
    """Opens pages, each in a browser context of its own (one person, one
    browser: separate cookies); keeps them for the failure screenshot."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.pages = []

    def open(self, site: Site, locale: str = "en-GB", *, phone: bool = False, label: str = "page",
             javascript: bool = True):
        from playwright.sync_api import Route

        options = {"base_url": site.url, "locale": locale, "accept_downloads": True,
                   "java_script_enabled": javascript}
        if phone:
            options.update(PHONE)
        context = self.browser.new_context(**options)
        context.set_default_timeout(10_000)

        # axe-core is served as a same-origin script: the app's CSP (script-src
        # 'self' + nonce) rightly blocks the inline <script> add_script_tag(path=)
        # would write, and the pages are tested under their real CSP.
        def serve_axe(route: Route) -> None:
            route.fulfill(path=str(axe.AXE_JS), content_type="application/javascript")

        context.route(f"{site.url}{axe.AXE_URL}", serve_axe)
        self.contexts.append(context)
        page = context.new_page()
        page.label = label
        self.pages.append(page)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(chromium):
    opened = Pages(chromium)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _no_server_errors(request):
    """Any request the app failed during a test fails the test, with its traceback."""
    yield
    sites = [site for site in _sites_of(request.node) if site.errors]
    errors = [e for site in sites for e in site.errors]
    for site in sites:
        site.errors.clear()
    if errors:
        pytest.fail("the app failed a request:\n" + "\n".join(errors), pytrace=False)


def _sites_of(item) -> list:
    starter = item.funcargs.get("start_site")
    found = list(getattr(starter, "running", []))
    shared = item.funcargs.get("shared_site")
    if isinstance(shared, Site) and shared not in found:
        found.append(shared)
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        opened = item.funcargs.get("pages")
        if isinstance(opened, Pages):
            ARTIFACTS.mkdir(exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
            for n, page in enumerate(opened.pages):
                if page.is_closed():
                    continue
                target = ARTIFACTS / f"{safe}-{n}-{page.label}.png"
                try:
                    page.screenshot(path=str(target), full_page=True)
                except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure
                    report.sections.append(("screenshot", f"{target.name}: {exc}"))
                else:
                    report.sections.append(("screenshot", f"{target} ({page.url})"))
        for site in _sites_of(item):
            for error in site.errors:
                report.sections.append((f"server error on {site.name}", error))
    return report


# --- axe-core ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def axe_log():
    """Every page axe checked in this process, for the summary table (also
    written to test-artifacts/axe-report-<worker>.txt and .json)."""
    axe.LOG.artifacts = ARTIFACTS
    yield axe.LOG
    axe.LOG.write(ARTIFACTS)


def pytest_terminal_summary(terminalreporter):
    table = axe.LOG.table()
    if table:
        terminalreporter.write_sep("-", "axe-core: pages checked, violations by impact")
        terminalreporter.write_line(table)
