"""The user's personal API tokens: list, create (shown once), revoke."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from awards_app.services import tokens as token_service
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("tokens", __name__, url_prefix="/profile/tokens")


class TokenForm(Form):
    name = StringField(_l("What will use this token?"),
                       validators=[DataRequired(), Length(max=token_service.NAME_MAX)])


class RevokeForm(Form):
    """Only the CSRF token: the token to revoke is in the URL."""


def _render(form, *, new_token=None, status=200):
    return render_template("tokens/index.html", form=form, revoke_form=RevokeForm(),
                           tokens=token_service.tokens_of(current_user), new_token=new_token), status


@bp.route("/")
@login_required
def index():
    return _render(TokenForm(formdata=None))


@bp.route("/", methods=["POST"])
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    ok, created = carry_out(lambda: token_service.create(current_user, form.name.data), form, field="name")
    if not ok:
        return _render(form, status=400)
    _row, token = created
    # Shown in this response only: neither stored nor put in a redirect or flash.
    response = _render(TokenForm(formdata=None), new_token=token)
    return response[0], 201, {"Cache-Control": "no-store"}


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    if not RevokeForm().validate_on_submit():
        abort(400)
    if carry_out(lambda: token_service.revoke(current_user, token_id))[0]:
        flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for("tokens.index"), 303)
