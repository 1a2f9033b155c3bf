"""The chair's view of a cycle: progress, who is late, the judges x
nominations matrix a page at a time, results by every method, judges'
severity and agreement, notes and the recommendation.

Every query here leaves out the nominations hidden from the chair by a
conflict (conflict_service.hides), counts included. The page reads a fixed
number of rows whatever the number of nominations (counts, one page of the
matrix), except the results once scoring has closed, which rank every sheet."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import aliased, joinedload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app import aggregation
from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Delegation, Nomination, Organisation, Person, User
from awards_app.reports import charts
from awards_app.services import ServiceError, audit, outbox, recommendations
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service
from awards_app.web import flash_refusal

bp = Blueprint("chair", __name__, url_prefix="/chair")

PAGE_SIZE = 50  # nominations per page of the matrix
SHOW = ("all", "awaited")  # ?show=awaited: only the nominations with a sheet still awaited


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("Deliberation notes"), validators=[Optional(), Length(max=20000)])


class RecommendForm(FlaskForm):
    rationale = TextAreaField(_l("The panel's rationale"), validators=[DataRequired(), Length(max=20000)])


def _chaired_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id, options=[joinedload(Cycle.award_type)])
    if cycle is None or not panel_service.is_chair(current_user, cycle):
        abort(404)
    return cycle


def _visible(cycle: Cycle) -> tuple:
    """Conditions on Nomination: the cycle's, less those a conflict hides from the chair."""
    return Nomination.cycle_id == cycle.id, ~conflict_service.hides(current_user.id, Nomination.id)


def _sheet_counts(cycle: Cycle) -> dict[tuple[int, str], int]:
    """{(judge id, sheet state): score sheets}, in one GROUP BY: the progress
    and who is late come from it, not from the sheets themselves."""
    return {(judge_id, state): count for judge_id, state, count in db.session.execute(
        select(Assignment.judge_id, Assignment.sheet_state, func.count())
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(*_visible(cycle)).group_by(Assignment.judge_id, Assignment.sheet_state))}


def _late_judges(counts: dict[tuple[int, str], int]) -> list[tuple]:
    """[((id, email, name) of a judge, sheets awaited)] by name, from _sheet_counts."""
    awaited: dict[int, int] = {}
    for (judge_id, state), count in counts.items():
        if state != "submitted":
            awaited[judge_id] = awaited.get(judge_id, 0) + count
    if not awaited:
        return []
    judges = db.session.execute(
        select(User.id, User.email, Person.name).join(User.person).where(User.id.in_(list(awaited)))
        .order_by(Person.name, User.id))
    return [(judge, awaited[judge.id]) for judge in judges]


def _candidates(cycle: Cycle):
    """SELECT nomination id, candidate's name for the nominations the chair
    may see: one statement, where loading the nominations would add one per
    kind of candidate and carry every nomination's text."""
    person, delegation, organisation = aliased(Person), aliased(Delegation), aliased(Organisation)
    return (select(Nomination.id, func.coalesce(person.name, delegation.name, organisation.name))
            .outerjoin(person, person.id == Nomination.candidate_person_id)
            .outerjoin(delegation, delegation.id == Nomination.candidate_delegation_id)
            .outerjoin(organisation, organisation.id == Nomination.candidate_organisation_id)
            .where(*_visible(cycle)))


