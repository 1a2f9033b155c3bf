"""Words people read for the engine's codes (states, events, conflict kinds),
in the reader's language. The codes themselves stay in URLs, CSS classes
and the audit trail."""

from flask_babel import lazy_gettext as _l

STATES = {
    "draft": _l("Draft"),
    "criteria_published": _l("Criteria published"),
    "call_open": _l("Call open"),
    "screening": _l("Screening"),
    "shortlist_scoring": _l("Shortlist round"),
    "shortlisting": _l("Shortlisting"),
    "judging": _l("Judging"),
    "deliberation": _l("Deliberation"),
    "recommended": _l("Recommended"),
    "ratified": _l("Ratified"),
    "announced": _l("Announced"),
    "cancelled": _l("Cancelled"),
    "designated": _l("Designated"),
    "hearing": _l("Hearing"),
    "submitted": _l("Submitted"),
    "eligible": _l("Eligible"),
    "ineligible": _l("Not eligible"),
    "withdrawn": _l("Withdrawn"),
    "laureate": _l("Laureate"),
    "not_selected": _l("Not selected"),
    "open": _l("Open"),
    "confirmed": _l("Confirmed"),
    "waived": _l("Waived"),
    "dismissed": _l("Dismissed"),
}

EVENTS = {
    "announce": _l("Announce"),
    "cancel": _l("Cancel the cycle"),
    "close_call": _l("Close the call"),
    "close_scoring": _l("Close scoring"),
    "close_shortlist": _l("Close the shortlist round"),
    "decide_shortlist": _l("Decide the shortlist"),
    "confer": _l("Confer"),
    "confirm": _l("Confirm"),
    "deselect": _l("Deselect"),
    "lapse": _l("Close with the call"),
    "designate_host": _l("Designate the host"),
    "mark_eligible": _l("Mark eligible"),
    "mark_ineligible": _l("Mark not eligible"),
    "open_call": _l("Open the call"),
    "open_judging": _l("Open judging"),
    "open_shortlist": _l("Open the shortlist round"),
    "present": _l("Present"),
    "publish_criteria": _l("Publish the criteria"),
    "ratify": _l("Ratify"),
    "recommend": _l("Recommend"),
    "reject": _l("Send back to the panel"),
    "select": _l("Select"),
    "set_aside": _l("Set aside"),
    "submit": _l("Submit"),
    "void": _l("Void"),
    "vote": _l("Record the vote"),
    "withdraw": _l("Withdraw"),
    "withdraw_recommendation": _l("Withdraw the recommendation"),
}

ROUNDS = {
    "shortlist": _l("Shortlist round"),
    "final": _l("Final round"),
}

CONFLICT_KINDS = {
    "self": _l("Self"),
    "family": _l("Family"),
    "same_organisation": _l("Same organisation"),
    "same_country": _l("Same country or delegation"),
    "nominator": _l("Nominator"),
    "endorser": _l("Endorser"),
    "collaborator": _l("Collaborator"),
    "financial": _l("Financial"),
    "other": _l("Other"),
}

# Each language named in itself, as a reader looks for their own.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code, code or "—")


ROLES = {
    "admin": _l("Secretariat"),
    "nominator": _l("Nominator"),
    "judge": _l("Judge"),
    "chair": _l("Panel chair"),
    "board": _l("Board"),
    "auditor": _l("Auditor"),
}


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def state_label(code: str) -> str:
    return str(STATES.get(code, code.replace("_", " ")))


def round_label(code: str) -> str:
    return str(ROUNDS.get(code, code))


def event_label(code: str) -> str:
    return str(EVENTS.get(code, code.replace("_", " ").capitalize()))


def kind_label(code: str) -> str:
    return str(CONFLICT_KINDS.get(code, code.replace("_", " ")))


# --- a cycle's rules in force, and the other JSON values shown to people --------------------

SETTINGS = {
    "candidate_kind": _l("Candidate"),
    "max_laureates": _l("Laureates allowed"),
    "panel_min_size": _l("Fewest judges on the panel"),
    "panel_max_size": _l("Most judges on the panel"),
    "chair_must_be_board": _l("The chair is a board member"),
    "required_fields": _l("Expertise the panel must cover"),
    "judges_per_nomination": _l("Judges per nomination"),
    "shortlist_round": _l("Shortlist round"),
    "max_load_per_judge": _l("Most nominations per judge"),
    "cover_fields": _l("Every nomination gets a judge for each required field"),
    "detect_same_country": _l("A judge of the candidate's country is a possible conflict"),
    "identity_threshold": _l("How alike two names must be to be a possible conflict (out of 100)"),
    "hide_nominator_from_judges": _l("Judges do not see who nominated"),
    "board_quorum": _l("Board quorum (votes)"),
    "board_majority": _l("Board majority (share of votes)"),
    "nominators": _l("Who may nominate"),
    "endorsement_valid_days": _l("Days an endorsement request stays open"),
    "max_attachments": _l("Files per nomination"),
    "max_attachment_bytes": _l("Largest file"),
    "max_age": _l("Nominee younger than (years)"),
    "age_reference": _l("Age measured on"),
    "min_volunteer_years": _l("Fewest years of volunteering"),
    "odd_years_only": _l("Odd years only"),
    "young_age_min": _l("Youngest age of the group"),
    "young_age_max": _l("Oldest age of the group"),
    "aggregation": _l("How scores are combined"),
    "reminder_days_before": _l("Days before a deadline that reminders go out"),
    # inside "aggregation"
    "method": _l("Method"),
    "trim": _l("Share trimmed at each end"),
    "tie_break": _l("Ties broken by"),
    "resamples": _l("Bootstrap resamples"),
    "seed": _l("Random seed"),
    "panel_votes": _l("The panel's votes"),
    "laureates": _l("Laureates"),
}

