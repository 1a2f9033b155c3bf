"""The outbox worker (`flask outbox worker`): claims, SMTP, back-off, giving
up, retry, the console printer, stopping on a signal, and, on PostgreSQL,
two workers at once never sending the same notice."""

import os
import signal
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from awards_app.extensions import db
from awards_app.models import OutboxMessage
from awards_app.services import outbox


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what it was given, or refuses."""

    sent: list = []
    refuse: Exception | None = None
    on_send = None  # called after each message it accepts
    lock = threading.Lock()

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, email):
        if FakeSMTP.refuse is not None:
            raise FakeSMTP.refuse
        with FakeSMTP.lock:
            FakeSMTP.sent.append(email)
        if FakeSMTP.on_send is not None:
            FakeSMTP.on_send()


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.refuse, FakeSMTP.on_send = [], None, None
    monkeypatch.setattr(outbox.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="mail.example.org", MAIL_PORT=587, MAIL_USE_TLS=True)
    yield FakeSMTP
    app.config.update(MAIL_SERVER=None)


def _queue(n=1, **kwargs):
    messages = [outbox.queue(f"r{i}@example.org", f"Notice {i}", f"Body {i}", **kwargs) for i in range(n)]
    db.session.commit()
    return [m.id for m in messages]


def _row(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _worker(runner, *args):
    return runner.invoke(args=["outbox", "worker", "--once", *args])


def _make_due(message_id):
    """As if the back-off had passed."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()


def test_the_worker_sends_by_smtp_in_the_recipients_language_and_releases_its_claim(ctx, runner, smtp):
    [message_id] = _queue(locale="fr")
    result = _worker(runner)
    assert result.exit_code == 0, result.output
    assert "Sent 1 notice(s); 0 failed" in result.output
    [email] = smtp.sent
    assert email["To"] == "r0@example.org" and email["Subject"] == "Notice 0"
    assert email["Content-Language"] == "fr"
    assert email.get_content().startswith("Body 0")
    message = _row(message_id)
    assert message.sent_at and message.attempts == 1
    assert message.claimed_at is None and message.claimed_by is None
    assert "Sent 0 notice(s)" in _worker(runner).output and len(smtp.sent) == 1  # never twice


def test_outbox_send_is_the_worker_once(ctx, runner, smtp):
    _queue(3)
    result = runner.invoke(args=["outbox", "send", "--limit", "2"])
    assert result.exit_code == 0 and "Sent 2 notice(s)" in result.output
    assert "Sent 1 notice(s)" in runner.invoke(args=["outbox", "send"]).output
    assert len(smtp.sent) == 3


def test_a_failure_backs_off_longer_each_time_then_gives_up(ctx, runner, smtp):
    smtp.refuse = smtplib.SMTPRecipientsRefused({"r0@example.org": (550, b"No such user")})
    [message_id] = _queue()
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        before = datetime.now(UTC)
        result = _worker(runner)
        assert result.exit_code == 1 and "1 failed" in result.output
        message = _row(message_id)
        assert message.attempts == attempt and "No such user" in message.last_error
        assert message.claimed_by is None
        if attempt < outbox.MAX_ATTEMPTS:
            waits.append(message.next_attempt_at - before)
            assert "Sent 0 notice(s); 0 failed" in _worker(runner).output  # not due yet
            _make_due(message_id)
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30, 120, 720]
    assert message.failed_at is not None and message.next_attempt_at is None
    assert outbox.status(message) == "given_up"
    _make_due(message_id)
    assert "Sent 0 notice(s); 0 failed" in _worker(runner).output  # given up: left for the secretariat
    assert smtp.sent == []


def test_a_retry_after_giving_up_sends_it(ctx, runner, smtp):
    [message_id] = _queue()
    message = _row(message_id)
    message.attempts, message.failed_at, message.last_error = outbox.MAX_ATTEMPTS, datetime.now(UTC), "timed out"
    db.session.commit()
    from tests.factories import TESTS_ACTOR

    outbox.retry(TESTS_ACTOR, _row(message_id))
    db.session.commit()
    assert _row(message_id).attempts == 0 and _row(message_id).failed_at is None
    assert "Sent 1 notice(s)" in _worker(runner).output
    assert _row(message_id).sent_at and _row(message_id).last_error is None


