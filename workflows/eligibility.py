"""Eligibility rules several awards share, built under each award's own
rule id so a refusal says which award's rule it was."""

from collections.abc import Callable, Mapping

from workflows.base import N_, CandidateFacts, Message, RuleResult, check
from workflows.settings import setting

EligibilityRule = Callable[[CandidateFacts, Mapping], RuleResult]

_GOES_TO = {"individual": N_("This award goes to an individual."),
            "delegation": N_("This award goes to a delegation."),
            "organisation": N_("This award goes to an organisation."),
            "project": N_("This award goes to a project.")}
_IS_KIND = {"individual": N_("The candidate is an individual."),
            "delegation": N_("The candidate is a delegation."),
            "organisation": N_("The candidate is an organisation."),
            "project": N_("The candidate is a project.")}


def kind_is(rule: str, kind: str) -> EligibilityRule:
    """The candidate is of the kind the award goes to: ``kind`` names it for
    the reader of the award's module; the rule checks the kind the cycle's
    settings recorded (copied from the award when the cycle was created)."""

    def candidate_kind(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
        expected = setting(settings, "candidate_kind")
        return check(rule, candidate.kind == expected,
                     _GOES_TO.get(expected) or Message(N_("This award goes to %(kind)s."), kind=expected),
                     passed=_IS_KIND.get(expected) or Message(N_("The candidate is %(kind)s."), kind=expected),
                     expected=expected, kind=candidate.kind)

    return candidate_kind


def never_won(rule: str, award: str) -> EligibilityRule:
    """The candidate has not received the award before."""

    def not_previous_laureate(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
        return check(rule, not candidate.previously_won,
                     Message(N_("The candidate has already received the %(award)s."), award=award),
                     passed=Message(N_("The candidate has not received the %(award)s before."), award=award))

    return not_previous_laureate


def at_current_esi(rule: str) -> EligibilityRule:
    """The delegation awards recognise what happens at this ESI, so the
    candidate must be registered at it."""

    def registered(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
        return check(rule, candidate.at_current_esi,
                     N_("The delegation must take part in the current Expo-Sciences International."),
                     passed=N_("The delegation takes part in the current Expo-Sciences International."))

    return registered


def is_member(rule: str) -> EligibilityRule:
    """The candidate's organisation is a MILSET member; unknown counts as no."""

    def member(candidate: CandidateFacts, settings: Mapping) -> RuleResult:
        return check(rule, candidate.organisation_is_member is True,
                     N_("The organisation must be a MILSET member."),
                     passed=N_("The organisation is a MILSET member."),
                     organisation_is_member=candidate.organisation_is_member)

    return member
