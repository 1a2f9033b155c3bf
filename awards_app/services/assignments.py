"""Which judge scores which nomination: by hand (the chair) or computed
optimally for the whole cycle. A conflict is a hard exclusion either way."""

import math

from sqlalchemy import exists, select

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest, JudgeProfile, Nomination, User
from awards_app.models.judging import HIDING_STATUSES
from awards_app.models.types import utcnow
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit, locks, rounds
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service
from judging import assignment as engine  # loaded with the app, not on the chair's first run (0.4 s)


def _may_manage(actor, cycle) -> None:
    if not permissions.may_manage_panel(actor, cycle):
        raise Forbidden("assignment.chair_only", N_("Only the chair or the secretariat assigns judges."))


# The key of this module's advisory locks (PostgreSQL): one per cycle.
ASSIGNING = 23_001


def _hold_assignments(cycle, *, wait: bool) -> None:
    """Serialise the changes to a cycle's assignments. A manual assignment
    waits for a run in progress, and a second run at the same moment is
    refused (409) rather than computing the same rows again and failing on
    the unique constraint."""
    if not locks.hold(ASSIGNING, cycle.id, wait=wait):
        raise Refusal([{"rule": "assignment.run_in_progress",
                         "message": N_("Judges are being assigned to this cycle right now; reload in a moment.")}])


def add(actor, nomination: Nomination, judge: User, *, fit: float = 0.0, reasons=(),
        source: str = "manual") -> Assignment:
    """A sheet for ``judge`` on ``nomination`` in the round the cycle is at."""
    cycle = nomination.cycle
    _may_manage(actor, cycle)
    _hold_assignments(cycle, wait=True)
    row = _add(actor, cycle, rounds.in_play(cycle), nomination, judge, fit=fit, reasons=reasons, source=source)
    # Checked again on the facts as they are now (a judge's organisation may
    # have changed). A finding is kept, not refused: a refusal would roll it
    # back with the assignment. Open, it hides the nomination from the judge
    # until the chair resolves it; confirmed, it removes the assignment.
    conflict_service.detect(actor, cycle, judges=[judge], nominations=[nomination])
    return row


def _add(actor, cycle, round: str, nomination: Nomination, judge: User, *, fit: float, reasons,
         source: str) -> Assignment:
    if not permissions.sits_on_panel(judge, cycle, round):
        raise ServiceError("assignment.not_on_panel",
                           Message(N_("%(judge)s is not on this cycle's panel."), judge=judge.name))
    if permissions.is_hidden_from(judge, nomination):
        raise ServiceError("assignment.conflict",
                           Message(N_("%(judge)s has a conflict of interest with this nomination."), judge=judge.name))
    if nomination.state not in ("eligible",):
        raise ServiceError("assignment.not_eligible", N_("Only eligible nominations are judged."))
    if not db.session.scalar(select(exists().where(Nomination.id == nomination.id,
                                                   rounds.judged_in(cycle, round)))):
        raise ServiceError("assignment.not_shortlisted", N_("Only the shortlisted nominations are judged in the "
                                                            "final round."))
    if db.session.scalar(select(exists().where(Assignment.judge_id == judge.id, Assignment.round == round,
                                               Assignment.nomination_id == nomination.id))):
        raise ServiceError("assignment.duplicate", Message(N_("%(judge)s is already assigned."), judge=judge.name))
    row = Assignment(nomination=nomination, judge=judge, fit=fit, round=round)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "assignment.added", row,
                 {"nomination_id": nomination.id, "judge_id": judge.id, "fit": fit,
                  "reasons": list(reasons), "source": source, "round": round}, cycle_id=cycle.id)
    return row


def _insert_assignments(rows: list[dict]) -> list[int]:
    """One batched INSERT of new sheets, their ids in the order given (the
    ORM's unit of work would build and track an object per row)."""
    if not rows:
        return []
    now = utcnow()
    table = Assignment.__table__
    return list(db.session.scalars(
        table.insert().returning(table.c.id, sort_by_parameter_order=True),
        [{**row, "sheet_state": "open", "version": 1, "created_at": now} for row in rows]))


