"""Panels, judges' profiles, conflicts of interest, assignments and score
sheets. A nomination hidden from a judge by a conflict is 404 to them,
exactly as on the judging pages."""

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from awards_app import permissions
from awards_app.api import schemas
from awards_app.api.catalogue import cycle_or_404
from awards_app.api.core import SelectPage, abort_json, api_blueprint, forbidden, not_found, write
from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    ConflictOfInterest,
    Cycle,
    JudgeProfile,
    Nomination,
    Panel,
    PanelMember,
    User,
)
from awards_app.services import NotFound, recusals, rounds, scoring
from awards_app.services import assignments as assignment_service
from awards_app.services import conflicts as conflict_service
from awards_app.services import judges as judge_service
from awards_app.services import panels as panel_service

bp = api_blueprint("api_judging", "Panels, judges, conflicts of interest, assignments and score sheets.")


def managed_cycle_or_404(cycle_id: int) -> Cycle:
    """The secretariat and the cycle's chair manage its panel; others get 404."""
    cycle = cycle_or_404(cycle_id)
    if not permissions.may_manage_panel(current_user, cycle):
        not_found()
    return cycle


def judged_nomination_or_404(nomination_id: int) -> Nomination:
    """A nomination the judge may act on (permissions.may_judge), else 404."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not permissions.may_declare_conflict(current_user, nomination):
        not_found()
    return nomination


# --- panels ----------------------------------------------------------------------

def _panel_out(cycle: Cycle) -> dict:
    round = rounds.in_play(cycle)
    panel = panel_service.panel_of(cycle, round)
    coverage = panel_service.coverage(cycle, panel)
    return {"cycle_id": cycle.id, "round": round, "members": panel.members if panel else [],
            "required_fields": coverage.required, "missing_fields": coverage.missing}


@bp.route("/cycles/<int:cycle_id>/panel", methods=["GET"])
@bp.response(200, schemas.Panel)
def get_panel(cycle_id: int):
    """The panel, and which of the award's fields its vetted members cover."""
    return _panel_out(managed_cycle_or_404(cycle_id))


@bp.route("/cycles/<int:cycle_id>/panel/members", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.PanelMemberCreate)
@bp.response(201, schemas.PanelMember)
def add_panel_member(data, cycle_id: int):
    """Invite a judge or name the chair; conflict detection runs for them at once."""
    cycle = managed_cycle_or_404(cycle_id)
    user = db.session.get(User, data["user_id"])
    if user is None or not user.has_role("judge", "chair"):
        # A missing id and an account that is no judge answer alike, naming nobody.
        abort_json(422, "panel.no_such_judge", panel_service.NO_SUCH_JUDGE,
                   {"user_id": [panel_service.NO_SUCH_JUDGE]})
    panel_service.add_member(current_user, cycle, user, data["role"])
    member = db.session.scalar(select(PanelMember).join(Panel).where(
        Panel.cycle_id == cycle.id, PanelMember.user_id == user.id))
    return member, 201, {"Location": url_for("api_judging.get_panel", cycle_id=cycle.id)}


@bp.route("/cycles/<int:cycle_id>/panel/members/<int:member_id>", methods=["DELETE"])
@write()
@bp.response(204)
def remove_panel_member(cycle_id: int, member_id: int):
    cycle = managed_cycle_or_404(cycle_id)
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel.cycle_id != cycle.id:
        not_found()
    panel_service.remove_member(current_user, cycle, member)
    return None


@bp.route("/cycles/<int:cycle_id>/panel/members/<int:member_id>/withdrawal", methods=["POST"])
@write()
@bp.arguments(schemas.PanelWithdrawal)
@bp.response(200, schemas.JudgeWithdrawn)
def withdraw_panel_member(data, cycle_id: int, member_id: int):
    """Withdraw a judge at any time before the board decides, with the reason:
    their score sheets leave every result (the trail keeps what was removed)."""
    cycle = managed_cycle_or_404(cycle_id)
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel.cycle_id != cycle.id:
        not_found()
    user_id = member.user_id
    return {"user_id": user_id, "removed": recusals.withdraw_judge(current_user, cycle, member, data["reason"])}


# --- judges' profiles ---------------------------------------------------------------

def _judge_or_404() -> None:
    if not current_user.has_role("judge", "chair"):
        not_found()


