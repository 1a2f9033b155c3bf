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
