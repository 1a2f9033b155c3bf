"""Small predicates over the acting user. Views and the API ask these; a
missing permission to see becomes 404, to act becomes 403."""

from functools import wraps

from flask import abort
from flask_login import current_user


def is_secretariat(user) -> bool:
    return user.is_authenticated and user.has_role("admin")


def can_read_audit(user) -> bool:
    return user.is_authenticated and user.has_role("board", "auditor", "admin")


def role_required(*roles):
    """A view only for these roles; anyone else gets 404, as if it did not exist."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(404)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def can_view_nomination(user, nomination) -> bool:
    """Who may see a nomination at all; everyone else gets 404.

    Nominators see only their own; the secretariat, the board and auditors
    see every one (judges and chairs are added with panels).
    """
    if not user.is_authenticated:
        return False
    if nomination.nominator_id == user.id:
        return True
    if nomination.state == "draft":
        return False  # another nominator's draft is nobody else's business yet
    if user.has_role("admin", "board", "auditor"):
        return True
    return _judges_it(user, nomination)


def _judges_it(user, nomination) -> bool:
    """An assigned judge, or the cycle's chair, with no conflict hiding it."""
    from sqlalchemy import exists, select

    from awards_app.extensions import db
    from awards_app.models import Assignment
    from awards_app.services import conflicts, panels

    if not user.has_role("judge", "chair") or conflicts.is_hidden_from(user, nomination):
        return False
    assigned = db.session.scalar(select(exists().where(Assignment.judge_id == user.id,
                                                       Assignment.nomination_id == nomination.id)))
    return bool(assigned) or panels.is_chair(user, nomination.cycle)


def can_edit_nomination(user, nomination) -> bool:
    return nomination.nominator_id == user.id and nomination.state == "draft"
