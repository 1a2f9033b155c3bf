"""Everyone a cycle's nominations name, read as plain rows for the
whole-cycle conflict detection: the same identities as
services.conflicts._candidate_identities builds from loaded nominations, in
a fixed number of queries and without building an ORM object per
nomination, endorsement and person (issue 22: at 2,000 nominations the
objects cost more than the matching)."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import aliased

from awards_app.extensions import db
from awards_app.models import Cycle, Delegation, Endorsement, Nomination, Organisation, Person, User
from awards_app.models.events import Participant
from awards_app.models.organisations import OrganisationAlias
from awards_app.permissions import ACTIVE_NOMINATION_STATES
from judging import conflicts as conflict_rules


def _in_cycle(cycle: Cycle):
    return select(Nomination.id).where(Nomination.cycle_id == cycle.id,
                                       Nomination.state.in_(ACTIVE_NOMINATION_STATES))


def _organisations(ids: set[int]) -> dict[int, tuple]:
    """{id: (OrganisationName, country_id)}, with each one's other names in name order."""
    if not ids:
        return {}
    aliases = defaultdict(list)
    for organisation_id, name in db.session.execute(
            select(OrganisationAlias.organisation_id, OrganisationAlias.name)
            .where(OrganisationAlias.organisation_id.in_(ids)).order_by(OrganisationAlias.name)):
        aliases[organisation_id].append(name)
    return {row.id: (conflict_rules.OrganisationName(row.id, row.name, tuple(aliases[row.id])), row.country_id)
            for row in db.session.execute(select(Organisation.id, Organisation.name, Organisation.country_id)
                                          .where(Organisation.id.in_(ids)))}


def cycle_candidates(cycle: Cycle) -> list[conflict_rules.CandidateIdentity]:
    nominations = db.session.execute(
        select(Nomination.id, Nomination.candidate_kind, Nomination.candidate_person_id,
               Nomination.candidate_delegation_id, Nomination.candidate_organisation_id, Nomination.nominator_id,
               Nomination.declared_relations)
        .where(Nomination.id.in_(_in_cycle(cycle))).order_by(Nomination.id)).all()
    people = {row.id: row for row in db.session.execute(
        select(Person.id, Person.name, Person.email, Person.organisation_id, Person.country_id)
        .where(Person.id.in_(select(Nomination.candidate_person_id).where(Nomination.id.in_(_in_cycle(cycle))))))}
    nominator_person = aliased(Person)
    nominators = {row.id: conflict_rules.Someone(row.name, row.email) for row in db.session.execute(
        select(User.id, User.email, nominator_person.name).join(nominator_person, User.person_id == nominator_person.id)
        .where(User.id.in_(select(Nomination.nominator_id).where(Nomination.id.in_(_in_cycle(cycle))))))}
    delegations = {row.id: row for row in db.session.execute(
        select(Delegation.id, Delegation.name, Delegation.organisation_id)
        .where(Delegation.id.in_(select(Nomination.candidate_delegation_id)
                                 .where(Nomination.id.in_(_in_cycle(cycle))))))}
    members = defaultdict(list)
    for row in db.session.execute(select(Participant.delegation_id, Participant.name, Participant.role)
                                  .where(Participant.delegation_id.in_(delegations)).order_by(Participant.id)):
        members[row.delegation_id].append(conflict_rules.Someone(row.name, role=row.role))
    endorsers = defaultdict(list)
    for row in db.session.execute(select(Endorsement.nomination_id, Endorsement.endorser_name, Endorsement.email)
                                  .where(Endorsement.nomination_id.in_(_in_cycle(cycle))).order_by(Endorsement.id)):
        endorsers[row.nomination_id].append(conflict_rules.Someone(row.endorser_name, row.email))
    organisations = _organisations(
        {p.organisation_id for p in people.values() if p.organisation_id}
        | {d.organisation_id for d in delegations.values()}
        | {n.candidate_organisation_id for n in nominations if n.candidate_organisation_id})

    identities = []
    for n in nominations:
        found = ()
        if n.candidate_kind == "individual":
            p = people[n.candidate_person_id]
            name, email, organisation_id, country_id = p.name, p.email, p.organisation_id, p.country_id
        elif n.candidate_kind == "delegation":
            d = delegations[n.candidate_delegation_id]
            name, email, organisation_id = d.name, None, d.organisation_id
            country_id = organisations[organisation_id][1]
            found = tuple(members[d.id])
        else:
            organisation_id = n.candidate_organisation_id
            name, email, country_id = organisations[organisation_id][0].name, None, organisations[organisation_id][1]
        identities.append(conflict_rules.CandidateIdentity(
            nomination_id=n.id, kind=n.candidate_kind, name=name, email=email, organisation_id=organisation_id,
            country_id=country_id, organisation=organisations[organisation_id][0] if organisation_id else None,
            members=found, nominator_user_id=n.nominator_id, nominator=nominators.get(n.nominator_id),
            endorsers=tuple(endorsers[n.id]), relations=tuple(n.declared_relations or ())))
    return identities
