"""Accounts: creation, roles, passwords and authentication."""

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import ROLES, ApiToken, Person, User, UserRole
from awards_app.services import N_, Message, ServiceError, actors, audit, passwords, site
from awards_app.services.personal_values import ADDRESS, EMAIL, personal

MIN_PASSWORD_LENGTH = 12


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError("password.too_short",
                           Message(N_("A password needs at least %(n)s characters."), n=MIN_PASSWORD_LENGTH),
                           field="password")
    if password.strip().casefold() in _common_passwords():
        raise ServiceError("password.too_common", N_("This password is too common; choose another."),
                           field="password")


def create_user(actor, email: str, name: str, roles, password: str | None = None,
                organisation=None, country=None) -> User:
    """Create an account and its person; the roles are recorded in the audit trail."""
    email = email.strip().lower()
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ServiceError("user.unknown_role",
                           Message(N_("Unknown role(s): %(roles)s."), roles=", ".join(sorted(unknown))))
    if find_by_email(email):
        raise ServiceError("user.email_taken", Message(N_("An account for %(email)s already exists."), email=email),
                           field="email")
    person = Person(name=name, email=email, organisation=organisation,
                    country=country or (organisation.country if organisation else None))
    user = User(email=email, person=person, timezone=site.get("timezone"))  # the site's until they choose
    if password is not None:
        check_password_rules(password)
        user.password_hash = passwords.hash_password(password)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, {"email": personal(email, EMAIL, user.person_id),
                                               "roles": sorted(set(roles))})
    return user


def end_sessions(user: User, *, revoke_tokens: bool) -> list[str]:
    """End every signed-in session of the account, on every device, and with
    revoke_tokens its API tokens too; returns the prefixes of the tokens
    revoked, for the caller's audit event. Why: a cookie copied before a
    logout, or held by whoever knew the old password, must not outlive it."""
    user.session_epoch = (user.session_epoch or 0) + 1
    revoked = []
    if revoke_tokens:
        now = datetime.now(UTC)
        for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                               ApiToken.revoked_at.is_(None))):
            token.revoked_at = now
            revoked.append(token.prefix)
    db.session.flush()
    return revoked


def set_roles(actor, user: User, roles) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ServiceError("user.unknown_role",
                           Message(N_("Unknown role(s): %(roles)s."), roles=", ".join(sorted(unknown))))
    before = sorted(user.roles)
    wanted = set(roles)
    user.role_rows = [r for r in user.role_rows if r.role in wanted]
    user.role_rows += [UserRole(role=r) for r in sorted(wanted - set(before))]
    revoked = end_sessions(user, revoke_tokens=True) if sorted(wanted) != before else []
    audit.record(actor, "user.roles_changed", user, {"before": before, "after": sorted(wanted),
                                                     "tokens_revoked": revoked})


def replace_password(user: User, password: str) -> list[str]:
    """A new password, within the rules; every session and API token of the
    account ends with the old one. Returns the revoked tokens' prefixes for
    the caller's audit event."""
    check_password_rules(password)
    user.password_hash = passwords.hash_password(password)
    return end_sessions(user, revoke_tokens=True)


def set_password(actor, user: User, password: str) -> None:
    revoked = replace_password(user, password)
    audit.record(actor, "user.password_set", user, {"tokens_revoked": revoked})


def authenticate(email: str, password: str, *, remote_addr: str | None = None) -> User | None:
    """The user when the password matches, else None; both outcomes are audited.

    The failure message is the same for an unknown email and a wrong password,
    so the login form does not reveal which accounts exist. A deactivated
    account, or one whose invitation is not yet accepted, fails the same way.

    An account with a second factor is not logged in yet: the password is
    recorded as accepted and the caller asks for the code
    (second_factor.complete_login).
    """
    user = find_by_email(email)
    ok = passwords.check_password(user.password_hash if user else None, password)
    if ok and user.active:
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        if user.has_second_factor:
            audit.record(user, "auth.password_accepted", user,
                         {"remote_addr": personal(remote_addr, ADDRESS, user.person_id)})
        else:
            record_login(user, remote_addr)
        return user
    audit.record(actors.SYSTEM, "auth.login_failed", None, {"email": personal(email.strip().lower()[:254], EMAIL),
                                                   "remote_addr": personal(remote_addr, ADDRESS)},
                 object_type="user_account")
    return None


def record_login(user: User, remote_addr: str | None, **how) -> None:
    """The login is complete (password, and the second factor if any)."""
    user.last_login_at = datetime.now(UTC)
    audit.record(user, "auth.login", user, {"remote_addr": personal(remote_addr, ADDRESS, user.person_id), **how})


def record_login_limited(email: str, remote_addr: str | None, limit: str) -> None:
    """A login refused by a rate limit, before any password was checked."""
    audit.record(actors.SYSTEM, "auth.login_limited", None, {"email": personal(email, EMAIL),
                                                    "remote_addr": personal(remote_addr, ADDRESS),
                                                    "limit": limit}, object_type="user_account")


def record_logout(user: User) -> None:
    """Logging out ends the account's sessions everywhere, not only this
    cookie; its API tokens stay, each revoked on its own page."""
    end_sessions(user, revoke_tokens=False)
    audit.record(user, "auth.logout", user)


def set_locale(user: User, lang: str) -> None:
    """The language the user reads the app in (one of LANGUAGES)."""
    user.locale = lang
    db.session.flush()
