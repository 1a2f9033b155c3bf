"""The chair's view of a cycle: progress, reminders, results by every
method, judges' severity and agreement, notes and the recommendation."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app import aggregation
from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Nomination, User
from awards_app.reports import charts
from awards_app.services import ServiceError, audit, outbox, recommendations
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service
from awards_app.web import flash_refusal

bp = Blueprint("chair", __name__, url_prefix="/chair")


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("Deliberation notes"), validators=[Optional(), Length(max=20000)])


class RecommendForm(FlaskForm):
    rationale = TextAreaField(_l("The panel's rationale"), validators=[DataRequired(), Length(max=20000)])


def _chaired_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not panel_service.is_chair(current_user, cycle):
        abort(404)
    return cycle


def _matrix(cycle: Cycle):
    """Judges x nominations, without the nominations hidden from the chair by a conflict."""
    assignments = db.session.scalars(
        select(Assignment).join(Nomination)
        .where(Nomination.cycle_id == cycle.id, ~conflict_service.hides(current_user.id, Nomination.id))
        .options(selectinload(Assignment.judge).selectinload(User.person),
                 selectinload(Assignment.nomination))).all()
    judges = sorted({a.judge for a in assignments}, key=lambda u: u.name)
    nominations = sorted({a.nomination for a in assignments}, key=lambda n: n.id)
    cells = {(a.nomination_id, a.judge_id): a for a in assignments}
    return judges, nominations, cells


@bp.route("/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    judges, nominations, cells = _matrix(cycle)
    visible = {n.id for n in nominations}
    results, severity, agreement = {}, {}, None
    if cycle.state in recommendations.RESULTS_VISIBLE:
        sheets = [s for s in recommendations.submitted_sheets(cycle) if s.nomination_id in visible]
        if sheets:
            criteria = recommendations.criteria_of(cycle)
            declared, settings = recommendations.method_of(cycle), recommendations.settings_of(cycle)
            # The bootstrap confidence is the costly part: computed for the declared method only.
            results = {m: aggregation.rank(criteria, sheets, m,
                                           settings if m == declared else {**settings, "resamples": 0})
                       for m in aggregation.METHODS}
            severity = aggregation.judge_severity(criteria, sheets)
            agreement = aggregation.panel_agreement(criteria, sheets)
    names = {j.id: j.name for j in judges}
    return render_template(
        "chair/cycle.html", cycle=cycle, judges=judges, nominations=nominations, cells=cells,
        results=results, declared=recommendations.method_of(cycle), agreement=agreement,
        severity_chart=charts.offset_bars([(names.get(j, j), v) for j, v in severity.items()],
                                          _("Judge severity")) if severity else None,
        notes_form=NotesForm(notes=cycle.deliberation_notes), recommend_form=RecommendForm(formdata=None))


@bp.route("/cycles/<int:cycle_id>/remind", methods=["POST"])
@login_required
def remind(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    _judges, _nominations, cells = _matrix(cycle)
    late: dict = {}
    for a in cells.values():
        if a.sheet_state != "submitted":
            late[a.judge] = late.get(a.judge, 0) + 1
    for judge, count in late.items():
        outbox.queue(judge.email, f"Scores awaited: {cycle.title}",
                     f"{count} score sheet(s) of {cycle.title} still await your scores."
                     + (f" They are due by {cycle.judging_deadline:%Y-%m-%d %H:%M} UTC."
                        if cycle.judging_deadline else ""))
    audit.record(current_user, "scoring.reminders_sent", cycle, {"judges": sorted(j.id for j in late)},
                 cycle_id=cycle.id)
    db.session.commit()
    flash(_("Reminders sent to %(n)s judge(s).", n=len(late)), "success")
    return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)


@bp.route("/cycles/<int:cycle_id>/notes", methods=["POST"])
@login_required
def notes(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    form = NotesForm()
    if form.validate_on_submit():
        cycle.deliberation_notes = form.notes.data
        audit.record(current_user, "deliberation.notes_saved", cycle,
                     {"length": len(form.notes.data or ""), "at": datetime.now(UTC).isoformat()},
                     cycle_id=cycle.id)
        db.session.commit()
        flash(_("Notes saved."), "success")
    return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)


@bp.route("/cycles/<int:cycle_id>/recommend", methods=["POST"])
@login_required
def recommend(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    form = RecommendForm()
    if form.validate_on_submit():
        try:
            recommendations.recommend(current_user, cycle, form.rationale.data)
        except ServiceError as exc:
            db.session.rollback()
            flash_refusal(exc)
        else:
            db.session.commit()
            flash(_("Recommendation sent to the Executive Committee."), "success")
    else:
        flash(_("Write the panel's rationale."), "error")
    return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)
