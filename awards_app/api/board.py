"""The panel's recommendation, the board's votes and decisions, the audit
trail and the audit bundle of a cycle."""

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from awards_app import permissions
from awards_app.api import schemas
from awards_app.api.catalogue import cycle_or_404
from awards_app.api.core import SelectPage, api_blueprint, forbidden, not_found, write
from awards_app.extensions import db
from awards_app.models import AuditEvent, BoardVote, Cycle, Decision, Recommendation
from awards_app.services import N_, Refusal, audit_bundles, decisions, recommendations

bp = api_blueprint("api_board", "Recommendations, board votes, decisions, the audit trail and reports.")


def _sees_results(cycle: Cycle) -> bool:
    return current_user.has_role("board", "auditor", "admin") or permissions.is_chair_of(current_user, cycle)


def _recommendation_or_404(cycle: Cycle):
    """The proposal before the board, else the panel's recommendation the
    cycle rests on (a vote on it is then refused: board.not_awaiting)."""
    recommendation = decisions.current_recommendation(cycle) or decisions.standing_recommendation(cycle)
    if recommendation is None:
        not_found()
    return recommendation


@bp.route("/cycles/<int:cycle_id>/recommendation", methods=["GET"])
@bp.response(200, schemas.Recommendation)
def get_recommendation(cycle_id: int):
    """The panel's current recommendation (chair, board, auditors, secretariat)."""
    cycle = cycle_or_404(cycle_id)
    if not _sees_results(cycle):
        not_found()
    return _recommendation_or_404(cycle)


@bp.route("/cycles/<int:cycle_id>/recommendations", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.RecommendationCreate)
@bp.response(201, schemas.Recommendation)
def recommend(data, cycle_id: int):
    """The chair recommends, with the panel's rationale; laureates default
    to the top of the declared method's ranking."""
    cycle = cycle_or_404(cycle_id)
    if not _sees_results(cycle):
        not_found()
    recommendation = recommendations.recommend(current_user, cycle, data["rationale"],
                                               data["laureate_nomination_ids"])
    return recommendation, 201, {"Location": url_for("api_board.get_recommendation", cycle_id=cycle.id)}


@bp.route("/cycles/<int:cycle_id>/votes", methods=["GET"])
@bp.response(200, schemas.Vote(many=True))
@bp.paginate(SelectPage)
def list_votes(cycle_id: int):
    """Votes on the current recommendation (board and auditors)."""
    cycle = cycle_or_404(cycle_id)
    if not current_user.has_role("board", "auditor"):
        not_found()
    recommendation = _recommendation_or_404(cycle)
    return select(BoardVote).where(BoardVote.recommendation_id == recommendation.id).order_by(BoardVote.id)


@bp.route("/cycles/<int:cycle_id>/votes", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.VoteCreate)
@bp.response(201, schemas.VoteResult)
def cast_vote(data, cycle_id: int):
    """A board member votes; at quorum and majority the cycle is ratified at once."""
    cycle = cycle_or_404(cycle_id)
    if not current_user.has_role("board", "auditor"):
        not_found()
    if not current_user.has_role("board"):
        forbidden("board.members_only", "Only Executive Committee members vote.")
    recommendation = _recommendation_or_404(cycle)
    decisions.cast_vote(current_user, recommendation, data["vote"], data["reason"])
    vote = db.session.scalar(select(BoardVote).where(BoardVote.recommendation_id == recommendation.id,
                                                     BoardVote.user_id == current_user.id))
    return ({"id": vote.id, "recommendation_id": vote.recommendation_id, "user_id": vote.user_id,
             "vote": vote.vote, "reason": vote.reason, "cast_at": vote.cast_at,
             "cycle_state": db.session.get(Cycle, cycle.id).state}, 201)


def _reads_decisions() -> None:
    if not current_user.has_role("board", "auditor", "admin"):
        not_found()


@bp.route("/cycles/<int:cycle_id>/decision", methods=["GET"])
@bp.response(200, schemas.Decision)
def get_decision(cycle_id: int):
    """The cycle's final decision: the latest of its amendment chain."""
    cycle = cycle_or_404(cycle_id)
    _reads_decisions()
    decision = decisions.final_decision(cycle)
    if decision is None:
        not_found()
    return decision


@bp.route("/decisions/<int:decision_id>/amendments", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.DecisionAmend)
@bp.response(201, schemas.Recommendation)
def amend_decision(data, decision_id: int):
    """A board member proposes to amend the cycle's latest decision (the
    laureates after it, and why): 201 with the proposal, which the board
    then votes on like any decision; 409 names the rule when the decision is
    not the latest, not ratified, or another proposal is pending."""
    _reads_decisions()
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        not_found()
    latest = decisions.final_decision(decision.cycle)
    if latest is not None and latest.id != decision.id:
        raise Refusal([{"rule": "decision.already_amended", "message": N_("Amend the latest decision instead.")}])
    proposal = decisions.propose_amendment(current_user, decision.cycle, data["laureate_nomination_ids"],
                                           data["reason"])
    return proposal, 201, {"Location": url_for("api_board.get_recommendation", cycle_id=proposal.cycle_id)}


@bp.route("/cycles/<int:cycle_id>/proposals", methods=["GET"])
@bp.response(200, schemas.Recommendation(many=True))
@bp.paginate(SelectPage)
def list_proposals(cycle_id: int):
    """Every proposal put to the board on the cycle, latest first, with its
    fate (chair, board, auditors, secretariat)."""
    cycle = cycle_or_404(cycle_id)
    if not _sees_results(cycle):
        not_found()
    return select(Recommendation).where(Recommendation.cycle_id == cycle.id).order_by(Recommendation.id.desc())


@bp.route("/audit-events", methods=["GET"])
@bp.arguments(schemas.AuditQuery, location="query")
@bp.response(200, schemas.AuditEvent(many=True))
@bp.paginate(SelectPage)
def list_audit_events(query):
    """The hash-chained audit trail in sequence order (board, auditors, secretariat).

    Filtered by what the reader may see now (permissions.audit_events_visible_to):
    a reader who also judges a cycle gets none of its events until its
    results are visible, and never the other judges' conflict events."""
    if not permissions.may_read_audit(current_user):
        not_found()
    statement = (select(AuditEvent).where(permissions.audit_events_visible_to(current_user))
                 .order_by(AuditEvent.seq))
    if "cycle_id" in query:
        statement = statement.where(AuditEvent.cycle_id == query["cycle_id"])
    if "action" in query:
        statement = statement.where(AuditEvent.action == query["action"])
    return statement


@bp.route("/cycles/<int:cycle_id>/report-bundle", methods=["GET"])
@bp.response(200, schemas.ReportBundle)
def report_bundle(cycle_id: int):
    """The cycle's audit bundle, as the report page gives it (board and
    auditors; not to one who judges the cycle while its results are hidden):
    once the log has a signed checkpoint, milset-audit-bundle/2 (the cycle's
    events with inclusion proofs, the signed checkpoints and their
    cosignatures; verify with audit_bundle.py), before that the chain
    (milset-audit-bundle/1; audit_chain.py)."""
    cycle = cycle_or_404(cycle_id)
    if (not current_user.has_role("board", "auditor")
            or permissions.judges_while_results_hidden(current_user, cycle)):
        not_found()
    return audit_bundles.current(cycle)
