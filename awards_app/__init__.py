"""The MILSET award engine: create_app() wires extensions, blueprints,
error handlers and CLI commands, and does nothing else (no migrations, no
network calls)."""

from pathlib import Path

from flask import Flask

from config import config_for


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config = config_for(config_name)
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_object(config)
    app.config.update(overrides)
    trust_proxies(app, app.config.get("TRUSTED_PROXIES", 0))

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe the X-Forwarded-For and -Proto of `hops` reverse proxies (config.TRUSTED_PROXIES)."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    from flask_babel import get_locale

    from awards_app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from awards_app.i18n import rule_message, select_locale, time_left
    from awards_app.i18n.labels import (
        LANGUAGE_CHOICES,
        event_label,
        kind_label,
        language_name,
        method_label,
        personal_kind_label,
        proposal_kind_label,
        proposal_status_label,
        readable,
        role_label,
        round_label,
        setting_label,
        state_label,
        vote_label,
    )
    from awards_app.services import text
    from awards_app.web.forms import problems
    from awards_app.web.language import datetime_with_zone, select_timezone
    from awards_app.web.layout import init_layout
    from awards_app.web.login import init_login
    from awards_app.web.security import init_security

    db.init_app(app)
    text.guard(db.session)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_security(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_login(login_manager, app)
    init_layout(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["time_left"] = time_left
    app.jinja_env.globals["language_choices"] = LANGUAGE_CHOICES
    app.jinja_env.filters.update(state_label=state_label, event_label=event_label, kind_label=kind_label,
                                 rule_message=rule_message, role_label=role_label, setting_label=setting_label,
                                 method_label=method_label, vote_label=vote_label, readable=readable,
                                 language_name=language_name, datetimeformat=datetime_with_zone,
                                 proposal_kind_label=proposal_kind_label,
                                 proposal_status_label=proposal_status_label, form_problems=problems,
                                 personal_kind_label=personal_kind_label, round_label=round_label)


def register_blueprints(app: Flask) -> None:
    from awards_app.web import (
        account,
        admin,
        auth,
        awards,
        board,
        calendar,
        chair,
        codes,
        cycle_settings,
        cycles,
        delegations,
        endorse,
        evening,
        judges,
        judging,
        language,
        laureates,
        mailbox,
        main,
        nominate,
        offline,
        panels,
        people,
        reference,
        reports,
        rubric,
        screening,
        settings,
        settings_changes,
        shortlist,
        volunteer,
        witness,
    )

    for module in (main, auth, awards, cycles, cycle_settings, nominate, endorse, screening, delegations, judges,
                   judging, panels, chair, board, reports, admin, people, account, reference, laureates, mailbox,
                   settings, language, volunteer, calendar, witness, rubric, settings_changes, shortlist, offline,
                   codes, evening):
        app.register_blueprint(module.bp)
    _register_api(app)


def _register_api(app: Flask) -> None:
    """The JSON API, and the page where users manage their API tokens."""
    from awards_app.api import init_api
    from awards_app.web import tokens

    init_api(app)
    app.register_blueprint(tokens.bp)


def register_errorhandlers(app: Flask) -> None:
    from awards_app.web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from awards_app import cli

    cli.register(app)
