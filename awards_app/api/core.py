"""What every API resource shares: the Api with our error shape, token and
session authentication, CSRF for cookie sessions, JSON errors, the one
commit per request, Idempotency-Key replays and SQL pagination."""

import hashlib
import http
import json
from functools import wraps

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, g, jsonify, request
from flask_login import current_user
from flask_smorest import Api, Blueprint, Page
from flask_wtf.csrf import validate_csrf
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from wtforms.validators import ValidationError

from awards_app.extensions import csrf, db
from awards_app.models import IdempotencyRecord
from awards_app.services import Refusal, ServiceError, second_factor, text
from awards_app.services import tokens as token_service
from awards_app.web import errors

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPES = frozenset({"application/json"})
IDEMPOTENCY_KEY_MAX = 200


class ErrorSchema(ma.Schema):
    """Every error the API answers: a stable code (a rule id, or http.<status>),
    a human message, and problems by field."""

    code = ma.fields.String(required=True, metadata={"description": "Rule id or http.<status>"})
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), required=True,
                            metadata={"description": "Problems by field; rules refused under 'rules'"})


class AwardsApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_pagination_header(self):
        """The header's value is JSON text: documented as a string, which is
        what a client (and a validator) actually receives."""
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata as JSON: total, total_pages, first_page, last_page, "
                           "page, previous_page, next_page.",
            "schema": {"type": "string"}}, lazy=True)


class ErrorResponsesPlugin(BasePlugin):
    """Documents the error answers every operation can give, so a client
    (and schemathesis) knows each status it may receive."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            codes = [400, 401, 403, 404, 422, 500]
            if method in ("post", "put", "patch", "delete"):
                codes += [409, 415]
            present = {str(code) for code in responses}
            for code in codes:
                if str(code) not in present:
                    # Named as flask-smorest registers them (HTTPStatus names vary by Python version).
                    responses[code] = http.HTTPStatus(code).name
            operation.setdefault("security", [{"bearerAuth": []}])


# --- errors -------------------------------------------------------------------

def error_response(status: int, code: str, message: str, errors=None, headers=None):
    response = jsonify({"code": code, "message": message, "errors": errors or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


HTTP_MESSAGES = {
    400: "The request could not be understood.",
    401: "Send a valid API token (Authorization: Bearer ...) or log in.",
    403: "You may see this, but not do that.",
    404: "This does not exist, or you may not see it.",
    405: "That method is not allowed here.",
    413: "The request body is too large. Nothing was saved.",
    415: "Send the body as application/json.",
    422: "The request body or parameters are invalid.",
}


def handle_http_exception(exc: HTTPException):
    db.session.rollback()
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages") or {}
    if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "files", "headers",
                                                      "path", "view_args"}:
        # webargs nests problems under the location; one flat map is easier to read.
        flat = {}
        for problems in errors.values():
            flat.update(problems if isinstance(problems, dict) else {"_schema": problems})
        errors = flat
    headers = dict(data.get("headers") or {})
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    code = data.get("code") or f"http.{exc.code}"
    message = data.get("message") or HTTP_MESSAGES.get(exc.code) or exc.description or exc.name
    return error_response(exc.code or 500, code, message, _jsonable(errors), headers)


def _jsonable(errors):
    if isinstance(errors, dict):
        return {str(k): _jsonable(v) for k, v in errors.items()}
    if isinstance(errors, list | tuple):
        return [_jsonable(v) for v in errors]
    return str(errors) if not isinstance(errors, int | float | bool) and errors is not None else errors


def handle_service_error(exc: ServiceError):
    """A service's refusal, with its rule id as the code. Refusal lists
    every rule that refused it under errors.rules."""
    db.session.rollback()
    if isinstance(exc, Refusal):
        return error_response(409, exc.rule, exc.message, {
            "rules": [r["rule"] for r in exc.rules],
            "messages": [r["message"] for r in exc.rules]})
    sheet_errors = getattr(exc, "errors", None)
    if isinstance(sheet_errors, dict):  # scoring.SheetErrors: problems by criterion
        return error_response(422, exc.rule, exc.message, _jsonable(sheet_errors))
    if isinstance(sheet_errors, list):  # delegation import: rows with problems
        return error_response(422, exc.rule, exc.message, {"rows": [
            {"line": e.line, "field": e.field, "rule": e.rule, "message": e.message} for e in sheet_errors]})
    if exc.status in (403, 404):
        return error_response(exc.status, exc.rule, exc.message)
    errors = {exc.field: [exc.message]} if exc.field else {}
    return error_response(422, exc.rule, exc.message, errors)


def handle_unexpected(exc: Exception):
    """A broken request: 503 when the database is out of reach (a client may
    retry), else 500. Either says "nothing was saved" only when that is true:
    after `write` committed, the change stands and a retry would repeat it."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, ServiceError):
        return handle_service_error(exc)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a connection already gone has nothing to roll back
        current_app.logger.exception("rollback after a failed API request")
    saved = errors.SAVED_NOT_SHOWN if errors.committed() else None
    if errors.database_unavailable(exc):
        current_app.logger.exception("database error in the API")
        return error_response(503, "database.unavailable",
                              saved or "The service is briefly unavailable. Nothing was saved; please try again.",
                              headers={"Retry-After": "5"} if saved is None else None)
    current_app.logger.exception("unhandled API error")
    return error_response(500, "server.error",
                          saved or "Something went wrong on our side. Nothing was saved; please try again.")


