"""The benchmark's data set: the N=10 scale data on PostgreSQL, in a
database of its own (awards_bench), built once and reused.

    python -m bench.dataset [--scale 10] [--rebuild]

Built as a person would: `flask db upgrade`, `flask demo load`, then
awards_app.demo.scale.load(scale) (what `flask demo load --scale N` runs),
committed once.
"""

import argparse
import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench"
PASSWORD = "bench violet kettle 2027"  # noqa: S105 - the DEMO_PASSWORD of a local benchmark database
# The audit log's key pair of the local benchmark database only (its
# checkpoints are signed with it, and `flask audit verify` checks them):
# fixed, since every stored checkpoint must verify with the configured key.
AUDIT_SIGNER = "PRIVATE+KEY+bench.awards.local/audit+8c12c12a+Aagx5gnd90FcpmJ9LsAI/HoBJ1SIINeTywXU50gnHjMf"
AUDIT_VERIFIER = "bench.awards.local/audit+8c12c12a+ASr9Zno9pu6Q8DHIMLnj9a4+bhrdiyBVVkKXcuWbWhsm"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def env(url: str | None = None) -> dict:
    """The environment of every process the benchmark starts."""
    return {**os.environ, "DATABASE_URL": url or bench_url(), "DEMO_PASSWORD": PASSWORD,
            "AUDIT_SIGNING_KEY": AUDIT_SIGNER, "AUDIT_VERIFIER_KEYS": AUDIT_VERIFIER,
            "AUDIT_ORIGIN": "bench.awards.local/audit",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "APP_ENV": "development", "PYTHONPATH": ROOT}


def flask(*args, url=None, check=True, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],  # noqa: S603 - fixed argv
                          cwd=ROOT, env=env(url),
                          check=check, **kwargs)


def _server(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _exists(url: str) -> bool:
    name = make_url(url).database
    with _server(url).connect() as conn:
        return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())


def scale_present(url: str) -> int:
    """How many generated cycles the database holds (0 when none or no database)."""
    if not _exists(url):
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT settings FROM cycle")).scalars().all()
    except Exception:  # noqa: BLE001 - a half-built database counts as absent
        return 0
    finally:
        engine.dispose()
    return sum(1 for s in rows if (s or {}).get("generated") == "demo_scale/1")


def table_counts(url: str) -> dict:
    """Rows of the tables the issue's totals name, as the database holds them now."""
    engine = create_engine(url)
    names = ("cycle", "nomination", "judge_profile", "assignment", "score", "audit_event")
    with engine.connect() as conn:
        # The names are the fixed tuple above, not input.
        counts = {n: conn.execute(text(f"SELECT count(*) FROM {n}")).scalar() for n in names}  # noqa: S608
    engine.dispose()
    return counts


def build(url: str, scale: int, *, rebuild: bool = False, log=print) -> dict:
    """Create and fill the database unless it already holds `scale` cycles."""
    present = scale_present(url)
    if present >= scale and not rebuild:
        log(f"data set present: {present} generated cycles in {make_url(url).database}")
        return {"reused": True, "cycles": present, "tables": table_counts(url)}
    name = make_url(url).database
    with _server(url).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    started = time.perf_counter()
    flask("db", "upgrade", url=url, capture_output=True)
    flask("demo", "load", url=url, capture_output=True)
    base_seconds = time.perf_counter() - started
    from awards_app import create_app
    from awards_app.demo import scale as demo_scale
    from awards_app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        done = [0]
        total = demo_scale.expected_rows(scale)

        def progress(n):
            done[0] += n
            if done[0] // 200_000 != (done[0] - n) // 200_000:
                log(f"  {done[0]:,} of about {total:,} rows")

        counts = demo_scale.load(scale, progress=progress)
        db.session.commit()
        demo_scale.analyze()
        db.engine.dispose()
    counts["base_seconds"] = round(base_seconds, 1)
    counts["seconds_with_commit"] = round(time.perf_counter() - started - base_seconds, 1)
    log(f"built {name}: {counts['rows']:,} rows in {counts['seconds_with_commit']} s")
    return {"reused": False, **counts}



def copy_of(url: str, name: str, *, fresh: bool = True, wait: float = 600, log=print) -> str:
    """A copy of the data set (database `name`, from it as a template) for a
    part that writes; its URL. PostgreSQL copies a template only while nobody
    else is connected to it: wait for a gap. Without `fresh` an existing copy
    is kept."""
    source = make_url(url).database
    server = _server(url)
    try:
        with server.connect() as conn:
            present = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if fresh or not present:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                deadline = time.time() + wait
                while True:
                    try:
                        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
                        break
                    except Exception as exc:  # noqa: BLE001 - "being accessed by other users": try again
                        if time.time() > deadline:
                            raise RuntimeError(f"could not copy {source}: {exc}") from exc
                        log(f"  {source} is in use; copying it as soon as nobody is connected")
                        time.sleep(5)
                log(f"  copied {source} to {name}")
    finally:
        server.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_copy(url: str, name: str) -> None:
    server = _server(url)
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    result = build(bench_url(), args.scale, rebuild=args.rebuild)
    print(result)


if __name__ == "__main__":
    main()
