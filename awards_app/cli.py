"""flask commands. Each calls the same services as the pages, then commits once."""

import secrets
import sys
from datetime import UTC

import click
from flask import current_app
from flask.cli import AppGroup

from awards_app.extensions import db
from awards_app.models import ROLES
from awards_app.services import ServiceError, accounts
from awards_app.services import audit as audit_service
from awards_app.services import users as user_service
from awards_app.services.actors import SystemActor

users_cli = AppGroup("users", help="Manage login accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")
outbox_cli = AppGroup("outbox", help="Notices waiting to be sent.")
cycles_cli = AppGroup("cycles", help="Award cycles.")
workflows_cli = AppGroup("workflows", help="The award state machines.")
backup_cli = AppGroup("backup", help="Back up and restore the whole database.")
certificates_cli = AppGroup("certificates", help="Certificates and letters of an ESI, made in batches.")
calendar_cli = AppGroup("calendar", help="The cycles' dates: steps and reminders that happen by themselves.")


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_create(target):
    """Write a backup of the database to TARGET (SQLite file or pg_dump archive)."""
    from awards_app.services import backup

    chain = audit_service.verify_chain()
    try:
        backup.create(db.engine, target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {target}: audit chain of {chain.count} events, head {chain.head_hash}"
               + ("" if chain.ok else " (the chain did NOT verify at backup time)"))


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(source, yes):
    """Replace the database's content with the backup in SOURCE."""
    from awards_app.services import backup, db_roles

    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        # Dropping and re-creating the tables is the owner's right alone.
        backup.restore(db_roles.owner_engine(), source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if role := db_roles.runtime_role():
        with db_roles.owner_engine().begin() as conn:
            db_roles.grant_runtime(conn, role)
    chain = audit_service.verify_chain()
    click.echo(f"Restored from {source}: audit chain of {chain.count} events, head {chain.head_hash}"
               + ("" if chain.ok else f"; the chain does NOT verify: {chain.problem}"))

# Whoever runs a command has the server's shell: every role (`cycles fire
# --as-role` picks one), recorded as "cli".
CLI_ACTOR = SystemActor("cli", roles=frozenset(ROLES))


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


@users_cli.command("invite")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True,
              help="A role; repeat for several.")
@click.option("--name", required=True, help="Full name.")
@click.option("--locale", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True,
              help="The language of the invitation and of the account.")
def invite_user(email, roles, name, locale):
    """Create an account without a password and email its owner a link to choose one."""
    try:
        user, message = accounts.invite(CLI_ACTOR, email, name, roles, locale=locale)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Invited {user.email} with roles {', '.join(sorted(user.roles))}. The link to choose a "
               f"password is in the outbox (message {message.id}); `flask outbox send` delivers it.")


def _switch_active(email: str, action, done: str) -> None:
    user = user_service.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        action(CLI_ACTOR, user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"{user.email}: {done}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Stop an account from logging in (its API tokens are revoked; its history stays)."""
    _switch_active(email, accounts.deactivate, "deactivated")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_user(email):
    """Let a deactivated account log in again."""
    _switch_active(email, accounts.reactivate, "reactivated")


@click.command("setup")
def setup():
    """Create the award types, MILSET's regions, the countries and the ESI
    editions so far (idempotent; allowed in production)."""
    from sqlalchemy import func, select

    from awards_app.models import UserRole
    from awards_app.services import setup as setup_service

    try:
        report = setup_service.run(CLI_ACTOR)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    for kind, created in report.created.items():
        present = report.present[kind]
        if created:
            click.echo(f"{kind}: {created} created" + (f", {present} already present" if present else ""))
        else:
            click.echo(f"{kind}: already present ({present})")
    if report.names_filled:
        click.echo(f"Missing names filled in for {report.names_filled} region(s) or country(ies).")
    admins = db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role == "admin"))
    if admins:
        click.echo(f"{admins} administrator account(s) exist.")
    else:
        click.echo("No administrator yet. Create the first one with:\n"
                   "  flask users create you@example.org --role admin")


