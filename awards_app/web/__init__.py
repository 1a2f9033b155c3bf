"""Blueprints by user: thin views that check permission, then carry out one
service call with `carry_out`, the one place a page commits or rolls back."""

from urllib.parse import urlsplit

from awards_app.i18n import rule_message


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this app: never another host, never a scheme-relative URL."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def flash_refusal(exc) -> None:
    """Show each rule that refused, with its id, next to the page's content."""
    from flask import flash

    for rule in getattr(exc, "rules", None) or [{"rule": exc.rule, "message": exc.message}]:
        flash(f"{rule_message(rule['message'])} [{rule['rule']}]", "error")


def refusal_text(exc) -> str:
    """A refusal for a field's error list: its message in the reader's language and its rule id."""
    return f"{rule_message(exc.message)} [{exc.rule}]"


def form_field(form, path: str):
    """The form's field a service names, a row's field included: the
    services name the field of a list's row `list.<row>.<field>`."""
    from wtforms import FormField

    target = form
    for part in path.split("."):
        if isinstance(target, FormField):  # a row: its fields, not the row's own name and label
            target = target.form
        if part.isdigit():
            entries = getattr(target, "entries", None)
            target = entries[int(part)] if entries is not None and int(part) < len(entries) else None
        else:
            target = getattr(target, part, None)
        if target is None:
            return None
    return target if hasattr(target, "errors") and target is not form else None


def show_refusal(exc, form=None, field: str | None = None) -> None:
    """Put the refusal where the user looks: on the form's field the service
    names (or, when it names none the form has, on `field`, the view's choice),
    so the page shows it beside what they typed; with no such field, flash it."""
    target = None
    if form is not None:
        target = form_field(form, exc.field) if exc.field else None
        if target is None and field is not None:
            target = getattr(form, field)
    if target is not None:
        target.errors = [*target.errors, refusal_text(exc)]
    else:
        flash_refusal(exc)


def carry_out(action, form=None, *, field: str | None = None, show: bool = True):
    """Run one service call as the request's transaction, the only commit or
    rollback a view makes.

    `action` is the call (a lambda). When it returns, commit and return
    (True, its result). When the service refuses (ServiceError), roll back
    and return (False, the refusal), having shown it (`show_refusal`: on the
    field of `form` it names, else on `field`, else flashed); show=False
    leaves the showing to the view (a refused import's rows, say). A NotFound
    is the 404 page, the same as for a missing id. Any other error propagates
    to the error handlers, which roll back too.

    After the commit the view still flashes, builds its redirect and reads
    the reader's language from the objects it holds. The commit does not
    expire them: what they hold is what was just committed, and a fresh query
    then could fail (the database gone) after the change was saved, showing
    "Nothing was saved" over a saved change, so that a retry would repeat it.
    `g.committed` tells the error pages the truth if anything fails later."""
    from flask import abort, g

    from awards_app.extensions import db
    from awards_app.services import NotFound, ServiceError

    try:
        result = action()
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        if show:
            show_refusal(exc, form, field)
        return False, exc
    committed = db.session()
    expires = committed.expire_on_commit
    committed.expire_on_commit = False
    try:
        committed.commit()
    finally:
        committed.expire_on_commit = expires
    g.committed = True
    return True, result
