"""The judge's side: the panels they sit on and the conflict declarations they owe."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app import permissions
from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import (
    Assignment,
    ConflictAttestation,
    ConflictOfInterest,
    Cycle,
    Nomination,
    Performance,
    User,
)
from awards_app.permissions import role_required
from awards_app.services import NotFound, rubric, scoring
from awards_app.services import conflicts as conflict_service
from awards_app.services import evening as evening_service
from awards_app.web import carry_out, offline
from awards_app.web.forms import Form
from workflows.base import ROUNDS

bp = Blueprint("judging", __name__, url_prefix="/judge")


class DeclareForm(Form):
    kind = SelectField(_l("Kind of conflict"), validators=[DataRequired()],
                       choices=list(labels.CONFLICT_KINDS.items()))
    note = TextAreaField(_l("Note for the chair"), validators=[Optional(), Length(max=2000)])


def my_cycles(user) -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).where(permissions.on_panel(user.id, Cycle.id))
        .options(joinedload(Cycle.award_type)).order_by(Cycle.year.desc(), Cycle.id)))


def _judgeable_nominations(cycle: Cycle):
    """The cycle's nominations the judge may act on (permissions.judgeable_by)."""
    return db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id, permissions.judgeable_by(current_user))
        .order_by(Nomination.id)).all()


def _my_cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not permissions.sits_on_panel(current_user, cycle):
        abort(404)
    return cycle


def _declarable_nomination_or_404(nomination_id: int) -> Nomination:
    """A nomination the judge may declare on (permissions.may_declare_conflict), else 404."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not permissions.may_declare_conflict(current_user, nomination):
        abort(404)
    return nomination


@bp.route("/")
@role_required("judge", "chair")
def dashboard():
    cycles = my_cycles(current_user)
    ids = [c.id for c in cycles]
    visible = (Nomination.cycle_id.in_(ids), ~permissions.hides(current_user.id, Nomination.id))
    # Counted in SQL: a cycle may hold thousands of nominations.
    owed = dict(db.session.execute(
        select(Nomination.cycle_id, func.count()).where(
            Nomination.cycle_id.in_(ids), permissions.judgeable_by(current_user),
            ~permissions.attested(current_user.id, Nomination.id))
        .group_by(Nomination.cycle_id)).all())
    by_cycle: dict[int, list[Assignment]] = {cycle_id: [] for cycle_id in ids}
    for assignment in db.session.scalars(
            select(Assignment).join(Nomination).where(Assignment.judge_id == current_user.id, *visible)
            # The list shows the candidate only: the nominations' texts and
            # JSON columns stay in the database.
            .options(selectinload(Assignment.nomination).load_only(
                Nomination.cycle_id, Nomination.candidate_kind, Nomination.candidate_person_id,
                Nomination.candidate_delegation_id, Nomination.candidate_organisation_id))
            .order_by(Nomination.id)):
        by_cycle[assignment.nomination.cycle_id].append(assignment)
    # The cycles whose candidates perform live and have a running order: a link to the evening.
    evenings = set(db.session.scalars(select(Performance.cycle_id).where(Performance.cycle_id.in_(
        [c.id for c in cycles if c.award_type.workflow.has_running_order])).distinct()))
    rows = [{"cycle": cycle, "owed": owed.get(cycle.id, 0), "assignments": by_cycle[cycle.id],
             "done": sum(1 for a in by_cycle[cycle.id] if a.sheet_state == "submitted"),
             "evening": cycle.id in evenings} for cycle in cycles]
    return render_template("judging/dashboard.html", rows=rows, offline_texts=offline.texts())


def _sheet_or_404(nomination_id: int, *, with_next: bool = True) -> scoring.ScoreSheet:
    """The judge's sheet: of the round the link names (?round=shortlist), else of their latest round.
    with_next=False: no link to the next open sheet is shown (a POST that redirects)."""
    round = request.args.get("round")
    try:
        return scoring.sheet_for(current_user, nomination_id, with_next=with_next,
                                 round=round if round in ROUNDS else None)
    except NotFound:
        abort(404)


def _shown(value: float) -> str:
    """7.0 is shown (and matched against the radio buttons) as "7"."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _render_sheet(sheet: scoring.ScoreSheet, *, values=None, errors=None, status=200):
    nomination, assignment = sheet.nomination, sheet.assignment
    criteria = scoring.criteria_of(assignment)
    if values is None:
        saved = scoring.scores_of(assignment)
        values = {c.code: (_shown(saved[c.id].value) if c.id in saved else None,
                           saved[c.id].comment if c.id in saved else "")
                  for c in criteria}
    others, other_scores = [], {}
    if scoring.may_see_other_scores(current_user, assignment):
        others = db.session.scalars(select(Assignment).where(
            Assignment.nomination_id == nomination.id, Assignment.id != assignment.id,
            Assignment.round == assignment.round, Assignment.sheet_state == "submitted")
            .options(selectinload(Assignment.judge).joinedload(User.person))).all()
        other_scores = scoring.scores_by_sheet(others)
    # The dossier waits for the judge's attestation (permissions.may_read_dossier);
    # an attested judge on their own sheet may read it, so only the others ask.
    dossier = sheet.attested or permissions.may_read_dossier(current_user, nomination)
    return render_template("judging/sheet.html", nomination=nomination, cycle=nomination.cycle,
                           criteria=criteria, assignment=assignment, values=values, errors=errors or {},
                           others=others, other_scores=other_scores, attested=sheet.attested,
                           dossier=dossier, next_id=sheet.next_id,
                           on_stage_order=evening_service.has_running_order(nomination.cycle),
                           points={c.code: [_shown(p) for p in scoring.scale_points(c)] for c in criteria},
                           descriptor=rubric.descriptor_text, shown=_shown, offline_texts=offline.texts()), status