def remove(actor, assignment: Assignment, reason: str | None = None) -> None:
    cycle = assignment.nomination.cycle
    _may_manage(actor, cycle)
    if assignment.sheet_state == "submitted":
        raise ServiceError("assignment.submitted", N_("A submitted score sheet cannot be unassigned."))
    audit.record(actor, "assignment.removed", assignment,
                 {"nomination_id": assignment.nomination_id, "judge_id": assignment.judge_id,
                  "round": assignment.round, "reason": reason}, cycle_id=cycle.id)
    db.session.delete(assignment)
    db.session.flush()


def run(actor, cycle):
    """Assign k judges to every eligible nomination, optimally for the fit
    between the award's fields and the judges' vetted expertise, with
    conflicts as hard exclusions and a load limit per judge. Existing
    assignments are kept. Returns the solver's result, whose `uncovered`
    says which nominations could not be covered and why."""
    _may_manage(actor, cycle)
    _hold_assignments(cycle, wait=False)  # first: what follows reads what the lock's holder committed
    round = rounds.in_play(cycle)
    panel = panel_service.panel_of(cycle, round)
    members = [m.user for m in panel.members] if panel else []
    nominations = list(db.session.scalars(select(Nomination.id).where(
        Nomination.cycle_id == cycle.id, Nomination.state == "eligible", rounds.judged_in(cycle, round))
        .order_by(Nomination.id)))
    if not members or not nominations:
        raise ServiceError("assignment.nothing_to_assign", N_("The cycle needs a panel and eligible nominations."))
    profiles = {p.user_id: p for p in db.session.scalars(select(JudgeProfile).where(
        JudgeProfile.user_id.in_([u.id for u in members])))}
    vetted = panel_service.expertise_of([uid for uid, p in profiles.items() if p.vetted_at is not None])
    judges = [engine.JudgeInput(id=u.id, expertise={e.field: e.years for e in vetted.get(u.id, [])},
                                languages=frozenset(profiles[u.id].languages if u.id in profiles else ()))
              for u in members]
    fields = tuple(cycle.setting("required_fields"))
    inputs = [engine.NominationInput(id=n, fields=fields) for n in nominations]
    # Found now, so the solver excludes them; after the assignment lock, so
    # without the whole-cycle run's own (services.conflicts.detect).
    conflict_service.detect(actor, cycle, judges=members)
    conflicted = set(db.session.execute(select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id).where(
        ConflictOfInterest.nomination_id.in_(nominations),
        ConflictOfInterest.status.in_(HIDING_STATUSES))).tuples())
    existing = set(db.session.execute(select(Assignment.judge_id, Assignment.nomination_id).where(
        Assignment.nomination_id.in_(nominations), Assignment.round == round)).tuples())
    k = int(cycle.setting("judges_per_nomination"))
    max_load = int(cycle.setting("max_load_per_judge") or math.ceil(k * len(nominations) / len(members)))
    result = engine.assign(inputs, judges, conflicted, k=k, max_load=max_load,
                           cover_fields=bool(cycle.setting("cover_fields")),
                           keep=tuple(p for p in existing if p not in conflicted))
    # Written in bulk, audited in one append: every pair already holds what _add checks one by one (its
    # judge sits on the round's panel, no hiding conflict, an eligible nomination the round judges, not
    # yet assigned), and the assignment lock keeps it so until the commit.
    added = [a for a in result.assignments if (a.judge_id, a.nomination_id) not in existing]
    ids = _insert_assignments([{"nomination_id": a.nomination_id, "judge_id": a.judge_id, "fit": a.fit,
                                "round": round} for a in added])
    audit.record_many(actor, [
        *(audit.PendingEvent("assignment.added", None,
                             {"nomination_id": a.nomination_id, "judge_id": a.judge_id, "fit": a.fit,
                              "reasons": list(a.reasons), "source": "optimal", "round": round},
                             object_type="assignment", object_id=row_id, cycle_id=cycle.id)
          for row_id, a in zip(ids, added, strict=True)),
        audit.PendingEvent("assignment.run", None,
                           {"round": round, "k": k, "max_load": max_load, "feasible": result.feasible,
                            "optimal": result.optimal, "method": result.method, "total_fit": result.total_fit,
                            "uncovered": [{"nomination_id": u.nomination_id, "rule": u.rule, "reason": u.reason}
                                          for u in result.uncovered]},
                           object_type="cycle", object_id=cycle.id, cycle_id=cycle.id)])
    return result
