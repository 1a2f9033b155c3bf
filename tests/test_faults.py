"""When the database goes away mid-request: a plain 503, nothing
half-written, and the next request works without a restart."""

import pytest
from sqlalchemy import create_engine, event, func, select, text

from awards_app.extensions import db
from awards_app.models import Nomination
from tests import builders


def test_a_database_lost_mid_request_gives_503_then_recovers(app, client, auth, make_user, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a PostgreSQL backend to terminate")
    cycle_id = builders.open_cycle("volunteer_award").id
    make_user("nina@example.org", roles=("nominator",))
    auth.login("nina@example.org")
    killer = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    fired = []

    def kill_backend(conn, cursor, statement, parameters, context, executemany):
        # Once the nomination row is written, cut the connection before the audit event is.
        if statement.lstrip().upper().startswith("UPDATE AUDIT_HEAD") and not fired:
            fired.append(True)
            pid = conn.connection.dbapi_connection.info.backend_pid
            with killer.connect() as k:
                k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(db.engine, "before_cursor_execute", kill_backend)
    try:
        data = {"name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0",
                "organisation_id": "0", "date_of_birth": "2001-05-04", "volunteer_years": "6",
                "statement": "Tireless."}
        response = client.post(f"/nominate/cycles/{cycle_id}/new", data=data)
    finally:
        event.remove(db.engine, "before_cursor_execute", kill_backend)
        killer.dispose()
    assert fired and response.status_code == 503
    assert b"Nothing was saved" in response.data and b"Traceback" not in response.data
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0
    again = client.post(f"/nominate/cycles/{cycle_id}/new", data=data)
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 1


# --- the pages tell the truth about what was saved ------------------------------------

class _LostAfterCommit:
    """The database is gone once a request has committed: every statement
    after that fails, as when the server goes away between the commit and
    the page (SQLite and PostgreSQL alike)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.committed = False
        self.failed = []

    def on_commit(self, conn):
        from flask import has_request_context

        self.committed = self.committed or has_request_context()

    def before_execute(self, conn, cursor, statement, parameters, context, executemany):
        from sqlalchemy.exc import OperationalError

        if self.committed:
            self.failed.append(statement)
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    def __enter__(self):
        event.listen(self.engine, "commit", self.on_commit)
        event.listen(self.engine, "before_cursor_execute", self.before_execute)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.before_execute)
        event.remove(self.engine, "commit", self.on_commit)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _nominate(app):
    from tests import factories

    cycle = builders.open_cycle("volunteer_award")
    user = factories.UserFactory(roles=("nominator",))
    data = {"name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0", "organisation_id": "0",
            "date_of_birth": "2001-05-04", "volunteer_years": "6", "statement": "Tireless."}
    return user.email, f"/nominate/cycles/{cycle.id}/new", data, lambda: _count(Nomination) == 1


def _fresh_assignment():
    from awards_app.services import assignments, panels, transitions
    from tests.factories import TESTS_ACTOR

    cycle = builders.open_cycle("best_delegation_award")
    fields = tuple(cycle.award_type.default_settings.get("required_fields", ()))
    nominations = [builders.eligible_delegation_nomination(cycle) for _ in range(2)]
    judges = []
    for i in range(3):
        judges.append(builders.judge(f"truth{i}@example.org", name=f"Truth Number{i}", fields=fields,
                                     roles=("judge", "chair") if i == 0 else ("judge",)))
        panels.add_member(TESTS_ACTOR, cycle, judges[-1], "chair" if i == 0 else "member")
    builders.close_call(cycle)
    return cycle, judges, nominations, assignments, transitions, TESTS_ACTOR


def _attest(app):
    from awards_app.models import ConflictAttestation

    cycle, judges, noms, assignments, transitions, actor = _fresh_assignment()
    transitions.fire_cycle_event(actor, cycle, "open_judging", as_role="admin")
    assignments.add(actor, noms[0], judges[1])
    nomination_id = noms[0].id
    return (judges[1].email, f"/judge/nominations/{nomination_id}/no-conflict", {},
            lambda: _count(ConflictAttestation, ConflictAttestation.nomination_id == nomination_id) == 1)


def _declare(app):
    from awards_app.models import ConflictOfInterest

    cycle, judges, noms, assignments, transitions, actor = _fresh_assignment()
    transitions.fire_cycle_event(actor, cycle, "open_judging", as_role="admin")
    assignments.add(actor, noms[0], judges[1])
    return (judges[1].email, f"/judge/nominations/{noms[0].id}/declare", {"kind": "family", "note": "Cousin."},
            lambda: _count(ConflictOfInterest, ConflictOfInterest.source == "declared") == 1)


def _assign(app):
    from awards_app.models import Assignment

    cycle, judges, _noms, *_ = _fresh_assignment()
    return judges[0].email, f"/cycles/{cycle.id}/panel/assign", {}, lambda: _count(Assignment) > 0


def _fire(app):
    from awards_app.models import Cycle
    from tests import factories

    cycle = builders.open_cycle("volunteer_award")
    admin = factories.UserFactory(roles=("admin",))
    cycle_id = cycle.id
    return (admin.email, f"/cycles/{cycle_id}/events/close_call", {"version": str(cycle.version)},
            lambda: db.session.get(Cycle, cycle_id).state != "call_open")


def _screen(app):
    from tests import factories

    cycle = builders.open_cycle("best_delegation_award")
    nominator = factories.UserFactory(roles=("nominator",))
    delegation = factories.DelegationFactory(event=cycle.event)
    from datetime import date

    from awards_app.services import nominations

    factories.ParticipantFactory(delegation=delegation, birth_date=date(2016, 1, 1))
    nomination = nominations.create_draft(nominator, cycle, candidate=delegation, statement="Exemplary.")
    nominations.submit(nominator, nomination)
    admin = factories.UserFactory(roles=("admin",))
    nomination_id = nomination.id
    return (admin.email, f"/screening/{nomination_id}", {"verdict": "eligible", "reason": ""},
            lambda: db.session.get(Nomination, nomination_id).state == "eligible")


def _vote(app):
    from awards_app.models import BoardVote

    cycle, member = builders.recommended_cycle()
    vote = {"vote": "approve", "confirmed": "1"}
    return member.email, f"/board/cycles/{cycle.id}", vote, lambda: _count(BoardVote) == 1


@pytest.mark.parametrize("case", [_nominate, _attest, _declare, _assign, _fire, _screen, _vote],
                         ids=lambda case: case.__name__.strip("_"))
def test_a_page_whose_change_was_committed_never_says_nothing_was_saved(app, case):
    """Each request in its own app context, as in production (no state kept
    in `g` between requests): after the commit the view builds its answer
    from what it holds; it does not go back to the database."""
    with app.app_context():
        email, path, data, saved = case(app)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "violet kettle harbour 42"}).status_code == 302
    with _LostAfterCommit(app) as lost:
        response = client.post(path, data=data)
    assert b"Nothing was saved" not in response.data
    assert lost.committed and response.status_code == 303, (response.status_code, lost.failed[:1])
    with app.app_context():
        assert saved()


def test_a_page_that_fails_after_its_commit_says_the_change_was_saved(app):
    """Creating a token shows the new token on the page: if that page cannot
    be built, the token exists all the same, and the page says so."""
    from awards_app.models import ApiToken
    from tests import factories

    with app.app_context():
        email = factories.UserFactory(roles=("judge",)).email
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "violet kettle harbour 42"})
    with _LostAfterCommit(app) as lost:
        response = client.post("/profile/tokens/", data={"name": "laptop"})
    assert lost.failed and response.status_code == 503
    assert b"Your change was saved; the page could not be shown. Reload it." in response.data
    assert b"Nothing was saved" not in response.data and b"Traceback" not in response.data
    with app.app_context():
        assert _count(ApiToken) == 1


def test_an_error_after_the_commit_says_the_change_was_saved_in_french(app, monkeypatch):
    from awards_app.models import ApiToken
    from awards_app.web import tokens
    from tests import factories

    with app.app_context():
        email = factories.UserFactory(roles=("judge",), locale="fr").email
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "violet kettle harbour 42"})

    def broken(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(tokens, "_render", broken)
    response = client.post("/profile/tokens/", data={"name": "laptop"})
    assert response.status_code == 500
    assert "Votre modification est enregistrée" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(ApiToken) == 1


def test_a_request_that_failed_before_its_commit_still_says_nothing_was_saved(app, monkeypatch):
    from awards_app.services import tokens as token_service
    from tests import factories

    with app.app_context():
        email = factories.UserFactory(roles=("judge",)).email
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "violet kettle harbour 42"})
    client.post("/profile/tokens/", data={"name": "laptop"})  # committed: its flag ends with its request

    def lost(*args, **kwargs):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(token_service, "create", lost)
    response = client.post("/profile/tokens/", data={"name": "phone"})
    assert response.status_code == 503 and b"Nothing was saved" in response.data


# --- the API: 503 when the database is out of reach -----------------------------------

def _lost_errors():
    from sqlalchemy.exc import DisconnectionError, OperationalError

    errors = [OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")),
              DisconnectionError("connection invalidated")]
    try:
        import psycopg

        errors.append(psycopg.OperationalError("consuming input failed: server closed the connection"))
    except ImportError:  # pragma: no cover
        pass
    return errors


@pytest.mark.parametrize("error", _lost_errors(), ids=lambda e: type(e).__module__ + "." + type(e).__name__)
def test_the_api_answers_503_when_the_database_is_lost(app, monkeypatch, error):
    from awards_app.services import tokens as token_service
    from awards_app.services import transitions

    with app.app_context():
        from tests import factories

        cycle = builders.open_cycle("volunteer_award")
        admin = factories.UserFactory(roles=("admin",))
        _row, token = token_service.create(admin, "tests")
        cycle_id = cycle.id
        db.session.commit()

    def lost(*args, **kwargs):
        raise error

    monkeypatch.setattr(transitions, "fire_cycle_event", lost)
    response = app.test_client().post(f"/api/v1/cycles/{cycle_id}/transitions", json={"event": "close_call"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503, response.get_json()
    body = response.get_json()
    assert body["code"] == "database.unavailable" and "Nothing was saved" in body["message"]
    assert response.headers["Retry-After"]
