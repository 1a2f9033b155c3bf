"""The chair's view of a cycle: progress, who is late, the judges x
nominations matrix a page at a time, results by every method, judges'
severity and agreement, notes and the recommendation (the reading is
services.progress's)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import Cycle, Nomination
from awards_app.reports import charts
from awards_app.services import decisions, progress, recommendations, results_cache, rounds, ties, transitions
from awards_app.services import nominations as nomination_service
from awards_app.services import panels as panel_service
from awards_app.web import carry_out
from awards_app.web.forms import Form
from workflows.base import SCORING_STATE

bp = Blueprint("chair", __name__, url_prefix="/chair")

CLOSING = {"close_scoring", "close_shortlist"}  # the steps the chair's view offers
SHOW = ("all", "awaited")  # ?show=awaited: only the nominations with a sheet still awaited


class NotesForm(Form):
    notes = TextAreaField(_l("Deliberation notes"), validators=[Optional(), Length(max=20000)])


class RecommendForm(Form):
    rationale = TextAreaField(_l("The panel's rationale"), validators=[DataRequired(), Length(max=20000)])


def _chaired_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id, options=[joinedload(Cycle.award_type)])
    if cycle is None or not panel_service.is_chair(current_user, cycle):
        abort(404)
    return cycle


def _cell_marks() -> dict:
    """The HTML of each kind of cell of the matrix. A page has 50 rows x up to
    every judge of the panel (5,000 cells at 100 judges): joining these plain
    strings a row at a time costs a tenth of Jinja escaping each cell."""
    # Outside the f-strings: the message extractor does not read inside them.
    submitted, awaited = escape(_("submitted")), escape(_("awaited"))
    return {None: "<td></td>",
            "submitted": f'<td><span class="ok" aria-hidden="true">✓</span><span class="visually-hidden">{submitted}'
                         '</span></td>',
            "awaited": f'<td><span class="fail" aria-hidden="true">…</span><span class="visually-hidden">{awaited}'
                       '</span></td>'}


def _matrix(page: progress.MatrixPage) -> dict:
    """The page of the matrix as the template draws it: rows of (candidate, cells' HTML)."""
    marks = _cell_marks()
    rows = []
    for n, name in page.nominations:
        html = "".join(marks[page.cells.get((n, j))] for j, _name in page.judges)
        rows.append((name, Markup(html)))  # noqa: S704  # nosec B704 - fixed snippets, their text escaped
    return {"judges": [name for _j, name in page.judges], "rows": rows, "page": page.page, "pages": page.pages,
            "total": page.total, "first": page.first, "links": page.links}


@bp.route("/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    counts = progress.sheet_counts(current_user, cycle)
    done = sum(n for (_j, state), n in counts.items() if state == "submitted")
    found = progress.results(current_user, cycle)
    severity = found.get("severity")
    # The cycle's facts (a good part of the page at 2,000 nominations) are
    # gathered once, and only where a closing step leaves the cycle's state.
    leaving = {e for state, steps in cycle.award_type.workflow.cycle_steps() if state == cycle.state
               for e, _next in steps}
    events = transitions.cycle_events_for(current_user, cycle) if leaving & CLOSING else []
    board = decisions.board_progress(cycle)
    return render_template(
        "chair/cycle.html", cycle=cycle, done=done, total=sum(counts.values()), show=show,
        late=progress.late_judges(counts) if cycle.state in SCORING_STATE.values() else [],
        round=rounds.in_play(cycle), has_shortlist=rounds.has_shortlist(cycle),
        may_close_shortlist="close_shortlist" in events,
        matrix=_matrix(progress.matrix_page(current_user, cycle, request.args.get("page"),
                                            awaited_only=show == "awaited")),
        declared=recommendations.method_of(cycle), results=found.get("results", {}),
        result_rows=_result_rows(found), agreement=found.get("agreement"),
        severity_chart=charts.offset_bars(severity, _("Judge severity")) if severity else None,
        notes_form=NotesForm(notes=cycle.deliberation_notes),
        may_close_scoring="close_scoring" in events,
        progress=board, nominations=_named_by(board))


def _named_by(board: dict) -> dict:
    """The nominations the board's proposals name (the template shows their
    candidates), not the cycle's thousands."""
    proposals = [p for p in (board["proposal"], *board["history"]) if p is not None]
    ids = {i for p in proposals for i in p.laureate_nomination_ids or ()}
    return {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.id.in_(ids)))} if ids else {}


def _result_rows(found: dict) -> dict:
    """{method: the rows of its ranking's table, as HTML}. Four methods x
    2,000 nominations are 8,000 rows: written here as plain strings, each
    name escaped once, they cost a tenth of the template's loop; and kept
    with the results, for the same names in the same language."""
    if not found:
        return {}
    key = ("rows", found["key"], str(get_locale()), tuple(sorted(found["candidates"].items())))
    return results_cache.kept(key, lambda: _written_rows(found))


def _written_rows(found: dict) -> dict:
    candidates = found["candidates"]
    names = {n: str(escape(name)) for n, name in candidates.items()}
    label = escape(_("top"))  # outside the f-string: the message extractor does not read inside one
    top = f' <span class="state">{label}</span>'
    steps: dict = {}
    tables = {}
    for method, result in found["results"].items():
        laureates = set(result.laureates)
        rows = []
        for e in result.entries:
            name = names[e.nomination_id] if e.nomination_id in names else str(escape(e.nomination_id))
            step = e.tie_break
            if step and step not in steps:
                steps[step] = str(escape(labels.method_label(step)))
            confidence = "—" if e.confidence_top_k is None else f"{100 * e.confidence_top_k:.0f}%"
            rows.append(f"<tr><td>{e.rank}</td><td>{name}{top if e.nomination_id in laureates else ''}</td>"
                        f"<td>{e.score:.2f}</td><td>{e.n_judges}</td><td>{steps[step] if step else ''}</td>"
                        f"<td>{confidence}</td></tr>")
        tables[method] = Markup("\n  ".join(rows))  # noqa: S704  # nosec B704 - fixed snippets, texts escaped
    return tables


