"""The Workflow: one award's machines, rules and defaults behind the small
interface the services call.

Every call takes the stored state and plain facts and either answers or
raises Refused; nothing is kept between calls, so one Workflow instance
serves every request and thread.
"""

import copy
from collections.abc import Mapping, Sequence

from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from workflows import guards as g
from workflows.base import (
    N_,
    CandidateFacts,
    CycleFacts,
    Message,
    NominationFacts,
    RuleResult,
    check,
    refusal,
    round_in_play,
)
from workflows.eligibility import EligibilityRule
from workflows.machines import SETTLED_STATES, STANDARD_RESULTS_VISIBLE, NominationMachine
from workflows.rulebook import NOMINATION_RULES, Rulebook
from workflows.settings import check_settings, setting, undeclared


def _events(machine: type[StateMachine]) -> tuple[str, ...]:
    return tuple(str(e) for e in machine._events)


def _events_from(machine: type[StateMachine], state: str) -> list[str]:
    if state not in machine.states_map:
        raise ValueError(f"{machine.__name__} has no state {state!r}")
    return [str(e) for e in machine.states_map[state].transitions.unique_events]


def _steps(machine: type[StateMachine]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(state.id, [(str(event), t.target.id) for t in state.transitions for event in t.events])
            for state in machine.states]