@bp.route("/judges/me", methods=["GET"])
@bp.response(200, schemas.JudgeProfile)
def get_my_profile():
    """The judge's own profile; a blank one, not yet stored, before the first change."""
    _judge_or_404()
    return judge_service.existing_or_blank(current_user)


@bp.route("/judges/me/expertise", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.ExpertiseCreate)
@bp.response(201, schemas.Expertise)
def add_my_expertise(data):
    """Add a field of expertise with its evidence; the secretariat vets it again."""
    _judge_or_404()
    profile = judge_service.profile_of(current_user)
    row = judge_service.add_expertise(current_user, profile, data["field"], data["evidence"], data["years"])
    return row, 201, {"Location": url_for("api_judging.get_my_profile")}


@bp.route("/judges", methods=["GET"])
@bp.response(200, schemas.JudgeProfile(many=True))
@bp.paginate(SelectPage)
def list_judges():
    """Every judge's profile (the secretariat)."""
    if not current_user.has_role("admin"):
        not_found()
    return select(JudgeProfile).order_by(JudgeProfile.id)


@bp.route("/judges/<int:user_id>", methods=["GET"])
@bp.response(200, schemas.JudgeProfile)
def get_judge(user_id: int):
    """A judge's profile: the secretariat's, or one's own."""
    if not (current_user.has_role("admin") or user_id == current_user.id):
        not_found()
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == user_id))
    if profile is None:
        not_found()
    return profile


# --- conflicts -------------------------------------------------------------------

@bp.route("/cycles/<int:cycle_id>/conflicts", methods=["GET"])
@bp.response(200, schemas.ConflictOfInterest(many=True))
@bp.paginate(SelectPage)
def list_conflicts(cycle_id: int):
    """The cycle's conflicts: all of them for the secretariat and the chair
    (except those hiding a nomination from the reader); a judge's own otherwise."""
    cycle = cycle_or_404(cycle_id)
    statement = (select(ConflictOfInterest).join(Nomination).where(Nomination.cycle_id == cycle.id)
                 .where(~permissions.hides(current_user.id, ConflictOfInterest.nomination_id)))
    if not permissions.may_manage_panel(current_user, cycle):
        if not permissions.is_panel_judge(current_user, cycle):
            not_found()
        statement = (select(ConflictOfInterest).join(Nomination)
                     .where(Nomination.cycle_id == cycle.id, ConflictOfInterest.judge_id == current_user.id))
    return statement.order_by(ConflictOfInterest.id)


@bp.route("/nominations/<int:nomination_id>/conflicts", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.ConflictDeclare)
@bp.response(201, schemas.ConflictOfInterest)
def declare_conflict(data, nomination_id: int):
    """A judge declares a conflict: the nomination is hidden from them at once."""
    nomination = judged_nomination_or_404(nomination_id)
    row = conflict_service.declare(current_user, nomination, data["kind"], data["note"])
    return row, 201, {"Location": url_for("api_judging.get_conflict", conflict_id=row.id)}


@bp.route("/nominations/<int:nomination_id>/conflict-attestation", methods=["POST"])
@write()
@bp.response(200, schemas.Attestation)
def attest_no_conflict(nomination_id: int):
    """The judge states they have no conflict with this nomination (needed before scoring)."""
    nomination = judged_nomination_or_404(nomination_id)
    return conflict_service.attest_none(current_user, nomination)


def conflict_or_404(conflict_id: int) -> ConflictOfInterest:
    """Its own judge, the cycle's chair and the secretariat see a conflict,
    unless it concerns a nomination hidden from them (permissions.may_see_conflict);
    the service asks permissions.may_resolve_conflict before it changes one."""
    conflict = db.session.get(ConflictOfInterest, conflict_id)
    if conflict is None or not permissions.may_see_conflict(current_user, conflict):
        not_found()
    return conflict


@bp.route("/conflicts/<int:conflict_id>", methods=["GET"])
@bp.response(200, schemas.ConflictOfInterest)
def get_conflict(conflict_id: int):
    return conflict_or_404(conflict_id)


@bp.route("/conflicts/<int:conflict_id>/resolution", methods=["POST"])
@write()
@bp.arguments(schemas.ConflictResolve)
@bp.response(200, schemas.ConflictOfInterest)
def resolve_conflict(data, conflict_id: int):
    """The chair (or the secretariat) confirms, waives or dismisses; a
    judge may see their own conflict but not resolve it (403)."""
    conflict = conflict_or_404(conflict_id)
    recusals.resolve(current_user, conflict, data["action"], data["rationale"])
    return conflict


