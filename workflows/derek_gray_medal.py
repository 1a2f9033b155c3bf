"""The Derek Gray Medal, in memory of Derek Gray (South Africa): for an
outstanding contribution to the movement or a long-term investment in it.
One medal a person."""

from workflows.base import criterion
from workflows.eligibility import kind_is, never_won
from workflows.machines import StandardCycle
from workflows.rulebook import PANEL_DEFAULTS, STANDARD_CYCLE_RULES
from workflows.workflow import Workflow

WORKFLOW = Workflow(
    code="derek_gray_medal",
    names={"en": "Derek Gray Medal", "fr": "Médaille Derek Gray", "es": "Medalla Derek Gray"},
    candidate_kind="individual",
    cadence="presented during an ESI",
    cycle_machine=StandardCycle,
    cycle_rules=STANDARD_CYCLE_RULES,
    eligibility=(
        kind_is("derek_gray.individual", "individual"),
        never_won("derek_gray.never_received", "Derek Gray Medal"),
    ),
    default_settings={
        **PANEL_DEFAULTS,
        # Who may nominate is not confirmed by MILSET; this is the documented default.
        "nominators": ["member_organisation", "regional_office", "board"],
        "required_fields": ["science_education", "youth_organisations"],
    },
    default_criteria=(
        criterion("contribution", "Outstanding contribution to the movement",
                  "Contribution exceptionnelle au mouvement", "Contribución destacada al movimiento"),
        criterion("long_term_investment", "Long-term investment in the movement",
                  "Engagement de longue durée dans le mouvement",
                  "Compromiso a largo plazo con el movimiento"),
    ),
)
