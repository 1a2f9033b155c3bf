"""Locks on a piece of work rather than on a row: PostgreSQL's
transaction-scoped advisory locks, keyed by a constant of the caller and a
row id. A row lock (SELECT ... FOR UPDATE) is in transitions.lock_row."""

from sqlalchemy import func, select

from awards_app.extensions import db


def hold(key: int, row_id: int, *, wait: bool = True) -> bool:
    """A lock on a piece of work rather than a row (PostgreSQL's
    transaction-scoped advisory lock, keyed by the caller's constant and a
    row id), released at commit or rollback. With wait=False, False when
    another transaction holds it. SQLite serialises writers anyway: True."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        db.session.execute(select(func.pg_advisory_xact_lock(key, row_id)))
        return True
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(key, row_id))))
