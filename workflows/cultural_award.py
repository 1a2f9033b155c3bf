"""The ESI Cultural Award: a delegation's performance at the ESI cultural
evening. The organisation must be a MILSET member and may win only once;
several delegations may win in one year (two in 2019 and in 2023)."""

from workflows.base import criterion
from workflows.eligibility import at_current_esi, is_member, kind_is, never_won
from workflows.machines import StandardCycle
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES
from workflows.workflow import Workflow

WORKFLOW = Workflow(
    code="cultural_award",
    names={"en": "ESI Cultural Award", "fr": "Prix culturel ESI", "es": "Premio Cultural ESI"},
    candidate_kind="delegation",
    cadence="every ESI",
    cycle_machine=StandardCycle,
    cycle_rules=STANDARD_CYCLE_RULES,
    eligibility=(
        kind_is("candidate.kind", "delegation"),
        at_current_esi("cultural.at_current_esi"),
        is_member("cultural.member"),
        never_won("cultural.never_won", "ESI Cultural Award"),
    ),
    default_settings={
        **PANEL_DEFAULTS,
        "max_laureates": 2,
        "required_fields": ["performing_arts", "cultural_heritage"],
    },
    has_running_order=True,
    default_criteria=(
        criterion("preparation", "Preparation", "Préparation", "Preparación"),
        criterion("practice", "Practice", "Répétition", "Ensayo"),
        criterion("full_participation", "Full participation of the delegation",
                  "Participation de toute la délégation", "Participación de toda la delegación"),
        criterion("cultural_reflection", "Reflection of the country's unique culture",
                  "Reflet de la culture propre au pays", "Reflejo de la cultura propia del país"),
    ),
)
