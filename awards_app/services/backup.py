"""Backups of the whole database: SQLite's online backup API, or pg_dump and
pg_restore on PostgreSQL. A restore brings back the same audit chain, so
its head hash proves the restore is faithful."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create(engine, target: Path) -> Path:
    url = make_url(str(engine.url))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        with engine.connect() as conn:
            source = conn.connection.dbapi_connection
            with sqlite3.connect(target) as copy:
                source.backup(copy)
        return target
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed (Debian package postgresql-client).")
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}",  # noqa: S603, S607
                        _libpq_url(engine.url)], check=True, capture_output=True)
        return target
    raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore(engine, source: Path) -> None:
    """Replace the database's content with the backup's."""
    url = make_url(str(engine.url))
    source = Path(source)
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(source) as backup, engine.connect() as conn:
            backup.backup(conn.connection.dbapi_connection)
        return
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore is not installed (Debian package postgresql-client).")
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",  # noqa: S603, S607
                                 f"--dbname={_libpq_url(engine.url)}", str(source)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip()[-2000:])
        return
    raise BackupError(f"no restore method for {url.get_backend_name()}")
