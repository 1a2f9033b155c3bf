"""Conflicts of interest: detection, declaration, attestation, resolution,
and what a conflict hides."""

from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import (
    ConflictAttestation,
    ConflictOfInterest,
    Cycle,
    Delegation,
    JudgeProfile,
    Nomination,
    Organisation,
    Panel,
    PanelMember,
    Person,
    User,
)
from awards_app.models.judging import CONFLICT_KINDS
from awards_app.permissions import (  # noqa: F401 - hides and is_hidden_from: re-exported for the services
    ACTIVE_NOMINATION_STATES,
    hides,
    is_chair_of,
    is_hidden_from,
    may_resolve_conflict,
)
from awards_app.services import N_, Forbidden, Refusal, ServiceError, audit, candidate_rows, locks
from awards_app.services.personal_values import EVIDENCE, NOTE, personal
from judging import conflicts as conflict_rules

# What a conflict hides is a permission question, answered in awards_app.permissions;
# `hides` and `is_hidden_from` stay importable from here for the services that filter by it.


def _organisation_name(organisation) -> conflict_rules.OrganisationName | None:
    if organisation is None:
        return None
    return conflict_rules.OrganisationName(organisation.id, organisation.name,
                                           tuple(a.name for a in organisation.aliases))


def _judge_identities(users, relations: dict | None = None) -> list[conflict_rules.JudgeIdentity]:
    """Judges as detection compares them: every address of the person, their
    organisation with its other names, the relations they declared (read
    here unless given: {user id: relations})."""
    if relations is None:
        relations = dict(db.session.execute(select(JudgeProfile.user_id, JudgeProfile.relations).where(
            JudgeProfile.user_id.in_([u.id for u in users]))).all())
    return [conflict_rules.JudgeIdentity(
        id=u.id, email=u.email, name=u.person.name, organisation_id=u.person.organisation_id,
        country_id=u.person.country_id, emails=tuple(e for e in (u.person.email,) if e),
        organisation=_organisation_name(u.person.organisation),
        relations=tuple(relations.get(u.id) or ())) for u in users]


def _candidate_identities(nominations) -> list[conflict_rules.CandidateIdentity]:
    """Each nomination with everyone it names: the candidate (or a
    delegation's participants and adults), the nominator as a person, the
    endorsers, and the people the nominator declared close."""
    identities = []
    for n in nominations:
        members = ()
        if n.candidate_kind == "individual":
            p = n.candidate_person
            name, email, organisation, country_id = p.name, p.email, p.organisation, p.country_id
        elif n.candidate_kind == "delegation":
            d = n.candidate_delegation
            name, email, organisation, country_id = d.name, None, d.organisation, d.organisation.country_id
            members = tuple(conflict_rules.Someone(m.name, role=m.role) for m in d.participants)
        else:
            organisation = n.candidate_organisation
            name, email, country_id = organisation.name, None, organisation.country_id
        nominator = n.nominator
        identities.append(conflict_rules.CandidateIdentity(
            nomination_id=n.id, kind=n.candidate_kind, name=name, email=email,
            organisation_id=organisation.id if organisation else None, country_id=country_id,
            organisation=_organisation_name(organisation), members=members,
            nominator_user_id=n.nominator_id,
            nominator=conflict_rules.Someone(nominator.person.name, nominator.email) if nominator else None,
            endorsers=tuple(conflict_rules.Someone(e.endorser_name, e.email) for e in n.endorsements),
            relations=tuple(n.declared_relations or ())))
    return identities


def _with_identities():
    """What _candidate_identities reads, loaded in a few queries whatever the cycle's size."""
    person = (selectinload(Nomination.candidate_person).selectinload(Person.organisation)
              .selectinload(Organisation.aliases))
    delegation = selectinload(Nomination.candidate_delegation)
    return (selectinload(Nomination.endorsements),
            selectinload(Nomination.nominator).selectinload(User.person),
            person,
            delegation.selectinload(Delegation.organisation).selectinload(Organisation.aliases),
            delegation.selectinload(Delegation.participants),
            selectinload(Nomination.candidate_organisation).selectinload(Organisation.aliases))


# How a board member's tie to a proposed laureate is named on the board's page;
# any other finding (a relation the judge or the nominator declared) is a conflict.
BOARD_TIE_KINDS = ("nominator", "self", "same_organisation", "endorser")


