"""What a cycle's steps settle for its nominations, in the same transaction
as the step: at the close of the call the drafts lapse (their nominators are
told), at the announcement every nomination that is not a laureate is set
aside, and at a cancellation the proposal before the board is withdrawn and
every nomination ends with the cycle (their nominators are told), so no
nomination of a finished or abandoned season is left half-way."""

from datetime import UTC, datetime

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Cycle, Nomination
from awards_app.services import N_, audit, facts, outbox

# Still in the running when the laureates are announced: set aside then.
NOT_YET_DECIDED = ("eligible", "recommended")


def _nominations(cycle: Cycle, states: tuple[str, ...]) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id,
                                                            Nomination.state.in_(states))
                                   .order_by(Nomination.id)))


def lapse_drafts(actor, cycle: Cycle, fire) -> int:
    """The call has closed: each draft becomes final (cancelled, by the
    `lapse` event) and its nominator is told in their language."""
    drafts = fire(actor, cycle, _nominations(cycle, ("draft",)), "lapse", as_role="admin", reason="call closed")
    for nomination in drafts:
        nominator = nomination.nominator
        outbox.notify(nominator.email, nominator.locale, cycle, N_("Draft closed: %(cycle)s"),
                      N_("Your draft nomination of %(candidate)s for %(cycle)s was not submitted before the call "
                         "closed. It can no longer be edited or submitted."),
                      candidate=str(nomination.candidate))
    return len(drafts)


def set_aside_the_rest(actor, cycle: Cycle, fire) -> int:
    """The laureates are announced: every nomination still eligible or
    recommended (a runner-up, a recommendation the board amended) is not selected."""
    rest = fire(actor, cycle, _nominations(cycle, NOT_YET_DECIDED), "set_aside", as_role="admin",
                reason="laureates announced")
    return len(rest)


def void_the_rest(actor, cycle: Cycle, fire) -> int:
    """The cycle is cancelled: every nomination not yet decided ends with it
    (cancelled, by the `void` event), and its nominator is told."""
    rest = fire(actor, cycle, _nominations(cycle, ("draft", "submitted", "eligible", "recommended")), "void",
                as_role="admin", reason="cycle cancelled")
    for nomination in rest:
        nominator = nomination.nominator
        outbox.notify(nominator.email, nominator.locale, cycle, N_("Cycle cancelled: %(cycle)s"),
                      N_("%(cycle)s was cancelled, so your nomination of %(candidate)s ends here, with no decision "
                         "on it."), candidate=str(nomination.candidate))
    return len(rest)


def close_pending_proposal(actor, cycle: Cycle) -> None:
    """The cycle is cancelled: a proposal still before the board is closed
    (withdrawn, with the reason), so no member is left asked to vote on it."""
    proposal = facts.current_recommendation(cycle)
    if proposal is None:
        return
    proposal.status, proposal.closed_at, proposal.closed_reason = "withdrawn", datetime.now(UTC), "cycle cancelled"
    db.session.flush()
    audit.record(actor, "proposal.withdrawn", proposal, {"reason": "cycle cancelled", "kind": proposal.kind,
                                                         "laureates": list(proposal.laureate_nomination_ids)},
                 cycle_id=cycle.id)


def follow(actor, cycle: Cycle, event: str, new_state: str, fire) -> None:
    """Called by transitions.fire_cycle_event after each cycle step, with
    its fire_nomination_events as `fire` (this module does not import the
    one that calls it)."""
    if event == "close_call":
        lapse_drafts(actor, cycle, fire)
    elif new_state == "announced":
        set_aside_the_rest(actor, cycle, fire)
    elif new_state == "cancelled":
        close_pending_proposal(actor, cycle)
        void_the_rest(actor, cycle, fire)
