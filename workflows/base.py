"""The shared vocabulary of every award workflow: roles, candidate kinds,
the states and events the machines use, the plain facts the guards read,
and the result and refusal types a guard produces.

Nothing here knows about a database or a request: the service loads rows,
turns them into the frozen facts below and asks a workflow what may happen.

Cycle states (one edition of one award)
    draft               being configured by the secretariat
    criteria_published  criteria fixed and public; no call yet
    call_open           nominations accepted
    screening           call closed; the secretariat screens eligibility
    shortlist_scoring   the shortlist round's panel scores (optional round)
    shortlisting        the chair decides the shortlist for the final round
    judging             the panel scores eligible nominations
    deliberation        scores locked; the chair prepares a recommendation
    recommended         the panel's recommendation awaits the board
    hearing             Volunteer Award: the Executive Committee hears candidates
    designated          MILSET Award: the ESI host has been designated
    ratified            the board approved the decision
    announced           the decision is public (final)
    cancelled           the cycle was abandoned (final)

Cycle events
    publish_criteria, open_call, close_call, open_judging, close_scoring,
    open_shortlist, close_shortlist, decide_shortlist (the shortlist round),
    recommend, withdraw_recommendation, ratify, reject, announce, cancel;
    the Volunteer Award adds
    vote (after the hearing); the MILSET Award uses designate_host, confirm
    and present instead of the call and the panel.

Nomination states
    draft, submitted, eligible, recommended; final: ineligible, withdrawn,
    laureate, not_selected, cancelled (the cycle was cancelled, or a draft lapsed with the call)

Nomination events
    submit, withdraw, mark_eligible, mark_ineligible, select, deselect,
    set_aside, confer, void, lapse (a draft when the call closes)
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ROLES = ("admin", "nominator", "judge", "chair", "board", "auditor")
# Who an award's "nominators" setting may name: a member of the Executive
# Committee (role board), a person of a MILSET member organisation, a
# regional office. The engine records no regional office of its own: the
# application counts the secretariat's accounts (role admin) as the regional
# offices' hand (see services.facts.nominator_standing).
NOMINATOR_KINDS = ("member_organisation", "regional_office", "board")
# The candidates an award draws from an ESI (its delegations, its host
# organisation): a cycle of such an award belongs to the ESI of its year.
ESI_CANDIDATE_KINDS = ("delegation", "organisation")
CANDIDATE_KINDS = ("individual", "delegation", "organisation", "project")

ADMIN = frozenset({"admin"})
NOMINATOR = frozenset({"nominator"})
CHAIR = frozenset({"chair"})
BOARD = frozenset({"board"})
ADMIN_OR_CHAIR = ADMIN | CHAIR

# The cycle states before scoring starts: a nomination may still be withdrawn.
BEFORE_JUDGING = ("draft", "criteria_published", "call_open", "screening")

# The judging rounds: an optional shortlist round (its own panel and
# criteria), then the final round, whose panel recommends to the board.
SHORTLIST, FINAL = "shortlist", "final"
ROUNDS = (SHORTLIST, FINAL)
# The cycle state in which each round's sheets are scored.
SCORING_STATE = {SHORTLIST: "shortlist_scoring", FINAL: "judging"}
SHORTLIST_STATES = ("shortlist_scoring", "shortlisting")


def round_in_play(state: str, shortlist_round: bool) -> str:
    """The round a cycle in ``state`` is at, or prepares next: the shortlist
    round from screening up to the shortlist (when the cycle has one), the
    final round otherwise."""
    if state in SHORTLIST_STATES or (shortlist_round and state in BEFORE_JUDGING):
        return SHORTLIST
    return FINAL

Severity = Literal["error", "warning"]


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools know for a no-op marker
    """Marks a fixed message for the translators. Messages stay English here;
    an application translates them where it shows them."""
    return message


def _rebuild_message(template: str, values: dict) -> "Message":
    return Message(template, **values)


class Message(str):
    """An English sentence made from a template and values. It reads as the
    sentence; an application can translate the template and fill in the
    same values."""

    def __new__(cls, template: str, **values):
        text = super().__new__(cls, template % values)
        text.template, text.values = template, values
        return text

    def __reduce__(self):  # copies and pickles keep the template
        return _rebuild_message, (self.template, self.values)


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: a stable id (``award.rule``), whether it
    holds, and an English sentence a person can act on.

    ``detail`` carries the values the rule compared (the limit, the actual
    value, the missing fields) so the UI, the API and the audit trail can
    show why without parsing the message.
    """

    rule: str
    ok: bool
    message: str
    severity: Severity = "error"
    detail: Mapping = field(default_factory=dict, hash=False)

    @property
    def blocks(self) -> bool:
        """True when this result stops a transition (a failed error)."""
        return not self.ok and self.severity == "error"


