"""flask commands. Each calls the same services as the pages, then commits once."""

import secrets
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from awards_app.extensions import db
from awards_app.models import ROLES
from awards_app.services import ServiceError
from awards_app.services import audit as audit_service
from awards_app.services import users as user_service

users_cli = AppGroup("users", help="Manage login accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")
outbox_cli = AppGroup("outbox", help="Notices waiting to be sent.")

CLI_ACTOR = "cli"


def _fail(exc: ServiceError):
    db.session.rollback()
    raise click.ClickException(f"{exc.message} [{exc.rule}]")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True,
              help="A role; repeat for several.")
@click.option("--name", help="Full name (default: the part of the email before @).")
@click.option("--password", help="Set this password (default: print a generated one).")
def create_user(email, roles, name, password):
    """Create an account with one or more roles."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = user_service.create_user(CLI_ACTOR, email, name or email.split("@")[0], roles,
                                        password=password)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}.")
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked for when not given).")
def set_password(email, password):
    """Set an account's password."""
    user = user_service.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        user_service.set_password(CLI_ACTOR, user, password)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Password set for {user.email}.")


@demo_cli.command("load")
def demo_load():
    """Load MILSET demo data (idempotent). Refused in production."""
    from awards_app import demo

    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException("Demo data is refused in the production configuration.")
    summary = demo.load()
    db.session.commit()
    click.echo(summary.report())


@audit_cli.command("verify")
def audit_verify():
    """Recompute the whole chain; exit 1 naming the first event that does not match."""
    ok, count, head, problem = audit_service.verify_chain()
    if not ok:
        click.echo(f"Audit chain BROKEN after {count} good events: {problem}", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {count} events, head {head}")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many notices.")
def outbox_send(limit):
    """Send waiting notices by SMTP (MAIL_SERVER), or write them to the log."""
    from awards_app.services import outbox

    sent, failed = outbox.send_pending(limit)
    click.echo(f"Sent {sent} notice(s); {failed} failed and will be retried.")
    if failed:
        sys.exit(1)


def register(app) -> None:
    for group in (users_cli, demo_cli, audit_cli, outbox_cli):
        app.cli.add_command(group)
