"""The language switch: a visitor's choice lives in the session; a signed-in
user's choice is also kept on their profile (through the users service)."""

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from awards_app.services import users
from awards_app.web import carry_out, safe_next

bp = Blueprint("language", __name__)


@bp.route("/language", methods=["POST"])
def switch():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    # users.set_locale(user, lang) is the service that records the choice on
    # the profile; until it exists the choice lasts for the session only.
    set_locale = getattr(users, "set_locale", None)
    if set_locale is not None and current_user.is_authenticated:
        carry_out(lambda: set_locale(current_user, lang))
    return redirect(safe_next(request.form.get("next"), url_for("main.index")), 303)