@demo_cli.command("load")
@click.option("--scale", type=int, default=0, show_default=True,
              help="Also add N large cycles (about 2,000 nominations each) for benchmarks.")
def demo_load(scale):
    """Load MILSET demo data (idempotent). Refused in production."""
    from awards_app import demo

    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException("Demo data is refused in the production configuration.")
    summary = demo.load()
    db.session.commit()
    click.echo(summary.report())
    if scale > 0:
        from awards_app.demo import scale as demo_scale

        with click.progressbar(length=demo_scale.expected_rows(scale), label="Generating the large data set") as bar:
            counts = demo_scale.load(scale, progress=bar.update)
        db.session.commit()
        demo_scale.analyze()
        click.echo("Large data set: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@audit_cli.command("verify")
@click.option("--checkpoint", "held", type=click.File(encoding="utf-8"),
              help="A signed checkpoint held outside the database (e.g. from a notice to the board).")
@click.option("--key", "keys", multiple=True, metavar="VERIFIER_KEY",
              help="A verifier key to check signatures with (repeatable; default AUDIT_VERIFIER_KEYS).")
def audit_verify(held, keys):
    """Recompute the chain and the Merkle tree from every event and check them
    against the head, the stored subtrees and every signed checkpoint; exit 1
    with one line per failure, naming the first bad event or the bad checkpoint.

    With --checkpoint and --key, the held checkpoint's signature is checked
    with those keys only, and the events must give its root at its size:
    nothing in the database is trusted. A log that verifies is checkpointed
    (the chain's unsigned checkpoint), so the board's report need only
    verify the events after it.
    """
    import time

    from awards_app.services import audit_log

    start = time.perf_counter()
    try:
        log = audit_log.verify_log(held.read() if held else None, keys)
    except audit_log.AuditKeyError as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - start
    chain = log.chain
    count, head = chain.count, chain.head_hash
    failures = list(log.failures)
    # Consistent on its own; but a chain re-hashed after an edit is too, and
    # no longer meets the checkpoints recorded before.
    rewritten = audit_service.checkpoint_problem() if chain.ok else None
    if rewritten:
        failures.append(f"its {count} events link up, but {rewritten}")
    if failures:
        for failure in failures:
            click.echo(f"Audit log BROKEN: {failure}", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {count} events, head {head}")
    click.echo(f"Merkle tree intact: size {log.size}, root {log.root.hex()}; "
               f"{log.checkpoints} signed checkpoints verified")
    from sqlalchemy import func, select

    from awards_app.models import AuditCosignature

    cosigned = db.session.scalar(select(func.count()).select_from(AuditCosignature))
    if cosigned:
        click.echo(f"Cosignatures by the board's witnesses verified: {cosigned}.")
    if log.outside is not None:
        click.echo(f"Consistent with the outside checkpoint of size {log.outside.size}.")
    click.echo(f"Head at seq {count}; verified at {count / max(seconds, 1e-9):,.0f} events/s ({seconds:.1f} s).")
    if count:
        audit_service.record_checkpoint(count, head, count, verified_by="flask audit verify")
        db.session.commit()
        click.echo(f"Checkpoint recorded at seq {count}.")


@audit_cli.command("keygen")
@click.option("--name", default=None, help="The key's name (default: the log's origin host).")
def audit_keygen(name):
    """Print a new signing key pair; writes nothing.

    Keep the signer key secret, in a file only the app can read
    (AUDIT_SIGNING_KEY_FILE); publish the verifier key (AUDIT_VERIFIER_KEYS,
    and to the board).
    """
    from awards_app import audit_tree
    from awards_app.services import audit_log

    name = name or audit_log.origin().split("/")[0].split(":")[0] or "awards"
    try:
        signer, verifier = audit_tree.generate_key(name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Signer key (secret: a file readable by the app only, AUDIT_SIGNING_KEY_FILE):\n{signer}")
    click.echo(f"Verifier key (publish it; AUDIT_VERIFIER_KEYS):\n{verifier}")


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Sign the log's head as a checkpoint, with its consistency proof from
    the last one (for cron); nothing new when the log has not grown."""
    from awards_app.services import audit_log

    try:
        row = audit_log.sign_head(audit_log.signer_key())
    except (audit_log.AuditKeyError, audit_log.CheckpointRefused) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if row is None:
        db.session.rollback()
        click.echo("The log has not grown since the last signed checkpoint: nothing signed.")
        return
    db.session.commit()
    click.echo(f"Signed checkpoint {row.id}: size {row.size}"
               + (f", consistent with size {row.previous_size}" if row.previous_size else "") + ".")
    click.echo(row.note, nl=False)


@audit_cli.command("export")
@click.option("--cycle", "cycle_id", type=int, required=True, help="The cycle's id.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
def audit_export(cycle_id, output):
    """Write a cycle's audit bundle (JSON) that audit_chain.py verifies offline."""
    import json

    from awards_app.models import Cycle

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    bundle = audit_service.export_bundle(cycle)
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Wrote {bundle['chain']['count']} events, head {bundle['chain']['head_hash']}, to {output}.")
    else:
        click.echo(text)


# --- the outbox worker -------------------------------------------------------------
#
# It sends the notices the app wrote, outside any request, each step its own
# transaction. One pass: claim a batch of due notices and commit the claim
# (another worker now skips them); for each, renew the claim and commit, send
# it, then commit the outcome: sent_at and the release of the claim
# together, or the failure and its back-off. So several workers may run at
# once and none sends a notice another has sent or holds.
#
# The one window for a duplicate: the mail server accepted a notice and the
# worker died (or lost the database) before committing sent_at. The claim
# goes stale after outbox.CLAIM_STALE and a later pass sends it again. A mail
# server offers no transaction to join, so at-least-once is the promise.

def worker_name() -> str:
    """Who holds a claim: this host and process."""
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def outbox_pass(worker: str, *, limit: int = 20, echo=None, stopping=lambda: False) -> tuple[int, int, int]:
    """One pass of the worker; returns (claimed, sent, failed). When
    `stopping()` turns true it gives back the claims it has not used."""
    from awards_app.models import OutboxMessage
    from awards_app.services import outbox

    ids = outbox.claim(worker, limit)
    db.session.commit()
    sent = failed = 0
    for index, message_id in enumerate(ids):
        if stopping():
            outbox.release(worker, ids[index:])
            db.session.commit()
            break
        mine = outbox.renew(worker, message_id)
        db.session.commit()
        if not mine:
            continue
        if outbox.deliver(db.session.get(OutboxMessage, message_id), echo=echo):
            sent += 1
        else:
            failed += 1
        db.session.commit()  # each notice on its own: one bad address holds back no other
    return len(ids), sent, failed


def _printer():
    """Without a mail server, each notice is printed here too (development):
    `make run` in one terminal, `flask outbox worker` in another, and every
    notice shows up. Production refuses to start without one instead."""
    if current_app.config.get("MAIL_SERVER"):
        return None
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("MAIL_SERVER is not set: notices would be written to the log and "
                                   "counted as sent. Set the MAIL_* variables (README: Configuration).")
    return click.echo


def _summary(sent: int, failed: int) -> str:
    return f"Sent {sent} notice(s); {failed} failed and will be retried."


@outbox_cli.command("worker")
@click.option("--once", is_flag=True, help="One pass, then exit (cron, tests).")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to sleep when nothing is due.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="Notices claimed at a time.")
@click.option("--calendar", "calendar_every", default=0.0, type=click.FloatRange(min=0), metavar="SECONDS",
              help="Also run the calendar (`flask calendar run`) every SECONDS; 0 (the default): cron does.")
def outbox_worker(once, interval, limit, calendar_every=0.0):
    """Send due notices by SMTP (MAIL_SERVER), or print them (development).

    Runs until SIGTERM or SIGINT, finishing the notice in hand; several may
    run at once. Exit 1 after --once when a notice failed."""
    import signal
    import time

    from sqlalchemy.exc import DBAPIError

    echo, worker = _printer(), worker_name()
    if once:
        _claimed, sent, failed = outbox_pass(worker, limit=limit, echo=echo)
        click.echo(_summary(sent, failed))
        sys.exit(1 if failed else 0)
    # The handler only raises a flag (no lock, no I/O): the notice in hand is
    # finished and committed, the rest of the batch given back, then it exits.
    stop = {"requested": False}
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.update(requested=True))
    stopping = lambda: stop["requested"]  # noqa: E731
    click.echo(f"Outbox worker {worker}: sending every {interval:g}s when idle; stop with SIGTERM or Ctrl-C.")
    next_calendar = time.monotonic()
    while not stopping():
        try:
            if calendar_every and time.monotonic() >= next_calendar:
                from awards_app.services import clock, schedule

                next_calendar = time.monotonic() + calendar_every
                report = calendar_pass(clock.now())
                if report.fired or report.refused or report.reminded or report.failed:
                    click.echo("Calendar: " + schedule.summary(report))
            claimed, sent, failed = outbox_pass(worker, limit=limit, echo=echo, stopping=stopping)
            if not stopping():
                made = certificates_pass()
                if made is not None:
                    click.echo(_batch_summary(made))
        except DBAPIError:
            db.session.rollback()
            current_app.logger.exception("outbox worker: database error; trying again in %ss", interval)
            claimed = 0
        else:
            if claimed:
                click.echo(_summary(sent, failed))
        finally:
            db.session.remove()  # hold no connection or stale rows while idle
        idle_until = time.monotonic() + (interval if claimed < limit else 0)
        while not stopping() and time.monotonic() < idle_until:
            time.sleep(min(0.5, interval))  # short naps: a stop request is seen within half a second
    click.echo("Outbox worker stopped.")


def certificates_pass():
    """One queued certificate batch made, if any (the outbox worker runs it
    between its passes, so the secretariat's batch needs no other process)."""
    from awards_app.reports import certificate_batches

    return certificate_batches.run_next_batch()


def _batch_summary(batch) -> str:
    if batch.status == "failed":
        return f"Certificate batch {batch.id}: failed after {batch.done} of {batch.total} files: {batch.error}"
    return f"Certificate batch {batch.id} ({batch.kind}): {batch.done} of {batch.total} files made."


@certificates_cli.command("run")
def certificates_run():
    """Make every queued batch of certificates or letters, oldest first (cron, or by hand).

    Exit 1 when a batch failed; its error is on the ESI's certificates page."""
    failed = count = 0
    while (batch := certificates_pass()) is not None:
        count += 1
        failed += batch.status == "failed"
        click.echo(_batch_summary(batch), err=batch.status == "failed")
    if not count:
        click.echo("No batch is queued.")
    sys.exit(1 if failed else 0)


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="At most this many notices.")
@click.pass_context
def outbox_send(ctx, limit):
    """The same as `flask outbox worker --once`."""
    ctx.invoke(outbox_worker, once=True, interval=30.0, limit=limit)


