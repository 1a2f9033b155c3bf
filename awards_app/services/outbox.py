"""Notices: written to the outbox in the caller's transaction, delivered after commit.

A notice queued by a refused or rolled-back change is never sent, because
it was never committed. Each notice is written in its recipient's language
and ends with the organisation's name and contact address in that language.

Delivery (awards_app/worker.py runs it, committing between the steps):
`claim` marks a batch of due notices as this worker's, `deliver` sends one
and records the outcome with `mark_sent` or `mark_failed`. A failed notice
waits a growing back-off (BACKOFF); after MAX_ATTEMPTS it is given up
(failed_at) until the secretariat presses "retry" (`retry`).
"""

import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import and_, func, or_, select, update

from awards_app.extensions import db
from awards_app.models import OutboxMessage
from awards_app.services import N_, NotFound, ServiceError, audit, site

LINK_REMOVED = "[link sent by email, not kept]"
# The wait after the 1st, 2nd ... failed attempt; the last failure gives up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claim older than this belongs to a worker that died mid-batch: another may take the notice.
CLAIM_STALE = timedelta(minutes=10)


def footer(locale: str | None) -> str:
    """The organisation's name and contact address, in the recipient's language."""
    ours = site.values()
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext("Sent by the award engine of %(organisation)s. Questions: %(contact)s",
                       organisation=ours["organisation_name"], contact=ours["contact_email"])


def queue(recipient: str, subject: str, body: str, *, secret: str | None = None,
          locale: str | None = None) -> OutboxMessage:
    """A plain-text notice, already written in `locale` (the recipient's
    language; None when unknown, and its footer is then in English).

    secret: a part of the body that works by itself (a single-use link),
    erased from the body once the notice is sent."""
    body = f"{body.rstrip()}\n\n-- \n{footer(locale)}\n"
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, secret=secret, locale=locale)
    db.session.add(message)
    db.session.flush()
    return message


def notify(recipient: str, locale: str | None, cycle, subject: str, body: str, *, secret: str | None = None,
           **values) -> OutboxMessage:
    """A notice about `cycle` written in the recipient's language (English
    when unknown): subject and body are N_-marked templates, filled with
    `values` and %(cycle)s, the cycle's title in that language."""
    locale = locale or "en"
    values["cycle"] = cycle.title_in(locale)
    with force_locale(locale):
        return queue(recipient, gettext(subject, **values), gettext(body, **values), secret=secret,
                     locale=locale)


# --- delivery -------------------------------------------------------------------

def _due(now: datetime):
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_STALE))


def claim(worker: str, limit: int, now: datetime | None = None) -> list[int]:
    """Mark up to `limit` due notices as `worker`'s, oldest first, and return
    their ids. The caller commits before it sends any, so another worker
    skips them from then on.

    PostgreSQL: the rows are locked with SKIP LOCKED, so two workers claiming
    at once take different rows without waiting on each other. SQLite (one
    writer at a time): each row is taken by an update that finds it still
    unclaimed, and counts only if it changed one row."""
    now = now or datetime.now(UTC)
    session = db.session
    candidates = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(claimed_at=now, claimed_by=worker)
                            .execution_options(synchronize_session=False))
        return ids
    ids = []
    for message_id in session.scalars(candidates).all():
        taken = session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))
                                .values(claimed_at=now, claimed_by=worker)
                                .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            ids.append(message_id)
    return ids


def renew(worker: str, message_id: int, now: datetime | None = None) -> bool:
    """Refresh this worker's claim on one notice just before sending it, so a
    long batch never lets a claim go stale under it; False when the notice is
    no longer this worker's to send (sent, given up, or taken as stale)."""
    renewed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker,
               OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .values(claimed_at=now or datetime.now(UTC))
        .execution_options(synchronize_session=False))
    return renewed.rowcount == 1


