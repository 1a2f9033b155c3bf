"""The Executive Committee's pages: the proposals before the board (the
panel's recommendation, an amendment, the MILSET Award's host), the votes,
the history of past proposals, amendments, and the public list of
announced laureates."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import AuditSignedCheckpoint, Cycle, Nomination
from awards_app.permissions import role_required
from awards_app.services import conflicts as conflict_service
from awards_app.services import decisions, settings_changes
from awards_app.services import laureates as laureate_registry
from awards_app.web import carry_out, show_refusal
from awards_app.web.forms import Form

bp = Blueprint("board", __name__)

VOTE_CHOICES = [("approve", _l("Approve")), ("reject", _l("Reject")), ("abstain", _l("Abstain")),
                ("recused", _l("Recuse myself (conflict of interest)"))]

# Why a member may only recuse, as the page tells them (services.conflicts.board_member_ties).
CONFLICT_REASONS = {
    "nominator": _l("You nominated %(candidate)s."),
    "endorser": _l("You endorsed %(candidate)s."),
    "self": _l("You are %(candidate)s."),
    "same_organisation": _l("You belong to the organisation of %(candidate)s."),
    "conflict": _l("You have a conflict of interest with %(candidate)s."),
}


class VoteForm(Form):
    vote = RadioField(_l("Your vote"), validators=[DataRequired()], choices=VOTE_CHOICES)
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=5000)])


class AmendmentForm(Form):
    laureates = SelectMultipleField(_l("Laureates after the amendment"), coerce=int,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reason = TextAreaField(_l("Reason for the amendment"), validators=[DataRequired(), Length(max=5000)])


@bp.route("/board/")
@role_required("board")
def index():
    return render_template("board/index.html", cycles=decisions.awaiting_board(),
                           current=decisions.current_recommendation, changes=settings_changes.pending())


def _conflict_reasons(proposal) -> list[str]:
    if proposal is None:
        return []
    return [str(CONFLICT_REASONS[kind]) % {"candidate": nomination.candidate}
            for nomination, kind in conflict_service.board_member_ties(current_user, proposal.laureate_nomination_ids)]


def _cycle_nominations(cycle: Cycle) -> dict[int, Nomination]:
    return {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)
                                                .order_by(Nomination.id))}


@bp.route("/board/cycles/<int:cycle_id>", methods=["GET", "POST"])
@role_required("board")
def cycle(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    form = VoteForm()
    status = 200
    if form.validate_on_submit():
        voted = _vote(cycle, form)
        if not isinstance(voted, int):
            return voted
        status = voted
    progress = decisions.board_progress(cycle)
    recommendation = progress["proposal"]
    nominations = _cycle_nominations(cycle)
    conflicts = _conflict_reasons(recommendation)
    if conflicts:
        form.vote.choices = [c for c in VOTE_CHOICES if c[0] == "recused"]
    votes = progress["votes_by"].get(recommendation.id, []) if recommendation else []
    decision = decisions.final_decision(cycle)
    return render_template("board/cycle.html", cycle=cycle, recommendation=recommendation, votes=votes,
                           form=form, nominations=nominations, decision=decision, progress=progress,
                           conflicts=conflicts,
                           may_amend=decision is not None and recommendation is None
                           and cycle.state in ("ratified", "announced"),
                           my_vote=next((v for v in votes if v.user_id == current_user.id), None)), status


def _vote(cycle: Cycle, form: "VoteForm"):
    """Cast the member's vote: the redirect once recorded, the confirmation
    page when it would decide and is not confirmed yet, else the status of
    the refusal (shown) for the page to render with. The service reads the
    cycle's facts once, under its lock; the page reads nothing before it."""
    recommendation = decisions.proposal_before_board(cycle)
    if recommendation is None:
        abort(404)
    cycle_id = cycle.id
    # Named now: a vote to confirm rolls its transaction back, which expires the cycle.
    # The award is held while the vote runs: the vote's lock reads the cycle
    # afresh, and then finds its award in the session instead of reading it again.
    award_type = cycle.award_type
    name = f"{award_type.name(str(get_locale()))} {cycle.year}"
    ok, fate = carry_out(lambda: decisions.cast_vote(current_user, recommendation, form.vote.data, form.reason.data,
                                                     confirmed=request.form.get("confirmed") == "1"), show=False)
    if ok:
        outcome = {"ratified": " " + _("The decision is ratified."),
                   "rejected": " " + _("The board rejected the proposal.")}.get(fate, "")
        flash(_("Your vote is recorded.") + outcome, "success")
        return redirect(url_for("board.cycle", cycle_id=cycle_id), 303)
    if isinstance(fate, decisions.VoteDecides):
        return _confirm_decisive_vote(cycle_id, name, form, fate.outcome)
    show_refusal(fate)
    return fate.status if fate.status in (403, 409) else 400  # a conflicted member: 403


