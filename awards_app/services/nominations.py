"""Nominations: drafts, submission with eligibility, withdrawal, screening."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

import workflows
from awards_app.extensions import db
from awards_app.models import Country, Cycle, Delegation, Nomination, Organisation, Person, User
from awards_app.services import N_, Refusal, ServiceError, audit, facts, outbox, text, transitions
from awards_app.services import conflicts as conflict_service
from awards_app.services import eligibility as eligibility_service
from awards_app.services.personal_values import KEY, personal
from judging.names import normalise_name


def with_candidate_name(*columns):
    """SELECT columns..., the candidate's name, from nominations: one
    statement for a list, where loading the nominations would add one per
    kind of candidate and carry their texts. Exactly one of the three
    candidate keys is set (see Nomination)."""
    person, delegation, organisation = aliased(Person), aliased(Delegation), aliased(Organisation)
    return (select(*columns, func.coalesce(person.name, delegation.name, organisation.name))
            .select_from(Nomination)
            .outerjoin(person, person.id == Nomination.candidate_person_id)
            .outerjoin(delegation, delegation.id == Nomination.candidate_delegation_id)
            .outerjoin(organisation, organisation.id == Nomination.candidate_organisation_id))


@dataclass
class IndividualCandidate:
    name: str
    email: str | None = None
    country_id: int | None = None
    organisation_id: int | None = None
    date_of_birth: date | None = None


def _check_birth_date(born: date | None) -> None:
    """A birth date in the future is a typing mistake, never a candidate's age."""
    if born is not None and born > date.today():
        raise ServiceError("nomination.birth_date_future", N_("The date of birth cannot be in the future."),
                           field="date_of_birth")


# What a nominator can know of someone close to the candidate. The other kinds
# (self, same organisation, nominator, endorser...) detection finds by itself.
DECLARABLE_RELATION_KINDS = ("family", "collaborator", "financial", "other")
MAX_DECLARED_RELATIONS = 10


def checked_relations(rows) -> list[dict]:
    """The people the nominator declares close to the candidate, as conflict
    detection reads them: [{"name", "email", "kind"}], names and emails
    trimmed, blank rows left out. A refused row is named at its own field,
    `declared_relations.<row>.<name|email|kind>`, the row counted as sent
    (blank rows included), so a page or a client puts the message beside it."""
    kept = []
    for index, row in enumerate(rows or ()):
        at = f"declared_relations.{index}."
        for key in ("name", "email"):
            if text.has_control_character(row.get(key)):
                raise text.refusal(at + key)
        name, email, kind = (" ".join(str(row.get(key) or "").split()) for key in ("name", "email", "kind"))
        if not (name or email or kind):
            continue
        if not name:
            raise ServiceError("nomination.relation_name",
                               N_("Give the name of this person close to the candidate."), field=at + "name")
        if len(name) > 200:
            raise ServiceError("nomination.relation_name_length",
                               N_("A name can hold at most 200 characters."), field=at + "name")
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                raise ServiceError("nomination.relation_email",
                                   N_("Give a valid email address, or leave it empty."), field=at + "email") from None
        if kind not in DECLARABLE_RELATION_KINDS:
            raise ServiceError("nomination.relation_kind",
                               N_("Choose how this person is related to the candidate."), field=at + "kind")
        kept.append({"name": name, "email": email or None, "kind": kind})
    if len(kept) > MAX_DECLARED_RELATIONS:
        raise ServiceError("nomination.relations_too_many",
                           N_("Declare at most 10 people close to the candidate."), field="declared_relations")
    return kept


def unscreened(cycle: Cycle) -> list[tuple[int, str]]:
    """(id, candidate's name) of the cycle's submitted nominations still waiting for a verdict."""
    return [tuple(row) for row in db.session.execute(
        with_candidate_name(Nomination.id).where(Nomination.cycle_id == cycle.id, Nomination.state == "submitted")
        .order_by(Nomination.id))]


