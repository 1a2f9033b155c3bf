"""The facts about a candidate that the award's eligibility rules read."""

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select

import workflows
from awards_app.extensions import db
from awards_app.models import AwardType, Cycle, Nomination, Organisation, Person
from awards_app.services import N_, endorsements
from awards_app.services.laureates import listed_before
from judging.names import normalise_name
from workflows.ages import age_on, ages_at_event_start


def reference_date(cycle: Cycle) -> date:
    """The day an age rule is measured on: the nomination deadline by default."""
    if cycle.setting("age_reference") == "event_start" and cycle.event and cycle.event.starts_on:
        return cycle.event.starts_on
    if cycle.deadline is not None:
        return cycle.deadline.date()
    return date(cycle.year, 12, 31)


def _won_before(nomination: Nomination) -> bool:
    """Has this candidate been a laureate of the same award: in another cycle
    of the engine, or before this cycle's year in the registry of past laureates?"""
    return _won_in_engine(nomination) or _won_in_registry(nomination)


def _won_in_registry(nomination: Nomination) -> bool:
    cycle = nomination.cycle
    if nomination.candidate_kind == "individual":
        return listed_before(cycle.award_type_id, cycle.year, person_name=nomination.candidate_person.name)
    organisation_id = _organisation_id(nomination)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    return listed_before(cycle.award_type_id, cycle.year, organisation=organisation)


def _won_in_engine(nomination: Nomination) -> bool:
    laureates = db.session.scalars(
        select(Nomination).join(Cycle).join(AwardType)
        .where(AwardType.id == nomination.cycle.award_type_id, Nomination.state == "laureate",
               Nomination.cycle_id != nomination.cycle_id)
    ).all()
    if nomination.candidate_kind == "individual":
        person = nomination.candidate_person
        return any(_same_person(person, n.candidate_person) for n in laureates if n.candidate_person)
    organisation_id = _organisation_id(nomination)
    return any(_organisation_id(n) == organisation_id for n in laureates)


def _same_person(a: Person, b: Person) -> bool:
    if a.email and b.email and a.email.lower() == b.email.lower():
        return True
    return normalise_name(a.name) == normalise_name(b.name)


def _organisation_id(nomination: Nomination) -> int | None:
    if nomination.candidate_delegation is not None:
        return nomination.candidate_delegation.organisation_id
    return nomination.candidate_organisation_id


def candidate_facts(nomination: Nomination) -> "workflows.CandidateFacts":
    cycle = nomination.cycle
    event = cycle.event
    facts = {"kind": nomination.candidate_kind, "previously_won": _won_before(nomination)}
    if nomination.candidate_kind == "individual":
        person = nomination.candidate_person
        facts["age_at_reference"] = (age_on(person.date_of_birth, reference_date(cycle))
                                     if person.date_of_birth else None)
        facts["volunteer_years"] = nomination.volunteer_years
        # Decided by the engine from the endorser's answer, never the nominator's word.
        facts["endorsed_by_own_organisation"] = any(
            endorsements.speaks_for_candidate_organisation(e) for e in nomination.endorsements)
        facts["organisation_is_member"] = person.organisation.is_member if person.organisation else None
    elif nomination.candidate_kind == "delegation":
        delegation = nomination.candidate_delegation
        facts["at_current_esi"] = event is not None and delegation.event_id == event.id
        facts["organisation_is_member"] = delegation.organisation.is_member
        facts["is_host_organisation"] = (event is not None
                                         and delegation.organisation_id == event.host_organisation_id)
        facts["participant_ages"] = ages_at_event_start(delegation)
    else:
        organisation = nomination.candidate_organisation
        facts["organisation_is_member"] = organisation.is_member
        facts["is_host_organisation"] = event is not None and organisation.id == event.host_organisation_id
    return workflows.CandidateFacts(**facts)


def check(nomination: Nomination, candidate: "workflows.CandidateFacts | None" = None) -> list:
    wf = nomination.cycle.award_type.workflow
    return wf.check_eligibility(candidate or candidate_facts(nomination), nomination.cycle.settings)


