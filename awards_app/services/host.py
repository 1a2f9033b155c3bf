"""The MILSET Award's candidate: the organisation hosting the ESI. There is
no call: designating the host records it as the cycle's nomination and puts
it before the board, which votes on it like on any proposal."""

from datetime import UTC, datetime

from sqlalchemy import select

import workflows
from awards_app.extensions import db
from awards_app.models import Cycle, Nomination, Recommendation, User, UserRole
from awards_app.services import N_, Refusal, audit
from awards_app.services import eligibility as eligibility_service
from awards_app.services.decisions import inputs_hash


def _designating_account(actor) -> User:
    """Who the host's nomination and proposal are recorded under: the person
    who designated it, or, when a machine did (the demo, a command), the
    first secretariat account."""
    if getattr(actor, "id", None) is not None:
        return actor
    admin = db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == "admin", User.active.is_(True)).order_by(User.id))
    if admin is None:
        raise Refusal([{"rule": "milset_award.designated_by_person",
                        "message": N_("A secretariat account must exist to record the designated host.")}])
    return admin


def propose(actor, cycle: Cycle) -> Recommendation:
    """MILSET Award: the host organisation of the cycle's ESI becomes its
    candidate (a nomination, eligible as the award's rules say) and the
    proposal the board votes on. Called when the host is designated."""
    organisation = cycle.event.host_organisation
    account = _designating_account(actor)
    wf = cycle.award_type.workflow
    nomination = db.session.scalar(select(Nomination).where(
        Nomination.cycle_id == cycle.id, Nomination.candidate_organisation_id == organisation.id))
    if nomination is None:
        results = wf.check_eligibility(workflows.CandidateFacts(kind="organisation", is_host_organisation=True),
                                       cycle.settings)
        # No call and no screening: designating the host is its screening.
        nomination = Nomination(cycle=cycle, nominator_id=account.id, candidate_kind="organisation",
                                candidate_organisation_id=organisation.id,
                                candidate_key=f"organisation:{organisation.id}", statement="",
                                state="eligible", eligibility=[eligibility_service.as_dict(r) for r in results],
                                submitted_at=datetime.now(UTC))
        db.session.add(nomination)
        db.session.flush()
        audit.record(actor, "nomination.created", nomination,
                     {"candidate_kind": "organisation", "candidate_key": nomination.candidate_key,
                      "designated_host": True, "state": nomination.state}, cycle_id=cycle.id)
    proposal = Recommendation(cycle=cycle, kind="host", method="host_designation", ranking=[],
                              laureate_nomination_ids=[nomination.id], rationale=organisation.name,
                              created_by_id=account.id, inputs_hash="")
    proposal.inputs_hash = inputs_hash(cycle, proposal)
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.opened", proposal,
                 {"kind": "host", "laureates": [nomination.id], "organisation_id": organisation.id},
                 cycle_id=cycle.id)
    return proposal