@bp.route("/cycles/<int:cycle_id>/remind", methods=["POST"])
@login_required
def remind(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    ok, reminded = carry_out(lambda: progress.remind_late_judges(current_user, cycle))
    if ok:
        flash(_("Reminders sent to %(n)s judge(s).", n=reminded), "success")
    return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)


@bp.route("/cycles/<int:cycle_id>/notes", methods=["POST"])
@login_required
def notes(cycle_id: int):
    cycle = _chaired_cycle(cycle_id)
    form = NotesForm()
    if form.validate_on_submit():
        if carry_out(lambda: recommendations.save_deliberation_notes(current_user, cycle, form.notes.data))[0]:
            flash(_("Notes saved."), "success")
    return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)


@bp.route("/cycles/<int:cycle_id>/recommend", methods=["GET", "POST"])
@login_required
def recommend(cycle_id: int):
    """GET: what recommending does, with the rationale to write; POST: the
    recommendation goes to the Executive Committee, whose vote decides."""
    cycle = _chaired_cycle(cycle_id)
    form = RecommendForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, outcome = carry_out(lambda: recommendations.recommend(current_user, cycle, form.rationale.data), form)
            if ok:
                flash(_("Recommendation sent to the Executive Committee."), "success")
            elif outcome.rule == "recommendation.unresolved_tie":
                return redirect(url_for("chair.tie", cycle_id=cycle.id), 303)
            # A refusal (not in deliberation, a tie, an open conflict) is flashed on the chair's view.
            return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)
        status = 400
    elif cycle.state != "deliberation":
        return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)  # nothing to recommend now
    return render_template("chair/recommend.html", cycle=cycle, form=form, declared=recommendations.method_of(cycle),
                           quorum=cycle.setting("board_quorum")), status


class TieVoteForm(Form):
    """The panel's vote on a boundary tie; a field per judge (their ballot)
    and per tied nomination (its count) is added for the tie at hand."""

    how = RadioField(_l("How the panel voted"), choices=[("ballots", _l("Each judge's vote")),
                                                          ("counts", _l("The number of votes for each nomination"))],
                     validators=[InputRequired(_l("Choose how the panel voted."))])
    minutes = TextAreaField(_l("Minutes of the vote"), validators=[Length(max=ties.MINUTES_MAX)])


def _tie_form(tie: ties.Tie, names: dict, members: list, formdata=None) -> TieVoteForm:
    choices = [("", _("Did not vote"))] + [(str(n), names[n]) for n in tie.nomination_ids]

    class Bound(TieVoteForm):
        pass

    for member in members:
        # Not validated against the choices: the service says which vote is refused, and why.
        setattr(Bound, f"ballot_{member.user_id}", SelectField(member.user.name, choices=choices,
                                                               validate_choice=False))
    for n in tie.nomination_ids:
        setattr(Bound, f"count_{n}", IntegerField(names[n], validators=[Optional(), NumberRange(0, 1000)]))
    return Bound(formdata=formdata) if formdata is not None else Bound()


def _submitted_vote(form: TieVoteForm, tie: ties.Tie, members: list) -> dict:
    """The form's vote as record_vote takes it: ballots or counts."""
    if form.how.data == "ballots":
        ballots = [{"judge_id": m.user_id, "nomination_id": int(value)} for m in members
                   if (value := form[f"ballot_{m.user_id}"].data) and str(value).isdigit()]
        return {"ballots": ballots}
    return {"votes": {n: form[f"count_{n}"].data for n in tie.nomination_ids
                      if form[f"count_{n}"].data is not None}}


@bp.route("/cycles/<int:cycle_id>/tie", methods=["GET", "POST"])
@login_required
def tie(cycle_id: int):
    """The tie at the last laureate place: the tied candidates by name, the
    declared chain, the vote recorded so far, and the form for the panel's vote."""
    cycle = _chaired_cycle(cycle_id)
    found = ties.tie_of(cycle)
    if found is None:
        flash(_("No tie at the last laureate place waits for the panel's vote."), "success")
        return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)
    names = dict(db.session.execute(nomination_service.with_candidate_name(Nomination.id)
                                    .where(Nomination.id.in_(found.nomination_ids))).all())
    panel = panel_service.panel_of(cycle)
    members = panel.members if panel else []
    form = _tie_form(found, names, members, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            vote = _submitted_vote(form, found, members)
            # With no panel vote in the chain the form is not shown: the refusal is flashed.
            ok, _row = carry_out(lambda: ties.record_vote(current_user, cycle, minutes=form.minutes.data, **vote),
                                 form if found.chain_has_panel_vote else None, field="how")
            if ok:
                flash(_("The panel's vote is recorded."), "success")
                return redirect(url_for("chair.tie", cycle_id=cycle.id), 303)
        status = 400
    entries = {e.nomination_id: e for e in found.result.entries}
    return render_template("chair/tie.html", cycle=cycle, tie=found, names=names, members=members, form=form,
                           entries=entries,
                           vote_counts={int(k): v for k, v in (found.vote.votes if found.vote else {}).items()}), status