@bp.route("/nominations/<int:nomination_id>")
@role_required("judge", "chair")
def sheet(nomination_id: int):
    return _render_sheet(_sheet_or_404(nomination_id))


@bp.route("/nominations/<int:nomination_id>/scores", methods=["POST"])
@role_required("judge", "chair")
def score(nomination_id: int):
    # The next open sheet is for the page's link; a saved sheet redirects, and a refused one reads it again.
    # The sheet is held to the end: the session keeps only what is referenced,
    # and the nomination it loaded would otherwise be read again.
    sheet = _sheet_or_404(nomination_id, with_next=False)
    assignment = sheet.assignment
    raw = {c.code: (request.form.get(f"score-{c.code}"), request.form.get(f"comment-{c.code}", ""))
           for c in scoring.criteria_of(assignment)}
    action = scoring.submit if request.form.get("action") == "submit" else scoring.save_draft
    ok, refused = carry_out(lambda: action(current_user, assignment, raw,
                                           expected_version=request.form.get("version", type=int)))
    if not ok:  # what the judge typed stays on the page, with each field's problem
        return _render_sheet(_sheet_or_404(nomination_id), values=raw,
                             errors=getattr(refused, "errors", None), status=refused.status)
    # Made from the request alone: nothing after the commit reads the database.
    flash(_("Scores submitted and locked. Thank you.") if action is scoring.submit
          else _("Draft saved."), "success")
    return redirect(url_for("judging.sheet", nomination_id=nomination_id,
                            round=request.args.get("round") if request.args.get("round") in ROUNDS else None), 303)


@bp.route("/cycles/<int:cycle_id>/evening")
@role_required("judge", "chair")
def evening(cycle_id: int):
    """The cultural evening as the judge follows it on a phone: now on stage
    (with their sheet for it), next, previous, and the whole order with
    their sheets' states. Only the judges of the cycle's panel."""
    cycle = db.session.get(Cycle, cycle_id, options=[joinedload(Cycle.award_type)])
    if cycle is None or not permissions.may_follow_evening(current_user, cycle):
        abort(404)
    show = evening_service.evening(current_user, cycle, as_judge=True)
    return render_template("judging/evening.html", cycle=cycle, show=show)


@bp.route("/cycles/<int:cycle_id>/declarations")
@role_required("judge", "chair")
def declarations(cycle_id: int):
    cycle = _my_cycle_or_404(cycle_id)
    nominations = _judgeable_nominations(cycle)
    attested = set(db.session.scalars(select(ConflictAttestation.nomination_id).where(
        ConflictAttestation.judge_id == current_user.id)))
    declared = {c.nomination_id: c for c in db.session.scalars(select(ConflictOfInterest).where(
        ConflictOfInterest.judge_id == current_user.id, ConflictOfInterest.source == "declared"))}
    return render_template("judging/declarations.html", cycle=cycle, nominations=nominations,
                           attested=attested, declared=declared, form=DeclareForm(formdata=None))


@bp.route("/nominations/<int:nomination_id>/declare", methods=["POST"])
@role_required("judge", "chair")
def declare(nomination_id: int):
    nomination = _declarable_nomination_or_404(nomination_id)
    form = DeclareForm()
    if form.validate_on_submit():
        if carry_out(lambda: conflict_service.declare(current_user, nomination, form.kind.data, form.note.data))[0]:
            flash(_("Conflict declared. The nomination is now hidden from you until the chair decides."),
                  "success")
    return redirect(url_for("judging.declarations", cycle_id=nomination.cycle_id), 303)


@bp.route("/nominations/<int:nomination_id>/no-conflict", methods=["POST"])
@role_required("judge", "chair")
def attest(nomination_id: int):
    nomination = _declarable_nomination_or_404(nomination_id)
    carry_out(lambda: conflict_service.attest_none(current_user, nomination))
    return redirect(url_for("judging.declarations", cycle_id=nomination.cycle_id), 303)


@bp.route("/cycles/<int:cycle_id>/no-conflict", methods=["POST"])
@role_required("judge", "chair")
def attest_all(cycle_id: int):
    """'I have no conflict with any of the others': one attestation each."""
    cycle = _my_cycle_or_404(cycle_id)
    if carry_out(lambda: conflict_service.attest_none_for_all(current_user, cycle))[0]:
        flash(_("Your attestation is recorded."), "success")
    return redirect(url_for("judging.declarations", cycle_id=cycle.id), 303)