# --- authentication -------------------------------------------------------------

def authenticate():
    """Runs before every API view. A Bearer token, when sent, is the only
    credential considered (CSRF does not apply); otherwise the session
    cookie, with the X-CSRFToken header required on unsafe methods."""
    if request.method == "OPTIONS":
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        row = token_service.live_token(token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            return error_response(401, "auth.invalid_token", "This token is unknown or revoked.",
                                  headers={"WWW-Authenticate": 'Bearer realm="api"'})
        if second_factor.must_enrol(row.user):
            return _second_factor_required()
        if token_service.record_use(row):
            db.session.commit()  # the token's last use, committed apart from the request's own work
        user = row.user
        # Acts as the token's user for this request only: no session is created.
        current_app.login_manager._update_request_context_with_user(user)
        g.api_auth = "token"
        return None
    g.pop("api_auth", None)
    if not current_user.is_authenticated:
        return error_response(401, "auth.required", HTTP_MESSAGES[401],
                              headers={"WWW-Authenticate": 'Bearer realm="api"'})
    g.api_auth = "session"
    if second_factor.must_enrol(current_user):
        return _second_factor_required()
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except ValidationError as exc:
            return error_response(400, "csrf.invalid",
                                  "A cookie session needs the X-CSRFToken header on this request.",
                                  {"X-CSRFToken": [str(exc)]})
    return None


def _second_factor_required():
    """A user whose role requires a second factor uses neither the pages nor
    the API, by token or by session, until they have set one up."""
    return error_response(403, "auth.second_factor_required",
                          "Your role requires a second factor: set it up on your account page (/account) "
                          "before using the API.")


def forget_token_user(_exc=None):
    """The token's user is this request's only: never left behind in g (an
    app context shared by several requests, as in tests, would keep it)."""
    if g.pop("api_auth", None) == "token":
        g.pop("_login_user", None)


MAX_ID = 2**31 - 1


def ids_in_range():
    """An id in the path too large for any row is simply not found."""
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        return error_response(404, "http.404", HTTP_MESSAGES[404])
    return None


MAX_PAGE = 1_000_000  # with at most 100 a page, an offset any database can hold


def pages_in_range():
    """A page number past any list's end is refused by name, before it can
    overflow the database's offset."""
    page = request.args.get("page", "")
    if page.isdigit() and int(page) > MAX_PAGE:
        return error_response(422, "pagination.page_too_large", HTTP_MESSAGES[422],
                              {"page": [f"Must be at most {MAX_PAGE}."]})
    return None


def _control_characters(value, path=()):
    """The paths of the strings in a JSON document that hold a control character."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _control_characters(v, (*path, str(k)))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _control_characters(v, (*path, str(i)))]
    return [".".join(path) or "_schema"] if text.has_control_character(value) else []


def text_without_control_characters():
    """Refused at the field, in the body or the query, before any service."""
    found = [name for name, value in request.args.items(multi=True) if text.has_control_character(value)]
    if request.is_json:
        found += _control_characters(request.get_json(silent=True))
    if found:
        return error_response(422, "input.control_character", text.MESSAGE, {p: [text.MESSAGE] for p in found})
    return None


def require_json_body():
    """415 for a JSON-taking operation sent something other than JSON."""
    if request.method in SAFE_METHODS or request.method == "DELETE":
        return None
    view = current_app.view_functions.get(request.endpoint)
    arguments = (getattr(view, "_apidoc", {}) or {}).get("arguments", {})
    takes_json = any(p.get("in") == "json" for p in arguments.get("parameters", []) if isinstance(p, dict))
    if takes_json and request.mimetype not in JSON_TYPES:
        return error_response(415, "http.415", HTTP_MESSAGES[415])
    return None


def api_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint of the API: authenticated, CSRF handled here, JSON errors."""
    bp = Blueprint(name, __name__, url_prefix="/api/v1", description=description)
    csrf.exempt(bp)
    bp.before_request(authenticate)
    bp.before_request(ids_in_range)
    bp.before_request(pages_in_range)
    bp.before_request(text_without_control_characters)
    bp.before_request(require_json_body)
    bp.teardown_request(forget_token_user)
    bp.register_error_handler(HTTPException, handle_http_exception)
    bp.register_error_handler(ServiceError, handle_service_error)
    bp.register_error_handler(Exception, handle_unexpected)
    return bp


def abort_json(status: int, code: str | None = None, message: str | None = None, errors=None):
    from flask_smorest import abort

    kwargs = {"message": message or HTTP_MESSAGES.get(status, "")}
    if code:
        kwargs["code"] = code
    if errors:
        kwargs["errors"] = errors
    abort(status, **kwargs)


def not_found():
    abort_json(404)


def forbidden(code: str = "http.403", message: str | None = None):
    abort_json(403, code, message)


# --- one commit per request, Idempotency-Key ---------------------------------

def _request_fingerprint() -> str:
    """What makes two requests 'the same': method, path and the body's content
    (for multipart: the fields and each file's name and hash, not the boundary)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype in JSON_TYPES:
        try:
            body = json.dumps(request.get_json(silent=False), sort_keys=True, separators=(",", ":"))
        except Exception:  # noqa: BLE001 - invalid JSON is hashed as sent
            body = request.get_data(as_text=False).decode("latin-1")
        digest.update(body.encode())
    elif request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"form:{name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"file:{name}:{upload.filename}:{hashlib.sha256(content).hexdigest()}\n".encode())
    else:
        digest.update(request.get_data())
    return digest.hexdigest()


def _replay(record: IdempotencyRecord):
    response = jsonify(record.body)
    response.status_code = record.status
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find_record(key: str):
    return db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key))


def _check_replay(key: str, fingerprint: str):
    record = _find_record(key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        abort_json(422, "idempotency.key_reused",
                   "This Idempotency-Key was used with another request; use a new key.",
                   {"Idempotency-Key": ["Already used with a different request body."]})
    return _replay(record)


def write(idempotent: bool = False):
    """The view changes data: commit once when it succeeds. With
    idempotent=True an Idempotency-Key header makes a retry (same key, same
    user, same request) return the first response and create nothing new."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key") if idempotent else None
            fingerprint = None
            if key is not None:
                key = key.strip()
                if not key or len(key) > IDEMPOTENCY_KEY_MAX:
                    abort_json(422, "idempotency.key_invalid",
                               f"An Idempotency-Key has 1 to {IDEMPOTENCY_KEY_MAX} characters.",
                               {"Idempotency-Key": ["Invalid length."]})
                fingerprint = _request_fingerprint()
                replay = _check_replay(key, fingerprint)
                if replay is not None:
                    return replay
            response = current_app.make_response(view(*args, **kwargs))
            if key is not None and 200 <= response.status_code < 300 and response.is_json:
                db.session.add(IdempotencyRecord(
                    user_id=current_user.id, key=key, request_hash=fingerprint,
                    status=response.status_code, body=response.get_json(),
                    location=response.headers.get("Location")))
            try:
                db.session.commit()
            except IntegrityError:
                # A concurrent retry with the same key committed first: answer as it did.
                db.session.rollback()
                replay = _check_replay(key, fingerprint) if key is not None else None
                if replay is None:
                    raise
                return replay
            g.committed = True  # from here on, a failure must not say "nothing was saved"
            return response

        return wrapper

    return decorator


# --- pagination ---------------------------------------------------------------

class SelectPage(Page):
    """Pages through a SQLAlchemy select in the database (count + limit/offset)."""

    @property
    def items(self):
        first, last = self.page_params.first_item, self.page_params.last_item
        return list(db.session.scalars(self.collection.offset(first).limit(last - first + 1)))

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(
            self.collection.order_by(None).subquery())) or 0
