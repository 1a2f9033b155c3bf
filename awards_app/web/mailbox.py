"""The secretariat's mailbox: every notice the app wrote, whether it went,
and its text. `make run` shows every notice here with no mail server.

A notice still carrying a working single-use link (an endorsement link not
yet sent) shows its text only where MAILBOX_SHOWS_LINKS is set (development
and tests): in production the link is for its recipient alone, so the page
shows who, what and when, and the text once the link is cut out at sending."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from awards_app.permissions import role_required
from awards_app.services import outbox
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("mailbox", __name__, url_prefix="/admin/mailbox")

URL = re.compile(r"https?://[^\s<>\"']+")


class RetryForm(Form):
    """Only the CSRF token: the notice is in the URL."""


def _linked(text: str) -> Markup:
    """The plain text, escaped, with its links clickable."""
    escaped = str(escape(text))
    return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))  # noqa: S704  # nosec B704 - the text was escaped first; only http(s) links are wrapped


def body_shown(message) -> bool:
    return not message.secret or current_app.config.get("MAILBOX_SHOWS_LINKS", False)


@bp.route("/")
@role_required("admin")
def index():
    page = request.args.get("page", 1, type=int)
    messages, pages = outbox.mailbox(page)
    return render_template("admin/mailbox.html", messages=messages, page=min(max(page, 1), pages), pages=pages,
                           status=outbox.status, max_attempts=outbox.MAX_ATTEMPTS)


@bp.route("/<int:message_id>")
@role_required("admin")
def show(message_id: int):
    message = outbox.find(message_id)
    if message is None:
        abort(404)
    return render_template("admin/mailbox_message.html", message=message, status=outbox.status(message),
                           body=_linked(message.body) if body_shown(message) else None,
                           retry_form=RetryForm(), max_attempts=outbox.MAX_ATTEMPTS)


@bp.route("/<int:message_id>/retry", methods=["POST"])
@role_required("admin")
def retry(message_id: int):
    if not RetryForm().validate_on_submit():
        abort(400)
    if carry_out(lambda: outbox.retry(current_user, outbox.get(message_id)))[0]:
        flash(_("The notice will be sent on the worker's next pass."), "success")
    return redirect(url_for("mailbox.show", message_id=message_id), 303)