def open_cycles() -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).where(Cycle.state == "call_open").order_by(Cycle.deadline)))


def my_nominations(user) -> list[Nomination]:
    return list(db.session.scalars(
        select(Nomination).where(Nomination.nominator_id == user.id)
        .order_by(Nomination.created_at.desc())))


def _candidate_key(kind: str, candidate) -> str:
    if kind == "individual":
        return "person:" + ((candidate.email or "").strip().lower() or normalise_name(candidate.name))
    return f"{kind}:{candidate.id}"


def create_draft(actor, cycle: Cycle, *, candidate, statement: str = "",
                 volunteer_years: float | None = None, volunteer_places: str | None = None,
                 declared_relations=()) -> Nomination:
    """A draft in an open call. The same candidate twice from the same
    nominator in a cycle is refused (nomination.duplicate). The people the
    nominator declares close to the candidate are checked as in
    `checked_relations`."""
    relations = checked_relations(declared_relations)
    if cycle.state != "call_open":
        raise ServiceError("nomination.call_closed", N_("This call is not open for nominations."))
    may = cycle.award_type.workflow.may_nominate(workflows.NominationFacts(
        settings=cycle.settings, nominator_standing=facts.nominator_standing(actor)))
    if not may.ok:
        raise ServiceError(may.rule, may.message)
    kind = cycle.award_type.candidate_kind
    nomination = Nomination(cycle=cycle, nominator_id=actor.id, candidate_kind=kind,
                            statement=statement or "", volunteer_years=volunteer_years,
                            volunteer_places=volunteer_places, declared_relations=relations)
    if kind == "individual":
        _check_birth_date(candidate.date_of_birth)
        if not candidate.name.strip():
            raise ServiceError("nomination.candidate_name", N_("Give the candidate's name."),
                               field="name")
        nomination.candidate_person = Person(
            name=candidate.name.strip(), email=(candidate.email or "").strip().lower() or None,
            country=db.session.get(Country, candidate.country_id) if candidate.country_id else None,
            organisation=(db.session.get(Organisation, candidate.organisation_id)
                          if candidate.organisation_id else None),
            date_of_birth=candidate.date_of_birth)
    elif kind == "delegation":
        if not isinstance(candidate, Delegation) or candidate.event_id != cycle.event_id:
            raise ServiceError("nomination.delegation_not_at_event",
                               N_("Choose a delegation registered at this cycle's ESI."), field="delegation")
        nomination.candidate_delegation = candidate
    else:
        nomination.candidate_organisation = candidate
    nomination.candidate_key = _candidate_key(kind, candidate)
    duplicate = db.session.scalar(select(Nomination.id).where(
        Nomination.cycle_id == cycle.id, Nomination.nominator_id == actor.id,
        Nomination.candidate_key == nomination.candidate_key))
    if duplicate:
        raise ServiceError("nomination.duplicate",
                           N_("You have already nominated this candidate in this cycle."))
    db.session.add(nomination)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # A concurrent request (a double click) created it first.
        raise ServiceError("nomination.duplicate",
                           N_("You have already nominated this candidate in this cycle.")) from None
    key = nomination.candidate_key  # an individual's holds their address or name
    audit.record(actor, "nomination.created", nomination,
                 {"candidate_kind": kind, "declared_relations": len(relations),
                  "candidate_key": personal(key, KEY, nomination.candidate_person_id) if kind == "individual" else key},
                 cycle_id=cycle.id)
    return nomination