def calendar_pass(moment):
    """One run of the calendar over every cycle at ``moment``, each cycle
    committed on its own; a cycle that fails is rolled back and reported,
    and the others still get their run."""
    from awards_app.services import schedule

    report = schedule.Report()
    for cycle_id in schedule.due_cycles():
        try:
            schedule.run_cycle(schedule.CALENDAR, cycle_id, moment, report)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported, and the command exits 1
            db.session.rollback()
            report.failed.append((cycle_id, f"{type(exc).__name__}: {exc}"))
    return report


@calendar_cli.command("run")
@click.option("--now", "at", metavar="ISO", help="Act as if it were this moment (e.g. 2027-03-31T23:59Z); "
              "default: the clock's.")
def calendar_run(at):
    """Take the dated steps whose date has passed and send the reminders due (cron: every few minutes).

    Each cycle is committed on its own; running twice does nothing more."""
    from awards_app.services import clock, schedule

    try:
        moment = clock.aware(at) if at else clock.now()
    except ValueError:
        raise click.BadParameter(f"{at!r} is not an ISO 8601 moment.", param_hint="--now") from None
    with clock.frozen(moment):
        report = calendar_pass(moment)
    for cycle_id, event in report.fired:
        click.echo(f"Cycle {cycle_id}: {event}.")
    for cycle_id, event, rules in report.refused:
        click.echo(f"Cycle {cycle_id}: {event} refused ({', '.join(rules)}); the secretariat is told.")
    for cycle_id, problem in report.failed:
        click.echo(f"Cycle {cycle_id}: failed: {problem}", err=True)
    click.echo(schedule.summary(report))
    sys.exit(1 if report.failed else 0)


