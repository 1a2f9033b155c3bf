"""The only code that changes data. Each service takes the acting user and
plain values, flushes, and leaves the commit to the caller (one transaction
per request or command).

Fixed messages are marked with N_ and messages with values are Messages, as
in the workflows: English in the record and the API, translated where a page
shows them (i18n.rule_message)."""

from workflows.base import N_, Message

__all__ = ["Refusal", "Forbidden", "Message", "N_", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """A refusal a user can act on: carries a stable rule id and a message."""

    status = 400

    def __init__(self, rule: str, message: str, *, field: str | None = None):
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """What does not exist, or what the actor may not see: the same answer."""

    status = 404

    def __init__(self, what: str = "object"):
        super().__init__("not_found", f"No such {what}.")


class Forbidden(ServiceError):
    status = 403


class Refusal(ServiceError):
    """A refused transition or a stale edit (HTTP 409). Carries every rule that
    refused. Named for what it is: in this project "conflict" means conflict of
    interest."""

    status = 409

    def __init__(self, rules, message: str | None = None):
        rules = list(rules)
        super().__init__(rules[0]["rule"] if rules else "conflict",
                         message or "; ".join(r["message"] for r in rules))
        self.rules = rules