# --- assignments -------------------------------------------------------------------

@bp.route("/cycles/<int:cycle_id>/assignments", methods=["GET"])
@bp.response(200, schemas.Assignment(many=True))
@bp.paginate(SelectPage)
def list_assignments(cycle_id: int):
    """Every assignment for the secretariat and the chair (except hidden
    nominations); a panel judge sees their own."""
    cycle = cycle_or_404(cycle_id)
    statement = (select(Assignment).join(Nomination).where(Nomination.cycle_id == cycle.id)
                 .where(~permissions.hides(current_user.id, Assignment.nomination_id)))
    if not permissions.may_manage_panel(current_user, cycle):
        if not permissions.is_panel_judge(current_user, cycle):
            not_found()
        statement = statement.where(Assignment.judge_id == current_user.id)
    return statement.order_by(Assignment.nomination_id, Assignment.judge_id)


@bp.route("/cycles/<int:cycle_id>/assignments/run", methods=["POST"])
@write()
@bp.response(200, schemas.AssignmentRun)
def run_assignments(cycle_id: int):
    """Compute the optimal assignment (the chair or the secretariat);
    existing assignments are kept, so running it again adds nothing twice."""
    cycle = cycle_or_404(cycle_id)
    if not permissions.may_manage_panel(current_user, cycle):
        if permissions.is_panel_judge(current_user, cycle):
            forbidden("assignment.chair_only", "Only the chair or the secretariat assigns judges.")
        not_found()
    result = assignment_service.run(current_user, cycle)
    return {"feasible": result.feasible, "optimal": result.optimal, "method": result.method,
            "total_fit": result.total_fit, "assignments": len(result.assignments),
            "uncovered": [{"nomination_id": u.nomination_id, "rule": u.rule, "reason": u.reason}
                          for u in result.uncovered]}


# --- score sheets ---------------------------------------------------------------------

def _sheet_or_404(nomination_id: int) -> scoring.ScoreSheet:
    if not current_user.has_role("judge", "chair"):
        not_found()
    try:
        return scoring.sheet_for(current_user, nomination_id)
    except NotFound:
        not_found()


def _sheet_out(sheet: scoring.ScoreSheet) -> dict:
    nomination, assignment = sheet.nomination, sheet.assignment
    saved = scoring.scores_of(assignment)
    return {"nomination_id": nomination.id, "assignment_id": assignment.id, "round": assignment.round,
            "sheet_state": assignment.sheet_state, "version": assignment.version,
            "submitted_at": assignment.submitted_at, "attested": sheet.attested,
            "scores": {c.code: {"value": saved[c.id].value if c.id in saved else None,
                                "comment": saved[c.id].comment if c.id in saved else ""}
                       for c in scoring.criteria_of(assignment)}}


def _written(action, data: dict, nomination_id: int) -> dict:
    """The sheet after a save or a submission (the service locks and re-reads it)."""
    sheet = _sheet_or_404(nomination_id)
    raw = {code: (score["value"], score["comment"]) for code, score in data["scores"].items()}
    action(current_user, sheet.assignment, raw, expected_version=data["version"])
    return _sheet_out(sheet)


@bp.route("/nominations/<int:nomination_id>/score-sheet", methods=["GET"])
@bp.response(200, schemas.ScoreSheet)
def get_score_sheet(nomination_id: int):
    """The judge's own sheet for this nomination."""
    return _sheet_out(_sheet_or_404(nomination_id))


@bp.route("/nominations/<int:nomination_id>/score-sheet", methods=["PUT"])
@write(idempotent=True)
@bp.arguments(schemas.ScoreSheetIn)
@bp.response(200, schemas.ScoreSheet)
def save_score_sheet(data, nomination_id: int):
    """Save a draft of the sheet (scores by criterion code; partial is fine)."""
    return _written(scoring.save_draft, data, nomination_id)


@bp.route("/nominations/<int:nomination_id>/score-sheet/submission", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.ScoreSheetIn)
@bp.response(200, schemas.ScoreSheet)
def submit_score_sheet(data, nomination_id: int):
    """Submit every criterion's score; the sheet is then locked."""
    return _written(scoring.submit, data, nomination_id)

