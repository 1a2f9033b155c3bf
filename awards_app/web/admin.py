"""The secretariat's pages: the accounts, invitations, roles, deactivation
and a lost phone's second factor."""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from awards_app.extensions import db
from awards_app.i18n.labels import ROLES as ROLE_LABELS
from awards_app.i18n.labels import language_name
from awards_app.models import ROLES, Country, Organisation, User
from awards_app.permissions import role_required
from awards_app.services import accounts, privacy, second_factor
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("admin", __name__, url_prefix="/admin")



class RolesField(SelectMultipleField):
    """One checkbox per role."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(Form):
    roles = RolesField(_l("Roles"))


class InviteForm(RolesForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language of the invitation and of the account"), default="en")
    organisation = SelectField(_l("Organisation"), coerce=int)
    country = SelectField(_l("Country"), coerce=int)


class ActionForm(Form):
    """Only the CSRF token: the account is in the URL."""


def _role_choices(form):
    form.roles.choices = [(r, ROLE_LABELS.get(r, r)) for r in ROLES]
    return form


def _invite_form():
    form = _role_choices(InviteForm())
    form.locale.choices = [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]
    none = [(0, "—")]
    form.organisation.choices = none + [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name))]
    locale = str(get_locale())
    form.country.choices = none + [(c.id, c.name_in(locale))
                                   for c in db.session.scalars(select(Country).order_by(Country.name))]
    return form


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@role_required("admin")
def users():
    accounts_ = db.session.scalars(
        select(User).options(selectinload(User.person)).order_by(User.email)
    ).all()
    return render_template("admin/users.html", accounts=accounts_, status=accounts.status)


@bp.route("/users/invite", methods=["GET", "POST"])
@role_required("admin")
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        country = db.session.get(Country, form.country.data) if form.country.data else None
        ok, result = carry_out(lambda: accounts.invite(
            current_user, form.email.data, form.name.data, form.roles.data, locale=form.locale.data,
            organisation=organisation, country=country), form)
        if ok:
            user, _message = result
            flash(_("Invitation for %(email)s queued in the outbox: it carries a link to choose a password.",
                    email=user.email), "success")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    return render_template("admin/invite.html", form=form), (400 if form.errors else 200)


def _render_account(user: User, roles_form=None, status=200):
    roles_form = roles_form or _role_choices(RolesForm(formdata=None, data={"roles": sorted(user.roles)}))
    return render_template("admin/user.html", account=user, roles_form=roles_form, action_form=ActionForm(),
                           status=accounts.status(user), is_self=user.id == current_user.id,
                           required=second_factor.required_for(user)), status


@bp.route("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int):
    return _render_account(_account(user_id))


@bp.route("/users/<int:user_id>/personal-data", methods=["POST"])
@role_required("admin")
def personal_data(user_id: int):
    """Everything held about the account's person, as a JSON file (a
    request under GDPR articles 15 and 20); a POST: the export is audited."""
    account = _account(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ok, document = carry_out(lambda: privacy.export(current_user, account.person))
    if not ok:
        return redirect(url_for("admin.user", user_id=account.id), 303)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="personal-data-{account.person_id}.json"'})


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@role_required("admin")
def set_roles(user_id: int):
    account = _account(user_id)
    form = _role_choices(RolesForm())
    if not form.validate_on_submit():
        return _render_account(account, form, 400)
    ok, _result = carry_out(lambda: accounts.set_roles(current_user, account, form.roles.data), form, field="roles")
    if not ok:
        return _render_account(account, form, 400)
    flash(_("Roles saved. The account's sessions have ended and its API tokens are revoked."), "success")
    return redirect(url_for("admin.user", user_id=account.id), 303)


def _act(user_id: int, action, done: str):
    """One of the account's buttons: the service call, then back to the account."""
    account = _account(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if carry_out(lambda: action(current_user, account))[0]:
        flash(done, "success")
    return redirect(url_for("admin.user", user_id=account.id), 303)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@role_required("admin")
def deactivate(user_id: int):
    return _act(user_id, accounts.deactivate,
                _("Account deactivated: it can no longer log in and its API tokens are revoked."))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@role_required("admin")
def reactivate(user_id: int):
    return _act(user_id, accounts.reactivate, _("Account reactivated: it can log in again."))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@role_required("admin")
def resend_invitation(user_id: int):
    return _act(user_id, accounts.resend_invitation,
                _("Invitation sent again; the earlier link no longer works."))


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@role_required("admin")
def reset_second_factor(user_id: int):
    return _act(user_id, second_factor.reset,
                _("Second factor removed. The owner sets up a new one on their account page."))
