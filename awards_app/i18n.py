"""How the language and time zone of a request are chosen."""

from flask import current_app, request
from flask_login import current_user


def select_locale() -> str:
    """The user's profile first, then the browser's Accept-Language, else English."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return "UTC"