def board_member_ties(user, nomination_ids) -> list[tuple[Nomination, str]]:
    """(proposed laureate, kind) for each tie between a board member and the
    laureates a proposal names, found by the same detection the panel gets
    (the member as a judge; their country alone is no tie), plus any conflict
    they declared or had confirmed on it. A tied member may only recuse."""
    ids = list(nomination_ids or [])
    if not ids or getattr(user, "id", None) is None:
        return []
    nominations = list(db.session.scalars(
        select(Nomination).where(Nomination.id.in_(ids)).order_by(Nomination.id).options(*_with_identities())))
    findings = conflict_rules.detect(_judge_identities([user]), _candidate_identities(nominations),
                                     same_country=False)
    ties = {(f.nomination_id, f.kind if f.kind in BOARD_TIE_KINDS else "conflict") for f in findings}
    ties |= {(nomination_id, "conflict") for nomination_id in db.session.scalars(select(
        ConflictOfInterest.nomination_id).where(ConflictOfInterest.judge_id == user.id,
                                                ConflictOfInterest.nomination_id.in_(ids),
                                                ConflictOfInterest.status.in_(permissions.HIDING_STATUSES)))}
    by_id = {n.id: n for n in nominations}
    return [(by_id[nomination_id], kind) for nomination_id, kind in sorted(ties)]


def panel_judges(cycle: Cycle) -> list[User]:
    return [user for user, _relations in _panel_with_relations(cycle)]


def _panel_with_relations(cycle: Cycle) -> list[tuple[User, list | None]]:
    """The panel with what detection compares (person, organisation and its
    other names, the relations each declared) in one statement, two where an
    organisation is named; the roles load only if someone asks."""
    return list(db.session.execute(
        select(User, JudgeProfile.relations).join(PanelMember, PanelMember.user_id == User.id).join(Panel)
        .outerjoin(JudgeProfile, JudgeProfile.user_id == User.id)
        .where(Panel.cycle_id == cycle.id)
        .options(lazyload(User.role_rows),
                 joinedload(User.person).joinedload(Person.organisation).selectinload(Organisation.aliases))).all())


def candidate_loads():
    """Loader options for one nomination locked by its id (screening): what
    _candidate_identities reads, all joined into the statement that locks it,
    so detection for it sends no statement of its own. The collections
    multiply the rows (participants x endorsements x other names): a few
    dozen rows for one nomination, never a cycle's."""
    delegation = joinedload(Nomination.candidate_delegation)
    return (joinedload(Nomination.nominator).joinedload(User.person),
            # The nominator's standing (facts.nominator_standing) reads their roles.
            joinedload(Nomination.nominator).joinedload(User.role_rows),
            joinedload(Nomination.candidate_person).joinedload(Person.organisation).joinedload(Organisation.aliases),
            delegation.joinedload(Delegation.organisation).joinedload(Organisation.aliases),
            delegation.joinedload(Delegation.participants),
            joinedload(Nomination.candidate_organisation).joinedload(Organisation.aliases),
            joinedload(Nomination.endorsements))


# The key of the advisory lock that serialises detection runs on a cycle (PostgreSQL).
DETECTING = 23_002
DETECTION_IN_PROGRESS = {"rule": "conflict.detection_in_progress",
                         "message": N_("Conflicts are being detected for this cycle right now; try again in a moment.")}


