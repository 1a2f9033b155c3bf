"""Who acts when no login account does.

A service takes the acting user; a `flask` command, a demo loader, the
tests, a failed login or an endorser following their link act as a
SystemActor instead. It holds the roles it declares and no others: the
services check them as they check a user's. The audit trail records it
under its name with no user id, as it did when bare strings stood for
these actors, so its events hash the same. A bare string is refused.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """An actor that is not a login account.

    name: how the audit trail names it ("cli", "demo-loader", ...).
    roles: the roles it acts in. It has no id: what needs a person (a
    nominator, a chair, a voter) refuses it.
    """

    name: str
    roles: frozenset[str] = frozenset()
    is_authenticated = True  # it acts on the machine's authority, as a signed-in user on theirs

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError("a SystemActor needs a name")
        object.__setattr__(self, "roles", frozenset(self.roles))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def __str__(self) -> str:
        return self.name


# What happens with nobody acting (a failed login attempt).
SYSTEM = SystemActor("system")


def audit_fields(actor) -> tuple[int | None, str]:
    """(actor_id, actor label) as the audit trail records `actor`, a user
    or a SystemActor. A bare string (or nothing) is refused."""
    if isinstance(actor, SystemActor):
        return None, actor.name
    if actor is None or isinstance(actor, str):
        raise TypeError(f"the actor must be a user or a SystemActor, not {actor!r}")
    # The label is the account's id, not its address: the hashed form keeps
    # no personal data, and the id reads the person's current name.
    return actor.id, f"user:{actor.id}"
