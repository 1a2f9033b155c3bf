"""Flask-Login glue: who is signed in, and where a missing login sends them."""

from flask_babel import lazy_gettext as _l


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
