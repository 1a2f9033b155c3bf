"""Login and logout."""

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from awards_app.extensions import limiter
from awards_app.services import users
from awards_app.web import carry_out, safe_next
from awards_app.web.login import KEEP, LoginForm
from awards_app.web.security import (
    failed_login,
    login_account_and_address_key,
    login_account_key,
    record_login_limited,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
               key_func=login_account_and_address_key, methods=["POST"], deduct_when=failed_login,
               on_breach=record_login_limited)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=login_account_key,
               methods=["POST"], deduct_when=failed_login, on_breach=record_login_limited)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=failed_login, on_breach=record_login_limited)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        # Committed either way: a failed attempt is audited as much as a login.
        ok, user = carry_out(lambda: users.authenticate(form.email.data, form.password.data,
                                                        remote_addr=request.remote_addr))
        if ok and user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on every login: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            session["epoch"] = user.session_epoch
            session["started_at"] = session["seen_at"] = datetime.now(UTC).timestamp()
            target = safe_next(request.args.get("next"), url_for("main.home"))
            kept = [(k[len(KEEP):], v) for k, v in request.form.items(multi=True) if k.startswith(KEEP)]
            if kept:
                return render_template("errors/resubmit.html", action=target, kept=kept, after_login=True)
            return redirect(target)
        flash(_("Wrong email or password."), "error")
    kept = [(k[len(KEEP):], v) for k, v in request.form.items(multi=True) if k.startswith(KEEP)]
    return render_template("auth/login.html", form=form, kept=kept, keep_prefix=KEEP,
                           action=request.full_path.rstrip("?")), (200 if not form.errors else 400)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    carry_out(lambda: users.record_logout(current_user))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
