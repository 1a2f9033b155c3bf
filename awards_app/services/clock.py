"""The one clock the calendar's decisions read: whether a date is past,
whether the call has closed, whether a reminder is due.

Tests and the `flask calendar run --now` command set the time it tells
(`frozen`, or the CLOCK_NOW setting of the app's config) instead of
patching datetime for the whole process, so the audit trail's own
timestamps and everything else keep the real time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import current_app, has_app_context

_frozen: ContextVar[datetime | None] = ContextVar("clock_frozen", default=None)


def aware(moment: datetime | str) -> datetime:
    """A moment as an aware UTC datetime: an ISO string is parsed, a naive
    datetime is taken as UTC (what the commands and the database hold)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current moment in UTC: the frozen one when a caller froze it,
    else the app's CLOCK_NOW (a test's), else the machine's clock."""
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    if has_app_context() and (configured := current_app.config.get("CLOCK_NOW")):
        return aware(configured)
    return datetime.now(UTC)


@contextmanager
def frozen(moment: datetime | str) -> Iterator[datetime]:
    """Within the block, now() tells ``moment`` (in this thread or task only)."""
    token = _frozen.set(aware(moment))
    try:
        yield _frozen.get()
    finally:
        _frozen.reset(token)
