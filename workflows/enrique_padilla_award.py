"""The Enrique Padilla Award, in memory of Enrique Padilla (Argentina): for a
delegation at the current ESI that struggled to bring as many young
participants as possible despite difficult conditions."""

from workflows.base import criterion
from workflows.eligibility import at_current_esi, kind_is
from workflows.machines import StandardCycle
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES
from workflows.workflow import Workflow

WORKFLOW = Workflow(
    code="enrique_padilla_award",
    names={"en": "Enrique Padilla Award", "fr": "Prix Enrique Padilla", "es": "Premio Enrique Padilla"},
    candidate_kind="delegation",
    cadence="every ESI",
    cycle_machine=StandardCycle,
    cycle_rules=STANDARD_CYCLE_RULES,
    eligibility=(kind_is("candidate.kind", "delegation"), at_current_esi("padilla.at_current_esi")),
    default_settings={
        **PANEL_DEFAULTS,
        "required_fields": ["youth_participation"],
    },
    # MILSET's detailed criteria are not confirmed; these follow the award's text.
    default_criteria=(
        criterion("participation_effort", "Effort to bring as many young participants as possible",
                  "Effort pour amener le plus de jeunes participants possible",
                  "Esfuerzo por traer al mayor número posible de jóvenes participantes"),
        criterion("difficult_conditions", "Difficulty of the conditions overcome",
                  "Difficulté des conditions surmontées", "Dificultad de las condiciones superadas"),
    ),
)
