"""The ESI Young Scientists Award: a delegation of 9-12 year olds, or one
that includes that age group, judged on observed behaviour by a jury of
three chaired by an Executive Committee member; the Executive Committee
approves the decision. Several laureates are possible (six in 2013)."""

from collections.abc import Mapping

from workflows.base import N_, CandidateFacts, Message, RuleResult, check, criterion
from workflows.eligibility import at_current_esi, is_member, kind_is, never_won
from workflows.machines import StandardCycle
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES, final_round_rules
from workflows.settings import setting
from workflows.workflow import Workflow


def has_age_group(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """At least one participant is within the young age group (bounds included)."""
    low, high = setting(settings, "young_age_min"), setting(settings, "young_age_max")
    return check("young_scientists.has_age_group",
                 any(low <= age <= high for age in candidate.participant_ages),
                 Message(N_("The delegation must include participants aged %(low)s to %(high)s."), low=low, high=high),
                 passed=Message(N_("The delegation includes participants aged %(low)s to %(high)s."),
                                low=low, high=high),
                 young_age_min=low, young_age_max=high, ages=sorted(candidate.participant_ages))


def not_host(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
    """The host organisation is not a candidate."""
    return check("young_scientists.not_host", not candidate.is_host_organisation,
                 N_("The host organisation of the ESI cannot receive this award."),
                 passed=N_("The delegation's organisation is not the ESI's host."))


# The jury of three, chaired by the board, is the final round's.
RULES = STANDARD_CYCLE_RULES.with_guards(**final_round_rules(
    size_rule="young_scientists.jury_of_three", chair_rule="young_scientists.chair_is_board"))

WORKFLOW = Workflow(
    code="young_scientists_award",
    names={"en": "ESI Young Scientists Award", "fr": "Prix des jeunes scientifiques ESI",
           "es": "Premio Jóvenes Científicos ESI"},
    candidate_kind="delegation",
    cadence="every ESI",
    cycle_machine=StandardCycle,
    cycle_rules=RULES,
    eligibility=(
        kind_is("candidate.kind", "delegation"),
        at_current_esi("young_scientists.at_current_esi"),
        has_age_group,
        is_member("young_scientists.member"),
        never_won("young_scientists.never_won", "ESI Young Scientists Award"),
        not_host,
    ),
    default_settings={
        **PANEL_DEFAULTS,
        "young_age_min": 9,
        "young_age_max": 12,
        "max_laureates": 6,
        "panel_max_size": 3,
        "chair_must_be_board": True,
        "required_fields": ["science_education", "youth_work"],
    },
    default_criteria=(
        criterion("exemplary_conduct", "Exemplary conduct", "Conduite exemplaire", "Conducta ejemplar"),
        criterion("interaction_communication", "Interaction and communication",
                  "Interaction et communication", "Interacción y comunicación"),
        criterion("innovative_presentation", "Innovative presentation", "Présentation innovante",
                  "Presentación innovadora"),
    ),
)