# The words for the codes a setting's value may hold.
VALUES = {
    "individual": _l("An individual"),
    "delegation": _l("A delegation"),
    "organisation": _l("An organisation"),
    "nomination_deadline": _l("The nomination deadline"),
    "event_start": _l("The first day of the ESI"),
}

METHODS = {
    "weighted_mean": _l("Weighted mean"),
    "trimmed_mean": _l("Trimmed mean"),
    "median": _l("Median"),
    "zscore": _l("Standardised scores (z-scores)"),
    "panel_vote": _l("The panel's vote"),
    "unresolved": _l("Not broken"),
    "host_designation": _l("Designation of the ESI's host"),
}

# What the board votes on, and what became of it (models.decisions).
PROPOSAL_KINDS = {
    "panel": _l("The panel's recommendation"),
    "amendment": _l("Amendment of the decision"),
    "host": _l("The designated host"),
}

PROPOSAL_STATUSES = {
    "pending": _l("Awaiting the board's votes"),
    "ratified": _l("Ratified"),
    "approved": _l("Approved by the board"),  # a change of the rules (models.awards.SettingsChange)
    "rejected": _l("Rejected by the board"),
    "withdrawn": _l("Withdrawn"),
}

VOTES = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "abstain": _l("Abstain"),
    "recused": _l("Recused"),
    # on a change of the rules
    "for": _l("For"),
    "against": _l("Against"),
}

# How detection matched two spellings (judging.identity), as the chair reads it.
IDENTITY_RULES = {
    "identity.same_email": _l("the same email address (case, dots and +tags aside where the mailbox ignores them)"),
    "identity.same_name": _l("the same name, however written (accents, letters such as ü/ue or ß/ss, case, "
                             "punctuation, spacing, word order)"),
    "identity.initials": _l("initials and middle names that fit the same person"),
    "identity.transliteration": _l("the same name in another transliteration"),
    "identity.fuzzy_name": _l("nearly the same name"),
    "organisation.same_name": _l("the same organisation name, however written or abbreviated"),
    "organisation.alias": _l("another name the register gives the organisation"),
    "organisation.fuzzy": _l("nearly the same organisation name"),
}

# Who the judge matched among the people a nomination names.
STANDINGS = {
    "candidate": _l("the candidate"),
    "member": _l("a member of the delegation"),
    "nominator": _l("the nominator"),
    "endorser": _l("an endorser"),
    "declared": _l("a person the nominator declared close to the candidate"),
}

PARTICIPANT_ROLES = {
    "participant": _l("participant"),
    "leader": _l("delegation leader"),
    "teacher": _l("teacher"),
    "guide": _l("guide"),
}

# How sure detection is (ConflictOfInterest.tier).
TIERS = {"certain": _l("certain"), "possible": _l("possible: the chair decides")}

EVIDENCE = {
    "match": _l("Found by"),
    "as": _l("Matched"),
    "judge_side": _l("On the judge's side"),
    "nomination_side": _l("On the nomination"),
    "score": _l("Likeness (out of 100)"),
    "canonical": _l("Mailbox"),
    "script": _l("Script"),
    "alias": _l("Other name"),
    "role": _l("Role"),
    "email": _l("Email"),
    "judge_name": _l("Judge's name"),
    "candidate_name": _l("Candidate's name"),
    "normalised": _l("Both read as"),
    "organisation_id": _l("Organisation"),
    "country_id": _l("Country"),
    "nominator_user_id": _l("Nominator"),
    "endorser_email": _l("Endorser's email"),
    "endorser_name": _l("Endorser's name"),
    "relation": _l("Declared relation"),
    "kind": _l("Kind"),
    "name": _l("Name"),
    "note": _l("Note"),
}


def setting_label(code: str) -> str:
    return str(SETTINGS.get(code, code.replace("_", " ").capitalize()))


def method_label(code: str | None) -> str:
    """A method or tie-break step: "criterion:<code>" is broken on that criterion."""
    if code and code.startswith("criterion:"):
        return str(_l("Criterion %(code)s", code=code.split(":", 1)[1]))
    return str(METHODS.get(code, (code or "").replace("_", " ")))


def proposal_kind_label(code: str) -> str:
    return str(PROPOSAL_KINDS.get(code, code))


def proposal_status_label(code: str) -> str:
    return str(PROPOSAL_STATUSES.get(code, code))


PERSONAL_KINDS = {
    "email": _l("email addresses"), "address": _l("login addresses (IP)"), "name": _l("names"),
    "note": _l("notes"), "relation": _l("declared relations"), "evidence": _l("conflict evidence"),
    "key": _l("candidate keys"),
}


def personal_kind_label(code: str) -> str:
    return str(PERSONAL_KINDS.get(code, code))


def vote_label(code: str) -> str:
    return str(VOTES.get(code, code))


def readable(value, labels: dict | None = None) -> str:
    """A JSON value as a sentence fragment, never a Python repr: yes/no,
    lists joined, objects as "label: value" (``labels`` names their keys)."""
    labels = SETTINGS if labels is None else labels
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        if value in VALUES:
            return str(VALUES[value])
        return method_label(value) if value in METHODS or value.startswith("criterion:") else value
    if isinstance(value, list | tuple):
        return ", ".join(readable(v, labels) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{labels.get(k, k.replace('_', ' ')) if isinstance(k, str) else k}: "
                         f"{readable(v, labels)}" for k, v in sorted(value.items()))
    return str(value)
