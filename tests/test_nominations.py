"""The nominator's portal, through the test client."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import Attachment, AuditEvent, Endorsement, Nomination, OutboxMessage
from tests import builders, factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def nominator(make_user, auth):
    user = make_user("nominator@example.org", roles=("nominator",), name="Nina Nominator")
    auth.login("nominator@example.org")
    return user


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _new_volunteer_draft(client, cycle, **overrides):
    data = {"name": "Amélie Dupont", "email": "amelie@example.org", "country_id": "0",
            "organisation_id": "0", "date_of_birth": "2001-05-04", "volunteer_years": "6",
            "volunteer_places": "Science club, 2019-2025", "statement": "Tireless volunteer."}
    data.update(overrides)
    return client.post(f"/nominate/cycles/{cycle.id}/new", data=data)


def _nomination():
    return db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()


def test_nominator_sees_open_calls_with_deadline_and_time_left(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    page = client.get("/nominate/")
    assert page.status_code == 200
    assert cycle.award_type.name_en.encode() in page.data
    assert b"left)" in page.data


def test_a_draft_is_saved_and_comes_back(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    response = _new_volunteer_draft(client, cycle)
    assert response.status_code == 303
    nomination = _nomination()
    assert nomination.state == "draft" and nomination.candidate_person.name == "Amélie Dupont"
    page = client.get(f"/nominations/{nomination.id}")
    assert b"Tireless volunteer." in page.data
    edit = client.post(f"/nominations/{nomination.id}",
                       data={"name": "Amélie Dupont", "statement": "Even more tireless.",
                             "country_id": "0", "organisation_id": "0", "date_of_birth": "2001-05-04",
                             "volunteer_years": "6", "version": nomination.version})
    assert edit.status_code == 303
    db.session.refresh(nomination)
    assert nomination.statement == "Even more tireless."


def test_a_validation_error_keeps_everything_typed(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    response = _new_volunteer_draft(client, cycle, email="not-an-email",
                                    statement="A long statement I do not want to lose.")
    assert response.status_code == 400
    assert b"A long statement I do not want to lose." in response.data
    assert 'value="Amélie Dupont"'.encode() in response.data
    assert re.search(rb'id="email-error"', response.data)
    assert _count(Nomination) == 0


def test_the_same_candidate_twice_is_refused(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    assert _new_volunteer_draft(client, cycle).status_code == 303
    again = _new_volunteer_draft(client, cycle, email="AMELIE@example.org")
    assert again.status_code == 400
    assert b"nomination.duplicate" in again.data
    assert _count(Nomination) == 1


def test_another_nominators_draft_is_404(client, ctx, nominator, auth, make_user):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    auth.logout()
    make_user("other@example.org", roles=("nominator",))
    auth.login("other@example.org")
    assert client.get(f"/nominations/{nomination.id}").status_code == 404
    assert client.post(f"/nominations/{nomination.id}/submit").status_code == 404


def _upload(client, nomination, content, name):
    return client.post(f"/nominations/{nomination.id}/attachments",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_attachments_are_checked_by_content_and_downloaded_safely(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    assert _upload(client, nomination, PDF, "cv.pdf").status_code == 303
    disguised = _upload(client, nomination, b"MZ\x90\x00 this is an exe", "photo.png")
    assert disguised.status_code == 400
    assert b"attachment.type" in disguised.data
    attachment = db.session.scalar(select(Attachment))
    assert attachment.stored_name != "cv.pdf" and attachment.content_type == "application/pdf"
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def _draft_with_file(client, content, name):
    """A new draft with one uploaded file: (the nomination, its attachment)."""
    _new_volunteer_draft(client, builders.open_cycle("volunteer_award"))
    nomination = _nomination()
    assert _upload(client, nomination, content, name).status_code == 303
    return nomination, db.session.scalar(select(Attachment))


@pytest.mark.parametrize(("uploaded", "content", "offered"), [
    ("cv.pdf.html", "PDF", "cv.pdf"),
    ("logo.svg", "PNG", "logo.png"),
    ("setup.exe", "PDF", "setup.pdf"),
    ("../../etc/passwd", "PDF", "passwd.pdf"),
    ("<script>.pdf", "PDF", "script.pdf"),
])
def test_a_file_is_stored_and_offered_under_a_safe_name_with_its_true_extension(
        client, ctx, nominator, uploaded, content, offered):
    nomination, attachment = _draft_with_file(client, {"PDF": PDF, "PNG": PNG}[content], uploaded)
    assert attachment.original_name == offered
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert download.headers["Content-Disposition"] == f"attachment; filename={offered}"


def test_a_file_stored_before_the_safe_names_is_offered_under_one(client, ctx, nominator):
    nomination, attachment = _draft_with_file(client, PDF, "cv.pdf")
    attachment.original_name = "cv.pdf.html"  # as an older version stored it
    db.session.commit()
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=cv.pdf"


def test_a_removed_file_leaves_the_disk(client, ctx, nominator):
    from awards_app.services import attachments

    nomination, attachment = _draft_with_file(client, PDF, "cv.pdf")
    path = attachments.path_of(attachment)
    assert path.exists()
    assert client.post(f"/nominations/{nomination.id}/attachments/{attachment.id}/delete").status_code == 303
    assert not path.exists()
    assert _count(Attachment) == 0


def test_a_file_whose_request_rolls_back_leaves_no_trace_on_disk(ctx, nominator):
    from awards_app.services import attachments

    cycle = builders.open_cycle("volunteer_award")
    nomination = factories.NominationFactory(cycle=cycle, nominator=nominator, state="draft")
    db.session.commit()
    attachment = attachments.add(nominator, nomination, "cv.pdf", io.BytesIO(PDF))
    path = attachments.path_of(attachment)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()


def test_oversize_and_too_many_files_are_refused(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award",
                                settings={"max_attachment_bytes": 1024, "max_attachments": 2})
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    big = _upload(client, nomination, PNG + b"\x00" * 2000, "big.png")
    assert big.status_code == 400 and b"attachment.too_large" in big.data
    assert _upload(client, nomination, PNG, "a.png").status_code == 303
    assert _upload(client, nomination, PDF, "b.pdf").status_code == 303
    third = _upload(client, nomination, PDF, "c.pdf")
    assert third.status_code == 400 and b"attachment.too_many" in third.data
    assert _count(Attachment) == 2


def _request_and_answer_endorsement(client, nomination):
    client.post(f"/nominations/{nomination.id}/endorsements",
                data={"email": "boss@example.org"})
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == "boss@example.org")).one()
    token = re.search(r"/endorse/([\w-]+)", message.body).group(1)
    return token


def test_endorsement_link_is_single_use_and_works_without_an_account(client, app, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    token = _request_and_answer_endorsement(client, nomination)
    anonymous = app.test_client()
    assert anonymous.get(f"/endorse/{token}").status_code == 200
    answer = {"name": "Bea Boss", "organisation": "Science Club", "role": "President",
              "text": "We endorse her warmly."}
    assert anonymous.post(f"/endorse/{token}", data=answer).status_code == 200
    endorsement = db.session.scalar(select(Endorsement))
    db.session.refresh(endorsement)
    assert endorsement.received_at is not None and endorsement.endorser_name == "Bea Boss"
    assert anonymous.get(f"/endorse/{token}").status_code == 410
    assert anonymous.get("/endorse/not-a-token").status_code == 404


def test_an_expired_endorsement_link_is_refused(client, app, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    token = _request_and_answer_endorsement(client, _nomination())
    endorsement = db.session.scalar(select(Endorsement))
    endorsement.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(f"/endorse/{token}")
    assert response.status_code == 410 and b"endorsement.expired" in response.data


ANSWER = {"name": "Bea Boss", "organisation": "Science Club", "role": "President", "text": "We endorse her."}


def test_an_endorsement_link_read_before_another_answer_committed_cannot_answer_twice(
        client, app, ctx, nominator, monkeypatch):
    from awards_app.services import ServiceError
    from awards_app.services import endorsements as endorsement_service

    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    token = _request_and_answer_endorsement(client, _nomination())
    endorsement = endorsement_service.find_open(token)
    assert app.test_client().post(f"/endorse/{token}", data=ANSWER).status_code == 200
    # The second request read the link while it was still open, as two posts sent at once do.
    monkeypatch.setattr(endorsement_service, "find_open", lambda _token: endorsement)
    with pytest.raises(ServiceError) as refused:
        endorsement_service.respond(token, name="Mallory", organisation="Elsewhere", role="x", text="Overwritten")
    assert refused.value.rule == "endorsement.used"
    db.session.rollback()
    db.session.refresh(endorsement)
    assert endorsement.endorser_name == "Bea Boss" and endorsement.text == "We endorse her."
    received = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "endorsement.received")).all()
    assert len(received) == 1


def test_a_withdrawn_nominations_endorsement_link_no_longer_opens(client, app, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    token = _request_and_answer_endorsement(client, nomination)
    assert client.post(f"/nominations/{nomination.id}/withdraw").status_code in (302, 303)
    db.session.refresh(nomination)
    assert nomination.state == "withdrawn"
    endorser = app.test_client()
    assert endorser.get(f"/endorse/{token}").status_code == 410
    closed = endorser.post(f"/endorse/{token}", data=ANSWER)
    assert closed.status_code == 410 and b"endorsement.void" in closed.data
    assert db.session.scalar(select(Endorsement)).received_at is None


def test_the_outbox_forgets_an_endorsement_link_once_it_is_sent(client, app, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    token = _request_and_answer_endorsement(client, _nomination())
    assert app.test_cli_runner().invoke(args=["outbox", "send"]).exit_code == 0
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "boss@example.org")).one()
    db.session.refresh(message)
    assert message.sent_at is not None
    assert token not in message.body and message.secret is None
    assert "[link sent by email, not kept]" in message.body
    assert app.test_client().get(f"/endorse/{token}").status_code == 200  # the endorser's copy still works


def test_a_nomination_asks_a_bounded_number_of_endorsers(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle)
    nomination = _nomination()
    for n in range(10):
        client.post(f"/nominations/{nomination.id}/endorsements", data={"email": f"e{n}@example.org"})
    eleventh = client.post(f"/nominations/{nomination.id}/endorsements", data={"email": "e10@example.org"})
    assert eleventh.status_code == 400 and b"endorsement.too_many" in eleventh.data
    assert _count(Endorsement) == 10
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "e10@example.org")) == 0


def test_a_nominator_asks_a_bounded_number_of_endorsers_a_day(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    nominations = []
    for n in range(4):
        _new_volunteer_draft(client, cycle, name=f"Candidate {n}", email=f"c{n}@example.org")
        nominations.append(_nomination())
    sent = 0
    for nomination in nominations:
        for _ in range(10):
            if sent < 30:
                client.post(f"/nominations/{nomination.id}/endorsements", data={"email": f"x{sent}@example.org"})
                sent += 1
    refused = client.post(f"/nominations/{nominations[-1].id}/endorsements", data={"email": "late@example.org"})
    assert refused.status_code == 400 and b"endorsement.rate_limited" in refused.data
    assert _count(Endorsement) == 30


def _volunteer_draft_of_an_organisation(client, name="Club Scientifique de Lyon"):
    organisation = factories.OrganisationFactory(name=name)
    factories.OrganisationAliasFactory(organisation=organisation, name="CSL")
    db.session.commit()
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle, organisation_id=str(organisation.id),
                         country_id=str(organisation.country_id))
    return _nomination()


def _endorse(app, token, organisation):
    return app.test_client().post(f"/endorse/{token}", data={
        "name": "Bea Boss", "organisation": organisation, "role": "President", "text": "Yes."})


def test_volunteer_award_needs_the_organisations_endorsement_before_submit(client, app, ctx, nominator):
    nomination = _volunteer_draft_of_an_organisation(client)
    refused = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"volunteer.endorsed_by_organisation" in refused.data
    db.session.refresh(nomination)
    assert nomination.state == "draft"
    token = _request_and_answer_endorsement(client, nomination)
    # The endorser names the candidate's organisation, spelled their way.
    _endorse(app, token, "club scientifique de LYON")
    accepted = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"Submitted" in accepted.data
    db.session.refresh(nomination)
    assert nomination.state == "submitted" and nomination.submitted_at is not None
    assert any(r["rule"] == "volunteer.age_under_30" and r["ok"] for r in nomination.eligibility)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.like("Nomination received%"))) == 1


def test_a_late_submit_is_refused_showing_the_deadline(client, ctx, nominator):
    cycle = builders.open_cycle("best_delegation_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    db.session.commit()
    client.post(f"/nominate/cycles/{cycle.id}/new", data={"delegation": delegation.id,
                                                          "statement": "Open to all."})
    nomination = _nomination()
    cycle.deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"nomination.deadline" in response.data
    assert str(cycle.deadline.year).encode() in response.data
    db.session.refresh(nomination)
    assert nomination.state == "draft"


def test_a_refused_submit_changes_nothing_and_audits_nothing(client, ctx, nominator):
    cycle = builders.open_cycle("volunteer_award")
    _new_volunteer_draft(client, cycle, date_of_birth="1980-01-01")
    nomination = _nomination()
    events_before = _count(AuditEvent)
    client.post(f"/nominations/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.state == "draft" and nomination.submitted_at is None
    assert _count(AuditEvent) == events_before
    assert _count(OutboxMessage) == 0


def test_withdraw_before_judging(client, ctx, nominator):
    cycle = builders.open_cycle("best_delegation_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    db.session.commit()
    client.post(f"/nominate/cycles/{cycle.id}/new", data={"delegation": delegation.id, "statement": "x"})
    nomination = _nomination()
    client.post(f"/nominations/{nomination.id}/submit")
    client.post(f"/nominations/{nomination.id}/withdraw")
    db.session.refresh(nomination)
    assert nomination.state == "withdrawn"


def test_secretariat_screens_and_the_nominator_sees_the_reason(client, ctx, nominator, auth, make_user):
    cycle = builders.open_cycle("best_delegation_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    db.session.commit()
    client.post(f"/nominate/cycles/{cycle.id}/new", data={"delegation": delegation.id, "statement": "x"})
    nomination = _nomination()
    client.post(f"/nominations/{nomination.id}/submit")
    auth.logout()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    queue = client.get("/screening/")
    assert delegation.name.encode() in queue.data
    no_reason = client.post(f"/screening/{nomination.id}", data={"verdict": "ineligible"},
                            follow_redirects=True)
    assert b"screening.reason_required" in no_reason.data
    client.post(f"/screening/{nomination.id}",
                data={"verdict": "ineligible", "reason": "The delegation registered late."})
    db.session.refresh(nomination)
    assert nomination.state == "ineligible"
    auth.logout()
    auth.login("nominator@example.org")
    page = client.get(f"/nominations/{nomination.id}")
    assert b"The delegation registered late." in page.data


def test_a_delegation_from_another_event_cannot_be_nominated(client, ctx, nominator):
    cycle = builders.open_cycle("cultural_award")
    elsewhere = factories.DelegationFactory()
    db.session.commit()
    response = client.post(f"/nominate/cycles/{cycle.id}/new",
                           data={"delegation": elsewhere.id, "statement": "x"})
    assert response.status_code == 400
    assert _count(Nomination) == 0


def test_young_scientists_uses_ages_at_the_event_start(client, ctx, nominator):
    cycle = builders.open_cycle("young_scientists_award")
    delegation = factories.DelegationFactory(event=cycle.event)
    # 13 the day before the event starts: outside the 9-12 group.
    factories.ParticipantFactory(delegation=delegation, birth_date=date(2014, 7, 11))
    db.session.commit()
    client.post(f"/nominate/cycles/{cycle.id}/new", data={"delegation": delegation.id, "statement": "x"})
    nomination = _nomination()
    refused = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"young_scientists.has_age_group" in refused.data
    factories.ParticipantFactory(delegation=delegation, birth_date=date(2015, 7, 12))  # 12 that day
    db.session.commit()
    client.post(f"/nominations/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.state == "submitted"


def test_a_form_sent_after_the_session_ended_loses_nothing(client, ctx, nominator, app):
    cycle = builders.open_cycle("volunteer_award")
    with client.session_transaction() as s:
        s["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1  # the nominator went for lunch
    typed = {"name": "Amélie Dupont", "email": "", "country_id": "0", "organisation_id": "0",
             "date_of_birth": "2001-05-04", "volunteer_years": "6", "volunteer_places": "",
             "statement": "Three paragraphs I typed over an hour."}
    response = client.post(f"/nominate/cycles/{cycle.id}/new", data=typed)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'value="Three paragraphs I typed over an hour."' in page and "Log in" in page
    assert _count(Nomination) == 0
    action = re.search(r'<form method="post" novalidate action="([^"]+)"', page).group(1).replace("&amp;", "&")
    kept = dict(re.findall(r'name="(keep::[^"]+)" value="([^"]*)"', page))
    relogin = client.post(action, data={"email": "nominator@example.org",
                                        "password": "violet kettle harbour 42", **kept})
    again = relogin.get_data(as_text=True)
    assert relogin.status_code == 200 and "Three paragraphs I typed over an hour." in again
    resend = dict(re.findall(r'<textarea id="kept-\d+" name="([^"]+)" rows="\d+">([^<]*)</textarea>', again))
    assert resend["statement"] == "Three paragraphs I typed over an hour."
    assert client.post(f"/nominate/cycles/{cycle.id}/new", data=resend).status_code == 303
    assert _nomination().statement == "Three paragraphs I typed over an hour."


def test_the_nominators_word_is_no_endorsement_by_the_organisation(client, app, ctx, nominator):
    """The nominator once ticked "the endorser speaks for the candidate's
    organisation" and any endorsement counted: the box is gone, and an
    endorser naming another organisation does not satisfy the rule."""
    nomination = _volunteer_draft_of_an_organisation(client)
    page = client.get(f"/nominations/{nomination.id}")
    assert b"from_candidate_organisation" not in page.data
    client.post(f"/nominations/{nomination.id}/endorsements",
                data={"email": "boss@example.org", "from_candidate_organisation": "y"})
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "boss@example.org")).one()
    _endorse(app, re.search(r"/endorse/([\w-]+)", message.body).group(1), "Another Science Club")
    refused = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"volunteer.endorsed_by_organisation" in refused.data
    endorsement = db.session.scalar(select(Endorsement))
    db.session.refresh(endorsement)
    assert endorsement.from_candidate_organisation is False
    db.session.refresh(nomination)
    assert nomination.state == "draft"


def test_an_endorsement_by_another_name_of_the_organisation_counts(client, app, ctx, nominator):
    nomination = _volunteer_draft_of_an_organisation(client)
    _endorse(app, _request_and_answer_endorsement(client, nomination), "csl")
    endorsement = db.session.scalar(select(Endorsement))
    db.session.refresh(endorsement)
    assert endorsement.from_candidate_organisation is True
    received = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "endorsement.received"))
    assert received.payload["from_candidate_organisation"] is True
    client.post(f"/nominations/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.state == "submitted"


def test_the_nominator_cannot_endorse_as_the_organisation(client, app, ctx, nominator):
    """A link sent to the nominator's own address, answered in the
    organisation's name, is not the organisation's endorsement."""
    nomination = _volunteer_draft_of_an_organisation(client)
    client.post(f"/nominations/{nomination.id}/endorsements",
                data={"email": nominator.email, "from_candidate_organisation": "y"})
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == nominator.email)).one()
    _endorse(app, re.search(r"/endorse/([\w-]+)", message.body).group(1), "Club Scientifique de Lyon")
    client.post(f"/nominations/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.state == "draft"
