"""The Executive Committee's pages: recommendations awaiting ratification,
votes, and the public list of announced laureates."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app.extensions import db
from awards_app.models import BoardVote, Cycle, Nomination
from awards_app.permissions import role_required
from awards_app.services import decisions
from awards_app.services import laureates as laureate_registry
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("board", __name__)


class VoteForm(Form):
    vote = RadioField(_l("Your vote"), validators=[DataRequired()], choices=[
        ("approve", _l("Approve")), ("reject", _l("Reject")), ("abstain", _l("Abstain")),
        ("recused", _l("Recuse myself (conflict of interest)"))])
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=5000)])


@bp.route("/board/")
@role_required("board")
def index():
    return render_template("board/index.html", cycles=decisions.awaiting_board(),
                           current=decisions.current_recommendation)


@bp.route("/board/cycles/<int:cycle_id>", methods=["GET", "POST"])
@role_required("board")
def cycle(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    recommendation = decisions.current_recommendation(cycle)
    form = VoteForm()
    status = 200
    if form.validate_on_submit():
        if recommendation is None:
            abort(404)
        ok, moved = carry_out(lambda: decisions.cast_vote(current_user, recommendation, form.vote.data,
                                                          form.reason.data))
        if not ok:
            status = moved.status if moved.status in (403, 409) else 400  # a conflicted member: 403
        else:
            flash(_("Your vote is recorded.") + (" " + _("The decision is ratified.") if moved else ""),
                  "success")
            return redirect(url_for("board.cycle", cycle_id=cycle.id), 303)
    votes = (db.session.scalars(select(BoardVote).where(BoardVote.recommendation_id == recommendation.id)
                                .order_by(BoardVote.id)).all() if recommendation else [])
    # A decision may name laureates without a recommendation (the MILSET Award, an amendment).
    nominations = {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id))}
    return render_template("board/cycle.html", cycle=cycle, recommendation=recommendation, votes=votes,
                           form=form, nominations=nominations,
                           decision=decisions.final_decision(cycle),
                           my_vote=next((v for v in votes if v.user_id == current_user.id), None)), status


@bp.route("/laureates")
def laureates():
    """Public: announced laureates and the registry's past ones; no scores, no private data."""
    return render_template("board/laureates.html", rows=laureate_registry.public_list())
