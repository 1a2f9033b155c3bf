"""My account: one's own password, second factor, and the way to the API
tokens. Where a role requires a second factor, every page leads here until
it is set up."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from awards_app.services import accounts, second_factor, users
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("account", __name__, url_prefix="/account")

# What a user who must set up a second factor may still reach.
OPEN_BEFORE_ENROLMENT = frozenset({"static", "account.second_factor", "account.start_second_factor",
                                   "account.confirm_second_factor", "auth.logout", "language.switch",
                                   "main.healthz"})


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    password_again = PasswordField(_l("New password, again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class CodeForm(Form):
    code = StringField(_l("Code from your app"), validators=[DataRequired(), Length(max=32)])


class StartForm(Form):
    """Only the CSRF token."""


@bp.before_app_request
def _second_factor_gate():
    """A signed-in user whose role requires a second factor and who has none
    is sent to set it up, whatever page they ask for. The API answers for
    itself (api.core.authenticate)."""
    endpoint = request.endpoint or ""
    if ("_user_id" not in session or endpoint in OPEN_BEFORE_ENROLMENT or endpoint.startswith("api")
            or not current_app.config.get("SECOND_FACTOR_REQUIRED_ROLES")):
        return None
    if current_user.is_authenticated and second_factor.must_enrol(current_user):
        flash(_("Your role requires a second factor. Set it up to continue."), "info")
        return redirect(url_for("account.second_factor"), 303)
    return None


@bp.route("/")
@login_required
def index():
    from awards_app.web.calendar import LinkForm, feed_url

    return render_template("account/index.html", required=second_factor.required_for(current_user),
                           status=accounts.status(current_user), feed_url=feed_url(current_user),
                           link_form=LinkForm())


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        ok, _result = carry_out(lambda: accounts.change_password(current_user, form.current_password.data,
                                                                 form.password.data), form, field="password")
        if ok:
            # Every other session ended with the old password; this one goes on.
            session["epoch"] = current_user.session_epoch
            flash(_("Your password is changed. Your other sessions have ended and your API tokens are "
                    "revoked."), "success")
            return redirect(url_for("account.index"), 303)
    return render_template("account/password.html", form=form, min_length=users.MIN_PASSWORD_LENGTH), \
        (400 if form.errors else 200)


def _second_factor_page(form=None, *, codes=None, status=200):
    user = current_user
    uri = svg = None
    if user.totp_secret and not user.has_second_factor:
        uri, svg = second_factor.provisioning(user)
    response = render_template(
        "account/second_factor.html", form=form or CodeForm(formdata=None), start_form=StartForm(),
        required=second_factor.required_for(user), secret=user.totp_secret if uri else None, uri=uri, svg=svg,
        codes=codes, codes_left=second_factor.recovery_codes_left(user) if user.has_second_factor else None)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/second-factor", endpoint="second_factor")
@login_required
def second_factor_page():
    return _second_factor_page()


@bp.route("/second-factor/start", methods=["POST"])
@login_required
def start_second_factor():
    if StartForm().validate_on_submit():
        carry_out(lambda: second_factor.start(current_user))
    return redirect(url_for("account.second_factor"), 303)


@bp.route("/second-factor/confirm", methods=["POST"])
@login_required
def confirm_second_factor():
    form = CodeForm()
    if not form.validate_on_submit():
        return _second_factor_page(form, status=400)
    ok, codes = carry_out(lambda: second_factor.confirm(current_user, form.code.data), form, field="code")
    if not ok:
        return _second_factor_page(form, status=400)
    flash(_("Your second factor is on."), "success")
    return _second_factor_page(codes=codes)  # shown in this response only


@bp.route("/second-factor/disable", methods=["POST"])
@login_required
def disable_second_factor():
    form = CodeForm()
    if not form.validate_on_submit():
        return _second_factor_page(form, status=400)
    ok, _result = carry_out(lambda: second_factor.disable(current_user, form.code.data), form, field="code")
    if not ok:
        return _second_factor_page(form, status=400)
    flash(_("Your second factor is off."), "success")
    return redirect(url_for("account.second_factor"), 303)
