"""Changes to a cycle's rules after they froze: the secretariat proposes,
with a reason; the Executive Committee votes; at the cycle's board quorum
and majority the change applies (audited with its reason, and with the whole
settings and rubric after it, which the report's replay reads), or is
rejected by a majority against.

A proposal holds what would be in force after it:
``{"settings": {name: value}, "criteria": [rubric rows]}``, either part
optional, and under "before" what it would replace. It is checked when proposed and again when the vote would apply
it, against the cycle as it then stands.
"""

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import select

import workflows
from awards_app.extensions import db
from awards_app.models import Cycle, SettingsChange, SettingsChangeVote
from awards_app.services import N_, Forbidden, Refusal, ServiceError, audit, transitions
from awards_app.services import cycles as cycle_service
from awards_app.services import rubric as rubric_service
from awards_app.services.cycles import SettingsRefused

VOTES = ("for", "against", "abstain")
# Once the board has decided the cycle, its rules are history: nothing to propose.
DECIDED_STATES = ("ratified", "announced", "cancelled")
REASON_LENGTH = 5000


def _check(cycle: Cycle, settings: dict | None, criteria: list | None) -> tuple[dict, list | None, list]:
    """(the settings that would change, the rubric that would be in force or
    None when unchanged, every problem)."""
    changed, problems = cycle_service.settings_problems(cycle, settings or {}, past_freezing=True)
    rows = None
    if criteria is not None:
        clean, rubric_problems = rubric_service.check(cycle, criteria)
        problems += rubric_problems
        if [{k: v for k, v in r.items() if k != "id"} for r in clean] != rubric_service.as_rows(cycle):
            rows = clean
    return changed, rows, problems


