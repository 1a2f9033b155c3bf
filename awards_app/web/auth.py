"""Login and logout."""

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from awards_app.extensions import db, limiter
from awards_app.services import users
from awards_app.web import safe_next
from awards_app.web.security import failed_login, login_account_key

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


KEEP = "keep::"  # prefix of the fields a POST carried when its session had ended


def kept_fields(form) -> list[tuple[str, str]]:
    """What the user had typed into a form they sent after their session ended."""
    return [(k, v) for k, v in form.items(multi=True) if k not in ("csrf_token",) and not k.startswith(KEEP)]


def login_keeping(form_data, target: str):
    """The login page, carrying what was typed, so nothing is lost: after
    logging in, the user sees it again and sends it with a fresh token."""
    return render_template("auth/login.html", form=LoginForm(formdata=None), keep_prefix=KEEP,
                           kept=kept_fields(form_data),
                           action=url_for("auth.login", next=target)), 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=login_account_key,
               methods=["POST"], deduct_when=failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data,
                                  remote_addr=request.remote_addr)
        db.session.commit()
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on every login: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
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
    users.record_logout(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