def check(rule: str, holds: bool, message: str, severity: Severity = "error", *, passed: str | None = None,
          **detail) -> RuleResult:
    """Build a RuleResult; ``detail`` keyword arguments must be JSON values.
    ``message`` says what fails; ``passed``, when given, says what holds, so a
    reader is never shown a failure's text beside a tick."""
    text = passed if holds and passed is not None else message
    return RuleResult(rule=rule, ok=bool(holds), message=text, severity=severity, detail=detail)


class Refused(Exception):
    """A transition the workflow will not make, naming every rule that refused.

    ``rules`` holds only failed results; the service turns them into an
    HTTP 409, a CLI error or an audit payload.
    """

    def __init__(self, rules, event: str | None = None, state: str | None = None):
        self.rules = [r for r in rules if not r.ok]
        self.event = event
        self.state = state
        super().__init__(str(self))

    def __str__(self) -> str:
        ids = ", ".join(r.rule for r in self.rules) or "no rule"
        return f"{self.event!s} refused in state {self.state!s}: {ids}"


def refusal(rule: str, message: str, event: str | None, state: str | None, **detail) -> Refused:
    """A Refused carrying one failed rule."""
    return Refused([check(rule, False, message, **detail)], event=event, state=state)


@dataclass(frozen=True)
class CycleFacts:
    """What the cycle's guards may know, gathered by the service from the
    database. Every field has a neutral default so a caller fills only what
    the award's guards read.

    ``settings`` are the cycle's stored rule settings; the workflow lays them
    over its defaults. ``max_laureates`` overrides ``settings["max_laureates"]``
    when the cycle row keeps its own limit.
    """

    year: int = 0
    settings: Mapping = field(default_factory=dict, hash=False)
    is_esi: bool = False
    event_year: int | None = None  # the year of the cycle's ESI, None without one
    odd_year_override_reason: str | None = None
    criteria_count: int = 0
    criteria_published: bool = False
    panel_size: int = 0
    panel_has_chair: bool = False
    chair_is_board: bool = False
    missing_fields: tuple[str, ...] = ()
    unresolved_conflicts: int = 0
    assignments_total: int = 0
    assignments_submitted: int = 0
    close_reason: str | None = None
    eligible_nominations: int = 0
    unscreened_nominations: int = 0
    recommended_count: int = 0
    max_laureates: int | None = None
    board_votes_approve: int = 0
    board_votes_reject: int = 0
    board_votes_abstain: int = 0
    board_members: int = 0
    host_designated: bool = False
    hearing_held: bool = False
    # The latest proposal was withdrawn (a conflict confirmed after it was made).
    recommendation_withdrawn: bool = False
    # How many nominations the chair's shortlist sends to the final round.
    shortlist_size: int = 0


@dataclass(frozen=True)
class NominationFacts:
    """What a nomination's guards may know.

    ``eligibility`` is the output of the award's ``check_eligibility`` for
    this candidate; ``cycle_state`` the state of the nomination's cycle.
    The ``judge_*`` facts are about the judge asking to score it: whether an
    unresolved conflict hides it from them, and whether they stated they
    have no conflict with it (no attestation is assumed until one is given).
    """

    settings: Mapping = field(default_factory=dict, hash=False)
    deadline_passed: bool = False
    deadline: str | None = None  # as a refusal shows it: "2027-03-31 23:59" (UTC)
    eligibility: tuple[RuleResult, ...] = ()
    cycle_state: str = "draft"
    judge_has_unresolved_conflict: bool = False
    judge_has_attested: bool = False
    screening_reason: str | None = None
    # The round of the sheet the judge asks to score (SHORTLIST or FINAL).
    sheet_round: str = FINAL
    # What the nominator is, among the kinds an award's "nominators" setting
    # names (NOMINATOR_KINDS); the service says, the rule decides.
    nominator_standing: tuple[str, ...] = ()


@dataclass(frozen=True)
class CandidateFacts:
    """The candidate as eligibility rules see it.

    ``age_at_reference`` is measured at the cycle's reference date (by
    default the nomination deadline, see the ``age_reference`` setting);
    ``participant_ages`` are a delegation's ages at the start of the event.
    ``organisation_is_member`` is None when unknown, which no rule accepts.
    """

    kind: str
    age_at_reference: int | None = None
    volunteer_years: float | None = None
    endorsed_by_own_organisation: bool = False
    previously_won: bool = False
    at_current_esi: bool = False
    organisation_is_member: bool | None = None
    is_host_organisation: bool = False
    participant_ages: tuple[int, ...] = ()


def criterion(code: str, en: str, fr: str, es: str, *, weight: float = 1.0, scale: tuple[int, int] = (1, 5),
              comment_required: bool = False) -> dict:
    """A default scoring criterion as a cycle copies it (JSON values only)."""
    return {"code": code, "names": {"en": en, "fr": fr, "es": es}, "weight": float(weight),
            "scale_min": scale[0], "scale_max": scale[1], "comment_required": comment_required}