@cycles_cli.command("create")
@click.argument("award")
@click.argument("year", type=int)
@click.option("--event", "event_number", type=int, help="The ESI edition's number.")
@click.option("--deadline", type=click.DateTime(), help="Nomination deadline, UTC.")
@click.option("--max-laureates", type=int)
def cycles_create(award, year, event_number, deadline, max_laureates):
    """Create a cycle of AWARD (its code) for YEAR with the award's current rules."""

    from sqlalchemy import select

    from awards_app.models import AwardType, Event
    from awards_app.services import cycles

    award_type = db.session.scalar(select(AwardType).where(AwardType.code == award))
    if award_type is None:
        raise click.ClickException(f"No award {award!r}.")
    event = None
    if event_number is not None:
        event = db.session.scalar(select(Event).where(Event.number == event_number))
        if event is None:
            raise click.ClickException(f"No ESI number {event_number}.")
    try:
        cycle = cycles.create_cycle(CLI_ACTOR, award_type, year, event=event,
                                    deadline=deadline.replace(tzinfo=UTC) if deadline else None,
                                    max_laureates=max_laureates)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created cycle {cycle.id}: {cycle.title} ({cycle.state}).")


@cycles_cli.command("fire")
@click.argument("cycle_id", type=int)
@click.argument("event")
@click.option("--as-role", default="admin", show_default=True, type=click.Choice(ROLES))
@click.option("--reason")
def cycles_fire(cycle_id, event, as_role, reason):
    """Fire EVENT on a cycle (e.g. publish_criteria, open_call, close_call)."""
    from awards_app.models import Cycle
    from awards_app.services import Refusal, steps

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    try:
        state = steps.fire(CLI_ACTOR, cycle, event, as_role=as_role, reason=reason)
    except Refusal as refused:
        db.session.rollback()
        raise click.ClickException("refused: " + "; ".join(
            f"{r['message']} [{r['rule']}]" for r in refused.rules)) from None
    db.session.commit()
    click.echo(f"Cycle {cycle_id} is now {state}.")


