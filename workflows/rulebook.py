"""Who may fire each event and which guards must hold, attached to a
machine as a listener so the machine itself refuses a transition.

The standard rulebooks for the shared graphs are here; an award starts from
them and adds or renames the rules MILSET sets for it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from workflows import guards as g
from workflows.base import ADMIN, ADMIN_OR_CHAIR, BOARD, CHAIR, N_, NOMINATOR, Message, Refused, RuleResult, check
from workflows.guards import Guard


def _as_list(outcome: "RuleResult | Iterable[RuleResult]") -> list[RuleResult]:
    return [outcome] if isinstance(outcome, RuleResult) else list(outcome)


@dataclass(frozen=True)
class Rulebook:
    """The roles allowed to fire each event and the guards each event needs.

    Every event of the machine must appear in ``roles``: an event nobody
    may fire is a declaration mistake, caught when the workflow is built.
    """

    roles: Mapping[str, frozenset[str]]
    guards: Mapping[str, tuple[Guard, ...]] = field(default_factory=dict)

    def with_guards(self, **guards: tuple[Guard, ...]) -> "Rulebook":
        """A copy whose listed events have these guards instead."""
        return replace(self, guards={**self.guards, **guards})

    def without(self, *events: str) -> "Rulebook":
        """A copy for a graph that lacks these steps (the Volunteer Award has no shortlist round)."""
        return replace(self, roles={e: r for e, r in self.roles.items() if e not in events},
                       guards={e: g for e, g in self.guards.items() if e not in events})

    def renamed(self, event: str, new_name: str) -> "Rulebook":
        """A copy for a graph that names the step `event` otherwise, with the same roles and guards."""
        def rename(mapping):
            return {new_name if name == event else name: value for name, value in mapping.items()}
        return replace(self, roles=rename(self.roles), guards=rename(self.guards))

    def results(self, event: str, facts, settings: Mapping) -> list[RuleResult]:
        """Every guard result for ``event``, ok or not."""
        return [r for guard in self.guards.get(event, ()) for r in _as_list(guard(facts, settings))]

    def refusals(self, event: str, role: str, facts, settings: Mapping) -> list[RuleResult]:
        """The failed rules that stop ``role`` firing ``event``; empty if it may.

        A wrong role is reported alone: guard results are none of that
        person's business, and the service tries the user's next role.
        """
        allowed = self.roles.get(event, frozenset())
        if role not in allowed:
            return [check("workflow.role_not_allowed", False,
                          Message(N_("The %(role)s role may not %(event)s."), role=role,
                                  event=event.replace("_", " ")),
                          role=role, allowed=sorted(allowed))]
        return [r for r in self.results(event, facts, settings) if r.blocks]

    def before_transition(self, event, source, role: str, facts, settings: Mapping) -> None:
        """python-statemachine calls this before leaving ``source``; raising
        here leaves the machine where it was."""
        refused = self.refusals(str(event), role, facts, settings)
        if refused:
            raise Refused(refused, event=str(event), state=source.id)


# The settings the standard rules read, as most awards set them; an award
# lays its own (its fields, its limits) over these.
PANEL_DEFAULTS = {
    "max_laureates": 1,
    "panel_min_size": 3,
    "panel_max_size": None,
    "chair_must_be_board": False,
    "board_quorum": 3,
    "board_majority": 0.5,
    "judges_per_nomination": 3,
}

def panel_ready(size_rule: str = "panel.size", chair_rule: str = "panel.chair_is_board") -> tuple:
    """What a panel needs before its round opens, with a settled list to
    judge; an award names the size and chair rules as MILSET's text does."""
    return (g.eligible_nominations, g.all_screened, g.panel_size_rule(size_rule), g.panel_chair,
            g.chair_is_board_rule(chair_rule), g.expertise_covers_fields, g.conflicts_resolved)


def final_round_rules(**rule_names: str) -> dict:
    """The guards of the steps that open the final round: straight from
    screening, or through the shortlist (whose panel facts are the final
    panel's, services.facts)."""
    ready = panel_ready(**rule_names)
    return {"open_judging": (g.no_shortlist_round, *ready),
            "decide_shortlist": (g.shortlist_decided, *ready[2:])}


PANEL_READY = panel_ready()

STANDARD_CYCLE_RULES = Rulebook(
    roles={
        "publish_criteria": ADMIN,
        "open_call": ADMIN,
        "close_call": ADMIN,
        "open_judging": ADMIN_OR_CHAIR,
        "open_shortlist": ADMIN_OR_CHAIR,
        "close_shortlist": CHAIR,
        "decide_shortlist": CHAIR,
        "close_scoring": CHAIR,
        "recommend": CHAIR,
        "withdraw_recommendation": ADMIN_OR_CHAIR,
        "ratify": BOARD,
        "reject": BOARD,
        "announce": ADMIN,
        "cancel": ADMIN,
    },
    guards={
        "publish_criteria": (g.criteria_defined, g.settings_valid, g.esi_event_of_year),
        "open_call": (g.criteria_published,),
        **final_round_rules(),
        # The panel facts of a shortlist step are those of the round's own
        # panel (services.facts reads the panel of the round in play); the
        # shortlist opens the final round, so the final panel must be ready.
        "open_shortlist": (g.shortlist_round, *PANEL_READY),
        "close_shortlist": (g.all_scores_submitted, g.panel_size_rule(), g.conflicts_resolved),
        # From the close of scoring to the ratification nothing passes on
        # conflicted data; a rejection only sends the proposal back, so it may.
        # A judge withdrawn after judging opened leaves the panel short until
        # a replacement joins: its size is checked again when scoring closes.
        "close_scoring": (g.all_scores_submitted, g.panel_size_rule(), g.conflicts_resolved),
        "recommend": (g.max_laureates, g.conflicts_resolved),
        "withdraw_recommendation": (g.recommendation_withdrawn,),
        "ratify": (*g.BOARD_DECISION, g.conflicts_resolved),
        "reject": (g.board_quorum, g.board_majority_rejects),
    },
)

NOMINATION_RULES = Rulebook(
    roles={
        "submit": NOMINATOR,
        "withdraw": NOMINATOR,
        "mark_eligible": ADMIN,
        "mark_ineligible": ADMIN,
        "select": CHAIR,
        # The chair changing their mind; the board rejecting the recommendation;
        # the secretariat resolving a conflict confirmed after it: each sends
        # the recommended nominations back.
        "deselect": ADMIN_OR_CHAIR | BOARD,
        "set_aside": ADMIN_OR_CHAIR,
        "confer": BOARD,
        "revoke": BOARD,
        "void": ADMIN,
        "lapse": ADMIN,
    },
    guards={
        "submit": (g.call_is_open, g.before_deadline, g.nominator_allowed, g.eligibility_holds),
        "withdraw": (g.withdrawable,),
        "mark_eligible": (g.screening_period, g.no_failed_eligibility),
        "mark_ineligible": (g.screening_period, g.screening_reason),
        "select": (g.in_deliberation,),
        "deselect": (g.in_deliberation,),
        "set_aside": (g.selection_made,),
        "confer": (g.cycle_ratified,),
        "revoke": (g.cycle_ratified,),
        "void": (g.cycle_cancelled,),
        "lapse": (g.call_closed,),
    },
)
