"""Accounts run from the pages: invitations, password resets and changes,
deactivation, and the secretariat's changes of roles.

An invitation or a reset is a single-use, expiring link sent by email (an
AccountLink). Only the token's SHA-256 hash is stored, the outbox forgets
the link once the notice is sent, and a newer link of the same kind voids
the older one. Every bad link (unknown, used, voided, expired, or its
account deactivated) gets the same answer, so a link tells nothing about
the account it was for."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from awards_app.extensions import db
from awards_app.i18n.labels import role_label
from awards_app.models import AccountLink, OutboxMessage, User, UserRole
from awards_app.services import N_, Forbidden, ServiceError, actors, audit, links, outbox, passwords, users
from awards_app.services.personal_values import ADDRESS, personal

LINK_INVALID = N_("This link does not work: it was already used, replaced by a newer one, or it has expired. "
                  "Ask for a new one.")


def status(user: User) -> str:
    """deactivated, invited (no password chosen yet) or active."""
    if not user.active:
        return "deactivated"
    if user.password_hash is None:
        return "invited"
    return "active"


def _require_admin(actor) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("user.admin_only", N_("Only the secretariat manages accounts."))


def _is_self(actor, user: User) -> bool:
    return getattr(actor, "id", None) == user.id


def _active_admins() -> int:
    return db.session.scalar(select(func.count(func.distinct(User.id))).select_from(User).join(UserRole)
                             .where(UserRole.role == "admin", User.active.is_(True)))


# --- links -------------------------------------------------------------------------

def _void_links(user: User, purpose: str | None = None) -> None:
    query = update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
    if purpose:
        query = query.where(AccountLink.purpose == purpose)
    db.session.execute(query.values(used_at=datetime.now(UTC)).execution_options(synchronize_session=False))


def _issue_link(user: User, purpose: str, lifetime: timedelta) -> str:
    """A new link for the account, voiding its earlier one of the same kind;
    returns the URL, which is never stored."""
    _void_links(user, purpose)
    token = links.new_token()
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=links.token_hash(token),
                               expires_at=datetime.now(UTC) + lifetime))
    db.session.flush()
    return links.public_url("auth.use_link", token=token)


def _send(user: User, subject: str, body: str, *, link: str, **values) -> OutboxMessage:
    """A plain-text notice in the account's language, carrying `link` as the
    part of the body the outbox erases once it is sent."""
    locale = user.locale or "en"
    with force_locale(locale):
        values = {k: str(v) for k, v in values.items()}  # labels read in that language
        return outbox.queue(user.email, gettext(subject, **values),
                            gettext(body, link=link, **values), secret=link, locale=locale)


def find_link(token: str) -> AccountLink:
    """The link a token opens, if it still works; else the one refusal."""
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == links.token_hash(token or "")))
    if link is None or link.used_at is not None or datetime.now(UTC) > link.expires_at or not link.user.active:
        raise ServiceError("account.link_invalid", LINK_INVALID)
    return link


def use_link(token: str, password: str, *, remote_addr: str | None = None) -> User:
    """Choose a password with an invitation or a reset link. The link is
    claimed by one conditional update, so two uses at once cannot both
    count; every other link of the account dies with it, and every session
    and API token ends. The owner is then logged in, unless the account has
    a second factor: the link proves the mailbox, not the phone."""
    link = find_link(token)
    users.check_password_rules(password)
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("account.link_invalid", LINK_INVALID)
    user = link.user
    _void_links(user)
    first = user.password_hash is None
    revoked = users.replace_password(user, password)
    if link.purpose == "invite":
        audit.record(user, "user.invitation_accepted", user)
    else:
        audit.record(user, "user.password_reset", user, {"tokens_revoked": revoked, "first_password": first})
    if not user.has_second_factor:
        users.record_login(user, remote_addr, via=link.purpose)
    return user


# --- invitations --------------------------------------------------------------------

def _send_invitation(actor, user: User) -> OutboxMessage:
    days = current_app.config["INVITATION_VALID_DAYS"]
    link = _issue_link(user, "invite", timedelta(days=days))
    inviter = actor.name if isinstance(actor, User) else None
    with force_locale(user.locale or "en"):
        inviter = inviter or gettext("The MILSET secretariat")
        roles = ", ".join(role_label(r) for r in sorted(user.roles))
    return _send(user, N_("Your account for the MILSET awards"),
                 N_("Hello %(name)s,\n\n%(inviter)s has opened an account for you on the MILSET awards "
                    "engine, with these roles: %(roles)s.\n\nChoose your password here (the link works once, "
                    "for %(days)s days):\n%(link)s\n\nYou will log in with this email address: %(email)s\n"),
                 link=link, name=user.name, inviter=inviter, roles=roles, days=days, email=user.email)


def invite(actor, email: str, name: str, roles, *, locale: str = "en", organisation=None,
           country=None) -> tuple[User, OutboxMessage]:
    """An account without a password, and an email inviting its owner to
    choose one. Returns the account and the queued notice. A person invited
    before who has not yet accepted may be invited again (their name, roles
    and language as given now); any other existing address is refused."""
    _require_admin(actor)
    email, name, roles = (email or "").strip().lower(), (name or "").strip(), sorted(set(roles or ()))
    if not email or "@" not in email:
        raise ServiceError("user.email", N_("Give the person's email address."), field="email")
    if not name:
        raise ServiceError("user.name_required", N_("Give the person's name."), field="name")
    if not roles:
        raise ServiceError("user.role_required", N_("Choose at least one role."), field="roles")
    if locale not in current_app.config["LANGUAGES"]:
        raise ServiceError("user.locale", N_("Choose English, French or Spanish."), field="locale")
    user = users.find_by_email(email)
    again = user is not None and status(user) == "invited"
    if user is not None and not again:
        # The secretariat typed the address: say that much, and nothing of the account's state.
        raise ServiceError("user.email_taken", N_("An account exists for this email."), field="email")
    if again:
        # Invited before and not yet accepted: the latest invitation stands, its link replaces the earlier one.
        user.person.name = name
        user.person.organisation = organisation or user.person.organisation
        user.person.country = country or user.person.country
        if sorted(user.roles) != roles:
            users.set_roles(actor, user, roles)
    else:
        user = users.create_user(actor, email, name, roles, organisation=organisation, country=country)
    user.locale = locale
    message = _send_invitation(actor, user)
    audit.record(actor, "user.invited", user, {"roles": roles, "locale": locale, "outbox_id": message.id,
                                               "again": again})
    return user, message


def resend_invitation(actor, user: User) -> OutboxMessage:
    """A new link for an invitation not yet accepted; the earlier one stops working."""
    _require_admin(actor)
    if status(user) != "invited":
        raise ServiceError("user.not_invited", N_("This account is not waiting for its invitation to be accepted."))
    message = _send_invitation(actor, user)
    audit.record(actor, "user.invitation_resent", user, {"outbox_id": message.id})
    return message


# --- passwords -----------------------------------------------------------------------

def request_reset(email: str, *, remote_addr: str | None = None) -> None:
    """Send a reset link if the address is an active account's. The caller
    answers the same whatever happened here, so nobody learns which
    addresses have accounts."""
    user = users.find_by_email(email or "")
    if user is None:
        return
    sent = user.active
    if sent:
        minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
        link = _issue_link(user, "reset", timedelta(minutes=minutes))
        _send(user, N_("Choose a new password for the MILSET awards"),
              N_("Hello %(name)s,\n\nSomeone, probably you, asked to choose a new password for your account "
                 "on the MILSET awards engine.\n\nChoose it here (the link works once, for %(minutes)s "
                 "minutes):\n%(link)s\n\nIf you did not ask, ignore this message: your password stays as it "
                 "is.\n"),
              link=link, name=user.name, minutes=minutes)
    audit.record(actors.SYSTEM, "user.password_reset_requested", user, {"sent": sent,
                  "remote_addr": personal(remote_addr, ADDRESS, user.person_id if user else None)})


def change_password(user: User, current: str, new: str) -> None:
    """One's own password, proven by the current one. Every other session
    and every API token of the account ends."""
    if not passwords.check_password(user.password_hash, current or ""):
        raise ServiceError("password.wrong_current", N_("This is not your current password."),
                           field="current_password")
    revoked = users.replace_password(user, new)
    audit.record(user, "user.password_changed", user, {"tokens_revoked": revoked})


# --- the secretariat's changes --------------------------------------------------------

def set_roles(actor, user: User, roles) -> None:
    """Roles chosen on the accounts page. The secretariat keeps at least one
    active member, and nobody removes their own secretariat role."""
    _require_admin(actor)
    roles = sorted(set(roles or ()))
    if not roles:
        raise ServiceError("user.role_required", N_("Choose at least one role."), field="roles")
    if "admin" in user.roles and "admin" not in roles:
        if _is_self(actor, user):
            raise ServiceError("user.own_admin_role", N_("You cannot remove your own secretariat role."),
                               field="roles")
        if user.active and _active_admins() <= 1:
            raise ServiceError("user.last_admin", N_("This is the last active secretariat account: it keeps "
                                                     "its role."), field="roles")
    users.set_roles(actor, user, roles)


def deactivate(actor, user: User) -> None:
    """The account can no longer log in, its sessions end and its API tokens
    are revoked; its history stays."""
    _require_admin(actor)
    if not user.active:
        raise ServiceError("user.already_deactivated", N_("This account is already deactivated."))
    if _is_self(actor, user):
        raise ServiceError("user.deactivate_self", N_("You cannot deactivate your own account."))
    if user.has_role("admin") and _active_admins() <= 1:
        raise ServiceError("user.last_admin", N_("This is the last active secretariat account: it cannot be "
                                                 "deactivated."))
    user.active = False
    revoked = users.end_sessions(user, revoke_tokens=True)
    _void_links(user)
    audit.record(actor, "user.deactivated", user, {"tokens_revoked": revoked})


def reactivate(actor, user: User) -> None:
    """The account may log in again (its revoked tokens stay revoked)."""
    _require_admin(actor)
    if user.active:
        raise ServiceError("user.already_active", N_("This account is already active."))
    user.active = True
    db.session.flush()
    audit.record(actor, "user.reactivated", user)
