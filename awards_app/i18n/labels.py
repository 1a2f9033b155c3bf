"""Words people read for the engine's codes (states, events, conflict kinds),
in the reader's language. The codes themselves stay in URLs, CSS classes
and the audit trail."""

from flask_babel import lazy_gettext as _l

STATES = {
    "draft": _l("Draft"),
    "criteria_published": _l("Criteria published"),
    "call_open": _l("Call open"),
    "screening": _l("Screening"),
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
    "confer": _l("Confer"),
    "confirm": _l("Confirm"),
    "deselect": _l("Deselect"),
    "designate_host": _l("Designate the host"),
    "mark_eligible": _l("Mark eligible"),
    "mark_ineligible": _l("Mark not eligible"),
    "open_call": _l("Open the call"),
    "open_judging": _l("Open judging"),
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


def event_label(code: str) -> str:
    return str(EVENTS.get(code, code.replace("_", " ").capitalize()))


def kind_label(code: str) -> str:
    return str(CONFLICT_KINDS.get(code, code.replace("_", " ")))
