"""The home page: each role is shown where its work is."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@login_required
def home():
    from awards_app.services.panels import chaired_by

    return render_template("main/home.html", roles=sorted(current_user.roles),
                           chaired=chaired_by(current_user) if current_user.has_role("chair") else [])


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
