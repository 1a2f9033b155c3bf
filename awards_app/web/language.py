"""The language switch: a visitor's choice lives in the session; a signed-in
user's choice is also kept on their profile (through the users service)."""

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from awards_app.services import site, users
from awards_app.web import carry_out, safe_next

bp = Blueprint("language", __name__)


@bp.route("/language", methods=["POST"])
def switch():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        carry_out(lambda: users.set_locale(current_user, lang))
    return redirect(safe_next(request.form.get("next"), url_for("main.index")), 303)


def datetime_with_zone(value, format: str | None = None) -> str:
    """A moment in the reader's time zone, saying which: a deadline read in
    Tunis and in Montreal must not look like the same wall-clock time."""
    from flask_babel import format_datetime, get_timezone

    if value is None:
        return ""
    return f"{format_datetime(value, format)} ({get_timezone().zone})"


def select_timezone() -> str:
    """A signed-in user's own time zone; for a visitor, the site's (Settings)."""
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return site.get("timezone")
