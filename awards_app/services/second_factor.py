"""The second factor: a time-based code from an authenticator app (RFC 6238
TOTP), or one of ten single-use recovery codes for a lost phone.

A code is good once: the last accepted time step is kept and a code of that
step or an earlier one is refused, so a code read over a shoulder cannot be
replayed. One step of clock drift either way is accepted. Recovery codes
are stored only as SHA-256 hashes. The roles named in
SECOND_FACTOR_REQUIRED_ROLES must have one."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from awards_app.extensions import db
from awards_app.models import RecoveryCode, User
from awards_app.services import N_, Forbidden, ServiceError, actors, audit, users
from awards_app.services.personal_values import ADDRESS, personal

ISSUER = "MILSET Awards"
RECOVERY_CODES = 10
DRIFT = 1  # time steps accepted either side of now
WRONG_CODE = N_("This code is not right. Type the code your app shows now; check that your phone's clock is "
                "right.")


def required_for(user) -> bool:
    """The account holds a role that must have a second factor."""
    roles = current_app.config.get("SECOND_FACTOR_REQUIRED_ROLES") or ()
    return bool(roles) and user.has_role(*roles)


def must_enrol(user) -> bool:
    return required_for(user) and not user.has_second_factor


def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- enrolment ------------------------------------------------------------------------

def start(user: User) -> None:
    """A new secret for the authenticator app; it counts only once a code
    made from it is confirmed."""
    if user.has_second_factor:
        raise ServiceError("second_factor.already_on", N_("Your second factor is already on."))
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    db.session.flush()
    audit.record(user, "user.second_factor_started", user)


def provisioning(user: User) -> tuple[str, str]:
    """(the otpauth:// URI, an inline SVG QR code of it), drawn here: the
    secret never goes to another service."""
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return uri, segno.make(uri, error="m").svg_inline(scale=5, border=2)


def confirm(user: User, code: str) -> list[str]:
    """Turn the second factor on with a code from the app; returns the
    recovery codes, to show once."""
    if user.has_second_factor:
        raise ServiceError("second_factor.already_on", N_("Your second factor is already on."))
    if not user.totp_secret:
        raise ServiceError("second_factor.not_started", N_("Start the set-up first."))
    if not _use_totp(user, _normalise(code)):
        raise ServiceError("second_factor.wrong_code", WRONG_CODE, field="code")
    user.totp_enabled_at = datetime.now(UTC)
    codes = _new_recovery_codes(user)
    audit.record(user, "user.second_factor_enabled", user, {"recovery_codes": len(codes)})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, behind the login's rate limits
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- checking a code --------------------------------------------------------------------

def _use_totp(user: User, code: str) -> bool:
    """Accept a code of a step later than the last one accepted, claimed by
    one conditional update: of two logins sending the same code at once,
    one wins."""
    if len(code) != 6 or not code.isdigit() or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(datetime.now(UTC))
    for step in range(now - DRIFT, now + DRIFT + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                update(User).where(User.id == user.id,
                                   or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step).execution_options(synchronize_session=False))
            if claimed.rowcount == 1:
                user.totp_last_step = step
                return True
            return False
    return False


def _use_recovery_code(user: User, code: str) -> bool:
    claimed = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def complete_login(user: User, code: str, *, remote_addr: str | None = None) -> bool:
    """The second step of a login: True when the code (or a recovery code)
    is good. A failure is audited, never the code itself."""
    code = _normalise(code)
    if _use_totp(user, code):
        users.record_login(user, remote_addr, second_factor="totp")
        return True
    if len(code) == 10 and _use_recovery_code(user, code):
        users.record_login(user, remote_addr, second_factor="recovery_code",
                           recovery_codes_left=recovery_codes_left(user))
        return True
    audit.record(actors.SYSTEM, "auth.second_factor_failed", user,
                 {"remote_addr": personal(remote_addr, ADDRESS, user.person_id)})
    return False


# --- turning it off ---------------------------------------------------------------------

def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, code: str) -> None:
    """Turn one's own second factor off, proven by a current code; refused
    where the account's role requires one."""
    if not user.has_second_factor:
        raise ServiceError("second_factor.not_on", N_("Your second factor is not on."))
    if required_for(user):
        raise ServiceError("second_factor.required", N_("Your role requires a second factor: it stays on."),
                           field="code")
    if not _use_totp(user, _normalise(code)):
        raise ServiceError("second_factor.wrong_code", WRONG_CODE, field="code")
    _clear(user)
    audit.record(user, "user.second_factor_disabled", user)


def reset(actor, user: User) -> None:
    """The secretariat removes a lost phone's second factor; the account's
    owner sets up a new one (at their next login, where their role requires it)."""
    if not actor.has_role("admin"):
        raise Forbidden("user.admin_only", N_("Only the secretariat manages accounts."))
    if not user.has_second_factor and not user.totp_secret:
        raise ServiceError("second_factor.not_on", N_("This account has no second factor."))
    _clear(user)
    audit.record(actor, "user.second_factor_reset", user)