def for_screening(nomination: Nomination) -> tuple[list["Fact"], list]:
    """What the screener decides on: the facts and each rule's result, fresh."""
    candidate = candidate_facts(nomination)
    return screening_facts(nomination, candidate), check(nomination, candidate)


def as_dict(result) -> dict:
    """The result as stored with the nomination. A message with values keeps
    its template and values too, so a page can show it in the reader's language."""
    data = {k: v for k, v in asdict(result).items() if v is not None}
    data["message"] = str(result.message)
    if hasattr(result.message, "template"):
        data["message_template"], data["message_values"] = result.message.template, result.message.values
    return data


@dataclass(frozen=True)
class Fact:
    """One fact the award's rules read, as the screener sees it. ``label``
    and ``flag`` are marked messages; ``value`` is plain (a text, number,
    date, yes/no, list, or None for not given); ``translate`` marks a value
    that is itself a marked message (an organisation's status)."""

    label: str
    value: object
    flag: str | None = None
    translate: bool = False


_STATUSES = {"member": N_("Member"), "associate": N_("Associate member"),
             "accredited": N_("Accredited"), "other": N_("Other")}


def _organisation_facts(organisation: Organisation | None) -> list[Fact]:
    if organisation is None:
        return [Fact(N_("Organisation"), None)]
    return [Fact(N_("Organisation"), organisation.name),
            Fact(N_("Organisation's status"), _STATUSES.get(organisation.status, organisation.status),
                 translate=True),
            Fact(N_("Organisation's country"), organisation.country.name),
            Fact(N_("Organisation's region"), organisation.region.name)]


def screening_facts(nomination: Nomination, candidate: "workflows.CandidateFacts | None" = None) -> list[Fact]:
    """Every fact the award's eligibility rules read about this candidate,
    with a flag where a value cannot be right (a birth date in the future)."""
    cycle, event = nomination.cycle, nomination.cycle.event
    candidate = candidate or candidate_facts(nomination)
    facts: list[Fact] = []
    if nomination.candidate_kind == "individual":
        person = nomination.candidate_person
        born = person.date_of_birth
        facts += [
            Fact(N_("Date of birth"), born,
                 flag=N_("This date of birth is in the future.") if born and born > date.today() else None),
            Fact(N_("Reference date for ages"), reference_date(cycle)),
            Fact(N_("Age at the reference date"), candidate.age_at_reference),
            Fact(N_("Email"), person.email),
            Fact(N_("Country"), person.country.name if person.country else None),
            *_organisation_facts(person.organisation),
            Fact(N_("Years of volunteering"), nomination.volunteer_years),
            Fact(N_("Where the candidate volunteered"), nomination.volunteer_places),
            Fact(N_("Endorsement received from the candidate's own organisation"),
                 candidate.endorsed_by_own_organisation),
        ]
    elif nomination.candidate_kind == "delegation":
        delegation = nomination.candidate_delegation
        ages = candidate.participant_ages
        facts += [
            Fact(N_("Delegation"), delegation.name),
            *_organisation_facts(delegation.organisation),
            Fact(N_("The delegation's ESI"), delegation.event.title),
            Fact(N_("This cycle's ESI"), event.title if event else None),
            Fact(N_("Registered at this cycle's ESI"), candidate.at_current_esi),
            Fact(N_("Participants' ages at the start of the ESI"), sorted(ages),
                 flag=N_("A participant's birth date is after the start of the ESI.")
                 if any(age < 0 for age in ages) else None),
            Fact(N_("The delegation's organisation hosts the ESI"), candidate.is_host_organisation),
        ]
    else:
        facts += [*_organisation_facts(nomination.candidate_organisation),
                  Fact(N_("This cycle's ESI"), event.title if event else None),
                  Fact(N_("The organisation hosts the ESI"), candidate.is_host_organisation)]
    facts.append(Fact(N_("Has received this award before"), candidate.previously_won))
    return facts
