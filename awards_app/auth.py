"""Password hashing (Argon2id) and the Flask-Login user loader."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

# argon2id with the library's recommended parameters. The test configuration
# asks for a cheap one (PASSWORD_HASHER = "fast"): the suite creates hundreds
# of accounts and the cost proves nothing there.
_HASHERS = {"default": PasswordHasher(),
            "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)}
# A fixed hash to verify against when the account does not exist, so an
# unknown email costs the same time as a wrong password.
_DUMMY_HASHES = {name: h.hash("timing-equaliser-not-a-password") for name, h in _HASHERS.items()}


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASHER", "default") if has_app_context() else "default"


def hash_password(password: str) -> str:
    return _HASHERS[_profile()].hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    profile = _profile()
    try:
        matched = _HASHERS[profile].verify(password_hash or _DUMMY_HASHES[profile], password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _HASHERS[_profile()].check_needs_rehash(password_hash)


def init_login(login_manager, app) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from awards_app.extensions import db
    from awards_app.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.unauthorized_handler
    def unauthorized():
        """A page asks for a login; a form sent without one keeps what was typed."""
        from flask import flash, redirect, request, url_for

        from awards_app.web.auth import login_keeping

        if request.method == "POST" and request.form:
            return login_keeping(request.form, request.path)
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id: str):
        # Every page reads the user, its roles (the menu, permissions) and its
        # person (the name in the header): one statement instead of three.
        user = db.session.scalars(
            select(User).where(User.id == int(user_id))
            .options(joinedload(User.person), joinedload(User.role_rows))).unique().first()
        return user if user is not None and user.active else None