def update_draft(actor, nomination: Nomination, *, expected_version: int | None = None,
                 **fields) -> Nomination:
    if nomination.state != "draft":
        raise ServiceError("nomination.not_draft", N_("Only a draft can be edited."))
    if expected_version is not None and expected_version != nomination.version:
        raise Refusal([{"rule": "edit.stale",
                         "message": N_("Someone changed this in the meantime; reload and try again.")}])
    person_fields = {"name", "email", "country_id", "organisation_id", "date_of_birth"}
    if nomination.candidate_person is not None:
        _check_birth_date(fields.get("date_of_birth"))
    if "declared_relations" in fields:
        fields["declared_relations"] = checked_relations(fields["declared_relations"])
        if fields["declared_relations"] == (nomination.declared_relations or []):
            del fields["declared_relations"]  # an older row's None is the same empty list
    changed = {}
    for name, value in fields.items():
        target = nomination.candidate_person if name in person_fields else nomination
        if target is None:
            continue
        if name == "email" and value:
            value = value.strip().lower()
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed[name] = str(value)[:200] if name != "statement" else "(statement changed)"
    if changed:
        db.session.flush()
        audit.record(actor, "nomination.draft_saved", nomination, {"changed": sorted(changed)},
                     cycle_id=nomination.cycle_id)
    return nomination


def submit(actor, nomination: Nomination, *, expected_version: int | None = None) -> list:
    """Run the award's rules, then submit: a failing hard rule or a passed
    deadline refuses it (409 with the rule ids); warnings are kept."""
    results = eligibility_service.check(nomination)
    transitions.fire_nomination_event(actor, nomination, "submit", facts.nomination_facts(nomination, results),
                                      as_role="nominator", expected_version=expected_version)
    nomination.eligibility = [eligibility_service.as_dict(r) for r in results]
    nomination.submitted_at = datetime.now(UTC)
    db.session.flush()
    # A panel formed before the call closed meets this candidate now.
    conflict_service.detect_for(actor, nomination)
    outbox.notify(actor.email, actor.locale, nomination.cycle, N_("Nomination received: %(cycle)s"),
                  N_("We received your nomination of %(candidate)s for %(cycle)s. The secretariat will screen it."),
                  candidate=str(nomination.candidate))
    return results


def withdraw(actor, nomination: Nomination, *, expected_version: int | None = None) -> None:
    transitions.fire_nomination_event(actor, nomination, "withdraw", facts.nomination_facts(nomination),
                                      as_role="nominator", expected_version=expected_version)


# What screening reads after the lock, loaded with the row: the workflow
# (cycle, award), the nominator told of the verdict, and what detection
# compares with the panel (conflict_service.candidate_loads).
_SCREENING_LOADS = (
    joinedload(Nomination.cycle).joinedload(Cycle.award_type),
    joinedload(Nomination.nominator).joinedload(User.person),
    *conflict_service.candidate_loads(),
)


def screen(actor, nomination: Nomination, *, eligible: bool, reason: str | None,
           expected_version: int | None = None) -> None:
    """The secretariat's verdict; the nominator is told, with the reason."""
    reason = (reason or "").strip() or None
    # Lock and check the version the screener saw before writing the reason:
    # the reason's own write bumps the version counter.
    nomination = transitions.lock_row(Nomination, nomination.id, expected_version, options=_SCREENING_LOADS)
    nomination.screening_reason = reason
    event = "mark_eligible" if eligible else "mark_ineligible"
    with db.session.no_autoflush:  # the reason is written with the new state, in one UPDATE
        screened = facts.nomination_facts(nomination)
    transitions.fire_nomination_event(actor, nomination, event, screened, as_role="admin", reason=reason,
                                      locked=True)
    if eligible:  # what the panel will judge: checked against it again, on the facts as screened
        conflict_service.detect_for(actor, nomination)
    if eligible:
        body = N_("Your nomination of %(candidate)s was found eligible.")
    else:
        body = N_("Your nomination of %(candidate)s was found not eligible.\nReason: %(reason)s")
    nominator = nomination.nominator
    outbox.notify(nominator.email, nominator.locale, nomination.cycle, N_("Screening result: %(cycle)s"), body,
                  candidate=str(nomination.candidate), reason=reason or "")
