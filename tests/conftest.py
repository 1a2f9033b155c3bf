"""Test setup: one schema per test process, built by the migrations, and
every table emptied after each test.

Tests run on in-memory SQLite by default. With TEST_DATABASE_URL pointing
at PostgreSQL, each xdist worker creates its own database from that URL's
name plus the worker id, and drops it at the end. As in production there are
two roles: TEST_DATABASE_URL's user owns the database and runs the
migrations, and the app under test connects as RUNTIME_ROLE (created if
missing, LOGIN, no password: the server must trust it as it trusts the
owner, as CI's does), given its rights by `flask db grant-runtime`. So every
test runs with the runtime role's rights and fails on a missing grant.
"""

import os

import factory.random
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from awards_app import create_app
from awards_app.extensions import db
from awards_app.services.db_roles import owner_engine
from tests.factories import TESTS_ACTOR

RUNTIME_ROLE = "awards_runtime"


def _postgres_url(worker: str) -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


def _recreate_database(url: str, drop_only: bool = False) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            # Roles belong to the whole server, shared by every worker and
            # every test run: create it once, whoever comes first.
            conn.execute(text(f"DO $$ BEGIN CREATE ROLE {RUNTIME_ROLE} LOGIN; "
                              "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
    admin.dispose()


@pytest.fixture(scope="session")
def database_urls(worker_id):
    """(the app's URL, the owner's URL or None when they are one)."""
    url = _postgres_url(worker_id)
    if url is None:
        yield "sqlite://", None
        return
    _recreate_database(url)
    runtime = make_url(url).set(username=RUNTIME_ROLE, password=None)
    yield runtime.render_as_string(hide_password=False), url
    _recreate_database(url, drop_only=True)


@pytest.fixture(scope="session")
def app(database_urls, tmp_path_factory):
    runtime_url, owner_url = database_urls
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=runtime_url, MIGRATION_DATABASE_URL=owner_url,
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()  # the schema comes from the migrations, run by the owner, as in production
        if owner_url:
            granted = app.test_cli_runner().invoke(args=["db", "grant-runtime"])
            assert granted.exit_code == 0, granted.output
    yield app
    with app.app_context():
        db.engine.dispose()
        owner_engine().dispose()


def reset_database(app) -> None:
    """Empty every table, as after a fresh migration."""
    with app.app_context():
        db.session.rollback()
        with owner_engine().begin() as conn:
            if conn.dialect.name == "postgresql":
                # Audit triggers refuse deletes by design, and the runtime
                # role may not even try: the test database's owner (a
                # superuser) switches them off for the reset only.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.session.remove()
    from awards_app.extensions import limiter

    limiter.reset()  # each test starts with no failed logins counted


@pytest.fixture(autouse=True)
def _same_names_each_run(request):
    """The factories' names (Faker) drawn the same way on every run of a
    test, whichever worker runs it: conflict detection matches names that
    are alike, so two random names that happen to look alike must fail the
    same test every time, never one run in a thousand."""
    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" in request.fixturenames:
        reset_database(request.getfixturevalue("app"))


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def db_do(app):
    """Run something against the database in its own transaction, as a command would."""
    def run(action):
        with app.app_context():
            result = action()
            db.session.commit()
            return result
    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "violet kettle harbour 42"


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(ctx):
    """Create a committed account with roles; returns its email."""
    from awards_app.services import users

    def _make(email="someone@example.org", roles=("nominator",), name="Some One"):
        user = users.create_user(TESTS_ACTOR, email, name, roles, password=PASSWORD)
        db.session.commit()
        return user

    return _make
