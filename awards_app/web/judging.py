"""The judge's side: the panels they sit on and the conflict declarations they owe."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app.extensions import db
from awards_app.models import ConflictAttestation, ConflictOfInterest, Cycle, Nomination, Panel, PanelMember
from awards_app.models.judging import CONFLICT_KINDS
from awards_app.permissions import role_required
from awards_app.services import ServiceError
from awards_app.services import conflicts as conflict_service

bp = Blueprint("judging", __name__, url_prefix="/judge")


class DeclareForm(FlaskForm):
    kind = SelectField(_l("Kind of conflict"), validators=[DataRequired()],
                       choices=[(k, k.replace("_", " ")) for k in CONFLICT_KINDS])
    note = TextAreaField(_l("Note for the chair"), validators=[Optional(), Length(max=2000)])


def my_cycles(user) -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).join(Panel).join(PanelMember).where(PanelMember.user_id == user.id)
        .order_by(Cycle.year.desc(), Cycle.id)))


def _visible_nominations(cycle: Cycle):
    return db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id,
                                 Nomination.state.in_(conflict_service.ACTIVE_NOMINATION_STATES),
                                 ~conflict_service.hides(current_user.id, Nomination.id))
        .order_by(Nomination.id)).all()


def _my_cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle not in my_cycles(current_user):
        abort(404)
    return cycle


def _visible_nomination_or_404(nomination_id: int) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if (nomination is None or nomination.cycle not in my_cycles(current_user)
            or conflict_service.is_hidden_from(current_user, nomination)):
        abort(404)
    return nomination


@bp.route("/")
@role_required("judge", "chair")
def dashboard():
    rows = []
    for cycle in my_cycles(current_user):
        nominations = _visible_nominations(cycle)
        attested = set(db.session.scalars(select(ConflictAttestation.nomination_id).where(
            ConflictAttestation.judge_id == current_user.id)))
        rows.append((cycle, len(nominations), sum(1 for n in nominations if n.id not in attested)))
    return render_template("judging/dashboard.html", rows=rows)


@bp.route("/cycles/<int:cycle_id>/declarations")
@role_required("judge", "chair")
def declarations(cycle_id: int):
    cycle = _my_cycle_or_404(cycle_id)
    nominations = _visible_nominations(cycle)
    attested = set(db.session.scalars(select(ConflictAttestation.nomination_id).where(
        ConflictAttestation.judge_id == current_user.id)))
    declared = {c.nomination_id: c for c in db.session.scalars(select(ConflictOfInterest).where(
        ConflictOfInterest.judge_id == current_user.id, ConflictOfInterest.source == "declared"))}
    return render_template("judging/declarations.html", cycle=cycle, nominations=nominations,
                           attested=attested, declared=declared, form=DeclareForm(formdata=None))


@bp.route("/nominations/<int:nomination_id>/declare", methods=["POST"])
@role_required("judge", "chair")
def declare(nomination_id: int):
    nomination = _visible_nomination_or_404(nomination_id)
    form = DeclareForm()
    if form.validate_on_submit():
        try:
            conflict_service.declare(current_user, nomination, form.kind.data, form.note.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(f"{exc.message} [{exc.rule}]", "error")
        else:
            db.session.commit()
            flash(_("Conflict declared. The nomination is now hidden from you until the chair decides."),
                  "success")
    return redirect(url_for("judging.declarations", cycle_id=nomination.cycle_id), 303)


@bp.route("/nominations/<int:nomination_id>/no-conflict", methods=["POST"])
@role_required("judge", "chair")
def attest(nomination_id: int):
    nomination = _visible_nomination_or_404(nomination_id)
    conflict_service.attest_none(current_user, nomination)
    db.session.commit()
    return redirect(url_for("judging.declarations", cycle_id=nomination.cycle_id), 303)


@bp.route("/cycles/<int:cycle_id>/no-conflict", methods=["POST"])
@role_required("judge", "chair")
def attest_all(cycle_id: int):
    """'I have no conflict with any of the others': one attestation each, recorded one by one."""
    cycle = _my_cycle_or_404(cycle_id)
    declared = set(db.session.scalars(select(ConflictOfInterest.nomination_id).where(
        ConflictOfInterest.judge_id == current_user.id)))
    for nomination in _visible_nominations(cycle):
        if nomination.id not in declared:
            conflict_service.attest_none(current_user, nomination)
    db.session.commit()
    flash(_("Your attestation is recorded."), "success")
    return redirect(url_for("judging.declarations", cycle_id=cycle.id), 303)