def test_a_fresh_claim_is_skipped_and_a_stale_one_taken_over(ctx, runner, smtp):
    [message_id] = _queue()
    db.session.execute(update(OutboxMessage).values(claimed_by="crashed:1",
                                                    claimed_at=datetime.now(UTC) - timedelta(minutes=2)))
    db.session.commit()
    assert "Sent 0 notice(s)" in _worker(runner).output
    db.session.execute(update(OutboxMessage).values(claimed_at=datetime.now(UTC) - outbox.CLAIM_STALE
                                                    - timedelta(seconds=1)))
    db.session.commit()
    assert "Sent 1 notice(s)" in _worker(runner).output
    assert len(smtp.sent) == 1 and _row(message_id).claimed_by is None


def test_a_claimed_notice_is_not_claimed_again(ctx):
    _queue(3)
    first = outbox.claim("worker-a", 2)
    db.session.commit()
    second = outbox.claim("worker-b", 10)
    db.session.commit()
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


def test_the_link_is_cut_out_once_sent(ctx, runner, smtp):
    link = "http://127.0.0.1:5000/endorse/secret-token"
    message_id = outbox.queue("e@example.org", "Endorse", f"Answer: {link}", secret=link).id
    db.session.commit()
    assert "Sent 1" in _worker(runner).output
    assert link in smtp.sent[0].get_content()
    message = _row(message_id)
    assert link not in message.body and outbox.LINK_REMOVED in message.body and message.secret is None


def test_without_a_mail_server_each_notice_is_printed(ctx, runner, app):
    app.config.update(MAIL_SERVER=None)
    outbox.queue("a@example.org", "Nomination received", "We received it.", locale="es")
    db.session.commit()
    result = _worker(runner)
    assert result.exit_code == 0
    assert "To: a@example.org" in result.output and "Subject: Nomination received" in result.output
    assert "Language: es" in result.output and "We received it." in result.output


def test_in_production_the_worker_will_not_start_without_a_mail_server(ctx, runner, app):
    _queue()
    app.config.update(MAIL_SERVER=None, ENV_NAME="production")
    try:
        result = _worker(runner)
    finally:
        app.config.update(ENV_NAME="testing")
    assert result.exit_code == 1 and "MAIL_SERVER is not set" in result.output
    assert db.session.scalar(select(OutboxMessage.sent_at)) is None


def test_sigterm_finishes_the_notice_in_hand_gives_back_the_rest_and_stops(ctx, runner, smtp):
    ids = _queue(3)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    # Sent while the first notice is in hand, so the worker's handler is surely installed.
    smtp.on_send = lambda: os.kill(os.getpid(), signal.SIGTERM)
    try:
        result = runner.invoke(args=["outbox", "worker", "--interval", "0.2", "--limit", "5"])
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert result.exit_code == 0, result.output
    assert "Sent 1 notice(s)" in result.output and "Outbox worker stopped." in result.output
    assert len(smtp.sent) == 1 and _row(ids[0]).sent_at is not None
    rest = [_row(i) for i in ids[1:]]
    assert all(m.sent_at is None and m.claimed_by is None and m.attempts == 0 for m in rest)


def test_the_worker_keeps_going_until_stopped(ctx, runner, smtp):
    _queue(2)
    previous = signal.getsignal(signal.SIGINT)
    smtp.on_send = lambda: len(smtp.sent) == 2 and os.kill(os.getpid(), signal.SIGINT)
    try:
        result = runner.invoke(args=["outbox", "worker", "--interval", "0.1", "--limit", "1"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.exit_code == 0 and result.output.count("Sent 1 notice(s)") == 2
    assert len(smtp.sent) == 2


# --- PostgreSQL: several workers at once -------------------------------------------

@pytest.fixture
def postgres(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")


@pytest.mark.postgres
def test_two_workers_at_once_never_send_the_same_notice(app, postgres, smtp):
    from awards_app.cli import outbox_pass

    ids = _queue(40)
    barrier = threading.Barrier(2)

    def work(name):
        with app.app_context():
            try:
                barrier.wait()
                sent = 0
                while True:
                    claimed, n, _failed = outbox_pass(name, limit=5)
                    sent += n
                    if not claimed:
                        return sent
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(work, ["worker-a", "worker-b"]))
    recipients = [email["To"] for email in smtp.sent]
    assert sum(counts) == 40 and len(recipients) == 40 and len(set(recipients)) == 40
    db.session.expire_all()
    assert all(m.sent_at for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))


@pytest.mark.postgres
def test_a_claim_skips_the_rows_another_worker_holds_locked(app, postgres):
    _queue(4)
    barrier = threading.Barrier(2)

    def claim(name):
        with app.app_context():
            try:
                ids = outbox.claim(name, 2)
                barrier.wait()  # both hold their row locks at once
                db.session.commit()
                return ids
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(claim, ["worker-a", "worker-b"])
    assert len(first) == len(second) == 2 and not set(first) & set(second)
