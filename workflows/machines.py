"""The state graphs most awards share: the standard cycle (call, screening,
panel, board) and the nomination. Awards whose process differs declare
their own graph in their module.

The classes hold only states and transitions; who may fire an event and
which guards must hold live in a Rulebook attached when the machine is built,
so one graph serves awards whose rules differ.
"""

from statemachine import State, StateMachine


class StandardCycle(StateMachine):
    """One edition of an award judged by a panel on published criteria and
    ratified by the Executive Committee."""

    draft = State(initial=True)
    criteria_published = State()
    call_open = State()
    screening = State()
    # The optional shortlist round (the cycle's shortlist_round setting):
    # its own panel scores every eligible nomination on its own criteria,
    # then the chair decides which go on to the final round.
    shortlist_scoring = State()
    shortlisting = State()
    judging = State()
    deliberation = State()
    recommended = State()
    ratified = State()
    announced = State(final=True)
    cancelled = State(final=True)

    publish_criteria = draft.to(criteria_published)
    open_call = criteria_published.to(call_open)
    close_call = call_open.to(screening)
    open_judging = screening.to(judging)
    open_shortlist = screening.to(shortlist_scoring)
    close_shortlist = shortlist_scoring.to(shortlisting)
    # The chair's shortlist opens the final round.
    decide_shortlist = shortlisting.to(judging)
    close_scoring = judging.to(deliberation)
    recommend = deliberation.to(recommended)
    ratify = recommended.to(ratified)
    reject = recommended.to(deliberation)
    # A conflict confirmed after the recommendation: its proposal is withdrawn
    # and the panel deliberates again (services.recommendations.withdraw).
    withdraw_recommendation = recommended.to(deliberation)
    announce = ratified.to(announced)
    cancel = (
        draft.to(cancelled)
        | criteria_published.to(cancelled)
        | call_open.to(cancelled)
        | screening.to(cancelled)
        | shortlist_scoring.to(cancelled)
        | shortlisting.to(cancelled)
        | judging.to(cancelled)
        | deliberation.to(cancelled)
        | recommended.to(cancelled)
        | ratified.to(cancelled)
    )


# The steps of the optional shortlist round: a graph without the round lacks them.
SHORTLIST_EVENTS = ("open_shortlist", "close_shortlist", "decide_shortlist")


# Where the panel's results may be shown on the standard graph: from the close
# of scoring on (before that they could sway the judges), never after a
# cancellation.
STANDARD_RESULTS_VISIBLE = ("deliberation", "recommended", "ratified", "announced")


# Nomination states no step leaves except a ratified amendment of the
# board's decision: final for everyone else, and counted as final.
SETTLED_STATES = ("laureate", "not_selected")


class NominationMachine(StateMachine):
    """A candidature from its draft to its outcome."""

    # laureate and not_selected lead to no final state: they are outcomes
    # themselves, left only by an amendment (SETTLED_STATES).
    validate_final_reachability = False

    draft = State(initial=True)
    submitted = State()
    eligible = State()
    recommended = State()
    ineligible = State(final=True)
    withdrawn = State(final=True)
    # The outcome of the board's decision: final but for the board's own
    # amendment, which moves a nomination between them (see SETTLED_STATES).
    laureate = State()
    not_selected = State()
    cancelled = State(final=True)

    submit = draft.to(submitted)
    withdraw = draft.to(withdrawn) | submitted.to(withdrawn) | eligible.to(withdrawn)
    mark_eligible = submitted.to(eligible)
    mark_ineligible = submitted.to(ineligible)
    select = eligible.to(recommended)
    deselect = recommended.to(eligible)
    # A runner-up, or a recommendation the board did not keep, once the laureates are known.
    set_aside = eligible.to(not_selected) | recommended.to(not_selected)
    # The ratified decision confers on the recommended nominations; an
    # amendment the board ratified confers on an eligible or set-aside one
    # and revokes a laureate it no longer names.
    confer = recommended.to(laureate) | eligible.to(laureate) | not_selected.to(laureate)
    revoke = laureate.to(not_selected)
    # A draft not submitted when the call closes ends there (no state of its
    # own: "cancelled" is final and the audit event says why).
    lapse = draft.to(cancelled)
    void = (
        draft.to(cancelled)
        | submitted.to(cancelled)
        | eligible.to(cancelled)
        | recommended.to(cancelled)
    )
