"""Text the engine stores: never with control characters.

A NUL byte cannot be stored in a PostgreSQL text column (the driver raises),
and the other control characters are invisible junk in a name or a
statement. Forms and the API refuse them at the field; this guard catches
whatever reaches the session by another way, so no path ends in a 500.
"""

import re
from functools import cache

from sqlalchemy import String, event, inspect

from awards_app.services import N_, ServiceError

# C0 controls and DEL, but tab, line feed and carriage return, which text may hold.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = N_("Remove the invisible control character from this text.")


def has_control_character(value) -> bool:
    return isinstance(value, str) and CONTROL.search(value) is not None


def refusal(field: str) -> ServiceError:
    return ServiceError("input.control_character", MESSAGE, field=field)


@cache  # one answer per mapped class: the guard runs at every flush
def _text_attributes(mapper) -> tuple[str, ...]:
    return tuple(attr.key for attr in mapper.column_attrs
                 if any(isinstance(column.type, String) for column in attr.columns))


def _check(session, _flush_context, _instances) -> None:
    for row in (*session.new, *session.dirty):
        for key in _text_attributes(inspect(row).mapper):
            if has_control_character(getattr(row, key, None)):
                raise refusal(key)


def guard(session_factory) -> None:
    """Refuse, before any flush, a string column holding a control character."""
    if not event.contains(session_factory, "before_flush", _check):
        event.listen(session_factory, "before_flush", _check)