def propose(actor, cycle: Cycle, *, reason: str, settings: dict | None = None,
            criteria: list | None = None) -> SettingsChange:
    """The secretariat proposes a change to the cycle's settings and/or
    rubric, with its reason. Every problem is refused at once; a proposal
    that changes nothing is refused too."""
    if not actor.has_role("admin"):
        raise Forbidden("settings_change.admin_only", N_("Only the secretariat proposes a change of the rules."))
    problems = []
    reason = (reason or "").strip()
    if not reason:
        problems.append(ServiceError("settings_change.reason_required",
                                     N_("Give the reason for the change: the board reads it."), field="reason"))
    elif len(reason) > REASON_LENGTH:
        problems.append(ServiceError("settings_change.reason_required",
                                     N_("The reason is at most 5000 characters."), field="reason"))
    if cycle.state in DECIDED_STATES:
        raise Refusal([{"rule": "settings_change.decided_cycle",
                        "message": N_("The board has decided this cycle: its rules no longer change.")}])
    changed, rows, more = _check(cycle, settings, criteria)
    problems += more
    if not problems and not changed and rows is None:
        problems.append(ServiceError("settings_change.nothing", N_("This proposal changes nothing."),
                                     field="reason"))
    if problems:
        raise SettingsRefused(problems)
    changes = {**({"settings": changed} if changed else {}), **({"criteria": rows} if rows is not None else {})}
    # What it replaces, as the proposal's page shows it once decided.
    changes["before"] = {"settings": {name: cycle.setting(name) for name in changed}}
    if rows is not None:
        changes["before"]["criteria"] = [rubric_service.as_row(c) for c in cycle.criteria]
    change = SettingsChange(cycle=cycle, changes=changes, reason=reason, proposed_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record(actor, "settings_change.proposed", change,
                 {"change_id": change.id, "settings": sorted(changed), "rubric": rows is not None,
                  "changes": changes, "reason": reason}, cycle_id=cycle.id)
    return change


def pending(cycle: Cycle | None = None) -> list[SettingsChange]:
    """The proposals awaiting the board, oldest first (of one cycle, or all)."""
    query = select(SettingsChange).where(SettingsChange.status == "pending").order_by(SettingsChange.id)
    if cycle is not None:
        query = query.where(SettingsChange.cycle_id == cycle.id)
    return list(db.session.scalars(query))


def of_cycle(cycle: Cycle) -> list[SettingsChange]:
    return list(db.session.scalars(select(SettingsChange).where(SettingsChange.cycle_id == cycle.id)
                                   .order_by(SettingsChange.id.desc())))


def counts(change: SettingsChange) -> dict:
    tally = {v: 0 for v in VOTES}
    for vote in change.votes:
        tally[vote.vote] += 1
    return tally


def outcome(cycle: Cycle, tally: dict) -> str | None:
    """"approved" or "rejected" once the votes reach the cycle's board quorum
    and a majority for or against (the same rules as the board's other
    decisions, read from the workflow), else None: the vote goes on."""
    facts = dataclasses.replace(workflows.CycleFacts(settings=cycle.settings),
                                board_votes_approve=tally["for"], board_votes_reject=tally["against"],
                                board_votes_abstain=tally["abstain"])
    decided = cycle.award_type.workflow.ballot_outcome(facts)
    return {"ratified": "approved", "rejected": "rejected"}.get(decided)


def vote(actor, change: SettingsChange, choice: str, reason: str | None = None) -> str | None:
    """One board member's vote on a proposal. Returns "approved" or
    "rejected" when this vote decided it, else None. An approval applies
    the change at once, in the same transaction."""
    if not actor.has_role("board"):
        raise Forbidden("settings_change.board_only", N_("Only Executive Committee members vote on a change "
                                                         "of the rules."))
    if choice not in VOTES:
        raise ServiceError("settings_change.vote", N_("Vote for, against or abstain."), field="vote")
    # One vote at a time per cycle, so two members cannot both see the quorum unmet.
    cycle = transitions.lock_row(Cycle, change.cycle_id)
    db.session.refresh(change)
    if change.status != "pending":
        raise Refusal([{"rule": "settings_change.not_pending",
                        "message": N_("This proposal is no longer awaiting a vote.")}])
    if any(v.user_id == actor.id for v in change.votes):
        raise Refusal([{"rule": "settings_change.already_voted", "message": N_("You have already voted on this.")}])
    row = SettingsChangeVote(change=change, user_id=actor.id, vote=choice, reason=(reason or "").strip() or None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "settings_change.vote_cast", row, {"change_id": change.id, "vote": choice},
                 cycle_id=cycle.id)
    tally = counts(change)
    decided = outcome(cycle, tally)
    if decided == "approved":
        _apply(actor, cycle, change)
    if decided is not None:
        change.status = decided
        change.decided_at = datetime.now(UTC)
        db.session.flush()
        audit.record(actor, f"settings_change.{decided}", change,
                     {"change_id": change.id, "votes": tally, "reason": change.reason}, cycle_id=cycle.id)
    return decided


def _apply(actor, cycle: Cycle, change: SettingsChange) -> None:
    """The approved change, checked again against the cycle as it stands now."""
    changes = change.changes or {}
    changed, rows, problems = _check(cycle, changes.get("settings"), changes.get("criteria"))
    if problems:
        raise SettingsRefused(problems)
    approved = {"change_id": change.id, "reason": change.reason}
    cycle_service.apply_settings(actor, cycle, changed, approved=approved)
    if rows is not None:
        rubric_service.apply(actor, cycle, rows, approved=approved)


def withdraw(actor, change: SettingsChange) -> None:
    """The secretariat takes back a proposal the board has not decided."""
    if not actor.has_role("admin"):
        raise Forbidden("settings_change.admin_only", N_("Only the secretariat proposes a change of the rules."))
    if change.status != "pending":
        raise Refusal([{"rule": "settings_change.not_pending",
                        "message": N_("This proposal is no longer awaiting a vote.")}])
    change.status = "withdrawn"
    change.decided_at = datetime.now(UTC)
    db.session.flush()
    audit.record(actor, "settings_change.withdrawn", change, {"change_id": change.id}, cycle_id=change.cycle_id)
