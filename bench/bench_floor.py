"""What the signed-in floor costs per request, counted rather than timed:
SQL statements, waits on the database (psycopg round trips) and Python
function calls, for /healthz, the signed-in JSON answer and the empty
layout of bench/reference_app.py, in a test-client loop on the N=10 data
set. Counts do not move with the machine's load, which the page
benchmark's ratios do when other work shares the cores.

    python -m bench.bench_floor [--requests 100] [--no-pre-ping]

--no-pre-ping counts what the floor would be without config.py's
pool_pre_ping (a SELECT 1 before each request's first statement).

Read-only: the benchmark's judge is signed in by writing the session
cookie as a login would (no login event is written to the data set)."""

import argparse
import cProfile
import io
import json
import os
import pstats
from datetime import UTC, datetime

from bench import dataset

LAYOUT = '{% extends "base.html" %}{% block content %}{% endblock %}'
PATHS = ("/healthz", "/bench/signed-in", "/bench/layout")


def _app(url: str, pre_ping: bool = True):
    from flask import render_template
    from flask_login import current_user, login_required
    from jinja2 import ChoiceLoader, DictLoader

    from awards_app import create_app

    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    engine = {} if pre_ping else {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}}
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, **engine)
    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader({"bench/layout.html": LAYOUT})])

    @app.route("/bench/signed-in")
    @login_required
    def signed_in():
        return {"user": current_user.id}

    @app.route("/bench/layout")
    @login_required
    def layout():
        return render_template("bench/layout.html")

    return app


def _signed_in_client(app, email: str):
    """A client holding the session a login gives (flask-login's strong protection included)."""
    from flask_login.utils import _create_identifier
    from sqlalchemy import select

    from awards_app.extensions import db
    from awards_app.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user_id, epoch = user.id, user.session_epoch
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):  # the client's address and agent
        identifier = _create_identifier()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update({"_user_id": str(user_id), "_fresh": False, "_id": identifier, "epoch": epoch,
                        "started_at": now, "seen_at": now})
    return client


def run(url: str | None = None, requests: int = 100, pre_ping: bool = True) -> dict:
    from sqlalchemy import event

    from awards_app.extensions import db

    app = _app(url or dataset.bench_url(), pre_ping)
    client = _signed_in_client(app, "judge-c000-j001@scale.demo.milset.org")
    with app.app_context():
        engine = db.engine
    result = {"requests": requests, "pool_pre_ping": bool(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get(
        "pool_pre_ping")), "paths": {}}
    for path in PATHS:
        for _ in range(20):  # warm: templates, babel, compiled statements
            assert client.get(path).status_code == 200, path
        statements = []

        def count(*_args, _statements=statements):
            _statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            client.get(path)
        profile.disable()
        event.remove(engine, "before_cursor_execute", count)
        stats = pstats.Stats(profile, stream=io.StringIO())
        waits = sum(calls for (file, _line, name), (calls, *_rest) in stats.stats.items()
                    if name == "wait" and "psycopg" in file)
        result["paths"][path] = {"statements": len(statements) / requests, "database_waits": waits / requests,
                                 "python_calls": stats.total_calls // requests}
    with app.app_context():
        db.engine.dispose()
    return result


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    paths = results.get("paths") or {}
    if not paths:
        return [("The signed-in floor, counted (bench/bench_floor.py)", "not run", "", "")]
    return [(f"The signed-in floor, counted per request: `GET {path}` (bench/bench_floor.py, "
             f"pool_pre_ping={results.get('pool_pre_ping')})",
             f"{p['statements']:g} statements, {p['database_waits']:g} database waits, "
             f"{p['python_calls']:,} Python calls", "(what the page benchmark's ratios come from)", "")
            for path, p in paths.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-pre-ping", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(requests=args.requests, pre_ping=not args.no_pre_ping), indent=1))


if __name__ == "__main__":
    main()