@cycles_cli.command("hearing")
@click.argument("cycle_id", type=int)
@click.option("--held-on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--present", "present", required=True, multiple=True, metavar="EMAIL",
              help="A board member present (repeat for each).")
@click.option("--minutes", required=True, help="The minutes of the hearing.")
def cycles_hearing(cycle_id, held_on, present, minutes):
    """Record the Executive Committee's hearing of a Volunteer Award cycle."""
    from awards_app.models import Cycle
    from awards_app.services import volunteer

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    emails = [e for value in present for e in value.replace(",", " ").split()]
    try:
        volunteer.record_hearing(CLI_ACTOR, cycle, held_on=held_on.date(),
                                 present=volunteer.present_members(emails=emails), minutes=minutes)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Hearing of cycle {cycle_id} recorded ({held_on.date().isoformat()}, "
               f"{len(emails)} present): the board's votes are open.")


@workflows_cli.command("graph")
@click.argument("award")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
def workflows_graph(award, output):
    """Write AWARD's cycle and nomination diagrams (Mermaid), from the classes that run."""
    import workflows

    if award not in workflows.REGISTRY:
        raise click.ClickException(f"No award {award!r}; one of: {', '.join(sorted(workflows.REGISTRY))}.")
    wf = workflows.REGISTRY[award]
    text = f"%% {award}: cycle\n{wf.cycle_diagram()}\n\n%% {award}: nomination\n{wf.nomination_diagram()}\n"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text)


