"""The Volunteer Award's board pages: the Executive Committee's hearing and
the board's override of the odd-year rule, both reached from the cycle's page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import DateField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Cycle, User
from awards_app.services import N_, Forbidden
from awards_app.services import volunteer as volunteer_service
from awards_app.web import carry_out, flash_refusal
from awards_app.web.forms import Form

bp = Blueprint("volunteer", __name__, url_prefix="/cycles")


class HearingForm(Form):
    held_on = DateField(_l("Date of the hearing"), validators=[DataRequired()])
    present = SelectMultipleField(_l("Executive Committee members present"), coerce=int,
                                  validators=[DataRequired()])
    minutes = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=volunteer_service.MINUTES_MAX)])


class OverrideApprovalForm(Form):
    reason = TextAreaField(_l("Reason for holding this cycle in an even year"),
                           validators=[DataRequired(), Length(max=5000)])


def _refused_here(rule: str, message: str):
    """What a user may see (the cycle) but not do: 403, with the rule that says why."""
    flash_refusal(Forbidden(rule, message))


@bp.route("/<int:cycle_id>/hearing", methods=["GET", "POST"])
@login_required
def hearing(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    if not volunteer_service.has_hearing(cycle):
        abort(404)
    form = HearingForm()
    if not permissions.may_record_hearing(current_user, cycle):
        _refused_here("volunteer.hearing_recorders",
                      N_("Only the secretariat or an Executive Committee member records the hearing."))
        return render_template("volunteer/hearing.html", cycle=cycle, form=None, present=[]), 403
    members = volunteer_service.board_members()
    form.present.choices = [(u.id, f"{u.name} <{u.email}>") for u in members]
    status = 200
    if form.validate_on_submit():
        chosen = [u for u in members if u.id in set(form.present.data)]
        ok, refused = carry_out(lambda: volunteer_service.record_hearing(
            current_user, cycle, held_on=form.held_on.data, present=chosen, minutes=form.minutes.data),
            form)  # a refusal naming no field (409, 403) is flashed above the page
        if ok:
            flash(_("The hearing is recorded: the Executive Committee may now vote."), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id), 303)
        status = refused.status if refused.status in (403, 409) else 400
    elif form.errors:
        status = 400
    return render_template("volunteer/hearing.html", cycle=cycle, form=form,
                           present=volunteer_service.hearing_present(cycle)), status


@bp.route("/<int:cycle_id>/odd-year-override", methods=["GET", "POST"])
@login_required
def override(cycle_id: int):
    """Each board member approves with a reason; at the board's quorum the override takes effect."""
    cycle = db.get_or_404(Cycle, cycle_id)
    form = OverrideApprovalForm()
    status = 200
    if form.is_submitted():
        # The service answers every case with its rule: not the board (403),
        # another award or nothing to override (409), no reason (at the field).
        if form.validate():
            ok, result = carry_out(lambda: volunteer_service.approve_odd_year_override(
                current_user, cycle, form.reason.data), form)
            if ok:
                flash(_("The board's override is in effect.") if result else
                      _("Your approval is recorded; the override takes effect at the board's quorum."), "success")
                return redirect(url_for("cycles.show", cycle_id=cycle.id), 303)
            status = result.status if result.status in (403, 409) else 400
        elif not permissions.may_approve_odd_year_override(current_user, cycle):
            _refused_here("volunteer.override_board_only",
                          N_("Only Executive Committee members decide the odd-year override."))
            status = 403
        else:
            status = 400
    elif not volunteer_service.has_odd_year_rule(cycle):
        abort(404)
    elif not permissions.may_approve_odd_year_override(current_user, cycle) and not current_user.has_role("admin"):
        _refused_here("volunteer.override_board_only",
                      N_("Only Executive Committee members decide the odd-year override."))
        status = 403
    approvals = volunteer_service.override_approvals(cycle) if volunteer_service.has_odd_year_rule(cycle) else []
    approvers = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([a.actor_id for a in approvals])))}
    return render_template("volunteer/override.html", cycle=cycle, form=form, approvals=approvals,
                           approvers=approvers, quorum=cycle.setting("board_quorum"),
                           may_approve=permissions.may_approve_odd_year_override(current_user, cycle),
                           needed=volunteer_service.override_needed(cycle)), status
