"""The secretariat's screening queue."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app.extensions import db
from awards_app.models import Nomination
from awards_app.permissions import role_required
from awards_app.services import nominations as nomination_service
from awards_app.web import carry_out
from awards_app.web.forms import ScreeningForm

bp = Blueprint("screening", __name__, url_prefix="/screening")


@bp.route("/")
@role_required("admin")
def queue():
    waiting = db.session.scalars(
        select(Nomination).where(Nomination.state == "submitted")
        .options(selectinload(Nomination.cycle)).order_by(Nomination.submitted_at)).all()
    return render_template("screening/queue.html", nominations=waiting, form=ScreeningForm())


@bp.route("/<int:nomination_id>", methods=["POST"])
@role_required("admin")
def decide(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = ScreeningForm()
    if not form.validate_on_submit():
        flash(_("Choose a verdict."), "error")
        return redirect(url_for("screening.queue"), 303)
    if carry_out(lambda: nomination_service.screen(
            current_user, nomination, eligible=form.verdict.data == "eligible", reason=form.reason.data,
            expected_version=request.form.get("version", type=int)))[0]:
        flash(_("Screening recorded; the nominator is notified."), "success")
    return redirect(url_for("screening.queue"), 303)
