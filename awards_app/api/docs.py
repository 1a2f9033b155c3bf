"""The API's docs page: Swagger UI from the swagger-ui-bundle package,
served by the app itself (no CDN), with no inline script so the app's
Content-Security-Policy needs no exception."""

from flask import Blueprint, Response, abort, render_template_string, send_from_directory, url_for

API_PREFIX = "/api/v1"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>MILSET awards API</title>
  <link rel="stylesheet" href="{{ url_for('api_docs.asset', filename='swagger-ui.css') }}">
  <link rel="icon" type="image/png" href="{{ url_for('api_docs.asset', filename='favicon-32x32.png') }}">
</head>
<body>
  <div id="swagger-ui" data-spec-url="{{ url_for('api-docs.openapi_json') }}"></div>
  <script src="{{ url_for('api_docs.asset', filename='swagger-ui-bundle.js') }}"></script>
  <script src="{{ url_for('api_docs.asset', filename='swagger-ui-standalone-preset.js') }}"></script>
  <script src="{{ url_for('api_docs.init_script') }}"></script>
</body>
</html>
"""

INIT_SCRIPT = """window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true
  });
});
"""

bp = Blueprint("api_docs", __name__, url_prefix=API_PREFIX)


@bp.route("/docs")
def page():
    """Public, like the OpenAPI document it shows."""
    return render_template_string(PAGE, url_for=url_for)


@bp.route("/docs/init.js")
def init_script():
    return Response(INIT_SCRIPT, mimetype="text/javascript", headers={"Cache-Control": "max-age=3600"})


@bp.route("/docs/assets/<path:filename>")
def asset(filename: str):
    from swagger_ui_bundle import swagger_ui_path

    if filename not in ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
