"""The plain facts the workflows' guards read, gathered from the database.

Services fire events with these; the workflows decide on them alone. Kept
apart from the services that fire events, so that reading a cycle's facts
never needs the code that changes the cycle.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import defer

import workflows
from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    BoardVote,
    Cycle,
    Expertise,
    JudgeProfile,
    Nomination,
    Organisation,
    Panel,
    PanelMember,
    Person,
    Recommendation,
    User,
    UserRole,
)
from awards_app.models.decisions import VOTES
from awards_app.services import clock, conflicts, rounds


def current_recommendation(cycle: Cycle) -> Recommendation | None:
    """The proposal the board votes on now: the latest pending one (a panel's
    recommendation, an amendment or the MILSET Award's host). None once the
    board has decided, until a new proposal is made."""
    return db.session.scalar(select(Recommendation).where(Recommendation.cycle_id == cycle.id,
                                                          Recommendation.status == "pending")
                             .order_by(Recommendation.id.desc()))


def proposals(cycle: Cycle) -> list[Recommendation]:
    """Every proposal put to the board on this cycle, latest first, whatever
    its fate: the history beside the one pending. Their rankings (a line per
    nomination: 2,000 at the largest) stay unread until someone reads one."""
    return list(db.session.scalars(select(Recommendation).where(Recommendation.cycle_id == cycle.id)
                                   .options(defer(Recommendation.ranking)).order_by(Recommendation.id.desc())))


def standing_recommendation(cycle: Cycle) -> Recommendation | None:
    """The panel's recommendation the cycle rests on: pending before the
    board, ratified after it; a rejected or withdrawn one stands no more."""
    return db.session.scalar(select(Recommendation).where(
        Recommendation.cycle_id == cycle.id, Recommendation.kind != "amendment",
        Recommendation.status.in_(("pending", "ratified"))).order_by(Recommendation.id.desc()))


def vote_counts(recommendation: Recommendation) -> dict[str, int]:
    rows = db.session.execute(select(BoardVote.vote, func.count()).where(
        BoardVote.recommendation_id == recommendation.id).group_by(BoardVote.vote)).all()
    return {vote: 0 for vote in VOTES} | dict(rows)


@dataclass(frozen=True)
class _PanelFacts:
    size: int = 0
    has_chair: bool = False
    chair_is_board: bool = False
    missing_fields: tuple[str, ...] = ()


def _panel_facts(cycle: Cycle) -> _PanelFacts:
    """What the guards read of the panel of the round the cycle's next step
    concerns (rounds.panel_round), counted in the database rather than
    loaded: a cycle's panel has a hundred judges and their expertise. The
    fields missing are panels.coverage's: the required fields no vetted
    member's expertise covers; with no panel for that round, coverage reads
    the panel of the round in play, and so do these."""
    panel_id = db.session.scalar(select(Panel.id).where(Panel.cycle_id == cycle.id,
                                                        Panel.round == rounds.panel_round(cycle)))
    required = list(cycle.setting("required_fields"))
    size, chair_is_board, has_chair = 0, False, False
    covering = panel_id
    if panel_id is None:
        covering = db.session.scalar(select(Panel.id).where(Panel.cycle_id == cycle.id,
                                                            Panel.round == rounds.in_play(cycle)))
    else:
        members = db.session.execute(
            select(PanelMember.role, UserRole.id)
            .outerjoin(UserRole, (UserRole.user_id == PanelMember.user_id) & (UserRole.role == "board"))
            .where(PanelMember.panel_id == panel_id)).all()
        size = len(members)
        chairs = [board_role is not None for role, board_role in members if role == "chair"]
        has_chair, chair_is_board = bool(chairs), bool(chairs) and chairs[0]
    covered = set()
    if covering is not None and required:
        covered = set(db.session.scalars(
            select(Expertise.field).distinct()
            .join(JudgeProfile, JudgeProfile.id == Expertise.profile_id)
            .join(PanelMember, PanelMember.user_id == JudgeProfile.user_id)
            .where(PanelMember.panel_id == covering, JudgeProfile.vetted_at.is_not(None),
                   Expertise.field.in_(required))))
    return _PanelFacts(size=size, has_chair=has_chair, chair_is_board=chair_is_board,
                       missing_fields=tuple(f for f in required if f not in covered))


def cycle_facts(cycle: Cycle) -> "workflows.CycleFacts":
    """The plain facts the cycle's guards read, gathered from the database."""
    # One pass over the cycle's nominations for the three counts the guards read.
    by_nomination_state = dict(db.session.execute(
        select(Nomination.state, func.count()).where(Nomination.cycle_id == cycle.id,
                                                     Nomination.state.in_(("eligible", "submitted", "recommended")))
        .group_by(Nomination.state)).all())
    # The guards read the panel and the sheets of the round the next step concerns.
    panel = _panel_facts(cycle)
    assignments = db.session.execute(
        select(Assignment.sheet_state, func.count()).join(Nomination)
        .where(Nomination.cycle_id == cycle.id, Assignment.round == rounds.in_play(cycle), conflicts.awaited())
        .group_by(Assignment.sheet_state)).all()
    shortlist = rounds.shortlist_of(cycle) if cycle.state == "shortlisting" else None
    by_state = dict(assignments)
    # Only the pending proposal's votes count: a withdrawn or rejected one's
    # stay in the record and decide nothing. Every proposal of the cycle with
    # its tally of votes, in one read (a cycle has a handful of proposals).
    tallies = db.session.execute(
        select(Recommendation.id, Recommendation.status, BoardVote.vote, func.count(BoardVote.id))
        .outerjoin(BoardVote, BoardVote.recommendation_id == Recommendation.id)
        .where(Recommendation.cycle_id == cycle.id)
        .group_by(Recommendation.id, Recommendation.status, BoardVote.vote)
        .order_by(Recommendation.id.desc())).all()
    pending = next((row.id for row in tallies if row.status == "pending"), None)
    votes = {row.vote: row[3] for row in tallies if row.id == pending and row.vote is not None}
    withdrawn = bool(tallies) and tallies[0].status == "withdrawn"
    return workflows.CycleFacts(
        year=cycle.year,
        settings=cycle.settings,
        max_laureates=cycle.max_laureates,
        is_esi=cycle.event_id is not None,
        event_year=cycle.event.year if cycle.event is not None else None,
        odd_year_override_reason=cycle.odd_year_override_reason,
        # Each round is scored on its own criteria: the fewer count.
        criteria_count=min(len(cycle.criteria_of(r)) for r in rounds.rounds_of(cycle)),
        criteria_published=cycle.criteria_published_at is not None,
        panel_size=panel.size,
        panel_has_chair=panel.has_chair,
        chair_is_board=panel.chair_is_board,
        missing_fields=panel.missing_fields,
        unresolved_conflicts=conflicts.unresolved_count(cycle),
        assignments_total=sum(by_state.values()),
        assignments_submitted=by_state.get("submitted", 0),
        eligible_nominations=by_nomination_state.get("eligible", 0),
        unscreened_nominations=by_nomination_state.get("submitted", 0),
        recommended_count=by_nomination_state.get("recommended", 0),
        close_reason=cycle.close_reason,
        host_designated=cycle.event is not None and cycle.event.host_organisation_id is not None,
        board_votes_approve=votes.get("approve", 0),
        board_votes_reject=votes.get("reject", 0),
        board_votes_abstain=votes.get("abstain", 0),
        hearing_held=cycle.hearing_held_at is not None,
        recommendation_withdrawn=withdrawn,
        shortlist_size=len(shortlist.nomination_ids) if shortlist else 0,
    )


def nominator_standing(user) -> tuple[str, ...]:
    """What the user is among those an award may name as nominators
    (workflows.base.NOMINATOR_KINDS): a board member, a person of a member
    organisation (Organisation.status "member"), a regional office. No table
    records regional offices: the secretariat's accounts (role admin), which
    enter what the regional offices send, stand for them."""
    if user is None or getattr(user, "id", None) is None:
        return ()
    # Read by the account's id: the signed-in user object may outlive the
    # session it was loaded in (a request retried after a lost connection).
    status = db.session.scalar(select(Organisation.status).join(Person, Person.organisation_id == Organisation.id)
                               .join(User, User.person_id == Person.id).where(User.id == user.id))
    return _standing(user, status)


def _standing(user, organisation_status: str | None) -> tuple[str, ...]:
    standing = []
    if organisation_status == "member":
        standing.append("member_organisation")
    if user.has_role("admin"):
        standing.append("regional_office")
    if user.has_role("board"):
        standing.append("board")
    return tuple(standing)


def nomination_facts_many(cycle: Cycle, nominations: list[Nomination]) -> list["workflows.NominationFacts"]:
    """nomination_facts of each of a cycle's nominations (without screening
    results), read in a fixed number of statements whatever their number."""
    nominator_ids = {n.nominator_id for n in nominations}
    statuses = dict(db.session.execute(
        select(User.id, Organisation.status).join(Person, User.person_id == Person.id)
        .join(Organisation, Person.organisation_id == Organisation.id).where(User.id.in_(nominator_ids))).all())
    nominators = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(nominator_ids)))}
    deadline_passed = cycle.deadline is not None and clock.now() > cycle.deadline
    deadline = f"{cycle.deadline:%Y-%m-%d %H:%M}" if cycle.deadline else None
    return [workflows.NominationFacts(
        settings=cycle.settings, deadline_passed=deadline_passed, eligibility=(), deadline=deadline,
        cycle_state=cycle.state, screening_reason=n.screening_reason,
        nominator_standing=_standing(nominators[n.nominator_id], statuses.get(n.nominator_id)))
        for n in nominations]


def nomination_facts(nomination: Nomination, results=()) -> "workflows.NominationFacts":
    cycle = nomination.cycle
    deadline_passed = cycle.deadline is not None and clock.now() > cycle.deadline
    return workflows.NominationFacts(
        settings=cycle.settings, deadline_passed=deadline_passed, eligibility=tuple(results),
        deadline=f"{cycle.deadline:%Y-%m-%d %H:%M}" if cycle.deadline else None,
        cycle_state=cycle.state, screening_reason=nomination.screening_reason,
        nominator_standing=nominator_standing(nomination.nominator))
