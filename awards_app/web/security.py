"""Response headers, request size, session lifetimes and the login rate limits."""

import secrets
from datetime import UTC, datetime

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from awards_app.web.login import login_keeping


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _set_headers(response):
    """Scripts run only from this app or with this response's nonce; nothing
    may frame the pages, and no object or base tag can be injected."""
    policy = (f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; style-src 'self'; "
              "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
              "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        # Nearly every answer is personal (a dashboard, a report, a file, a
        # token, a form with its CSRF token): no browser or proxy may keep it.
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("HSTS"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _enforce_session_lifetime():
    """Idle and absolute timeouts, on top of the signed cookie's own expiry."""
    # The session says whether someone is logged in: reading current_user
    # here would load the account from the database for every request,
    # static files and health checks included.
    if "_user_id" not in session or request.endpoint in (None, "static"):
        return None
    now = datetime.now(UTC).timestamp()
    started = session.setdefault("started_at", now)
    seen = session.get("seen_at", now)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - seen > idle or now - started > absolute:
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        if request.method == "POST" and request.form:
            return login_keeping(request.form, request.path)
        flash(_("Your session ended; please log in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    # Rewritten at most every half minute: a changed session is signed and
    # sent back as a new cookie with every response.
    if now - seen >= 30 or "seen_at" not in session:
        session["seen_at"] = now
    return None


def _limit_anonymous_body():
    """A visitor with neither a session nor a token sends at most a small
    form; the larger MAX_CONTENT_LENGTH is for signed-in uploads."""
    if "_user_id" not in session and "Authorization" not in request.headers:
        request.max_content_length = current_app.config["ANONYMOUS_MAX_CONTENT_LENGTH"]


def init_security(app) -> None:
    app.after_request(_set_headers)
    # First of all before-request hooks: CSRF protection reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_anonymous_body)
    app.before_request(_enforce_session_lifetime)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    if app.config.get("ENV_NAME") == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.logger.warning("REDIS_URL is not set: each worker counts failed logins on its own, so the "
                           "login limits are multiplied by the number of workers.")


# The session key of a login waiting for its second factor's code.
PENDING_LOGIN = "pending_login"


def _typed_email() -> str:
    """The account a login concerns: the email typed, or on the second
    step, the one whose password was accepted, so guessing codes counts
    against the same account as guessing passwords."""
    typed = request.form.get("email")
    if typed is None:
        typed = (session.get(PENDING_LOGIN) or {}).get("email")
    return (typed or "").strip().lower()[:254]


def login_account_key() -> str:
    """Counts failed logins per account (the email typed), from any address."""
    return "login-account:" + _typed_email()


def login_account_and_address_key() -> str:
    """Counts failed logins per account and the address they come from."""
    return f"login-account-address:{_typed_email()}:{request.remote_addr}"


def record_login_limited(request_limit) -> None:
    """Audit a refused login once per limit, key and window: a guesser
    hammering the form must not flood the audit trail as well."""
    from limits import parse

    from awards_app.extensions import limiter
    from awards_app.services import users
    from awards_app.web import carry_out

    once = parse(f"1 per {request_limit.limit.get_expiry()} seconds")
    if limiter.limiter.hit(once, "login-limited-audit", request_limit.key):
        carry_out(lambda: users.record_login_limited(_typed_email(), request.remote_addr,
                                                     str(request_limit.limit)))


def reset_account_key() -> str:
    """Counts requests for a reset link per address typed, known or not."""
    return "reset-account:" + _typed_email()


def failed_login(response) -> bool:
    """Only failures count toward the limits: a success redirects (or, with
    a second factor and a kept form, asks for the code)."""
    return response.status_code != 302 and not g.get("password_accepted")
