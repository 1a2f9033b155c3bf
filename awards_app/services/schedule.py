"""What the calendar does by itself (`flask calendar run`, from cron).

Each run, for every cycle still going: a dated step whose date has passed
is fired through the same service and guards as the button (the call closes
at its deadline, scoring at the judging deadline), by the calendar's system
actor. A step the guards refuse is not forced: the refusal is audited with
its rules and the secretariat (and for scoring, the panel's chair) is told
once per date. Reminders go out N days before a deadline (the
``reminder_days_before`` setting) to judges with sheets still open and to
board members who have not voted, each once (ReminderSent).

A second run at the same moment finds nothing left to do.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.i18n import labels, rule_message
from awards_app.models import (
    Assignment,
    AuditEvent,
    BoardVote,
    Cycle,
    Nomination,
    ReminderSent,
    User,
    UserRole,
)
from awards_app.services import N_, ServiceError, audit, clock, facts, links, outbox, transitions
from awards_app.services.actors import SystemActor
from awards_app.services.conflicts import awaited as not_recused
from awards_app.services.panels import panel_of

# The calendar acts on the dates the secretariat set, in the roles the steps
# need: the secretariat's to close the call, the chair's to close scoring.
CALENDAR = SystemActor("calendar", roles=frozenset({"admin", "chair"}))

# (the cycle's date, the step it fires when it passes)
DATED_STEPS = (("deadline", "close_call"), ("judging_deadline", "close_scoring"))


@dataclass
class Report:
    """What one run did, for the command's output and the tests."""

    fired: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str, list[str]]] = field(default_factory=list)
    reminded: list[tuple[int, str, int]] = field(default_factory=list)  # (cycle, kind, user)
    failed: list[tuple[int, str]] = field(default_factory=list)


def due_cycles() -> list[int]:
    """The cycles a run may have something to do for: not ended, with a date."""
    dated = (Cycle.deadline.is_not(None) | Cycle.judging_deadline.is_not(None)
             | Cycle.board_vote_deadline.is_not(None))
    return list(db.session.scalars(select(Cycle.id).where(Cycle.state.not_in(("announced", "cancelled")), dated)
                                   .order_by(Cycle.id)))


def run_cycle(actor, cycle_id: int, now: datetime, report: Report) -> None:
    """One cycle's dated steps, then its reminders, at ``now``, in the
    caller's transaction: the command (cli.calendar_pass) commits each cycle
    on its own, so one cycle's trouble never undoes another's work."""
    # Locked first: a second run, or the secretariat moving a date, waits for this one.
    cycle = transitions.lock_row(Cycle, cycle_id)
    for column, event in DATED_STEPS:
        due = getattr(cycle, column)
        if due is None or due > now or event not in _events_from(cycle):
            continue
        try:
            with db.session.begin_nested():
                transitions.fire_cycle_event(actor, cycle, event)
        except ServiceError as refused:  # a guard's Refusal, or a role the award's rulebook does not give
            rules = getattr(refused, "rules", None) or [{"rule": refused.rule, "message": refused.message}]
            if _record_refusal(actor, cycle, event, due, rules):
                report.refused.append((cycle.id, event, [r["rule"] for r in rules]))
        else:
            report.fired.append((cycle.id, event))
        cycle = db.session.get(Cycle, cycle_id)
    _remind_judges(actor, cycle, now, report)
    _remind_board(actor, cycle, now, report)


def _events_from(cycle: Cycle) -> list[str]:
    machine = cycle.award_type.workflow.cycle_machine
    return [str(e) for e in machine.states_map[cycle.state].transitions.unique_events]


# --- refused steps ---------------------------------------------------------------------

def _already_refused(cycle: Cycle, event: str, due: datetime) -> bool:
    """Was this step at this date refused and told before? (A moved date is a new one.)"""
    payloads = db.session.scalars(select(AuditEvent.payload).where(
        AuditEvent.cycle_id == cycle.id, AuditEvent.action == "calendar.step_refused"))
    return any(p.get("event") == event and p.get("due") == due.isoformat() for p in payloads)


def _record_refusal(actor, cycle: Cycle, event: str, due: datetime, rules: list[dict]) -> bool:
    """Audit the refusal and tell the people who can act, once per date;
    False when that was done by an earlier run."""
    if _already_refused(cycle, event, due):
        return False
    audit.record(actor, "calendar.step_refused", cycle,
                 {"event": event, "due": due.isoformat(), "rules": [r["rule"] for r in rules]}, cycle_id=cycle.id)
    told = list(_secretariat())
    if event == "close_scoring":
        panel = panel_of(cycle)
        chair = next((m.user for m in (panel.members if panel else []) if m.role == "chair"), None)
        if chair is not None and chair.active and chair not in told:
            told.append(chair)
    kind = f"refused:{event}"
    for person in told:
        if not _mark_sent(cycle, person, kind, due):
            continue
        locale = person.locale or "en"
        with force_locale(locale):
            reasons = "\n".join(f"- {rule_message(r['message'])} [{r['rule']}]" for r in rules)
            step = labels.event_label(event)
        outbox.notify(person.email, locale, cycle, N_("Not done at its date: %(step)s, %(cycle)s"),
                      N_("The calendar did not take the step “%(step)s” of %(cycle)s at its date (%(due)s), "
                         "because the rules refused it:\n%(reasons)s\n\nNothing was forced. Take the step from "
                         "the cycle's page once the rules allow it, or move the date:\n%(link)s"),
                      step=step, due=_when(due, person), reasons=reasons,
                      link=links.public_url("cycles.show", cycle_id=cycle.id))
    return True


