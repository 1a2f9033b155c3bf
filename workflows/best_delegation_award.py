"""The ESI Best Delegation Award: exemplary behaviour and openness toward
other cultures at the current ESI. A delegation may win it again."""

from workflows.base import criterion
from workflows.eligibility import at_current_esi, kind_is
from workflows.machines import StandardCycle
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES
from workflows.workflow import Workflow

WORKFLOW = Workflow(
    code="best_delegation_award",
    names={"en": "ESI Best Delegation Award", "fr": "Prix de la meilleure délégation ESI",
           "es": "Premio a la mejor delegación ESI"},
    candidate_kind="delegation",
    cadence="every ESI",
    cycle_machine=StandardCycle,
    cycle_rules=STANDARD_CYCLE_RULES,
    eligibility=(kind_is("candidate.kind", "delegation"), at_current_esi("best_delegation.at_current_esi")),
    default_settings={
        **PANEL_DEFAULTS,
        "required_fields": ["intercultural_exchange", "youth_work"],
    },
    # Criteria seen in practice (a member organisation's report); "quality of
    # projects" is left out because an ESI awards no project.
    default_criteria=(
        criterion("exemplary_behaviour", "Exemplary behaviour", "Comportement exemplaire",
                  "Comportamiento ejemplar"),
        criterion("openness", "Openness toward other cultures", "Ouverture aux autres cultures",
                  "Apertura hacia otras culturas"),
        criterion("helpfulness", "Helpfulness", "Serviabilité", "Disposición a ayudar"),
        criterion("interactivity", "Interactivity", "Interactivité", "Interactividad"),
        criterion("active_participation", "Active participation", "Participation active",
                  "Participación activa"),
    ),
)