class Workflow:
    """One award: its cycle and nomination machines with their rulebooks,
    its eligibility rules, and the settings and criteria a new cycle copies.

    It also answers the questions the services would otherwise guess from
    state and event names: which cycle event is the board's ratification
    (``ratifying_event``), in which cycle states the panel's results may be
    shown (``results_visible_states``), and whether a judge may score
    (``can_score``, attestation included).
    """

    def __init__(
        self,
        *,
        code: str,
        names: Mapping[str, str],
        candidate_kind: str,
        cadence: str,
        cycle_machine: type[StateMachine],
        cycle_rules: Rulebook,
        eligibility: Sequence[EligibilityRule],
        default_settings: Mapping,
        default_criteria: Sequence[Mapping] = (),
        nomination_machine: type[StateMachine] = NominationMachine,
        nomination_rules: Rulebook = NOMINATION_RULES,
        has_call: bool = True,
        has_scoring: bool = True,
        ratifying_event: str = "ratify",
        rejecting_event: str | None = "reject",
        results_visible_states: Sequence[str] = STANDARD_RESULTS_VISIBLE,
        votes_open_when: Sequence = (),
        has_running_order: bool = False,
    ):
        self.code = code
        self.names = dict(names)
        self.candidate_kind = candidate_kind
        self.cadence = cadence
        self.cycle_machine = cycle_machine
        self.cycle_rules = cycle_rules
        self.nomination_machine = nomination_machine
        self.nomination_rules = nomination_rules
        self.eligibility = tuple(eligibility)
        self.has_call = has_call
        self.has_scoring = has_scoring
        self.ratifying_event = ratifying_event
        # The board's rejection: where a rejected proposal sends the cycle
        # (None: the cycle stays where it is, only the proposal is rejected).
        self.rejecting_event = rejecting_event
        self.results_visible_states = tuple(results_visible_states)
        # The candidates perform live, one after another (the Cultural Award's
        # cultural evening): the cycle has a running order the judges follow.
        self.has_running_order = has_running_order
        # Cycle guards that must pass before the board may cast a vote at all
        # (the Volunteer Award's hearing), not only before the ratification:
        # for a scored award, no conflict of interest left open.
        self.votes_open_when = ((g.conflicts_resolved,) if has_scoring else ()) + tuple(votes_open_when)
        # The kind lives in the settings too, so a cycle's stored copy says
        # what it awarded even if the award type changes later.
        self._settings = {"candidate_kind": candidate_kind, **copy.deepcopy(dict(default_settings))}
        self._criteria = [copy.deepcopy(dict(c)) for c in default_criteria]
        if undeclared(self._settings):
            raise ValueError(f"{code}: default settings {undeclared(self._settings)} are not declared "
                             f"in workflows/settings.py")
        invalid = [r.rule for r in check_settings(self._settings) if not r.ok]
        if invalid:
            raise ValueError(f"{code}: its default settings break {invalid}")
        for machine, rules in ((cycle_machine, cycle_rules), (nomination_machine, nomination_rules)):
            declared = set(_events(machine))
            if set(rules.roles) != declared or not set(rules.guards) <= declared:
                raise ValueError(f"{code}: {machine.__name__} events {sorted(declared)} do not match "
                                 f"its rulebook {sorted(set(rules.roles) | set(rules.guards))}")
        if ratifying_event not in _events(cycle_machine):
            raise ValueError(f"{code}: the ratifying event {ratifying_event!r} is not an event of "
                             f"{cycle_machine.__name__}")
        if rejecting_event is not None and rejecting_event not in _events(cycle_machine):
            raise ValueError(f"{code}: the rejecting event {rejecting_event!r} is not an event of "
                             f"{cycle_machine.__name__}")
        unknown = set(self.results_visible_states) - set(cycle_machine.states_map)
        if unknown:
            raise ValueError(f"{code}: results_visible_states names states {sorted(unknown)} "
                             f"that {cycle_machine.__name__} does not have")

    def __repr__(self) -> str:
        return f"<Workflow {self.code}>"

    # --- description -----------------------------------------------------------

    @property
    def default_settings(self) -> dict:
        """A fresh copy of the rule settings a new cycle starts from."""
        return copy.deepcopy(self._settings)

    @property
    def default_criteria(self) -> list[dict]:
        """A fresh copy of the criteria a new cycle starts from."""
        return copy.deepcopy(self._criteria)

    @property
    def cycle_states(self) -> tuple[str, ...]:
        """Every state of this award's cycle, in declaration order."""
        return tuple(s.id for s in self.cycle_machine.states)

    @property
    def nomination_states(self) -> tuple[str, ...]:
        """Every state of this award's nominations, in declaration order."""
        return tuple(s.id for s in self.nomination_machine.states)

    @property
    def cycle_events_all(self) -> tuple[str, ...]:
        """Every cycle event this award declares."""
        return _events(self.cycle_machine)

    @property
    def nomination_events_all(self) -> tuple[str, ...]:
        """Every nomination event this award declares."""
        return _events(self.nomination_machine)

    @property
    def cycle_initial_state(self) -> str:
        """The state a new cycle is stored with."""
        return next(s.id for s in self.cycle_machine.states if s.initial)

    @property
    def nomination_initial_state(self) -> str:
        """The state a new nomination is stored with."""
        return next(s.id for s in self.nomination_machine.states if s.initial)

    @property
    def cycle_final_states(self) -> tuple[str, ...]:
        """Cycle states no event leaves."""
        return tuple(s.id for s in self.cycle_machine.final_states)

    @property
    def nomination_final_states(self) -> tuple[str, ...]:
        """Nomination states that are an outcome: no event leaves them, or
        only the board's ratified amendment does (laureate, not selected)."""
        settled = tuple(s for s in SETTLED_STATES if s in self.nomination_machine.states_map)
        return tuple(s.id for s in self.nomination_machine.final_states) + settled

    @property
    def ballot_events(self) -> tuple[str, ...]:
        """The cycle events only the board's ballot fires (quorum, majority,
        recusal, then the decision record), never a button or a command."""
        return tuple(e for e in (self.ratifying_event, self.rejecting_event) if e is not None)

    @property
    def awaiting_ratification_states(self) -> tuple[str, ...]:
        """The cycle states the ratifying event leaves: where a decision
        waits for the board."""
        return tuple(s.id for s in self.cycle_machine.states
                     if self.ratifying_event in _events_from(self.cycle_machine, s.id))

    def results_visible(self, state: str) -> bool:
        """May the panel's results (rankings, other judges' scores) be shown
        while the cycle is in ``state``?"""
        return state in self.results_visible_states

    def cycle_diagram(self) -> str:
        """Mermaid text of the cycle graph, drawn from the class that runs."""
        return f"{self.cycle_machine:mermaid}"

    def nomination_diagram(self) -> str:
        """Mermaid text of the nomination graph, drawn from the class that runs."""
        return f"{self.nomination_machine:mermaid}"

    def cycle_steps(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The cycle graph as people read it: [(state, [(event, next state)])],
        states in declaration order."""
        return _steps(self.cycle_machine)

    def nomination_steps(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The nomination graph as people read it, like cycle_steps."""
        return _steps(self.nomination_machine)

    # --- rules -----------------------------------------------------------------

    def settings_for(self, settings: Mapping | None) -> dict:
        """A cycle's stored settings laid over this award's defaults; what
        the guards read (through ``workflows.settings.setting``, which fills
        in the declared default of anything still missing)."""
        return {**self._settings, **(settings or {})}

    def setting(self, settings: Mapping | None, name: str):
        """Setting ``name`` of a cycle whose stored settings are ``settings``:
        the stored value, else this award's default, else the declared one.
        Raises UnknownSetting for a name workflows/settings.py does not declare."""
        return setting(self.settings_for(settings), name)

    def validate_settings(self, settings: Mapping, event_is_esi: bool) -> list[RuleResult]:
        """Every settings rule for a cycle of this award, ok or not; a cycle
        with a failed one must not be created."""
        return g.settings_rules(self.settings_for(settings), event_is_esi)

    def check_eligibility(self, candidate: CandidateFacts,
                          settings: Mapping | None = None) -> list[RuleResult]:
        """Every eligibility rule of this award for ``candidate``, ok or not."""
        effective = self.settings_for(settings)
        return [rule(candidate, effective) for rule in self.eligibility]

    def esi_of_year(self, facts: CycleFacts) -> RuleResult:
        """The ESI rule the cycle's first step checks, asked when the cycle
        is created, so the secretariat hears it at the form."""
        return g.esi_event_of_year(facts, self.settings_for(facts.settings))

    def may_nominate(self, facts: NominationFacts) -> RuleResult:
        """The rule on who may nominate that submitting checks, asked when a
        draft is started, so nobody writes a case they could not submit."""
        return g.nominator_allowed(facts, self.settings_for(facts.settings))

    @property
    def has_shortlist_round(self) -> bool:
        """Does this award's cycle graph declare the optional shortlist round?"""
        return "open_shortlist" in _events(self.cycle_machine)

    def round_in_play(self, state: str, settings: Mapping | None) -> str:
        """The round (base.SHORTLIST or base.FINAL) a cycle in ``state`` with
        these stored settings is at, or prepares next."""
        return round_in_play(state, self.has_shortlist_round and bool(self.setting(settings, "shortlist_round")))

    def can_score(self, facts: NominationFacts) -> list[RuleResult]:
        """The rules a judge must pass to score this nomination, ok or not:
        the cycle is judging, no unresolved conflict hides the nomination from
        the judge, and the judge has attested they have no conflict with it."""
        if not self.has_scoring:
            return [check("scoring.not_applicable", False, N_("This award is not decided by scores."))]
        effective = self.settings_for(facts.settings)
        return [g.scoring_open(facts, effective), g.no_unresolved_conflict(facts, effective),
                g.conflicts_attested(facts, effective)]

    # --- transitions -----------------------------------------------------------

    def cycle_events(self, state: str, role: str, facts: CycleFacts) -> list[str]:
        """The cycle events ``role`` may fire from ``state`` now, guards included."""
        return self._offered(self.cycle_machine, self.cycle_rules, state, role, facts)

    def cycle_events_waiting(self, state: str, role: str, facts: CycleFacts) -> list[tuple[str, list[RuleResult]]]:
        """The cycle events ``role`` could fire from ``state`` but whose guards
        refuse now, each with the rules that refuse it: what a page lists as
        "not yet, because"."""
        settings = self.settings_for(facts.settings)
        waiting = []
        for event in _events_from(self.cycle_machine, state):
            if role in self.cycle_rules.roles.get(event, ()):
                refused = self.cycle_rules.refusals(event, role, facts, settings)
                # A step of the round the cycle does not have is no step to wait for.
                if refused and not any(r.rule in g.ROUND_CHOICE_RULES for r in refused):
                    waiting.append((event, refused))
        return waiting

    def votes_refused(self, facts: CycleFacts) -> list[RuleResult]:
        """The rules that keep the board's votes closed now ([] when open)."""
        settings = self.settings_for(facts.settings)
        return [r for r in (guard(facts, settings) for guard in self.votes_open_when) if not r.ok]

    def ballot_outcome(self, facts: CycleFacts) -> str | None:
        """What the board's votes decide on a proposal that moves no cycle
        state (an amendment): "ratified" at quorum and majority, "rejected"
        at quorum and a majority against, else None (the vote goes on)."""
        settings = self.settings_for(facts.settings)
        for outcome, guards in (("ratified", g.BOARD_DECISION),
                                ("rejected", (g.board_quorum, g.board_majority_rejects))):
            if all(guard(facts, settings).ok for guard in guards):
                return outcome
        return None

    def fire_cycle(self, state: str, event: str, role: str, facts: CycleFacts) -> str:
        """The cycle's state after ``role`` fires ``event``; raises Refused."""
        return self._fire(self.cycle_machine, self.cycle_rules, state, event, role, facts)

    def nomination_events(self, state: str, role: str, facts: NominationFacts) -> list[str]:
        """The nomination events ``role`` may fire from ``state`` now."""
        return self._offered(self.nomination_machine, self.nomination_rules, state, role, facts)

    def fire_nomination(self, state: str, event: str, role: str, facts: NominationFacts) -> str:
        """The nomination's state after ``role`` fires ``event``; raises Refused."""
        return self._fire(self.nomination_machine, self.nomination_rules, state, event, role, facts)

    def _offered(self, machine, rules: Rulebook, state: str, role: str, facts) -> list[str]:
        settings = self.settings_for(facts.settings)
        return [e for e in _events_from(machine, state) if not rules.refusals(e, role, facts, settings)]

    def _fire(self, machine_cls, rules: Rulebook, state: str, event: str, role: str, facts) -> str:
        if event not in _events(machine_cls):
            raise refusal("workflow.unknown_event", Message(N_("There is no event %(event)r here."), event=event),
                          event, state,
                          known=list(_events(machine_cls)))
        if state not in machine_cls.states_map:
            raise refusal("workflow.unknown_state", Message(N_("There is no state %(state)r here."), state=state),
                          event, state)
        machine = machine_cls(start_value=state, listeners=[rules])
        try:
            machine.send(event, role=role, facts=facts, settings=self.settings_for(facts.settings))
        except TransitionNotAllowed:
            raise refusal("workflow.not_allowed_in_state",
                          Message(N_("%(event)s is not possible in state %(state)s."),
                                  event=event.replace("_", " ").capitalize(), state=state),
                          event, state, allowed=_events_from(machine_cls, state)) from None
        return machine.current_state_value
