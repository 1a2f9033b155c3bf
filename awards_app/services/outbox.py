"""Notices: written to the outbox in the caller's transaction, delivered after commit.

A notice queued by a refused or rolled-back change is never sent, because
it was never committed.
"""

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import OutboxMessage

MAX_ATTEMPTS = 5
LINK_REMOVED = "[link sent by email, not kept]"


def queue(recipient: str, subject: str, body: str, *, secret: str | None = None) -> OutboxMessage:
    """secret: a part of the body that works by itself (a single-use link),
    erased from the body once the notice is sent."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, secret=secret)
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
        return queue(recipient, gettext(subject, **values), gettext(body, **values), secret=secret)


def _deliver_smtp(config, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def pending(limit: int = 100) -> list[OutboxMessage]:
    """The notices waiting to be sent, oldest first, each tried at most MAX_ATTEMPTS times."""
    return list(db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)))


def deliver(message: OutboxMessage) -> bool:
    """Send one notice by SMTP, or to the log when no MAIL_SERVER is set, and
    record the attempt on it; True when it went. The caller commits each
    notice on its own, so one bad address does not hold back the others."""
    config = current_app.config
    message.attempts += 1
    try:
        if config.get("MAIL_SERVER"):
            _deliver_smtp(config, message)
        else:
            current_app.logger.info("outbox -> %s: %s\n%s", message.recipient,
                                    message.subject, message.body)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = str(exc)[:1000]
        db.session.flush()
        return False
    message.sent_at = datetime.now(UTC)
    message.last_error = None
    if message.secret:
        message.body = message.body.replace(message.secret, LINK_REMOVED)
        message.secret = None
    db.session.flush()
    return True
