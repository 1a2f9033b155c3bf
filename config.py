"""Configuration classes. Every secret and URL comes from the environment.

`APP_ENV` picks the class: development (default), testing or production.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _development_secret_key() -> str:
    """Keep one generated key per checkout so sessions survive a restart.

    Production must set SECRET_KEY itself; a key on disk is only acceptable
    on a developer's machine.
    """
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _roles_from_env(default: tuple[str, ...]) -> tuple[str, ...]:
    """SECOND_FACTOR_REQUIRED_ROLES="admin,board" in the environment overrides
    the class's default; an empty value requires it of no role."""
    value = os.environ.get("SECOND_FACTOR_REQUIRED_ROLES")
    if value is None:
        return default
    return tuple(r.strip() for r in value.split(",") if r.strip())


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI = _normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'awards.db'}")
    )
    # On PostgreSQL, two roles: DATABASE_URL is the app's runtime role (rows
    # only: no DDL, no UPDATE or DELETE of the audit trail), and
    # MIGRATION_DATABASE_URL the role that owns the schema, used by `flask db
    # upgrade`, `flask db grant-runtime` and `flask backup restore`. Unset, the
    # app's own URL does both (SQLite, or a one-role install).
    MIGRATION_DATABASE_URL = _normalise_database_url(os.environ.get("MIGRATION_DATABASE_URL", "")) or None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # How many reverse proxies stand in front of the app (nginx: 1). Their
    # X-Forwarded-For and X-Forwarded-Proto are then believed, so limits,
    # the audit trail and "strong" sessions see each judge's own address
    # rather than the proxy's (one address for a whole venue). 0: no proxy,
    # the headers are ignored (anyone could write them).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    REDIS_URL = os.environ.get("REDIS_URL")  # optional: rate-limit counters
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins. Counted in REDIS_URL when set, shared by every worker;
    # without it each worker counts alone (fine for one worker, `make run`).
    # An account is limited per address it is tried from, so guessing from
    # one place cannot lock its owner out from another; a looser ceiling per
    # account, whatever the address, slows a guesser using many addresses.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "50 per hour; 200 per day"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    # Asking for a reset link: every request counts (the answer is the same
    # whether the account exists), per address and per address typed.
    RESET_LIMIT_PER_ADDRESS = "10 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    # Single-use links sent by email: an invitation to set a first password,
    # and a password reset.
    INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))
    PASSWORD_RESET_VALID_MINUTES = int(os.environ.get("PASSWORD_RESET_VALID_MINUTES", "60"))
    # Between the password and the second factor's code, the login waits this long.
    LOGIN_CODE_MINUTES = 5
    # The roles that decide must have a second factor (TOTP) to use the app
    # or the API; none outside production unless the environment says so.
    SECOND_FACTOR_REQUIRED_ROLES = _roles_from_env(())
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    HSTS = False
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() == "true"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "awards@milset.org")
    # The address people reach the app at: links in emails are built from it.
    # A deployment fact, so it lives here and not on the Settings page: links
    # must be right before anyone has logged in, and the outbox worker, which
    # has no request, builds none from a Host header. `make run` and `make
    # serve` pass their own address.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # The audit log's signed checkpoints (services/audit_log.py). The signer
    # key (`flask audit keygen`) is never in the database: in the environment
    # or, better, a file only the app's user can read. The verifier keys are
    # public (one or more, space- or newline-separated): what `flask audit
    # verify` trusts. The origin names this log in every checkpoint; by
    # default PUBLIC_URL's host and path followed by /audit.
    AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY")
    AUDIT_SIGNING_KEY_FILE = os.environ.get("AUDIT_SIGNING_KEY_FILE")
    AUDIT_VERIFIER_KEYS = os.environ.get("AUDIT_VERIFIER_KEYS", "")
    AUDIT_ORIGIN = os.environ.get("AUDIT_ORIGIN")
    # Retention (`flask privacy retention`, daily): the login addresses the
    # audit log commits to are forgotten after this many days; a candidate
    # never chosen is erased this many years after their last cycle's year.
    RETENTION_LOGIN_ADDRESS_DAYS = int(os.environ.get("RETENTION_LOGIN_ADDRESS_DAYS", "90"))
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "5"))
    # What the secretariat changes on its Settings page (services/site.py);
    # the environment gives only the value used until it does, so a new
    # install shows the right name in its first notice.
    ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "MILSET")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "awards@milset.org")
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "UTC")
    # The mailbox page shows the body of a notice that still carries a working
    # link (an endorsement link) only where nobody but the developer reads it.
    MAILBOX_SHOWS_LINKS = True
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "fr", "es")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    # Request bodies: above the largest attachment a cycle allows (10 MB by
    # default) for a signed-in user; small for anyone else, whose only forms
    # are the login and an endorsement, so nobody can make the server spool a
    # large upload to disk before logging in.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_MB", "32")) * 1024 * 1024
    ANONYMOUS_MAX_CONTENT_LENGTH = 64 * 1024
    DEMO_ALLOWED = True


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    @property
    def SECRET_KEY(self):  # noqa: N802 - Flask reads the upper-case name
        return os.environ.get("SECRET_KEY") or _development_secret_key()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"  # noqa: S105 - the test configuration only
    SQLALCHEMY_DATABASE_URI = _normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )
    MIGRATION_DATABASE_URL = None  # never the environment's: tests/conftest.py sets its own
    AUDIT_SIGNING_KEY = AUDIT_SIGNING_KEY_FILE = AUDIT_ORIGIN = None  # tests set their own keys
    AUDIT_VERIFIER_KEYS = ""
    WTF_CSRF_ENABLED = False
    PASSWORD_HASHER = "fast"  # noqa: S105 - names a hashing profile, not a password


class ProductionConfig(Config):
    ENV_NAME = "production"
    HSTS = True
    MAILBOX_SHOWS_LINKS = False  # a single-use link is for its recipient, not the secretariat
    SECOND_FACTOR_REQUIRED_ROLES = _roles_from_env(("admin", "board", "chair"))
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_ALLOWED = False

    @property
    def SECRET_KEY(self):  # noqa: N802
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production")
        return key


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> Config:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
