"""Flask-Login glue: who is signed in, and where a missing login sends them."""

from flask import render_template, session, url_for
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from awards_app.web.forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


KEEP = "keep::"  # prefix of the fields a POST carried when its session had ended


def kept_fields(form) -> list[tuple[str, str]]:
    """What the user had typed into a form they sent after their session ended."""
    # A password is never written back into a page.
    return [(k, v) for k, v in form.items(multi=True)
            if k != "csrf_token" and not k.startswith(KEEP) and "password" not in k.lower()]


def login_keeping(form_data, target: str):
    """The login page, carrying what was typed, so nothing is lost: after
    logging in, the user sees it again and sends it with a fresh token."""
    return render_template("auth/login.html", form=LoginForm(formdata=None), keep_prefix=KEEP,
                           kept=kept_fields(form_data),
                           action=url_for("auth.login", next=target)), 401


def init_login(login_manager, app) -> None:
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import joinedload

    from awards_app.extensions import db
    from awards_app.models import User
    from awards_app.services import site

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.unauthorized_handler
    def unauthorized():
        """A page asks for a login; a form sent without one keeps what was typed."""
        from flask import flash, redirect, request, url_for

        if request.method == "POST" and request.form:
            return login_keeping(request.form, request.path)
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    # Built once: the same statement on every request, the account's id bound.
    user_statement = (select(User, *site.saved_columns()).where(User.id == bindparam("user_id"))
                      .options(joinedload(User.person), joinedload(User.role_rows)))

    @login_manager.user_loader
    def load_user(user_id: str):
        # Every page reads the user, its roles (the menu, permissions), its
        # person (the name in the header) and the site's settings (the
        # footer): one statement instead of four, one round trip to the database.
        row = db.session.execute(user_statement, {"user_id": int(user_id)}).unique().first()
        if row is None:
            return None
        user = row[0]
        site.remember(list(row[1:]))
        if user is None or not user.active or session.get("epoch", 0) != user.session_epoch:
            return None  # signed out everywhere since this cookie was issued
        return user
