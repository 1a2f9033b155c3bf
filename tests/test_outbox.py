from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import OutboxMessage
from awards_app.services import outbox


def test_a_rolled_back_change_sends_no_notice(ctx):
    outbox.queue("a@example.org", "Hello", "Body")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_outbox_send_writes_to_the_log_without_a_mail_server(ctx, runner, caplog):
    outbox.queue("a@example.org", "Nomination received", "We received it.")
    db.session.commit()
    with caplog.at_level("INFO"):
        result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 notice(s)" in result.output
    assert "Nomination received" in caplog.text
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.sent_at is not None
    again = runner.invoke(args=["outbox", "send"])
    assert "Sent 0 notice(s)" in again.output


def test_an_unreachable_mail_server_keeps_the_notice_for_a_retry(ctx, runner, app):
    outbox.queue("a@example.org", "Hello", "Body")
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    try:
        result = runner.invoke(args=["outbox", "send"])
    finally:
        app.config.update(MAIL_SERVER=None)
    assert result.exit_code == 1
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.sent_at is None and message.attempts == 1 and message.last_error