def _page_number(raw: str | None, pages: int) -> int:
    """?page= as a page that exists: not a number is the first, out of range the nearest."""
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of
    this one; None where a run of pages is left out."""
    links: list[int | None] = []
    for number in sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}):
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links


def _cell_marks() -> dict:
    """The HTML of each kind of cell of the matrix. A page has 50 rows x up to
    every judge of the panel (5,000 cells at 100 judges): joining these plain
    strings a row at a time costs a tenth of Jinja escaping each cell."""
    return {None: "<td></td>",
            "submitted": '<td><span class="ok" aria-hidden="true">✓</span>'
                         f'<span class="visually-hidden">{escape(_("submitted"))}</span></td>',
            "awaited": '<td><span class="fail" aria-hidden="true">…</span>'
                       f'<span class="visually-hidden">{escape(_("awaited"))}</span></td>'}


def _matrix_page(cycle: Cycle, page_arg: str | None, show: str) -> dict:
    """One page of the matrix: PAGE_SIZE nominations that have score sheets
    (one awaited, for show=awaited), by id, and as columns only the judges
    assigned to them. rows: [(candidate, the HTML of its cells)]."""
    which = (Assignment.sheet_state != "submitted",) if show == "awaited" else ()
    # Driven from this cycle's sheets joined to their nominations: an EXISTS
    # per nomination makes PostgreSQL group every sheet of every cycle, which
    # at a late page costs ten times as much.
    sheets = (select(Assignment.nomination_id).join(Nomination, Nomination.id == Assignment.nomination_id)
              .where(*_visible(cycle), *which))
    total = db.session.scalar(sheets.with_only_columns(func.count(distinct(Assignment.nomination_id))))
    pages = max(1, -(-total // PAGE_SIZE))
    page = _page_number(page_arg, pages)
    on_page = (sheets.group_by(Assignment.nomination_id).order_by(Assignment.nomination_id)
               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).correlate(None))
    nominations = db.session.execute(
        _candidates(cycle).where(Nomination.id.in_(on_page)).order_by(Nomination.id)).all()
    cells = {(n, j): "submitted" if state == "submitted" else "awaited" for n, j, state in db.session.execute(
        select(Assignment.nomination_id, Assignment.judge_id, Assignment.sheet_state)
        .where(Assignment.nomination_id.in_([n for n, _name in nominations])))} if nominations else {}
    judges = db.session.execute(
        select(User.id, Person.name).join(User.person).where(User.id.in_({j for _n, j in cells}))
        .order_by(Person.name, User.id)).all() if cells else []
    marks = _cell_marks()
    rows = []
    for n, name in nominations:
        html = "".join(marks[cells.get((n, j))] for j, _name in judges)
        rows.append((name, Markup(html)))  # noqa: S704  # nosec B704 - fixed snippets, their text escaped
    return {"judges": [name for _j, name in judges], "rows": rows, "page": page, "pages": pages, "total": total,
            "first": (page - 1) * PAGE_SIZE + 1, "links": _page_links(page, pages)}


def _results(cycle: Cycle) -> dict:
    """Every method's ranking of the sheets the chair may see; the bootstrap
    confidence, the costly part, for the declared method only."""
    if cycle.state not in recommendations.RESULTS_VISIBLE:
        return {}
    candidates = dict(db.session.execute(_candidates(cycle)).all())
    sheets = [s for s in recommendations.submitted_sheets(cycle) if s.nomination_id in candidates]
    if not sheets:
        return {}
    criteria = recommendations.criteria_of(cycle)
    declared, settings = recommendations.method_of(cycle), recommendations.settings_of(cycle)
    severity = aggregation.judge_severity(criteria, sheets)
    names = dict(db.session.execute(
        select(User.id, Person.name).join(User.person).where(User.id.in_(list(severity)))).all())
    return {
        "results": {m: aggregation.rank(criteria, sheets, m,
                                        settings if m == declared else {**settings, "resamples": 0})
                    for m in aggregation.METHODS},
        "candidates": candidates,
        "agreement": aggregation.panel_agreement(criteria, sheets),
        "severity_chart": charts.offset_bars([(names.get(j, j), v) for j, v in severity.items()],
                                             _("Judge severity")) if severity else None,
    }


@bp.route("/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    counts = _sheet_counts(cycle)
    done = sum(n for (_j, state), n in counts.items() if state == "submitted")
    context = {"results": {}, "candidates": {}, "agreement": None, "severity_chart": None}
    context.update(_results(cycle))
    return render_template(
        "chair/cycle.html", cycle=cycle, done=done, total=sum(counts.values()), show=show,
        late=_late_judges(counts) if cycle.state == "judging" else [],
        matrix=_matrix_page(cycle, request.args.get("page"), show), declared=recommendations.method_of(cycle),
        notes_form=NotesForm(notes=cycle.deliberation_notes), recommend_form=RecommendForm(formdata=None),
        **context)


@bp.route("/cycles/<int:cycle_id>/remind", methods=["POST"])
@login_required
def remind(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    late = _late_judges(_sheet_counts(cycle))
    for judge, count in late:
        outbox.queue(judge.email, f"Scores awaited: {cycle.title}",
                     f"{count} score sheet(s) of {cycle.title} still await your scores."
                     + (f" They are due by {cycle.judging_deadline:%Y-%m-%d %H:%M} UTC."
                        if cycle.judging_deadline else ""))
    audit.record(current_user, "scoring.reminders_sent", cycle, {"judges": sorted(j.id for j, _n in late)},
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
