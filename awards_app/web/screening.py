"""The secretariat's screening: the queue, and one nomination's facts, rules and verdict."""

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from awards_app.extensions import db
from awards_app.models import Nomination
from awards_app.permissions import role_required
from awards_app.services import eligibility as eligibility_service
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
    return render_template("screening/queue.html", nominations=waiting)


def _shown(fact) -> str:
    """A fact's value as the screener reads it, in their language."""
    value = fact.value
    if value is None or value == "" or value == []:
        return _("not given")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return format_date(value, "medium")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return _(value) if fact.translate else str(value)


def _page(nomination: Nomination, form: ScreeningForm, status: int = 200):
    facts, results = eligibility_service.for_screening(nomination)
    return render_template("screening/nomination.html", nomination=nomination, form=form, results=results,
                           facts=[(f.label, _shown(f), f.flag) for f in facts]), status


@bp.route("/<int:nomination_id>")
@role_required("admin")
def show(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.state != "submitted":  # screened already: its own page tells its state
        return redirect(url_for("nominate.show", nomination_id=nomination_id), 303)
    return _page(nomination, ScreeningForm(formdata=None))


@bp.route("/<int:nomination_id>", methods=["POST"])
@role_required("admin")
def decide(nomination_id: int):
    # The service locks the row and reads the candidate with it: here only
    # whether it exists (a 404), not the candidate a second time.
    nomination = db.get_or_404(Nomination, nomination_id, options=[lazyload(Nomination.candidate_person),
                                                                  lazyload(Nomination.candidate_delegation),
                                                                  lazyload(Nomination.candidate_organisation)])
    form = ScreeningForm()
    if not form.validate_on_submit():
        return _page(nomination, form, 400)
    ok, _result = carry_out(lambda: nomination_service.screen(
        current_user, nomination, eligible=form.verdict.data == "eligible", reason=form.reason.data,
        expected_version=request.form.get("version", type=int)), form)
    if not ok:
        return _page(db.get_or_404(Nomination, nomination_id), form, 409)
    flash(_("Screening recorded; the nominator is notified."), "success")
    return redirect(url_for("screening.queue"), 303)