def release(worker: str, message_ids) -> None:
    """Give back claims not used (a worker stopping mid-batch)."""
    db.session.execute(update(OutboxMessage)
                       .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.claimed_by == worker,
                              OutboxMessage.sent_at.is_(None))
                       .values(claimed_at=None, claimed_by=None)
                       .execution_options(synchronize_session=False))


def _deliver_smtp(config, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    if message.locale:  # after set_content, which drops every Content- header
        email["Content-Language"] = message.locale
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def as_text(message: OutboxMessage) -> str:
    """The notice as the console printer shows it."""
    return (f"To: {message.recipient}\nSubject: {message.subject}\nLanguage: {message.locale or '-'}\n\n"
            f"{message.body.rstrip()}\n")


def deliver(message: OutboxMessage, *, echo=None, now: datetime | None = None) -> bool:
    """Send one notice by SMTP, or, when no MAIL_SERVER is set, to the log
    (and to `echo`, the console printer of `flask outbox worker`), and
    record the outcome on it; True when it went. Flushes; the caller commits
    each notice on its own, so one bad address holds back no other."""
    config = current_app.config
    try:
        if config.get("MAIL_SERVER"):
            _deliver_smtp(config, message)
        else:
            current_app.logger.info("outbox -> %s: %s\n%s", message.recipient, message.subject, message.body)
            if echo is not None:
                echo(as_text(message))
    except (OSError, smtplib.SMTPException) as exc:
        mark_failed(message, str(exc) or type(exc).__name__, now)
        return False
    mark_sent(message, now)
    return True


def mark_sent(message: OutboxMessage, now: datetime | None = None) -> None:
    """Sent: the claim is released in the same change, and the link cut out."""
    message.attempts += 1
    message.sent_at = now or datetime.now(UTC)
    message.last_error = message.claimed_at = message.claimed_by = message.next_attempt_at = None
    if message.secret:
        message.body = message.body.replace(message.secret, LINK_REMOVED)
        message.secret = None
    db.session.flush()


def mark_failed(message: OutboxMessage, error: str, now: datetime | None = None) -> None:
    """Failed: try again after the back-off, or give up after MAX_ATTEMPTS."""
    now = now or datetime.now(UTC)
    message.attempts += 1
    message.last_error = error[:1000]
    message.claimed_at = message.claimed_by = None
    if message.attempts >= MAX_ATTEMPTS:
        message.failed_at, message.next_attempt_at = now, None
    else:
        message.next_attempt_at = now + BACKOFF[message.attempts - 1]
    db.session.flush()


def pending(limit: int = 100) -> list[OutboxMessage]:
    """The notices waiting to be sent (not given up), oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .order_by(OutboxMessage.id).limit(limit)))


# --- the secretariat's mailbox ----------------------------------------------------

PAGE_SIZE = 50


def mailbox(page: int = 1) -> tuple[list[OutboxMessage], int]:
    """One page of every notice, newest first, and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), pages


def status(message: OutboxMessage) -> str:
    """sent, given_up, retrying (failed at least once, waiting its back-off) or waiting."""
    if message.sent_at:
        return "sent"
    if message.failed_at:
        return "given_up"
    return "retrying" if message.attempts else "waiting"


def find(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def get(message_id: int) -> OutboxMessage:
    message = find(message_id)
    if message is None:
        raise NotFound("notice")
    return message


def retry(actor, message: OutboxMessage) -> OutboxMessage:
    """Send again now: a given-up notice, or one waiting its back-off, starts
    over with a full set of attempts. The last error stays until the next one."""
    if not actor.has_role("admin"):
        raise NotFound("notice")
    if message.sent_at is not None:
        raise ServiceError("outbox.already_sent", N_("This notice was sent already."))
    before = {"attempts": message.attempts, "given_up": message.failed_at is not None}
    message.attempts = 0
    message.failed_at = message.next_attempt_at = message.claimed_at = message.claimed_by = None
    db.session.flush()
    audit.record(actor, "outbox.retried", message, before)
    return message
