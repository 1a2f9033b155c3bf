"""Login (with its second step for a second factor), logout, a forgotten
password, and the pages an invitation or a reset link opens."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from awards_app.extensions import db, limiter
from awards_app.models import User
from awards_app.services import ServiceError, accounts, second_factor, users
from awards_app.web import carry_out, safe_next
from awards_app.web.forms import Form
from awards_app.web.login import KEEP, LoginForm
from awards_app.web.security import (
    PENDING_LOGIN,
    failed_login,
    login_account_and_address_key,
    login_account_key,
    record_login_limited,
    reset_account_key,
)

bp = Blueprint("auth", __name__)


class CodeForm(Form):
    code = StringField(_l("Code from your app, or a recovery code"), validators=[DataRequired(), Length(max=32)])


class ForgotForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    password_again = PasswordField(_l("New password, again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


def _login_limits(view):
    """Failed logins and failed codes count alike, per account and address,
    per account, and per address."""
    for limit, key in (("LOGIN_LIMIT_PER_ADDRESS", None), ("LOGIN_LIMIT_PER_ACCOUNT", login_account_key),
                       ("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", login_account_and_address_key)):
        view = limiter.limit(lambda limit=limit: current_app.config[limit], methods=["POST"],
                             deduct_when=failed_login, on_breach=record_login_limited,
                             **({"key_func": key} if key else {}))(view)
    return view


def _kept():
    return [(k[len(KEEP):], v) for k, v in request.form.items(multi=True) if k.startswith(KEEP)]


def start_session(user: User) -> None:
    """A fresh session for the user: nothing of the one before survives but
    the language chosen (no fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    session["epoch"] = user.session_epoch
    session["started_at"] = session["seen_at"] = datetime.now(UTC).timestamp()


def _land(target: str, kept):
    if kept:
        return render_template("errors/resubmit.html", action=target, kept=kept, after_login=True)
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@_login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        # Committed either way: a failed attempt is audited as much as a login.
        ok, user = carry_out(lambda: users.authenticate(form.email.data, form.password.data,
                                                        remote_addr=request.remote_addr))
        if ok and user is not None:
            target = safe_next(request.args.get("next"), url_for("main.home"))
            if user.has_second_factor:
                return _ask_for_code(user, target)
            start_session(user)
            return _land(target, _kept())
        flash(_("Wrong email or password."), "error")
    return render_template("auth/login.html", form=form, kept=_kept(), keep_prefix=KEEP,
                           action=request.full_path.rstrip("?")), (200 if not form.errors else 400)


def _ask_for_code(user: User, target: str):
    """The password was right; the session holds only who is half-way in,
    for a few minutes, until the code is given."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    until = datetime.now(UTC) + timedelta(minutes=current_app.config["LOGIN_CODE_MINUTES"])
    session[PENDING_LOGIN] = {"user_id": user.id, "email": user.email, "epoch": user.session_epoch,
                              "until": until.timestamp(), "next": target}
    kept = _kept()
    if not kept:
        return redirect(url_for("auth.second_step"))
    g.password_accepted = True  # not a failed login, though it is not a redirect
    return render_template("auth/code.html", form=CodeForm(formdata=None), kept=kept, keep_prefix=KEEP)


def _pending_user() -> User | None:
    pending = session.get(PENDING_LOGIN)
    if not pending or datetime.now(UTC).timestamp() > pending["until"]:
        return None
    user = db.session.scalar(select(User).where(User.id == pending["user_id"]))
    if user is None or not user.active or not user.has_second_factor or user.session_epoch != pending["epoch"]:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@_login_limits
def second_step():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Log in again: the time to give the code ran out."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        ok, passed = carry_out(lambda: second_factor.complete_login(user, form.code.data,
                                                                    remote_addr=request.remote_addr))
        if ok and passed:
            target = session[PENDING_LOGIN]["next"]
            start_session(user)
            return _land(target, _kept())
        form.code.errors = [*form.code.errors, _("This code is not right, or was already used.")]
    return render_template("auth/code.html", form=form, kept=_kept(), keep_prefix=KEEP), \
        (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    carry_out(lambda: users.record_logout(current_user))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    response = redirect(url_for("auth.login"))
    # A shared phone keeps no judge's pages (the offline copies of score sheets, with the nominations'
    # dossiers) nor their waiting saves for the next person: the browser deletes this site's storage.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- a forgotten password, and the links sent by email ---------------------------------

@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"], key_func=reset_account_key,
               methods=["POST"], exempt_when=lambda: current_user.is_authenticated)
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"],
               exempt_when=lambda: current_user.is_authenticated)
def forgot():
    if current_user.is_authenticated:
        return redirect(url_for("account.password"))
    form = ForgotForm()
    if form.validate_on_submit():
        if carry_out(lambda: accounts.request_reset(form.email.data, remote_addr=request.remote_addr))[0]:
            # The same answer whether or not the address has an account.
            flash(_("If an account exists for this address, we have sent it a link to choose a new password. "
                    "The link works for %(minutes)s minutes.",
                    minutes=current_app.config["PASSWORD_RESET_VALID_MINUTES"]), "info")
            return redirect(url_for("auth.login"), 303)
    return render_template("auth/forgot.html", form=form), (400 if form.errors else 200)


def _link_invalid():
    return render_template("auth/link_invalid.html"), 404


@bp.route("/password/<token>", methods=["GET", "POST"])
def use_link(token: str):
    """Choose a password with an invitation or reset link. Any bad link,
    whatever is wrong with it, gets the one page."""
    try:
        link = accounts.find_link(token)
    except ServiceError:
        return _link_invalid()
    purpose, email = link.purpose, link.user.email
    form = NewPasswordForm()
    if form.validate_on_submit():
        ok, result = carry_out(lambda: accounts.use_link(token, form.password.data, remote_addr=request.remote_addr),
                               form, field="password")
        if ok:
            if result.has_second_factor:
                logout_user()
                session.clear()
                flash(_("Your password is set. Log in with it and your second factor."), "success")
                return redirect(url_for("auth.login"), 303)
            start_session(result)
            flash(_("Your password is set, and you are logged in."), "success")
            return redirect(url_for("main.home"), 303)
        if result.rule == "account.link_invalid":
            return _link_invalid()
    return render_template("auth/set_password.html", form=form, purpose=purpose, email=email,
                           min_length=users.MIN_PASSWORD_LENGTH), \
        (400 if form.errors else 200)
