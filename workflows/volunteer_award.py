"""The MILSET Volunteer Award: for a young volunteer, in odd years. The
nominee's organisation prepares and endorses the candidature; after the
panel's recommendation the Executive Committee hears the candidates and
votes. The odd-year rule can be overridden by the board with a recorded
reason (a laureate was named in 2012)."""

from collections.abc import Mapping

from statemachine import State, StateMachine

from workflows import guards as g
from workflows.base import (
    N_,
    CandidateFacts,
    CycleFacts,
    Message,
    RuleResult,
    check,
    criterion,
)
from workflows.eligibility import kind_is
from workflows.machines import SHORTLIST_EVENTS
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES
from workflows.settings import setting
from workflows.workflow import Workflow


class VolunteerCycle(StateMachine):
    """The standard cycle whose recommendation goes to an Executive Committee
    hearing and vote instead of a ratification."""

    draft = State(initial=True)
    criteria_published = State()
    call_open = State()
    screening = State()
    judging = State()
    deliberation = State()
    hearing = State()
    ratified = State()
    announced = State(final=True)
    cancelled = State(final=True)

    publish_criteria = draft.to(criteria_published)
    open_call = criteria_published.to(call_open)
    close_call = call_open.to(screening)
    open_judging = screening.to(judging)
    close_scoring = judging.to(deliberation)
    recommend = deliberation.to(hearing)
    vote = hearing.to(ratified)
    reject = hearing.to(deliberation)
    withdraw_recommendation = hearing.to(deliberation)
    announce = ratified.to(announced)
    cancel = (
        draft.to(cancelled)
        | criteria_published.to(cancelled)
        | call_open.to(cancelled)
        | screening.to(cancelled)
        | judging.to(cancelled)
        | deliberation.to(cancelled)
        | hearing.to(cancelled)
        | ratified.to(cancelled)
    )


def odd_year(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The award runs in odd years unless the board recorded why not."""
    reason = (facts.odd_year_override_reason or "").strip()
    holds = not setting(settings, "odd_years_only") or facts.year % 2 == 1 or bool(reason)
    return check("volunteer.odd_year", holds,
                 Message(N_("The Volunteer Award runs in odd years; %(year)s needs the board's recorded override."),
                         year=facts.year),
                 year=facts.year, override_reason=reason or None)


def hearing_held(facts: CycleFacts, settings: Mapping) -> RuleResult:
    """The Executive Committee votes only on candidates it has heard."""
    return check("volunteer.hearing_held", facts.hearing_held,
                 N_("The Executive Committee must hear the candidates before voting."))


def age_under_limit(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """The nominee is under ``max_age`` (30) at the reference date."""
    limit, age = setting(settings, "max_age"), candidate.age_at_reference
    return check("volunteer.age_under_30", age is not None and age < limit,
                 Message(N_("The nominee must be under %(limit)s at the reference date; the date of birth is "
                            "unknown."), limit=limit) if age is None else
                 Message(N_("The nominee must be under %(limit)s at the reference date; they are %(age)s."),
                         limit=limit, age=age),
                 passed=Message(N_("The nominee is %(age)s at the reference date, under %(limit)s."),
                                limit=limit, age=age),
                 max_age=limit, age=age)


def min_years(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """The nominee volunteered at least ``min_volunteer_years`` (5)."""
    needed, years = setting(settings, "min_volunteer_years"), candidate.volunteer_years
    message = Message(N_("The nominee must have volunteered at least %(needed)s years for a MILSET member, region "
                         "or MILSET itself."), needed=needed)
    return check("volunteer.min_years", years is not None and years >= needed, message,
                 passed=Message(N_("The nominee has volunteered %(years)s years; at least %(needed)s are required."),
                                years=years, needed=needed),
                 min_volunteer_years=needed, volunteer_years=years)


def endorsed(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """The nominee's own organisation prepares and endorses the candidature."""
    return check("volunteer.endorsed_by_organisation", candidate.endorsed_by_own_organisation,
                 N_("The candidature must be endorsed by the nominee's own organisation."),
                 passed=N_("The nominee's own organisation has endorsed the candidature."))


# The standard rules without the shortlist round (the Executive Committee
# hears every candidate the panel recommends), with the board's ratification held as a vote after a
# hearing, and the odd-year rule before the criteria and the call.
RULES = STANDARD_CYCLE_RULES.without(*SHORTLIST_EVENTS).renamed("ratify", "vote").with_guards(
    publish_criteria=(g.criteria_defined, g.settings_valid, odd_year),
    open_call=(g.criteria_published, odd_year),
    vote=(hearing_held, *g.BOARD_DECISION, g.conflicts_resolved),
)

WORKFLOW = Workflow(
    code="volunteer_award",
    names={"en": "MILSET Volunteer Award", "fr": "Prix MILSET du bénévolat",
           "es": "Premio MILSET al Voluntariado"},
    candidate_kind="individual",
    cadence="every odd year",
    cycle_machine=VolunteerCycle,
    cycle_rules=RULES,
    # The Executive Committee's vote after the hearing is the ratification.
    ratifying_event="vote",
    results_visible_states=("deliberation", "hearing", "ratified", "announced"),
    # The Executive Committee votes only on candidates it has heard.
    votes_open_when=(hearing_held,),
    eligibility=(kind_is("candidate.kind", "individual"), age_under_limit, min_years, endorsed),
    default_settings={
        **PANEL_DEFAULTS,
        "max_age": 30,
        # MILSET does not say when age is measured; the nomination deadline is the default.
        "age_reference": "nomination_deadline",
        "min_volunteer_years": 5,
        "odd_years_only": True,
        "required_fields": ["youth_volunteering", "science_outreach"],
    },
    # MILSET publishes no scoring grid; these follow the award's stated purpose.
    default_criteria=(
        criterion("commitment", "Length and depth of volunteering", "Durée et profondeur de l'engagement",
                  "Duración y profundidad del voluntariado"),
        criterion("impact", "Impact on the organisation, region or MILSET",
                  "Impact sur l'organisation, la région ou MILSET",
                  "Impacto en la organización, la región o MILSET"),
        criterion("example", "Example set for young people", "Exemple donné aux jeunes",
                  "Ejemplo para los jóvenes"),
    ),
)
