"""Error pages and JSON errors: a clear message, never a stack trace."""

from urllib.parse import urlsplit

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from awards_app.extensions import db
from awards_app.i18n import rule_message
from awards_app.services import ServiceError
from awards_app.web import safe_next


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

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        db.session.rollback()
        app.logger.exception("database error")
        return _respond(503, "database.unavailable",
                        _("The service is briefly unavailable. Nothing was saved; please try again."))

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _respond(500, "server.error",
                        _("Something went wrong on our side. Nothing was saved; please try again."))
