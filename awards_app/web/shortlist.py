"""The shortlist round's chair draws the shortlist: the round's ranking, a
basis (rank or threshold) previewed on the ranking, the reason, then the
decision, which opens the final round."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import DecimalField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from awards_app.extensions import db
from awards_app.models import Cycle, Nomination
from awards_app.services import nominations as nomination_service
from awards_app.services import panels as panel_service
from awards_app.services import recommendations, rounds, shortlists
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("shortlist", __name__, url_prefix="/chair")


class ShortlistForm(Form):
    basis = RadioField(_l("Shortlist by"), choices=[("rank", _l("Rank: the top places go on")),
                                                     ("threshold", _l("Threshold: every score at or above it "
                                                                      "goes on"))],
                       default="rank", validators=[InputRequired(_l("Choose rank or threshold."))])
    cutoff = DecimalField(_l("Places, or the lowest score"), places=None,
                          validators=[InputRequired(_l("Give a number.")), NumberRange(min=0)])
    reason = TextAreaField(_l("Why the shortlist is drawn this way"),
                           validators=[DataRequired(), Length(max=5000)])


def _shortlist_chair_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id, options=[joinedload(Cycle.award_type)])
    if cycle is None or not panel_service.is_chair(current_user, cycle, rounds.SHORTLIST):
        abort(404)
    return cycle


@bp.route("/cycles/<int:cycle_id>/shortlist", methods=["GET", "POST"])
@login_required
def decide(cycle_id: int):
    """GET: the shortlist round's ranking and the form; POST with "preview":
    the ranking with the nominations the basis keeps marked; POST "decide":
    the shortlist is decided and the final round opens."""
    cycle = _shortlist_chair_cycle(cycle_id)
    decision = rounds.shortlist_of(cycle)
    if decision is None and cycle.state != "shortlisting":
        flash(_("The shortlist is drawn once the shortlist round's scoring has closed."), "error")
        return redirect(url_for("chair.cycle", cycle_id=cycle.id), 303)
    form = ShortlistForm()
    result = shortlists.ranking(cycle)
    kept, status = [], 200
    if decision is None and request.method == "POST":
        if form.validate_on_submit():
            kept = shortlists.chosen(result, form.basis.data, float(form.cutoff.data))
            if request.form.get("action") == "decide":
                ok, outcome = carry_out(lambda: shortlists.decide(
                    current_user, cycle, form.basis.data, form.cutoff.data, form.reason.data), form)
                if ok:
                    flash(_("The shortlist is decided: %(n)s nomination(s) go on to the final round.",
                            n=len(outcome.nomination_ids)), "success")
                    return redirect(url_for("shortlist.decide", cycle_id=cycle.id), 303)
                status = 409 if outcome.status == 409 else 400
        else:
            status = 400
    names = dict(db.session.execute(nomination_service.with_candidate_name(Nomination.id)
                                    .where(Nomination.cycle_id == cycle.id)).all())
    return render_template("shortlist/decide.html", cycle=cycle, form=form, result=result, kept=set(kept),
                           names=names, decision=decision, method=recommendations.method_of(cycle),
                           described=shortlists.describe(decision) if decision else None), status
