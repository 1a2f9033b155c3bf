"""The reader's language: how a request's language and time zone are chosen,
and how a rule's English message is shown translated. labels.py gives the
words for the engine's codes. Pages, reports and notices all read these, so
they sit beside web/ rather than inside it."""

from datetime import UTC, datetime, timedelta

from flask import current_app, request, session
from flask_babel import format_timedelta, gettext
from flask_login import current_user


def select_locale() -> str:
    """A signed-in user's profile language first; then the language chosen
    with the switch in this session (a visitor's, or a user's whose profile
    names none); then the browser's Accept-Language; else English."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or "en"


def time_left(moment: datetime) -> str:
    """'3 weeks', '5 hours' in the reader's language; never negative."""
    return format_timedelta(max(moment - datetime.now(UTC), timedelta(0)), threshold=1.1)


def rule_message(message, template=None, values=None) -> str:
    """A service's or a workflow's message in the reader's language where the
    catalogue has it (fixed messages, and services.Message templates), else
    as written: English, shown beside its rule id. Plain text, so a page
    escapes it like any other value."""
    if not message:
        return message or ""
    if not template:  # a stored result passes its template and values
        template, values = getattr(message, "template", None), getattr(message, "values", None)
    if template:
        return gettext(template, **_in_words(values or {}))
    return gettext(str(message))


# Message values that are codes, and how a reader names them: a setting
# refused on the settings page reads "Board quorum (votes)", not board_quorum;
# a cycle's state "In judging", not judging.
_WORDS = {"setting": "setting_label", "state": "state_label", "until_state": "state_label"}


def _in_words(values: dict) -> dict:
    from awards_app.i18n import labels

    return {key: getattr(labels, _WORDS[key])(value) if key in _WORDS and isinstance(value, str) else value
            for key, value in values.items()}
