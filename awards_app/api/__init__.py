"""The JSON API at /api/v1 (flask-smorest + marshmallow): the same services
and permission rules as the pages, its OpenAPI document at
/api/v1/openapi.json and a docs page at /api/v1/docs whose assets the app
serves itself."""

from flask import Flask, request
from werkzeug.exceptions import MethodNotAllowed

from awards_app.api.core import AwardsApi, ErrorResponsesPlugin

API_PREFIX = "/api/v1"


def _configure(app: Flask) -> None:
    for key, value in {
        "API_TITLE": "MILSET awards API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {"info": {"description": (
            "Authenticate with a personal token from /profile/tokens sent as "
            "`Authorization: Bearer mla_...`. A user whose role requires a second factor gets 403 "
            "`auth.second_factor_required` until they have set one up on /account. "
            "Errors are {code, message, errors}; a refused "
            "transition is 409 with errors.rules. Lists are paginated (page, page_size; "
            "X-Pagination header). Creating POSTs accept an Idempotency-Key header.")}},
    }.items():
        app.config.setdefault(key, value)


def _allow_header_on_405(response):
    """Werkzeug's 405 knows the allowed methods; the JSON error handlers drop
    the Allow header RFC 9110 requires, so it is put back here."""
    exc = request.routing_exception
    if (response.status_code == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods
            and "Allow" not in response.headers):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def init_api(app: Flask) -> AwardsApi:
    from awards_app.api import board, catalogue, docs, judging, nominations, volunteer

    _configure(app)
    api = AwardsApi(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A personal API token (mla_...) from /profile/tokens."})
    for module in (catalogue, nominations, judging, board, volunteer):
        api.register_blueprint(module.bp)
    app.register_blueprint(docs.bp)
    app.after_request(_allow_header_on_405)
    app.extensions["awards_api"] = api
    return api
