"""Judging panels: members with recorded expertise, the award's size rule,
and which required fields the members cover."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    Cycle,
    Expertise,
    JudgeProfile,
    Nomination,
    Panel,
    PanelMember,
    Person,
    Score,
    User,
)
from awards_app.permissions import is_chair_of as is_chair  # noqa: F401 - its callers ask the one predicate
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, accounts, audit, rounds
from awards_app.services import conflicts as conflict_service
from workflows.base import BEFORE_JUDGING, SHORTLIST_STATES

NO_SUCH_JUDGE = N_("No such judge.")


@dataclass
class Coverage:
    required: list[str]
    covered: dict[str, list[str]]  # field -> names of members who cover it
    missing: list[str]


def panel_of(cycle: Cycle, round: str | None = None) -> Panel | None:
    """The panel of ``round``, by default of the round the cycle is at."""
    return db.session.scalar(select(Panel).where(Panel.cycle_id == cycle.id,
                                                 Panel.round == (round or rounds.in_play(cycle))).options(
        selectinload(Panel.members).selectinload(PanelMember.user).selectinload(User.person)))


def _panel_for_update(cycle: Cycle, round: str) -> Panel:
    if round not in rounds.rounds_of(cycle):
        raise ServiceError("panel.no_such_round", N_("This cycle has no shortlist round."), field="round")
    panel = panel_of(cycle, round)
    if panel is None:
        panel = Panel(cycle=cycle, round=round)
        db.session.add(panel)
        db.session.flush()
    return panel


def add_member(actor, cycle: Cycle, user: User, role: str = "member", round: str | None = None) -> list:
    """Invite a judge (or name the chair) to the panel of ``round`` (by
    default the round the cycle is at). Conflict detection runs at once for
    this judge, so a conflicted invitation is seen before it matters.

    An account without a judge role is refused as if it did not exist, by
    no name: a chair sees judges, not every account (the API answers a
    missing id the same way)."""
    if not user.has_role("judge", "chair"):
        raise ServiceError("panel.no_such_judge", NO_SUCH_JUDGE, field="user")
    if role not in ("chair", "member"):
        raise ServiceError("panel.role", N_("A panel member is a chair or a member."))
    round = round or rounds.in_play(cycle)
    panel = _panel_for_update(cycle, round)
    if any(m.user_id == user.id for m in panel.members):
        raise ServiceError("panel.already_member", Message(N_("%(name)s is already on the panel."), name=user.name),
                           field="user")
    if role == "chair" and any(m.role == "chair" for m in panel.members):
        raise ServiceError("panel.one_chair", N_("The panel already has a chair."), field="role")
    member = PanelMember(panel=panel, user=user, role=role)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "panel.member_added", member,
                 {"user_id": user.id, "role": role, "round": round}, cycle_id=cycle.id)
    return conflict_service.detect(actor, cycle, judges=[user])


def invite_member(actor, cycle: Cycle, email: str, name: str, role: str = "member", *,
                  locale: str = "en", round: str | None = None) -> tuple[User, list]:
    """A judge who has no account yet: the secretariat creates it with the
    judge role, the invitation to choose a password is sent, and the new
    account joins the panel. An address that has an account is refused:
    that judge is chosen from the list instead."""
    if role not in ("chair", "member"):
        raise ServiceError("panel.role", N_("A panel member is a chair or a member."))
    roles = ("judge", "chair") if role == "chair" else ("judge",)
    user, _message = accounts.invite(actor, email, name, roles, locale=locale)
    return user, add_member(actor, cycle, user, role, round)


def remove_member(actor, cycle: Cycle, member: PanelMember) -> None:
    # The final round's panel may change while the shortlist round runs.
    before_its_round = (*BEFORE_JUDGING, *SHORTLIST_STATES) if member.panel.round == rounds.FINAL else BEFORE_JUDGING
    if cycle.state not in before_its_round:
        raise ServiceError("panel.locked", N_("The panel cannot change once judging has opened."))
    audit.record(actor, "panel.member_removed", member,
                 {"user_id": member.user_id, "role": member.role, "round": member.panel.round}, cycle_id=cycle.id)
    db.session.delete(member)
    db.session.flush()


def withdraw_judge(actor, cycle: Cycle, member: PanelMember, reason: str) -> list[dict]:
    """The chair (or the secretariat) withdraws a judge from the panel at any
    time before the board decides, with a reason: every sheet of theirs on
    this cycle goes, scores and comments with it, so no result counts them
    (each removal audited with what it held, which the report's replay reads).
    The panel's size is checked again when scoring closes (a replacement may
    join). Returns what was removed. Called through recusals.withdraw_judge,
    which also withdraws a recommendation that rested on their scores."""
    if not permissions.may_manage_panel(actor, cycle):
        raise Forbidden("panel.chair_only", N_("Only the chair or the secretariat withdraws a judge."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("panel.withdraw_reason_required", N_("Give the reason the judge is withdrawn."),
                           field="reason")
    if member.role == "chair":
        raise ServiceError("panel.withdraw_chair", N_("The chair cannot be withdrawn; the secretariat names "
                                                      "another chair first."))
    workflow = cycle.award_type.workflow
    if cycle.state in workflow.cycle_final_states or cycle.state == "ratified":
        raise Refusal([{"rule": "panel.decided",
                        "message": N_("The board has decided this cycle: a judge can no longer be withdrawn.")}])
    removed = []
    sheets = db.session.scalars(select(Assignment).join(Nomination).where(
        Nomination.cycle_id == cycle.id, Assignment.judge_id == member.user_id,
        Assignment.round == member.panel.round).order_by(Assignment.id)).all()
    codes = rounds.criterion_codes(cycle)
    scores_of: dict[int, list[Score]] = {sheet.id: [] for sheet in sheets}
    for score in db.session.scalars(select(Score).where(Score.assignment_id.in_(scores_of)).order_by(Score.id)):
        scores_of[score.assignment_id].append(score)
    for sheet in sheets:
        scores = scores_of[sheet.id]
        entry = {"nomination_id": sheet.nomination_id, "judge_id": sheet.judge_id, "round": sheet.round,
                 "sheet_state": sheet.sheet_state,
                 "scores": {codes[s.criterion_id]: s.value for s in scores}, "reason": f"judge withdrawn: {reason}"}
        audit.record(actor, "assignment.removed", sheet, entry, cycle_id=cycle.id)
        removed.append(entry)
        for score in scores:  # explicitly, before the sheet: what the foreign key would cascade
            db.session.delete(score)
        db.session.delete(sheet)
    audit.record(actor, "panel.judge_withdrawn", member,
                 {"user_id": member.user_id, "role": member.role, "reason": reason, "removed": removed},
                 cycle_id=cycle.id)
    db.session.delete(member)
    db.session.flush()
    return removed


def expertise_of(user_ids) -> dict[int, list[Expertise]]:
    rows = db.session.scalars(
        select(Expertise).join(JudgeProfile).where(JudgeProfile.user_id.in_(list(user_ids)))
        .options(selectinload(Expertise.profile)))
    result: dict[int, list[Expertise]] = {}
    for row in rows:
        result.setdefault(row.profile.user_id, []).append(row)
    return result


def coverage(cycle: Cycle, panel: Panel | None = None) -> Coverage:
    """Only vetted profiles count: recognised expertise is expertise the
    secretariat has checked. Read as rows (each page of the chair's view
    asks: the cycle's facts include what is missing)."""
    panel = panel if panel is not None else panel_of(cycle)
    required = list(cycle.setting("required_fields"))
    covered: dict[str, list[str]] = {}
    if panel is not None and required:
        for name, field in db.session.execute(
                select(Person.name, Expertise.field).select_from(PanelMember)
                .join(User, User.id == PanelMember.user_id).join(Person, Person.id == User.person_id)
                .join(JudgeProfile, JudgeProfile.user_id == PanelMember.user_id)
                .join(Expertise, Expertise.profile_id == JudgeProfile.id)
                .where(PanelMember.panel_id == panel.id, JudgeProfile.vetted_at.is_not(None),
                       Expertise.field.in_(required))
                .order_by(PanelMember.id, Expertise.id)):
            covered.setdefault(field, []).append(name)
    return Coverage(required=required, covered=covered,
                    missing=[f for f in required if f not in covered])


def chair_of(cycle: Cycle, round: str | None = None) -> User | None:
    """The chair of the panel of ``round``, by default of the round the cycle is at."""
    return db.session.scalar(select(User).join(PanelMember, PanelMember.user_id == User.id).join(Panel)
                             .where(Panel.cycle_id == cycle.id, Panel.round == (round or rounds.in_play(cycle)),
                                    PanelMember.role == "chair"))


def chaired_by(user) -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).join(Panel).join(PanelMember).where(
        PanelMember.user_id == user.id, PanelMember.role == "chair").distinct()
        .order_by(Cycle.year.desc(), Cycle.id)))
