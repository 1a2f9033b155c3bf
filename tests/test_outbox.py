import re

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, OutboxMessage, SiteSetting
from awards_app.services import outbox
from tests import builders
from tests.factories import TESTS_ACTOR


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


# --- every notice in its recipient's language, with the organisation's footer -----

def test_a_notice_records_its_language_and_ends_with_the_organisations_footer(ctx):
    db.session.add(SiteSetting(name="organisation_name", value="MILSET Vostok"))
    message = outbox.queue("a@example.org", "Hello", "Body", locale="fr")
    assert message.locale == "fr"
    assert message.body.startswith("Body\n\n-- \n")
    assert "MILSET Vostok" in message.body and ctx.config["CONTACT_EMAIL"] in message.body


def test_notify_writes_in_the_recipients_language(ctx):
    cycle = builders.open_cycle("volunteer_award")
    message = outbox.notify("a@example.org", "es", cycle, "Nomination received: %(cycle)s", "Body")
    assert message.locale == "es" and cycle.title_in("es") in message.subject
    assert outbox.notify("b@example.org", None, cycle, "Subject", "Body").locale == "en"


@pytest.fixture
def nominator(make_user, auth):
    user = make_user("nominator@example.org", roles=("nominator",), name="Nina Nominator")
    auth.login("nominator@example.org")
    return user


def _draft(client):
    from awards_app.models import Nomination

    cycle = builders.open_cycle("volunteer_award")
    client.post(f"/nominate/cycles/{cycle.id}/new", data={
        "name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0", "organisation_id": "0",
        "date_of_birth": "2001-05-04", "volunteer_years": "6", "volunteer_places": "Science club",
        "statement": "Tireless volunteer."})
    return db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()


def _endorsement_notice(email):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)).one()


def test_the_nominator_chooses_the_endorsers_language_else_their_own(client, ctx, nominator):
    nominator.locale = "fr"
    db.session.commit()
    nomination = _draft(client)
    url = f"/nominations/{nomination.id}/endorsements"
    assert client.post(url, data={"email": "es@example.org", "locale": "es"}).status_code == 303
    assert client.post(url, data={"email": "mine@example.org", "locale": ""}).status_code == 303
    assert _endorsement_notice("es@example.org").locale == "es"
    assert _endorsement_notice("mine@example.org").locale == "fr"
    refused = client.post(url, data={"email": "xx@example.org", "locale": "xx"})
    assert refused.status_code == 400


def test_endorsement_links_are_built_from_public_url(client, ctx, app, nominator):
    app.config["PUBLIC_URL"], before = "https://awards.example.org/prix", app.config["PUBLIC_URL"]
    try:
        nomination = _draft(client)
        client.post(f"/nominations/{nomination.id}/endorsements", data={"email": "boss@example.org"})
    finally:
        app.config["PUBLIC_URL"] = before
    message = _endorsement_notice("boss@example.org")
    assert re.search(r"https://awards\.example\.org/prix/endorse/[\w-]+", message.body)
    assert message.secret.startswith("https://awards.example.org/prix/endorse/")


# --- the secretariat's mailbox -------------------------------------------------------

@pytest.fixture
def secretariat(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Sam Secretariat")
    auth.login("admin@example.org")
    return user


def test_the_mailbox_lists_every_notice_newest_first_with_its_status(client, ctx, secretariat):
    outbox.queue("w@example.org", "Waiting notice", "Body", locale="fr")
    sent = outbox.queue("s@example.org", "Sent notice", "Body")
    failed = outbox.queue("f@example.org", "Failed notice", "Body")
    outbox.mark_sent(sent)
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.mark_failed(failed, "550 mailbox unavailable")
    db.session.commit()
    page = client.get("/admin/mailbox/").get_data(as_text=True)
    assert page.index("Failed notice") < page.index("Sent notice") < page.index("Waiting notice")
    assert "w@example.org" in page and ">Français<" in page and "waiting" in page
    assert "550 mailbox unavailable" in page and f"after {outbox.MAX_ATTEMPTS} attempts" in page
    assert "given up" in page and "sent " in page


def test_the_mailbox_pages_through_many_notices(client, ctx, secretariat):
    for i in range(outbox.PAGE_SIZE + 1):
        outbox.queue("a@example.org", f"Notice number {i:03}", "Body")
    db.session.commit()
    first = client.get("/admin/mailbox/").get_data(as_text=True)
    assert f"Notice number {outbox.PAGE_SIZE:03}" in first and "Notice number 000" not in first
    second = client.get("/admin/mailbox/?page=2").get_data(as_text=True)
    assert "Notice number 000" in second and "Page 2 of 2" in second
    assert client.get("/admin/mailbox/?page=99999999999999999999").status_code == 200
    assert client.get("/admin/mailbox/?page=x").status_code == 200


def test_a_waiting_link_is_clickable_in_development_and_hidden_in_production(client, ctx, app, secretariat):
    link = "http://127.0.0.1:5000/endorse/tok-123"
    message = outbox.queue("e@example.org", "Endorse", f"Answer here: {link}", secret=link)
    db.session.commit()
    page = client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
    assert f'<a href="{link}">{link}</a>' in page
    app.config["MAILBOX_SHOWS_LINKS"] = False
    try:
        hidden = client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
        assert "tok-123" not in hidden and "e@example.org" in hidden and "single-use link" in hidden
        outbox.mark_sent(db.session.get(OutboxMessage, message.id))
        db.session.commit()
        shown = client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
        assert "tok-123" not in shown and outbox.LINK_REMOVED in shown
    finally:
        app.config["MAILBOX_SHOWS_LINKS"] = True


def test_the_text_of_a_notice_is_escaped(client, ctx, secretariat):
    message = outbox.queue("e@example.org", "<b>Hi</b>", "<script>alert(1)</script>")
    db.session.commit()
    page = client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page and "<b>Hi</b>" not in page


def test_retry_now_starts_a_given_up_notice_over_and_is_audited(client, ctx, secretariat):
    message = outbox.queue("f@example.org", "Failed notice", "Body")
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.mark_failed(message, "connection refused")
    db.session.commit()
    page = client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
    assert "connection refused" in page and "Retry now" in page
    response = client.post(f"/admin/mailbox/{message.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.attempts == 0 and message.failed_at is None and message.next_attempt_at is None
    assert outbox.status(message) == "waiting" and message in outbox.pending()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retried"))
    assert event.payload == {"attempts": outbox.MAX_ATTEMPTS, "given_up": True}


def test_a_sent_notice_is_not_retried(client, ctx, secretariat):
    message = outbox.queue("s@example.org", "Sent notice", "Body")
    outbox.mark_sent(message)
    db.session.commit()
    assert "Retry now" not in client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)
    response = client.post(f"/admin/mailbox/{message.id}/retry", follow_redirects=True)
    assert b"outbox.already_sent" in response.data
    assert client.post("/admin/mailbox/999999/retry").status_code == 404
    assert client.get("/admin/mailbox/999999").status_code == 404


def test_only_the_secretariat_retries(ctx):
    from awards_app.services import NotFound
    from awards_app.services.actors import SystemActor

    message = outbox.queue("s@example.org", "Notice", "Body")
    with pytest.raises(NotFound):
        outbox.retry(SystemActor("someone", roles={"board"}), message)
    assert outbox.retry(TESTS_ACTOR, message).attempts == 0
