"""Blueprints by user: thin views that check permission, call one service, commit."""

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


def carry_out(action):
    """Run one service call as the request's transaction: commit and return
    (True, its result), or roll back, show the refusal and return (False,
    the refusal)."""
    from awards_app.extensions import db
    from awards_app.services import ServiceError

    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return False, exc
    db.session.commit()
    return True, result


def refusal_text(exc) -> str:
    """A refusal for a field's error list: its message in the reader's language and its rule id."""
    return f"{rule_message(exc.message)} [{exc.rule}]"