DECISIVE = {
    "ratified": _l("Your vote completes the quorum and the majority: the proposal is ratified at once, and the "
                   "decision is final (only an amendment the board votes can change it)."),
    "rejected": _l("Your vote completes the quorum and a majority against: the proposal is rejected at once, "
                   "and the cycle goes back to the panel's deliberation."),
}


def _confirm_decisive_vote(cycle_id: int, name: str, form: "VoteForm", decides: str):
    """The vote that decides is confirmed on a page of its own, like any step
    that cannot be undone; its form posts the same vote, confirmed."""
    back = url_for("board.cycle", cycle_id=cycle_id)
    return render_template(
        "confirm.html", heading=_("Your vote: %(vote)s", vote=labels.vote_label(form.vote.data)) + " · " + name,
        context=name, consequences=[DECISIVE[decides]], action=back, back=back, button=_("Cast my vote"),
        hidden=[("vote", form.vote.data), ("reason", form.reason.data or ""), ("confirmed", "1")])


@bp.route("/board/cycles/<int:cycle_id>/amendment", methods=["GET", "POST"])
@role_required("board")
def amendment(cycle_id: int):
    """A board member proposes to amend the decision: the laureates after it
    and why. The board then votes on it on the cycle's board page."""
    cycle = db.get_or_404(Cycle, cycle_id)
    decision = decisions.final_decision(cycle)
    if decision is None:
        abort(404)
    nominations = _cycle_nominations(cycle)
    posted = request.method == "POST"
    # The form starts from the decision as it stands; a refused one keeps what was ticked.
    form = AmendmentForm() if posted else AmendmentForm(formdata=None,
                                                        laureates=list(decision.laureate_nomination_ids))
    form.laureates.choices = [(n.id, f"{n.candidate} · {labels.state_label(n.state)}")
                              for n in nominations.values() if n.state != "draft"]
    status = 200
    if form.validate_on_submit():
        ok, refused = carry_out(lambda: decisions.propose_amendment(current_user, cycle, form.laureates.data,
                                                                    form.reason.data), form)
        if ok:
            flash(_("The amendment is before the board: it takes effect once the board ratifies it."), "success")
            return redirect(url_for("board.cycle", cycle_id=cycle.id), 303)
        status = refused.status if refused.status in (403, 409) else 400
    elif posted:
        status = 400
    return render_template("board/amendment.html", cycle=cycle, form=form, decision=decision,
                           nominations=nominations), status


@bp.route("/laureates")
def laureates():
    """Public: announced laureates and the registry's past ones; no scores, no private data."""
    return render_template("board/laureates.html", rows=laureate_registry.public_list())


@bp.route("/laureates/checkpoints/<int:checkpoint_id>.txt")
def checkpoint_note(checkpoint_id: int):
    """Public: a signed checkpoint of the audit log as published (a size, a
    root and signatures, nothing about anyone), for readers to keep and to
    check a decision's record against with the log's verifier key."""
    row = db.get_or_404(AuditSignedCheckpoint, checkpoint_id)
    return Response(row.note, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="checkpoint-{row.size}.txt"',
        "X-Content-Type-Options": "nosniff"})
