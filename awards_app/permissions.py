"""Who may do what, asked of one object: one named predicate per question,
asked by the pages, the API and the services alike (indico's
`Abstract.can_judge`). Where a list is filtered, the predicate has a SQL
twin, a condition for `.where(...)` that gives the same answer row by row.

A missing permission to see becomes 404, identical to a missing id; to act,
403. A global role alone grants nothing on an object.

This module reads the models with its own small queries and never imports
the services: they import it."""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, exists, false, or_, select

from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    AuditEvent,
    ConflictAttestation,
    ConflictOfInterest,
    Cycle,
    Nomination,
    Panel,
    PanelMember,
)
from awards_app.models.judging import HIDING_STATUSES

# The states in which a nomination is before the panel: judged, declared on,
# attested, counted. A draft, a withdrawn or an ineligible nomination is not.
ACTIVE_NOMINATION_STATES = ("submitted", "eligible", "recommended", "laureate", "not_selected")

JUDGE_ROLES = ("judge", "chair")


def role_required(*roles):
    """A view only for these roles; anyone else gets 404, as if it did not exist."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(404)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _true(statement) -> bool:
    return bool(db.session.scalar(select(statement)))


# --- conflicts of interest: what a conflict hides ------------------------------------

def hides(judge_id: int, nomination_id_column):
    """SQL: true where an open or confirmed conflict hides the nomination from
    this judge. Every list, count and look-up a judge makes goes through it,
    so a conflicted judge cannot find what is hidden."""
    return exists().where(and_(ConflictOfInterest.judge_id == judge_id,
                               ConflictOfInterest.nomination_id == nomination_id_column,
                               ConflictOfInterest.status.in_(HIDING_STATUSES)))


def is_hidden_from(user, nomination) -> bool:
    """A conflict hides this nomination from the user (the twin of `hides`)."""
    return _true(hides(user.id, nomination.id))


# --- panels ------------------------------------------------------------------------

def on_panel(user_id: int, cycle_id_column, round: str | None = None):
    """SQL: true where the user sits on a panel of the cycle (chair or
    member; ``round``: on that round's)."""
    condition = exists().where(PanelMember.user_id == user_id, PanelMember.panel_id == Panel.id,
                               Panel.cycle_id == cycle_id_column)
    return condition.where(Panel.round == round) if round is not None else condition


def sits_on_panel(user, cycle, round: str | None = None) -> bool:
    return _true(on_panel(user.id, cycle.id, round))


def is_panel_judge(user, cycle) -> bool:
    """A judge or chair sitting on the cycle's panel: they see their own
    assignments and conflicts in it, so a manager's action there is 403 to
    them, not 404."""
    return user.is_authenticated and user.has_role(*JUDGE_ROLES) and sits_on_panel(user, cycle)


def chairs(user_id: int, cycle_id_column, round: str | None = None):
    """SQL: true where the user chairs a panel of the cycle (``round``: that round's)."""
    condition = exists().where(PanelMember.user_id == user_id, PanelMember.role == "chair",
                               PanelMember.panel_id == Panel.id, Panel.cycle_id == cycle_id_column)
    return condition.where(Panel.round == round) if round is not None else condition


def is_chair_of(user, cycle, round: str | None = None) -> bool:
    """The chair of this cycle's panel for ``round``, by default the round
    the cycle is at (the global "chair" role alone is not enough; nor is
    chairing the other round)."""
    # A SystemActor has no id: it chairs nothing, whatever roles it holds.
    if not user.is_authenticated or getattr(user, "id", None) is None:
        return False
    round = round or cycle.award_type.workflow.round_in_play(cycle.state, cycle.settings)  # services.rounds.in_play
    return _true(chairs(user.id, cycle.id, round))


def holds_role_on(user, role: str, cycle) -> bool:
    """Whether a role the user holds counts on this cycle. The chair role
    counts only for the chair of this cycle's panel: a chair of no panel
    fires no chair's event anywhere. A SystemActor acts in the roles it
    declares."""
    if role != "chair" or getattr(user, "id", None) is None:
        return True
    return is_chair_of(user, cycle)


def may_manage_panel(user, cycle) -> bool:
    """The secretariat and the cycle's chair manage its panel: members,
    conflict detection and resolution, assignments."""
    return user.is_authenticated and (user.has_role("admin") or is_chair_of(user, cycle))


# --- the cultural evening ----------------------------------------------------------------

def may_set_running_order(user, cycle) -> bool:
    """The running order of an award performed live (the workflow's
    ``has_running_order``), and who is on stage during the evening: the
    secretariat and the cycle's chair, as for the panel."""
    return cycle.award_type.workflow.has_running_order and may_manage_panel(user, cycle)


def may_follow_evening(user, cycle) -> bool:
    """The judge's page of the evening: a judge or chair on the cycle's panel."""
    return cycle.award_type.workflow.has_running_order and is_panel_judge(user, cycle)


# --- judging a nomination ------------------------------------------------------------

def _assigned(user_id: int, nomination_id_column):
    return exists().where(Assignment.judge_id == user_id, Assignment.nomination_id == nomination_id_column)


def may_judge(user, nomination) -> bool:
    """May this judge act on this nomination: declare a conflict, state they
    have none, find it among their cycle's nominations? A judge or chair on
    the cycle's panel (or assigned to it), the nomination before the panel
    (not a draft, not withdrawn), and no conflict hiding it from them."""
    if not (user.is_authenticated and user.has_role(*JUDGE_ROLES)):
        return False
    if nomination.state not in ACTIVE_NOMINATION_STATES:
        return False
    return _true(and_(or_(on_panel(user.id, nomination.cycle_id), _assigned(user.id, nomination.id)),
                      ~hides(user.id, nomination.id)))


def judgeable_by(user):
    """SQL twin of `may_judge` over Nomination rows."""
    if not (user.is_authenticated and user.has_role(*JUDGE_ROLES)):
        return false()
    return and_(Nomination.state.in_(ACTIVE_NOMINATION_STATES),
                or_(on_panel(user.id, Nomination.cycle_id), _assigned(user.id, Nomination.id)),
                ~hides(user.id, Nomination.id))


def may_declare_conflict(user, nomination) -> bool:
    """Declare a conflict with a nomination, or state there is none: the
    judges who may act on it, and only while it is before the panel."""
    return may_judge(user, nomination)


# --- nominations ---------------------------------------------------------------------

def may_see_nomination(user, nomination) -> bool:
    """Who may see a nomination at all; everyone else gets 404.

    The nominator sees their own; nobody else sees a draft. The secretariat,
    the board and auditors see every other one; a judge the ones assigned to
    them, the chair those of their cycle, unless a conflict hides it.
    """
    if not user.is_authenticated:
        return False
    if nomination.nominator_id == user.id:
        return True
    if nomination.state == "draft":
        return False  # another nominator's draft is nobody else's business yet
    if user.has_role("admin", "board", "auditor"):
        return True
    if not user.has_role(*JUDGE_ROLES):
        return False
    return _true(and_(or_(_assigned(user.id, nomination.id), chairs(user.id, nomination.cycle_id)),
                      ~hides(user.id, nomination.id)))


def nominations_visible_to(user):
    """SQL twin of `may_see_nomination` over Nomination rows, for lists."""
    if not user.is_authenticated:
        return false()
    own = Nomination.nominator_id == user.id
    if user.has_role("admin", "board", "auditor"):
        return or_(own, Nomination.state != "draft")
    if not user.has_role(*JUDGE_ROLES):
        return own
    judged = and_(Nomination.state != "draft", ~hides(user.id, Nomination.id),
                  or_(_assigned(user.id, Nomination.id), chairs(user.id, Nomination.cycle_id)))
    return or_(own, judged)


def attested(user_id: int, nomination_id_column):
    """SQL: true where the judge has stated no conflict with the nomination."""
    return exists().where(ConflictAttestation.judge_id == user_id,
                          ConflictAttestation.nomination_id == nomination_id_column)


def reads_nomination_whole(user, nomination) -> bool:
    """Its nominator, the secretariat, the board and auditors read every
    field of a nomination they may see; a judge or chair reads it as a judge
    (see `may_read_dossier` and the judges' fields in the API schema)."""
    return user.is_authenticated and (nomination.nominator_id == user.id
                                      or user.has_role("admin", "board", "auditor"))


def may_read_dossier(user, nomination) -> bool:
    """May the user read the dossier: the statement, the files, the
    endorsements, who nominated? Everyone else who may see the nomination
    sees only what a judge needs to state a conflict or none: the candidate
    and the cycle.

    The nominator, the secretariat, the board and auditors, as for seeing
    it; a judge or chair who may see it (assigned, or the cycle's chair, and
    no conflict hiding it) only once they have attested "no conflict" on
    this nomination. Reading first and declaring afterwards would let a
    conflicted judge read what the conflict was meant to keep from them.
    """
    if not may_see_nomination(user, nomination):
        return False
    if reads_nomination_whole(user, nomination):
        return True
    return _true(attested(user.id, nomination.id))


def dossier_readable_by(user):
    """SQL twin of `may_read_dossier` over Nomination rows."""
    if not user.is_authenticated:
        return false()
    if user.has_role("admin", "board", "auditor"):
        return nominations_visible_to(user)
    return and_(nominations_visible_to(user),
                or_(Nomination.nominator_id == user.id, attested(user.id, Nomination.id)))


def may_read_declared_relations(user, nomination) -> bool:
    """The people the nominator declared close to the candidate are for
    those who keep the judging free of conflicts: the nominator, the
    secretariat (and the board and auditors, who read the whole nomination)
    and the cycle's chair. Not for the judges, whom they concern."""
    return may_see_nomination(user, nomination) and (
        reads_nomination_whole(user, nomination) or is_chair_of(user, nomination.cycle))


def may_edit_nomination(user, nomination) -> bool:
    """Only its nominator changes a nomination, and only while it is a draft."""
    return user.is_authenticated and nomination.nominator_id == user.id and nomination.state == "draft"


# --- conflicts: seeing and resolving ------------------------------------------------------

def may_see_conflict(user, conflict) -> bool:
    """Its own judge, and those who manage the cycle's panel unless the
    conflict concerns a nomination hidden from them."""
    if not user.is_authenticated:
        return False
    if conflict.judge_id == user.id:
        return True
    nomination = conflict.nomination
    return may_manage_panel(user, nomination.cycle) and not is_hidden_from(user, nomination)


def may_resolve_conflict(user, conflict) -> bool:
    """The secretariat, or the cycle's chair when neither the conflict is
    their own nor a conflict hides the nomination from them."""
    if not user.is_authenticated:
        return False
    if user.has_role("admin"):
        return True
    nomination = conflict.nomination
    return (conflict.judge_id != user.id and is_chair_of(user, nomination.cycle)
            and not is_hidden_from(user, nomination))


# --- the board on a decision -----------------------------------------------------------

def may_record_hearing(user, cycle) -> bool:
    """The Executive Committee's hearing of a cycle's candidates is recorded
    by the secretariat (who keeps the minutes) or a member of the committee
    that held it. (Whether the cycle has a hearing is the workflow's answer.)"""
    return user.is_authenticated and user.has_role("admin", "board")


def may_approve_odd_year_override(user, cycle) -> bool:
    """The odd-year override is the board's decision: each approval is a
    member's, so it needs a person (a SystemActor has no id), not a role."""
    return user.is_authenticated and user.has_role("board") and getattr(user, "id", None) is not None


def may_vote(user, vote: str, tied_to_proposal: bool) -> bool:
    """A board member votes on a decision; one tied to a proposed laureate
    (services.conflicts.board_member_ties: nominated, is, shares its
    organisation, endorsed, or has a conflict with it) only recuses."""
    if not (user.is_authenticated and user.has_role("board")):
        return False
    return vote == "recused" or not tied_to_proposal


# --- the audit trail -------------------------------------------------------------------

def may_read_audit(user) -> bool:
    return user.is_authenticated and user.has_role("board", "auditor", "admin")


def judges_in(user_id: int, cycle_id_column):
    """SQL: true where the user sits on the cycle's panel or is assigned to
    one of its nominations."""
    assigned = exists().where(Assignment.judge_id == user_id, Assignment.nomination_id == Nomination.id,
                              Nomination.cycle_id == cycle_id_column)
    return or_(on_panel(user_id, cycle_id_column), assigned)


def audit_blind_cycle_ids(user) -> list[int]:
    """The cycles whose audit events a reader may not read now: those they
    judge (on the panel or assigned) while the award's workflow keeps the
    panel's results hidden (`results_visible`). See `audit_events_visible_to`."""
    if not user.is_authenticated or getattr(user, "id", None) is None:
        return []
    judged = db.session.scalars(select(Cycle).where(judges_in(user.id, Cycle.id))).all()
    return [c.id for c in judged if not c.award_type.workflow.results_visible(c.state)]


def judges_while_results_hidden(user, cycle) -> bool:
    """The user judges this cycle (on its panel or assigned in it) and its
    workflow still hides the panel's results: its audit events, report and
    bundle are not theirs to read yet, whatever else they are."""
    if not user.is_authenticated or getattr(user, "id", None) is None:
        return False
    return (not cycle.award_type.workflow.results_visible(cycle.state)) and _true(judges_in(user.id, cycle.id))


def audit_events_visible_to(user):
    """SQL: the audit events this reader (see `may_read_audit`) may read now.

    The trail is the board's and the auditors' whole record, but a board
    member or an auditor may also judge. While they judge a cycle whose
    results are still hidden, its events would show them what judging keeps
    from a judge: the others' scores before their own are in, conflicts
    declared by colleagues with their notes, nominations a conflict hides
    from them. So every event of such a cycle is left out, theirs included;
    once the cycle's results are visible its events come back, except the
    conflict events (declarations, detections, resolutions, attestations) of
    other judges: their notes and evidence are personal, and a judge learns
    of colleagues' conflicts only through the chair's pages, which apply the
    conflict-hiding rule. Whole cycles rather than picked actions: a new
    kind of event is hidden until someone decides otherwise.
    """
    if not may_read_audit(user):
        return false()
    if getattr(user, "id", None) is None:
        return AuditEvent.id.is_not(None)
    others_conflict = and_(AuditEvent.action.like("conflict.%"), AuditEvent.cycle_id.is_not(None),
                           judges_in(user.id, AuditEvent.cycle_id),
                           or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != user.id))
    blind = audit_blind_cycle_ids(user)
    if not blind:
        return ~others_conflict
    return and_(or_(AuditEvent.cycle_id.is_(None), AuditEvent.cycle_id.not_in(blind)), ~others_conflict)
