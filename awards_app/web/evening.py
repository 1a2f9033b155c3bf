"""The cultural evening's running order: the secretariat or the cycle's
chair sets it (one form, a place and an optional title per eligible
nomination) and, during the evening, calls each performance on stage. The
judges follow on their own page (judging.evening)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from awards_app import permissions
from awards_app.extensions import db
from awards_app.i18n import rule_message
from awards_app.models import Cycle
from awards_app.services import evening as evening_service
from awards_app.web import carry_out, flash_refusal

bp = Blueprint("evening", __name__)


def _cycle_or_404(cycle_id: int, *, judges_see: bool = False) -> Cycle:
    """The cycle, for those who set its running order; with ``judges_see``
    also its panel's judges (a POST they may not make: 403, not 404)."""
    cycle = db.session.get(Cycle, cycle_id, options=[joinedload(Cycle.award_type)])
    if cycle is None or not (permissions.may_set_running_order(current_user, cycle)
                             or (judges_see and permissions.may_follow_evening(current_user, cycle))):
        abort(404)
    return cycle


def _rows_typed() -> list[tuple[str, str, str]]:
    return [(nid, request.form.get(f"position-{nid}", ""), request.form.get(f"title-{nid}", ""))
            for nid in request.form.getlist("nomination")]


def _rows_saved(cycle: Cycle) -> list[tuple[str, str, str]]:
    """The order as saved, then the eligible nominations without a place yet, after it."""
    saved = {p.nomination_id: p for p in evening_service.performances(cycle)}
    rows = [(str(p.nomination_id), str(p.position), p.title or "") for p in saved.values()]
    last = len(rows)
    for nid, _name in evening_service.candidates(cycle):
        if nid not in saved:
            last += 1
            rows.append((str(nid), str(last), ""))
    return rows


def _moved(rows, move: str):
    """The rows with one moved up or down a place ("up-<id>", "down-<id>"):
    the places renumbered in the new order, nothing saved yet."""
    direction, _, nid = move.partition("-")

    def place(row):
        return int(row[1]) if row[1].strip().isdigit() else 10**6
    ordered = sorted(rows, key=place)
    index = next((i for i, r in enumerate(ordered) if r[0] == nid), None)
    if index is not None:
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
    return [(r[0], str(i), r[2]) for i, r in enumerate(ordered, start=1)]


@bp.route("/cycles/<int:cycle_id>/running-order", methods=["GET", "POST"])
@login_required
def running_order(cycle_id: int):
    """GET: the order (as saved, or proposed) and who is on stage; POST:
    save it, or move one performance up or down a place (not saved until
    "Save the running order")."""
    cycle = _cycle_or_404(cycle_id)
    names = dict(evening_service.candidates(cycle))
    names.update({s.nomination_id: s.name for s in evening_service.evening(current_user, cycle,
                                                                            as_judge=False).slots})
    errors, status = {}, 200
    rows = _rows_saved(cycle)
    if request.method == "POST":
        rows = _rows_typed()
        move = request.form.get("move")
        if move:
            rows = _moved(rows, move)
        else:
            ok, refused = carry_out(lambda: evening_service.set_order(current_user, cycle, rows), show=False)
            if ok:
                flash(_("The running order is saved."), "success")
                return redirect(url_for("evening.running_order", cycle_id=cycle.id), 303)
            errors = {field: [f"{rule_message(p['message'])} [{p['rule']}]" for p in problems]
                      for field, problems in getattr(refused, "errors", {}).items()}
            # An eligible nomination the page did not list (screened since): its row, to give it a place.
            listed = {nid for nid, _p, _t in rows}
            rows += [(str(nid), "", "") for nid, _name in evening_service.candidates(cycle) if str(nid) not in listed]
            if not errors:
                errors = {"_order": [f"{rule_message(refused.message)} [{refused.rule}]"]}
            status = refused.status
    show = evening_service.evening(current_user, cycle, as_judge=False)
    return render_template("evening/running_order.html", cycle=cycle, rows=rows, names=names, errors=errors,
                           show=show, may_order=cycle.state in evening_service.ORDER_STATES,
                           may_call=cycle.state in evening_service.STAGE_STATES), status


@bp.route("/cycles/<int:cycle_id>/running-order/stage", methods=["POST"])
@login_required
def stage(cycle_id: int):
    """"Call next on stage" or "Back to the previous"."""
    cycle = _cycle_or_404(cycle_id, judges_see=True)
    direction = request.form.get("direction", "next")
    ok, called = carry_out(lambda: evening_service.call(current_user, cycle, direction,
                                                        seen=request.form.get("seen", type=int)), show=False)
    if not ok:
        if called.status == 403:  # a judge of the panel: sees the evening, does not run it
            abort(403)
        flash_refusal(called)
    else:
        flash(_("Now on stage: place %(n)s.", n=called.position), "success")
    return redirect(url_for("evening.running_order", cycle_id=cycle.id) + "#stage", 303)
