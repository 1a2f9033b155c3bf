"""Password hashing (Argon2id): the one place that knows how a password is stored."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# argon2id with the library's recommended parameters. The test configuration
# asks for a cheap one (PASSWORD_HASHER = "fast"): the suite creates hundreds
# of accounts and the cost proves nothing there.
_HASHERS = {"default": PasswordHasher(),
            "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)}


@cache
def _dummy_hash(profile: str) -> str:
    """A fixed hash to verify against when the account does not exist, so an
    unknown email costs the same time as a wrong password. Made at the first
    check, not at import: Argon2id's 64 MB and a tenth of a second would
    otherwise be spent by every process, `flask audit verify` included."""
    return _HASHERS[profile].hash("timing-equaliser-not-a-password")


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASHER", "default") if has_app_context() else "default"


def hash_password(password: str) -> str:
    return _HASHERS[_profile()].hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    profile = _profile()
    try:
        matched = _HASHERS[profile].verify(password_hash or _dummy_hash(profile), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _HASHERS[_profile()].check_needs_rehash(password_hash)
