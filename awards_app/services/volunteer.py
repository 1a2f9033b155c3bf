"""The Volunteer Award's board steps: the Executive Committee's hearing of
the candidates, and the board's override of the odd-year rule.

No column holds who attended the hearing or who approved the override: both
are in the audit trail (append-only, hash-chained), which is read back here.
The cycle keeps what the guards read: hearing_held_at, hearing_notes (the
minutes) and odd_year_override_reason."""

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, User, UserRole
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit, transitions
from awards_app.services import text as text_rules
from awards_app.services.personal_values import NOTE, personal

MINUTES_MAX = 20000


def _refuse(rule: str, message) -> Refusal:
    return Refusal([{"rule": rule, "message": message}])


def has_hearing(cycle: Cycle) -> bool:
    """The award's cycle goes through an Executive Committee hearing."""
    return "hearing" in cycle.award_type.workflow.cycle_states


def board_members() -> list[User]:
    """The accounts that may be recorded as present at a hearing. Chosen by
    the database: read account by account, every account of the site (3,000
    at the benchmark's scale) was loaded for the board's few."""
    return list(db.session.scalars(select(User).where(User.active.is_(True),
                                                      User.role_rows.any(UserRole.role == "board"))
                                   .order_by(User.email)))


def record_hearing(actor, cycle: Cycle, *, held_on: date | None, present: list[User], minutes: str) -> Cycle:
    """The Executive Committee heard the candidates: the date, the members
    present and the minutes. The board's votes open once it is recorded."""
    if not permissions.may_record_hearing(actor, cycle):
        raise Forbidden("volunteer.hearing_recorders",
                        N_("Only the secretariat or an Executive Committee member records the hearing."))
    if not has_hearing(cycle):
        raise _refuse("volunteer.no_hearing", N_("This award has no Executive Committee hearing."))
    # Locked before anything is written: what follows reads the latest row.
    cycle = transitions.lock_row(Cycle, cycle.id)
    if cycle.state != "hearing":
        raise _refuse("volunteer.not_in_hearing", N_("The cycle is not at the hearing stage."))
    if cycle.hearing_held_at is not None:
        raise _refuse("volunteer.hearing_already_recorded", N_("The hearing is already recorded."))
    if held_on is None:
        raise ServiceError("volunteer.hearing_date_required", N_("Give the date of the hearing."), field="held_on")
    if held_on > datetime.now(UTC).date():
        raise ServiceError("volunteer.hearing_date_future", N_("The hearing cannot be recorded before it is held."),
                           field="held_on")
    if not present:
        raise ServiceError("volunteer.hearing_present_required",
                           N_("Choose the Executive Committee members present."), field="present")
    outsiders = [u for u in present if not (u.active and u.has_role("board"))]
    if outsiders:
        raise ServiceError("volunteer.hearing_present_not_board",
                           Message(N_("%(email)s is not an Executive Committee member."), email=outsiders[0].email),
                           field="present")
    minutes = (minutes or "").strip()
    if not minutes:
        raise ServiceError("volunteer.hearing_minutes_required", N_("Write the minutes of the hearing."),
                           field="minutes")
    if len(minutes) > MINUTES_MAX or text_rules.has_control_character(minutes):
        raise ServiceError("volunteer.hearing_minutes_invalid",
                           Message(N_("The minutes are plain text of at most %(n)s characters."), n=MINUTES_MAX),
                           field="minutes")
    cycle.hearing_held_at = datetime.combine(held_on, time(0, 0), tzinfo=UTC)
    cycle.hearing_notes = minutes
    db.session.flush()
    audit.record(actor, "cycle.hearing_held", cycle,
                 {"held_on": held_on.isoformat(), "present": sorted({u.id for u in present}),
                  "notes": personal(minutes, NOTE)},
                 cycle_id=cycle.id)
    return cycle


