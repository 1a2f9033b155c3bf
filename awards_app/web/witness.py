"""A board member's witness part of their account: their Ed25519 verifier
keys, and the latest signed checkpoint of the audit log to cosign with the
signature line `audit_bundle.py cosign` prints (services.witnesses)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditSignedCheckpoint, WitnessKey
from awards_app.permissions import role_required
from awards_app.services import audit_log, witnesses
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("witness", __name__, url_prefix="/account/witness")


class KeyForm(Form):
    verifier_key = StringField(_l("Your verifier key (name+hash+key, as witness-keygen printed it)"),
                               validators=[DataRequired(), Length(max=1000)])


class CosignForm(Form):
    checkpoint_id = HiddenField()
    signature = TextAreaField(_l("Your signature line (as cosign printed it)"),
                              validators=[DataRequired(), Length(max=1000)])


class RetireForm(Form):
    """Only the CSRF token."""


def _log_keys() -> list[str]:
    try:
        return [str(k) for k in audit_log.verifier_keys()]
    except audit_log.AuditKeyError:
        return []


def _page(key_form=None, cosign_form=None, status=200):
    checkpoint = witnesses.to_cosign()
    keys = witnesses.keys_of(current_user)
    mine = {k.id for k in keys}
    cosigned = [c for c in witnesses.cosignatures_of([checkpoint.id])[checkpoint.id]
                if c.witness_key_id in mine] if checkpoint else []
    cosign_form = cosign_form or CosignForm(formdata=None)
    if checkpoint is not None:
        cosign_form.checkpoint_id.data = checkpoint.id
    return render_template(
        "account/witness.html", keys=[(k, audit_tree.parse_verifier_key(k.verifier_key)) for k in keys],
        key_form=key_form or KeyForm(formdata=None), cosign_form=cosign_form, retire_form=RetireForm(),
        checkpoint=checkpoint, cosigned=cosigned, log_keys=_log_keys(),
        active=any(k.retired_at is None for k in keys)), status


@bp.route("/")
@role_required("board")
def index():
    return _page()


@bp.route("/keys", methods=["POST"])
@role_required("board")
def add_key():
    form = KeyForm()
    if form.validate_on_submit():
        ok, key = carry_out(lambda: witnesses.register_key(current_user, form.verifier_key.data), form)
        if ok:
            flash(_("Your witness key is registered."), "success")
            return redirect(url_for("witness.index"), 303)
    return _page(key_form=form, status=400)


@bp.route("/keys/<int:key_id>/retire", methods=["POST"])
@role_required("board")
def retire_key(key_id: int):
    key = db.get_or_404(WitnessKey, key_id)
    if key.user_id != current_user.id:
        abort(404)
    if RetireForm().validate_on_submit():
        ok, _key = carry_out(lambda: witnesses.retire_key(current_user, key))
        if ok:
            flash(_("The key is retired: it cosigns no more, and what it cosigned is kept."), "success")
    return redirect(url_for("witness.index"), 303)


@bp.route("/cosign", methods=["POST"])
@role_required("board")
def cosign():
    form = CosignForm()
    if form.validate_on_submit():
        posted = form.checkpoint_id.data or ""
        checkpoint = db.session.get(AuditSignedCheckpoint, int(posted)) if posted.isdigit() else None
        ok, _row = carry_out(lambda: witnesses.cosign(current_user, checkpoint, form.signature.data), form)
        if ok:
            flash(_("Your cosignature of the checkpoint of log size %(size)s is recorded.", size=checkpoint.size),
                  "success")
            return redirect(url_for("witness.index"), 303)
    return _page(cosign_form=form, status=400)