def detect(actor, cycle: Cycle, *, judges=None, nominations=None) -> list[ConflictOfInterest]:
    """Run detection for a cycle (or some of its judges or nominations) and
    record what it finds. A finding the chair dismissed stays dismissed while
    its evidence is the same; new evidence reopens it."""
    if judges is None and nominations is None:
        # One whole-cycle run at a time (the chair's button pressed twice): the
        # second waits, then reads what the first recorded instead of inserting
        # the same findings again. Taken first, before this transaction holds
        # any other lock (the audit head's); a run for one judge or nomination
        # (a new panel member, a new relation) comes after an audit event in
        # its transaction, so it takes no lock here and a collision is refused
        # by rule below.
        locks.hold(DETECTING, cycle.id)
    relations = None
    if judges is None:
        panel = _panel_with_relations(cycle)
        judges, relations = [user for user, _ in panel], {user.id: declared for user, declared in panel}
    # The whole cycle is read as rows (candidate_rows), a few nominations as they are loaded.
    candidates = (candidate_rows.cycle_candidates(cycle) if nominations is None
                  else _candidate_identities(nominations))
    if not judges or not candidates:
        return []
    findings = conflict_rules.detect(_judge_identities(judges, relations), candidates,
                                     same_country=cycle.setting("detect_same_country"),
                                     threshold=cycle.setting("identity_threshold"))
    existing = {(c.judge_id, c.nomination_id, c.kind): c for c in db.session.scalars(
        select(ConflictOfInterest).where(
            ConflictOfInterest.source == "detected",
            ConflictOfInterest.judge_id.in_([j.id for j in judges]),
            ConflictOfInterest.nomination_id.in_([c.nomination_id for c in candidates])))}
    changed = []
    for f in findings:
        kind = f.kind if f.kind in CONFLICT_KINDS else "other"
        row = existing.get((f.judge_id, f.nomination_id, kind))
        if row is None:
            row = ConflictOfInterest(judge_id=f.judge_id, nomination_id=f.nomination_id, kind=kind,
                                     source="detected", status="open", rule=f.rule, tier=f.tier,
                                     evidence=f.evidence, evidence_hash=f.evidence_hash)
            db.session.add(row)
        elif row.evidence_hash != f.evidence_hash:
            row.evidence, row.evidence_hash, row.rule, row.tier = f.evidence, f.evidence_hash, f.rule, f.tier
            if row.status == "dismissed":
                row.status, row.rationale, row.resolved_by_id, row.resolved_at = "open", None, None, None
        else:
            continue
        changed.append(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Refusal([DETECTION_IN_PROGRESS]) from None
    audit.record_many(actor, [audit.PendingEvent(
        "conflict.detected", row,
        {"judge_id": row.judge_id, "nomination_id": row.nomination_id, "kind": row.kind,
         "rule": row.rule, "tier": row.tier, "evidence": personal(row.evidence, EVIDENCE), "status": row.status},
        cycle_id=cycle.id) for row in changed])
    return changed


ALREADY_DECLARED = {"rule": "conflict.already_declared",
                    "message": N_("You have already declared this conflict.")}
ALREADY_ATTESTED = {"rule": "conflict.already_attested",
                    "message": N_("You have already stated that you have no conflict with this nomination.")}


def _insert(rows, refused: dict) -> None:
    """Add the rows in a savepoint. The same statement sent twice at once (a
    double click, a retry) passes the existence check in both requests; the
    second then fails on the unique constraint and is refused by rule (409),
    not a server error. The caller rolls back the whole request."""
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()
    except IntegrityError:
        raise Refusal([refused]) from None


def declare(judge, nomination: Nomination, kind: str, note: str | None = None) -> ConflictOfInterest:
    """A judge's own declaration. It hides the nomination at once (status open)
    until the chair confirms it or waives it."""
    if kind not in CONFLICT_KINDS:
        raise ServiceError("conflict.kind", N_("Choose the kind of conflict."), field="kind")
    row = db.session.scalar(select(ConflictOfInterest).where(
        ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.nomination_id == nomination.id,
        ConflictOfInterest.kind == kind, ConflictOfInterest.source == "declared"))
    if row is None:
        row = ConflictOfInterest(judge_id=judge.id, nomination_id=nomination.id, kind=kind,
                                 source="declared", status="open", note=(note or "").strip() or None,
                                 rule="coi.declared")
        _insert([row], ALREADY_DECLARED)
        audit.record(judge, "conflict.declared", row,
                     {"nomination_id": nomination.id, "kind": kind, "note": personal(row.note, NOTE, judge.person_id)},
                     cycle_id=nomination.cycle_id)
    return row


def attest_none(judge, nomination: Nomination) -> ConflictAttestation:
    """The judge states they have no conflict with this nomination."""
    row = db.session.scalar(select(ConflictAttestation).where(
        ConflictAttestation.judge_id == judge.id, ConflictAttestation.nomination_id == nomination.id))
    if row is None:
        row = ConflictAttestation(judge_id=judge.id, nomination_id=nomination.id)
        _insert([row], ALREADY_ATTESTED)
        audit.record(judge, "conflict.attested_none", row, {"nomination_id": nomination.id},
                     cycle_id=nomination.cycle_id)
    return row


def attest_none_for_all(judge, cycle: Cycle) -> int:
    """'I have no conflict with any of the others': an attestation, each with
    its own audit event, for every nomination of the cycle the judge can see
    and has neither attested nor any conflict with. Returns how many.
    Written in one batch: a large fair's cycle holds thousands."""
    own_conflict = exists().where(ConflictOfInterest.judge_id == judge.id,
                                  ConflictOfInterest.nomination_id == Nomination.id)
    ids = db.session.scalars(
        select(Nomination.id).where(Nomination.cycle_id == cycle.id,
                                    Nomination.state.in_(ACTIVE_NOMINATION_STATES),
                                    ~own_conflict, ~permissions.attested(judge.id, Nomination.id))
        .order_by(Nomination.id)).all()
    rows = [ConflictAttestation(judge_id=judge.id, nomination_id=nomination_id) for nomination_id in ids]
    _insert(rows, ALREADY_ATTESTED)
    audit.record_many(judge, [audit.PendingEvent("conflict.attested_none", row, {"nomination_id": row.nomination_id},
                                          cycle_id=cycle.id) for row in rows])
    return len(rows)


RESOLUTIONS = {"confirm": "confirmed", "waive": "waived", "dismiss": "dismissed"}


def resolve(actor, conflict: ConflictOfInterest, action: str, rationale: str | None) -> None:
    """The chair confirms a conflict (the judge is recused), waives it, or
    dismisses a false match; a waiver or dismissal needs a written rationale.
    A chair conflicted on the same nomination cannot resolve it. The pages
    and the API go through services.recusals.resolve, which also withdraws a
    recommendation (or tells the board of a decision) the confirmation touches."""
    if action not in RESOLUTIONS:
        raise ServiceError("conflict.action", N_("Confirm, waive or dismiss."))
    nomination = conflict.nomination
    cycle = nomination.cycle
    if not may_resolve_conflict(actor, conflict):
        if not is_chair_of(actor, cycle):
            raise Forbidden("conflict.chair_only",
                            N_("Only the panel's chair or the secretariat resolves conflicts."))
        raise Forbidden("conflict.chair_conflicted",
                        N_("You have a conflict with this nomination: the secretariat resolves it."))
    rationale = (rationale or "").strip() or None
    if action in ("waive", "dismiss") and not rationale:
        raise ServiceError("conflict.rationale_required",
                           N_("Write why the conflict is waived or dismissed."), field="rationale")
    before = conflict.status
    conflict.status = RESOLUTIONS[action]
    conflict.rationale = rationale
    conflict.resolved_by_id = actor.id
    conflict.resolved_at = datetime.now(UTC)
    db.session.flush()
    audit.record(actor, f"conflict.{conflict.status}", conflict,
                 {"judge_id": conflict.judge_id, "nomination_id": nomination.id, "kind": conflict.kind,
                  "from": before, "rationale": rationale}, cycle_id=cycle.id)
    if conflict.status == "confirmed":
        _recuse(actor, conflict)


def detect_for(actor, nomination: Nomination) -> list[ConflictOfInterest]:
    """Detection for one nomination against the cycle's panel: run whenever
    the nomination brings new people into the cycle (submitted, endorsed,
    screened eligible). No lock: it comes after the step's own audit event."""
    return detect(actor, nomination.cycle, nominations=[nomination])


def _recuse(actor, conflict: ConflictOfInterest) -> None:
    """A confirmed conflict removes the judge's assignment to that nomination."""
    from awards_app.models import Assignment

    assignment = db.session.scalar(select(Assignment).where(
        Assignment.judge_id == conflict.judge_id, Assignment.nomination_id == conflict.nomination_id))
    if assignment is not None:
        audit.record(actor, "assignment.removed", assignment,
                     {"judge_id": assignment.judge_id, "nomination_id": assignment.nomination_id,
                      "reason": "recused: conflict confirmed"},
                     cycle_id=conflict.nomination.cycle_id)
        db.session.delete(assignment)
        db.session.flush()


def unresolved_count(cycle: Cycle) -> int:
    """Open conflicts of the cycle's panel judges: a judge withdrawn from the
    panel no longer holds anything up."""
    from sqlalchemy import func

    on_panel = exists().where(PanelMember.user_id == ConflictOfInterest.judge_id,
                              PanelMember.panel_id == Panel.id, Panel.cycle_id == cycle.id)
    return db.session.scalar(
        select(func.count()).select_from(ConflictOfInterest).join(Nomination)
        .where(Nomination.cycle_id == cycle.id, ConflictOfInterest.status == "open", on_panel)) or 0


def awaited():
    """Condition on Assignment: its judge has no open or confirmed conflict
    with the nomination. A judge who declared a conflict (or was recused)
    is not awaited on it: no progress count, no reminder, no matrix cell,
    and closing scoring does not wait for them."""
    from awards_app.models import Assignment

    return ~exists().where(ConflictOfInterest.judge_id == Assignment.judge_id,
                           ConflictOfInterest.nomination_id == Assignment.nomination_id,
                           ConflictOfInterest.status.in_(("open", "confirmed")))
