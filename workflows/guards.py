"""Guards shared by the award workflows: small pure functions of the facts
and the cycle's effective settings, each returning RuleResults.

A guard returns one result or several; only failed ``error`` results stop a
transition. Awards reuse these and rename a rule where MILSET's text names
it for that award (the Young Scientists jury of three, for instance).
"""

from collections.abc import Callable, Iterable, Mapping

from workflows.base import (
    BEFORE_JUDGING,
    ESI_CANDIDATE_KINDS,
    N_,
    NOMINATOR_KINDS,
    SCORING_STATE,
    CycleFacts,
    Message,
    NominationFacts,
    RuleResult,
    check,
)
from workflows.settings import check_settings, setting

Guard = Callable[[object, Mapping], "RuleResult | Iterable[RuleResult]"]


# --- settings -----------------------------------------------------------------

def settings_rules(settings: Mapping, event_is_esi: bool) -> list[RuleResult]:
    """Every check a cycle's settings must pass, ok or not: each declared
    setting's kind and range (workflows.settings), and one rule of MILSET's.

    At an ESI nothing is awarded to a project: MILSET's ESIs are
    non-competitive, so such a cycle is refused when it is configured.
    """
    results = check_settings(settings)
    # A kind that is missing is refused by settings.candidate_kind above.
    kind = setting(settings, "candidate_kind") if "candidate_kind" in settings else None
    results.insert(1, check("esi.no_project_awards", not (event_is_esi and kind == "project"),
                            N_("An Expo-Sciences International is non-competitive: no award may go to a project."),
                            kind=kind))
    return results