@click.command("grant-runtime")
@click.argument("role", required=False)
def grant_runtime(role):
    """Give ROLE (by default DATABASE_URL's user) the rights the app needs and no more.

    PostgreSQL only. Run as the owner (MIGRATION_DATABASE_URL) after every
    `flask db upgrade`: rows of every table, but only SELECT and INSERT on the
    audit tables, and no DDL, TRUNCATE or trigger rights. Idempotent.

    The roles come first, made once by a superuser (README, Production server):

    \b
    CREATE ROLE awards_owner LOGIN PASSWORD '...';
    CREATE ROLE awards_app LOGIN PASSWORD '...';
    CREATE DATABASE awards OWNER awards_owner;
    """
    from awards_app.services import db_roles

    engine = db_roles.owner_engine()
    if engine.dialect.name != "postgresql":
        raise click.ClickException("Only PostgreSQL has roles; on SQLite there is nothing to grant.")
    role = role or db_roles.runtime_role()
    if not role:
        raise click.ClickException("Name the runtime role, or set DATABASE_URL to its URL and "
                                   "MIGRATION_DATABASE_URL to the owner's.")
    try:
        with engine.begin() as conn:
            statements = db_roles.grant_runtime(conn, role)
    except db_roles.RoleError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("\n".join(statements))
    click.echo(f"{role} has the runtime rights.")


privacy_cli = AppGroup("privacy", help="A person's data: access (GDPR art. 15, 20), erasure (art. 17), retention.")


def _person(who: str):
    """A person by id, by an account's email or by their own email."""
    from sqlalchemy import func, select

    from awards_app.models import Person, User

    address = who.strip().lower()
    person = (db.session.get(Person, int(who)) if who.isdigit() else
              db.session.scalar(select(Person).join(User, User.person_id == Person.id)
                                .where(func.lower(User.email) == address))
              or db.session.scalar(select(Person).where(func.lower(Person.email) == address)))
    if person is None:
        raise click.ClickException(f"No person is {who}.")
    return person


@privacy_cli.command("export")
@click.argument("who")
def privacy_export(who):
    """Print everything held about a person (an account's email or a person's id) as JSON."""
    import json

    from awards_app.services import privacy

    document = privacy.export(CLI_ACTOR, _person(who))
    db.session.commit()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


@privacy_cli.command("erase")
@click.argument("who")
@click.option("--reason", required=True, help="Why (their request and its date); not their name.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(who, reason, yes):
    """Forget a person: their values and salts deleted, decisions and scores kept under a pseudonym; the
    audit log still verifies."""
    from awards_app.services import erasure

    person = _person(who)
    if not yes:
        click.confirm(f"Erase every personal value of person {person.id}? This cannot be undone", abort=True)
    result = erasure.erase(CLI_ACTOR, person, reason)
    db.session.commit()
    done = ", ".join(f"{what}: {n}" for what, n in sorted(result.counts.items())) or "nothing else held"
    click.echo(f"Person {person.id} is now {erasure.pseudonym(person.id)} ({done}).")


@privacy_cli.command("retention")
@click.option("--now", "now", default=None, help="The moment to apply the rules at (ISO 8601; default now).")
def privacy_retention(now):
    """Apply the retention rules (cron, daily): login addresses after RETENTION_LOGIN_ADDRESS_DAYS,
    candidates not chosen RETENTION_YEARS after their last cycle."""
    from datetime import UTC, datetime

    from awards_app.services import erasure

    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    run = erasure.run_retention(moment)
    db.session.commit()
    click.echo(f"{run.addresses} login addresses forgotten; {len(run.people)} people erased"
               + (f" ({', '.join(map(str, run.people))})" if run.people else "") + ".")


def register(app) -> None:
    from flask_migrate.cli import db as migrate_cli

    migrate_cli.add_command(grant_runtime)  # flask db grant-runtime, beside flask db upgrade
    for group in (users_cli, demo_cli, audit_cli, outbox_cli, cycles_cli, workflows_cli, backup_cli, privacy_cli,
                  certificates_cli):
        app.cli.add_command(group)
    app.cli.add_command(setup)
    app.cli.add_command(calendar_cli)