def reopen_hearing(actor, cycle: Cycle, rejected) -> None:
    """After the board rejects a recommendation, the next one needs a hearing
    of its own: the committee heard the candidates as the rejected one put
    them, and the new one may name a candidate it never heard, so its votes
    must not open on the old hearing. The first hearing's record (date,
    members present, minutes) stays in the audit trail; only what the guard
    reads is cleared."""
    if cycle.hearing_held_at is None:
        return
    audit.record(actor, "cycle.hearing_reopened", cycle,
                 {"previous_held_at": cycle.hearing_held_at.isoformat(), "rejected_recommendation_id": rejected.id},
                 cycle_id=cycle.id)
    cycle.hearing_held_at = None
    cycle.hearing_notes = None
    db.session.flush()


def hearing_present(cycle: Cycle) -> list[User]:
    """Who the record says attended the cycle's hearing."""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.cycle_id == cycle.id,
                                                       AuditEvent.action == "cycle.hearing_held")
                              .order_by(AuditEvent.seq.desc()))
    ids = (event.payload or {}).get("present", []) if event else []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.email))) if ids else []


# --- the odd-year override: a board decision at quorum ----------------------------------

def has_odd_year_rule(cycle: Cycle) -> bool:
    return "odd_years_only" in cycle.award_type.workflow.default_settings


def override_needed(cycle: Cycle) -> bool:
    """An even-year cycle of an odd-year award, not yet overridden."""
    return (has_odd_year_rule(cycle) and bool(cycle.setting("odd_years_only")) and cycle.year % 2 == 0
            and not cycle.odd_year_override_reason)


def override_approvals(cycle: Cycle) -> list[AuditEvent]:
    """The board members' approvals so far, first one first."""
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.cycle_id == cycle.id, AuditEvent.action == "cycle.odd_year_override_approved")
        .order_by(AuditEvent.seq)))


def approve_odd_year_override(actor, cycle: Cycle, reason: str) -> bool:
    """One board member approves holding this Volunteer cycle in an even
    year, with their reason. At the cycle's board quorum of approvals the
    override takes effect, with the first approval's reason on the cycle.
    Returns whether it took effect now."""
    if not permissions.may_approve_odd_year_override(actor, cycle):
        raise Forbidden("volunteer.override_board_only",
                        N_("Only Executive Committee members decide the odd-year override."))
    if not has_odd_year_rule(cycle):
        raise _refuse("volunteer.override_volunteer_only",
                      N_("Only the Volunteer Award has an odd-year rule to override."))
    cycle = transitions.lock_row(Cycle, cycle.id)  # two approvals at once cannot both miss the quorum
    if cycle.odd_year_override_reason:
        raise _refuse("volunteer.override_in_effect", N_("The board's override is already in effect."))
    if not override_needed(cycle):
        raise _refuse("volunteer.override_not_needed", N_("This cycle's year needs no override."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("volunteer.override_reason_required",
                           N_("The board's override needs a reason."), field="reason")
    approvals = override_approvals(cycle)
    if any(a.actor_id == actor.id for a in approvals):
        raise _refuse("volunteer.override_already_approved", N_("You have already approved this override."))
    quorum = int(cycle.setting("board_quorum"))
    count = len(approvals) + 1
    audit.record(actor, "cycle.odd_year_override_approved", cycle,
                 {"reason": reason, "approvals": count, "quorum": quorum}, cycle_id=cycle.id)
    if count < quorum:
        return False
    cycle.odd_year_override_reason = approvals[0].payload["reason"] if approvals else reason
    db.session.flush()
    audit.record(actor, "cycle.odd_year_override", cycle,
                 {"reason": cycle.odd_year_override_reason,
                  "approved_by": [a.actor_id for a in approvals] + [actor.id], "quorum": quorum},
                 cycle_id=cycle.id)
    return True


def present_members(*, ids=(), emails=()) -> list[User]:
    """The accounts named as present (by id from the API, by email from the
    command line); a name that is no account is refused at the field."""
    users = []
    for key in [*ids, *emails]:
        column = User.id if isinstance(key, int) else User.email
        user = db.session.scalar(select(User).where(column == (key if isinstance(key, int) else key.strip().lower())))
        if user is None:
            raise ServiceError("volunteer.hearing_present_unknown",
                               Message(N_("%(who)s is not an account of this site."), who=key), field="present")
        users.append(user)
    return users
