"""The award workflows: for each award, the declared state machines of its
cycles and nominations, the roles allowed to fire each event, and the guard
and eligibility rules, as pure functions of plain facts.

This package never imports Flask, SQLAlchemy or the application: the
services load rows, build the facts and ask a Workflow from REGISTRY.
"""

from workflows import (
    best_delegation_award,
    cultural_award,
    derek_gray_medal,
    enrique_padilla_award,
    milset_award,
    volunteer_award,
    young_scientists_award,
)
from workflows.base import (
    CANDIDATE_KINDS,
    N_,
    ROLES,
    CandidateFacts,
    CycleFacts,
    Message,
    NominationFacts,
    Refused,
    RuleResult,
)
from workflows.machines import NominationMachine, StandardCycle
from workflows.settings import SETTINGS, Setting, UnknownSetting, setting
from workflows.workflow import Workflow

REGISTRY: dict[str, Workflow] = {
    module.WORKFLOW.code: module.WORKFLOW
    for module in (
        milset_award,
        derek_gray_medal,
        enrique_padilla_award,
        volunteer_award,
        cultural_award,
        best_delegation_award,
        young_scientists_award,
    )
}


def _union(states) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for group in states for s in group))


# What a state column may hold, for the database's CHECK constraints; the
# shared graphs come first so the list reads in the order a cycle runs.
CYCLE_STATES = _union([[s.id for s in StandardCycle.states], *(wf.cycle_states for wf in REGISTRY.values())])
NOMINATION_STATES = _union([[s.id for s in NominationMachine.states],
                            *(wf.nomination_states for wf in REGISTRY.values())])

__all__ = [
    "Message",
    "N_",
    "CANDIDATE_KINDS",
    "CYCLE_STATES",
    "NOMINATION_STATES",
    "REGISTRY",
    "ROLES",
    "CandidateFacts",
    "CycleFacts",
    "NominationFacts",
    "Refused",
    "RuleResult",
    "SETTINGS",
    "Setting",
    "UnknownSetting",
    "Workflow",
    "setting",
]