def esi_event_of_year(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """An award presented at an ESI (its candidates are the ESI's delegations
    or its host) belongs to the ESI of the cycle's year: not to none, not
    to another year's."""
    if setting(settings, "candidate_kind") not in ESI_CANDIDATE_KINDS:
        return check("esi.event_of_year", True, N_("This award is not tied to an ESI."))
    if facts.event_year is None:
        message = Message(N_("This award is presented at the Expo-Sciences International: choose the ESI of "
                             "%(year)s."), year=facts.year)
    else:
        message = Message(N_("The chosen ESI is of %(event_year)s: this cycle of %(year)s belongs to the ESI of "
                             "%(year)s."), event_year=facts.event_year, year=facts.year)
    return check("esi.event_of_year", facts.event_year == facts.year, message,
                 passed=N_("The cycle belongs to the ESI of its year."), year=facts.year, event_year=facts.event_year)


def settings_valid(facts: CycleFacts, settings: Mapping) -> list[RuleResult]:
    """The cycle's settings pass every settings rule."""
    return settings_rules(settings, facts.is_esi)


# --- cycle guards -------------------------------------------------------------

def criteria_defined(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Judging must be on criteria fixed in advance, so there must be some."""
    return check("criteria.defined", facts.criteria_count > 0,
                 N_("Define at least one criterion before publishing."), criteria_count=facts.criteria_count)


def criteria_published(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """MILSET requires the criteria to be public before nominations open."""
    return check("criteria.published", facts.criteria_published,
                 N_("The criteria must be published before the call opens."))


def eligible_nominations(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """A panel has nothing to judge without an eligible nomination."""
    return check("screening.eligible_nominations", facts.eligible_nominations > 0,
                 N_("At least one nomination must be screened eligible."),
                 eligible_nominations=facts.eligible_nominations)


def all_screened(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Judging opens on a settled list: a submitted nomination still waiting
    for its verdict would otherwise stay "submitted" for ever."""
    waiting = facts.unscreened_nominations
    return check("screening.all_screened", waiting == 0,
                 Message(N_("%(n)s submitted nomination(s) still wait for screening: record a verdict for each "
                            "before judging opens."), n=waiting),
                 unscreened_nominations=waiting)


def panel_size_rule(rule: str = "panel.size") -> Guard:
    """A guard on the panel size range from the settings, under ``rule``."""

    def panel_size(facts: CycleFacts, settings: Mapping) -> RuleResult:
        low, high = setting(settings, "panel_min_size"), setting(settings, "panel_max_size")
        size = facts.panel_size
        if high == low:
            message = Message(N_("The panel must have exactly %(low)s judges; it has %(size)s."), low=low, size=size)
        elif high is None:
            message = Message(N_("The panel must have at least %(low)s judges; it has %(size)s."), low=low, size=size)
        else:
            message = Message(N_("The panel must have at least %(low)s and at most %(high)s judges; it has %(size)s."),
                              low=low, high=high, size=size)
        return check(rule, size >= low and (high is None or size <= high), message,
                     panel_size=size, panel_min_size=low, panel_max_size=high)

    return panel_size


def panel_chair(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Someone must resolve conflicts and bring the recommendation."""
    return check("panel.chair", facts.panel_has_chair, N_("The panel needs a chair."))


def chair_is_board_rule(rule: str = "panel.chair_is_board") -> Guard:
    """A guard, under ``rule``, that the chair sits on the board when the
    ``chair_must_be_board`` setting asks for it."""

    def chair_is_board(facts: CycleFacts, settings: Mapping) -> RuleResult:
        required = bool(setting(settings, "chair_must_be_board"))
        return check(rule, not required or (facts.panel_has_chair and facts.chair_is_board),
                     N_("The panel must be chaired by a member of the Executive Committee."))

    return chair_is_board


def expertise_covers_fields(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """MILSET allows judging only by people with expertise in its fields."""
    missing = list(facts.missing_fields)
    message = (Message(N_("No panel member has recorded expertise in: %(fields)s."), fields=", ".join(missing))
               if missing else N_("The panel's expertise covers every required field."))
    return check("panel.expertise_covers_fields", not missing, message, missing_fields=missing)


def conflicts_resolved(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Every conflict of interest is recused or waived before anyone scores."""
    return check("conflicts.unresolved", facts.unresolved_conflicts == 0,
                 Message(N_("%(n)s conflict(s) of interest are still unresolved."), n=facts.unresolved_conflicts),
                 unresolved_conflicts=facts.unresolved_conflicts)


def recommendation_withdrawn(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The cycle goes back to deliberation only once its proposal is marked
    withdrawn, with the reason, so no page can move the cycle and leave the
    proposal pending before the board."""
    return check("recommendation.withdrawn_first", facts.recommendation_withdrawn,
                 N_("The cycle returns to deliberation only when its recommendation is withdrawn with a reason."))


# --- the shortlist round ----------------------------------------------------------

# The rules that choose between the round a cycle has and the one it has not:
# a page lists no step as "waiting" only because of them.
ROUND_CHOICE_RULES = ("rounds.shortlist_round", "rounds.no_shortlist_round")


def shortlist_round(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The shortlist round opens only in a cycle that has one."""
    return check("rounds.shortlist_round", bool(setting(settings, "shortlist_round")),
                 N_("This cycle has no shortlist round: open the judging instead."))


def no_shortlist_round(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """A cycle with a shortlist round reaches the final round through the
    chair's shortlist, never straight from screening."""
    return check("rounds.no_shortlist_round", not setting(settings, "shortlist_round"),
                 N_("This cycle has a shortlist round: open it first; the final round follows the shortlist."))


def shortlist_decided(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The final round needs nominations to judge: the shortlist names one at least."""
    return check("shortlist.empty", facts.shortlist_size > 0,
                 N_("The shortlist names no nomination: choose a rank or a threshold that keeps at least one."),
                 shortlist_size=facts.shortlist_size)


def all_scores_submitted(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Scoring closes when every sheet is in, or earlier with the chair's
    recorded reason (a judge who fell ill); the early close is a warning."""
    total, done = facts.assignments_total, facts.assignments_submitted
    if total > 0 and done >= total:
        return check("scoring.all_submitted", True, N_("Every score sheet is submitted."),
                     submitted=done, total=total)
    reason = (facts.close_reason or "").strip()
    if reason:
        return check("scoring.all_submitted", True,
                     Message(N_("Scoring closed early with %(done)s of %(total)s sheets: %(reason)s"),
                             done=done, total=total, reason=reason),
                     severity="warning", submitted=done, total=total, reason=reason)
    return check("scoring.all_submitted", False,
                 Message(N_("%(done)s of %(total)s score sheets are submitted; give a reason to close early."),
                         done=done, total=total),
                 submitted=done, total=total)


def max_laureates(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """A recommendation names at least one and at most the allowed laureates."""
    limit = facts.max_laureates if facts.max_laureates is not None else setting(settings, "max_laureates")
    count = facts.recommended_count
    return check("cycle.max_laureates", 1 <= count <= limit,
                 Message(N_("Recommend between 1 and %(limit)s laureate(s); %(count)s proposed."),
                         limit=limit, count=count),
                 recommended=count, max_laureates=limit)


def board_quorum(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """A board decision counts only when enough members voted."""
    cast = facts.board_votes_approve + facts.board_votes_reject + facts.board_votes_abstain
    quorum = setting(settings, "board_quorum")
    return check("board.quorum", cast >= quorum,
                 Message(N_("%(cast)s board vote(s) recorded; the quorum is %(quorum)s."), cast=cast, quorum=quorum),
                 votes=cast, quorum=quorum)


def _majority(votes_for: int, votes_against: int, share: float) -> bool:
    # Abstentions count toward the quorum, not toward the majority.
    return votes_for > 0 and votes_for > share * (votes_for + votes_against)


def board_majority(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The board approves only by a majority of the votes for or against."""
    share = setting(settings, "board_majority")
    approve, reject = facts.board_votes_approve, facts.board_votes_reject
    return check("board.majority", _majority(approve, reject, share),
                 Message(N_("%(approve)s for, %(reject)s against: approval needs more than %(share)s of them."),
                         approve=approve, reject=reject, share=f"{share:.0%}"),
                 approve=approve, reject=reject, majority=share)


def board_majority_rejects(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """Sending a recommendation back also takes the board's majority."""
    share = setting(settings, "board_majority")
    approve, reject = facts.board_votes_approve, facts.board_votes_reject
    return check("board.majority_rejects", _majority(reject, approve, share),
                 Message(N_("%(reject)s against, %(approve)s for: rejection needs more than %(share)s of them."),
                         approve=approve, reject=reject, share=f"{share:.0%}"),
                 approve=approve, reject=reject, majority=share)


BOARD_DECISION = (board_quorum, board_majority)


# --- nomination guards --------------------------------------------------------

def call_is_open(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Nominations are submitted only while the call is open."""
    return check("nomination.call_open", facts.cycle_state == "call_open",
                 N_("The call for nominations is not open."), cycle_state=facts.cycle_state)


def before_deadline(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """The deadline applies to everyone alike."""
    message = (Message(N_("The nomination deadline has passed (%(deadline)s UTC)."), deadline=facts.deadline)
               if facts.deadline else N_("The nomination deadline has passed."))
    return check("nomination.deadline", not facts.deadline_passed, message)


_NOMINATOR_WORDS = {"member_organisation": "a person of a MILSET member organisation",
                    "regional_office": "a MILSET regional office",
                    "board": "a member of the Executive Committee"}


def nominator_allowed(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Who may nominate, where the award's rules say (the "nominators"
    setting; empty: anyone with the nominator role). The refusal names who may."""
    allowed = [kind for kind in (setting(settings, "nominators") or ()) if kind in NOMINATOR_KINDS]
    holds = not allowed or bool(set(allowed) & set(facts.nominator_standing))
    if set(allowed) == set(NOMINATOR_KINDS):
        message = N_("Only a member of the Executive Committee, a person of a MILSET member organisation or a "
                     "MILSET regional office may nominate for this award.")
    else:
        message = Message(N_("Only %(who)s may nominate for this award."),
                          who=" or ".join(_NOMINATOR_WORDS[kind] for kind in allowed))
    return check("nomination.who_may_nominate", holds, message,
                 passed=N_("The nominator is among those who may nominate for this award."),
                 allowed=allowed, standing=list(facts.nominator_standing))


def eligibility_holds(facts: NominationFacts, settings: Mapping) -> list[RuleResult]:
    """Every eligibility error rule holds; the failed ones are returned as they
    are, so the refusal names e.g. ``volunteer.age_under_30``."""
    if not facts.eligibility:
        # An empty tuple means nobody ran the award's rules, not that none apply.
        return [check("nomination.eligibility_checked", False,
                      N_("The candidate's eligibility has not been checked."))]
    return [r for r in facts.eligibility if r.blocks] or [
        check("nomination.eligibility_checked", True, N_("Every eligibility rule holds."))]


def no_failed_eligibility(facts: NominationFacts, settings: Mapping) -> list[RuleResult]:
    """At screening the secretariat's verdict is the check, but a fresh
    eligibility result the service passes along still refuses when it fails."""
    return [r for r in facts.eligibility if r.blocks]


def withdrawable(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Once judging starts, a withdrawal would change what the panel scores."""
    return check("nomination.withdraw_before_judging", facts.cycle_state in BEFORE_JUDGING,
                 N_("A nomination can no longer be withdrawn once judging has started."),
                 cycle_state=facts.cycle_state)


def screening_period(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Eligibility is decided before the panel sees the list."""
    return check("screening.period", facts.cycle_state in ("call_open", "screening"),
                 N_("Nominations are screened only while the call is open or during screening."),
                 cycle_state=facts.cycle_state)


def screening_reason(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """A nominator is owed the reason a candidature was refused."""
    return check("screening.reason_required", bool((facts.screening_reason or "").strip()),
                 N_("Give the reason the nomination is ineligible."))


def in_deliberation(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """The chair selects only after scoring is closed and before the board decides."""
    return check("nomination.cycle_in_deliberation", facts.cycle_state == "deliberation",
                 N_("The panel selects laureates only during deliberation."), cycle_state=facts.cycle_state)


def selection_made(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """An eligible nomination is set aside by the chair while deliberating, or
    by the secretariat closing the cycle once the board has decided."""
    return check("nomination.selection_under_way",
                 facts.cycle_state in ("deliberation", "ratified", "announced"),
                 N_("Nominations are set aside only during deliberation or after ratification."),
                 cycle_state=facts.cycle_state)


def cycle_ratified(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Nobody is a laureate before the board has ratified the decision."""
    return check("nomination.cycle_ratified", facts.cycle_state in ("ratified", "announced"),
                 N_("The board has not ratified this cycle's decision."), cycle_state=facts.cycle_state)


def call_closed(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """A draft lapses only once its call has closed: before, it may still be submitted."""
    return check("nomination.call_closed", facts.cycle_state not in ("draft", "criteria_published", "call_open"),
                 N_("The call is still open: the draft may still be submitted."), cycle_state=facts.cycle_state)


def cycle_cancelled(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Nominations are voided only together with their cycle."""
    return check("nomination.cycle_cancelled", facts.cycle_state == "cancelled",
                 N_("Only the nominations of a cancelled cycle can be voided."), cycle_state=facts.cycle_state)


def no_unresolved_conflict(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """A judge with an open conflict of interest on this nomination may not score it."""
    return check("scoring.conflict_unresolved", not facts.judge_has_unresolved_conflict,
                 N_("You have an unresolved conflict of interest with this nomination."))


def scoring_open(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """Scores are entered only while the sheet's round is scored: the
    shortlist round's sheets while it runs, the final round's while the cycle
    is judging."""
    return check("scoring.cycle_judging", facts.cycle_state == SCORING_STATE[facts.sheet_round],
                 N_("Scoring is open only while the cycle is judging."), cycle_state=facts.cycle_state,
                 sheet_round=facts.sheet_round)


def conflicts_attested(facts: NominationFacts, settings: Mapping) -> RuleResult:
    """A judge states that they have no conflict with a nomination (or
    declares one) before scoring it, so no score comes from someone who was
    never asked."""
    return check("scoring.attestation_required", facts.judge_has_attested,
                 N_("Declare your conflicts, or state you have none, before scoring."))