def _secretariat():
    return db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == "admin", User.active.is_(True)).order_by(User.id))


def _mark_sent(cycle: Cycle, user: User, kind: str, due: datetime) -> bool:
    """Note that this person was told of this date; False when they already were."""
    if db.session.scalar(select(ReminderSent.id).where(
            ReminderSent.cycle_id == cycle.id, ReminderSent.user_id == user.id, ReminderSent.kind == kind,
            ReminderSent.due_at == due)) is not None:
        return False
    db.session.add(ReminderSent(cycle_id=cycle.id, user_id=user.id, kind=kind, due_at=due, sent_at=clock.now()))
    db.session.flush()
    return True


def _when(moment: datetime, user: User) -> str:
    """A date as the person reads it: in their own time zone, saying which."""
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


# --- reminders -------------------------------------------------------------------------

def _window_open(cycle: Cycle, due: datetime | None, now: datetime) -> bool:
    if due is None:
        return False
    return due - timedelta(days=cycle.setting("reminder_days_before")) <= now < due


def _remind_judges(actor, cycle: Cycle, now: datetime, report: Report) -> None:
    """Each judge with sheets still open, once per judging deadline: the
    sheets listed, each with its link."""
    due = cycle.judging_deadline
    if "close_scoring" not in _events_from(cycle) or not _window_open(cycle, due, now):
        return
    open_sheets: dict[int, list[Nomination]] = {}
    for judge_id, nomination in db.session.execute(
            select(Assignment.judge_id, Nomination).join(Nomination, Nomination.id == Assignment.nomination_id)
            .where(Nomination.cycle_id == cycle.id, Assignment.sheet_state != "submitted", not_recused())
            .order_by(Assignment.judge_id, Nomination.id)):
        open_sheets.setdefault(judge_id, []).append(nomination)
    sent = []
    for judge in db.session.scalars(select(User).where(User.id.in_(list(open_sheets)), User.active.is_(True))
                                    .order_by(User.id)):
        if not _mark_sent(cycle, judge, "judging_deadline", due):
            continue
        sheets = "\n".join(f"- {n.candidate}: {links.public_url('judging.sheet', nomination_id=n.id)}"
                           for n in open_sheets[judge.id])
        outbox.notify(judge.email, judge.locale, cycle, N_("Scores due by %(due)s: %(cycle)s"),
                      N_("The judging of %(cycle)s closes on %(due)s. These score sheets still await your "
                         "scores:\n%(sheets)s"), due=_when(due, judge), sheets=sheets)
        sent.append(judge.id)
        report.reminded.append((cycle.id, "judging_deadline", judge.id))
    if sent:
        audit.record(actor, "calendar.reminders_sent", cycle,
                     {"kind": "judging_deadline", "due": due.isoformat(), "users": sent}, cycle_id=cycle.id)


def _remind_board(actor, cycle: Cycle, now: datetime, report: Report) -> None:
    """Each board member who has not voted on the proposal before the
    board, once per board vote date."""
    due = cycle.board_vote_deadline
    wf = cycle.award_type.workflow
    if cycle.state not in wf.awaiting_ratification_states or not _window_open(cycle, due, now):
        return
    proposal = facts.current_recommendation(cycle)
    if proposal is None:
        return
    voted = select(BoardVote.user_id).where(BoardVote.recommendation_id == proposal.id)
    sent = []
    for member in db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                     .where(UserRole.role == "board", User.active.is_(True), User.id.not_in(voted))
                                     .order_by(User.id)):
        if not _mark_sent(cycle, member, "board_vote_deadline", due):
            continue
        outbox.notify(member.email, member.locale, cycle, N_("Board vote due by %(due)s: %(cycle)s"),
                      N_("The board's vote on %(cycle)s is due on %(due)s, and your vote is not in yet:\n%(link)s"),
                      due=_when(due, member), link=links.public_url("board.cycle", cycle_id=cycle.id))
        sent.append(member.id)
        report.reminded.append((cycle.id, "board_vote_deadline", member.id))
    if sent:
        audit.record(actor, "calendar.reminders_sent", cycle,
                     {"kind": "board_vote_deadline", "due": due.isoformat(), "users": sent}, cycle_id=cycle.id)


def summary(report: Report) -> str:
    """The run in a line, for cron's mail."""
    return (f"{len(report.fired)} step(s) taken, {len(report.refused)} refused, "
            f"{len(report.reminded)} reminder(s) sent, {len(report.failed)} cycle(s) failed.")
