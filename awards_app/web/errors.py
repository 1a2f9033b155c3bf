"""Error pages and JSON errors: a clear message, never a stack trace."""

from urllib.parse import urlsplit

from flask import g, jsonify, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect as inspect_row
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from awards_app.extensions import db
from awards_app.i18n import rule_message
from awards_app.services import N_, ServiceError
from awards_app.web import safe_next

try:  # the PostgreSQL driver, when installed: its own error, should one escape unwrapped
    from psycopg import OperationalError as DriverOperationalError
except ImportError:  # pragma: no cover - SQLite only
    DriverOperationalError = OperationalError

# The database is out of reach (connection dropped, server gone, no connection
# free in the pool): 503, for the pages and the API alike.
DATABASE_UNAVAILABLE = (OperationalError, DisconnectionError, PoolTimeoutError, DriverOperationalError)

# What the error pages say when the request had already committed its change.
SAVED_NOT_SHOWN = N_("Your change was saved; the page could not be shown. Reload it.")


def database_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def committed() -> bool:
    """Whether this request has committed its change (web.carry_out, api.core.write)."""
    return bool(g.get("committed"))


def forget_commit() -> None:
    """Each request starts with nothing committed (an app context, and so g,
    can outlive one request, as in tests)."""
    g.pop("committed", None)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _respond(status: int, code: str, message: str, errors=None):
    if _wants_json():
        body = {"code": code, "message": message, "errors": errors or {}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, code=code, message=message), status


def _page_sent_from() -> str:
    """The page of this site the form was sent from, else the home page."""
    sent_from = urlsplit(request.referrer or "")
    if sent_from.netloc != request.host:
        return url_for("main.home")
    return safe_next(sent_from.path + (f"?{sent_from.query}" if sent_from.query else ""), url_for("main.home"))


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        """A form without this site's valid token may have been forged by
        another site: its values are shown for copying, never offered for
        sending again (a fresh token would arm the forgery), and a password
        is never shown back."""
        if _wants_json() or request.method != "POST":
            return _respond(400, "csrf.invalid", _("The form expired. Reload the page and try again."))
        shown = [(k, v) for k, v in request.form.items(multi=True)
                 if k != "csrf_token" and "password" not in k.lower() and v.strip()]
        return render_template("errors/csrf.html", shown=shown, back=_page_sent_from()), 400

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return _respond(exc.status, exc.rule, rule_message(exc.message))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            404: _("This page does not exist, or you may not see it."),
            403: _("You may see this, but not do that."),
            405: _("That action is not allowed here."),
            400: _("The request could not be understood."),
            429: _("Too many attempts. Wait a few minutes and try again."),
            413: _("What was sent is too large. Nothing was saved."),
        }
        response = _respond(exc.code, f"http.{exc.code}", messages.get(exc.code, exc.description))
        return response

    def _failed(status: int, code: str, not_saved: str):
        """The answer to a request that broke: "nothing was saved" only when
        that is true. The reader's language is settled while the account
        is still in memory; if even that needs the lost database, English.
        The page then shows no account menu: rendering it could need the
        database again."""
        try:
            locale = str(get_locale())
        except Exception:  # noqa: BLE001 - the database that broke the request
            locale = "en"
        account = inspect_row(g.get("_login_user"), raiseerr=False)
        if account is not None and account.session is not None:
            # Kept as loaded, not expired by the rollback: nothing after this
            # may need the database to read who is signed in.
            db.session.expunge(account.obj())
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a connection already gone has nothing to roll back
            app.logger.exception("rollback after a failed request")
        with force_locale(locale):
            message = _(SAVED_NOT_SHOWN) if committed() else _(not_saved)
            if _wants_json():
                return _respond(status, code, message)
            try:
                return render_template("errors/error.html", status=status, code=code, message=message,
                                       bare=True), status
            except Exception:  # noqa: BLE001 - the page itself needed what is lost
                app.logger.exception("error page")
                return message, status, {"Content-Type": "text/plain; charset=utf-8"}

    def _database_unavailable(exc):
        app.logger.exception("database error")
        return _failed(503, "database.unavailable",
                       N_("The service is briefly unavailable. Nothing was saved; please try again."))

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if database_unavailable(exc):
            return _database_unavailable(exc)
        app.logger.exception("unhandled error")
        return _failed(500, "server.error",
                       N_("Something went wrong on our side. Nothing was saved; please try again."))

    app.before_request_funcs.setdefault(None, []).insert(0, forget_commit)
