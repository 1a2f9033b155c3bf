"""Certificates and letters of an ESI (issue 21): made in batches by the
worker, one PDF per delegation or nomination, each in its recipient's
language, read back with poppler's pdftotext so that accents are proved to
survive; only the secretariat starts and sees batches."""

import re
import subprocess

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, CertificateBatch, CertificateFile
from awards_app.reports import certificate_batches
from awards_app.services import certificates
from tests import builders, factories

NAMES = ("Inês Carvalho", "Élodie Fournier", "Ñandú Peña")
WORDS = {"en": ("Certificate of participation", "took part in the Expo-Sciences International"),
         "fr": ("Certificat de participation", "a participé à l'Expo-Sciences Internationale"),
         "es": ("Certificado de participación", "participó en la Expo-Ciencias Internacional")}
LAUREATE = {"en": ("Certificate of award", "ESI Best Delegation Award"),
            "fr": ("Certificat de récompense", "Prix de la meilleure délégation"),
            "es": ("Certificado de premio", "Premio a la mejor delegación")}
LETTER = {"en": ("was not selected this time", "Originality of the project"),
          "fr": ("n'a pas été retenue cette fois-ci", "Originalité du projet"),
          "es": ("no fue seleccionada en esta ocasión", "Originalidad del proyecto")}


def text_of(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)  # noqa: S607
    return " ".join(done.stdout.decode("utf-8").split())


def pages_of(pdf: bytes) -> int:
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, text=False)  # noqa: S607
    return int(re.search(rb"^Pages:\s+(\d+)", done.stdout, re.M).group(1))


@pytest.fixture
def esi(ctx):
    """An ESI with three delegations (3, 2 and 1 participants) and one without any."""
    event = builders.esi_event(city="Abu Dhabi")
    delegations = []
    for index, size in enumerate((3, 2, 1, 0)):
        delegation = factories.DelegationFactory(event=event, name=f"Delegation {index}")
        for n in range(size):
            factories.ParticipantFactory(delegation=delegation, name=NAMES[(index + n) % 3],
                                         role="leader" if n == 1 else "participant")
        delegations.append(delegation)
    admin = factories.UserFactory(roles=("admin",), email="secretariat@example.org")
    db.session.commit()
    return event, delegations, admin


def _announced(event, nominator_locale):
    """An announced cycle of the ESI: one laureate, one not selected, one ineligible."""
    award_type = builders.award("best_delegation_award")
    cycle = factories.CycleFactory(award_type=award_type, event=event, year=event.year, state="announced")
    factories.CriterionFactory(cycle=cycle, name_en="Originality of the project", name_fr="Originalité du projet",
                               name_es="Originalidad del proyecto", position=1)
    noms = []
    for name, state in (("Délégation Ñandú Peña", "laureate"), ("Delegación Inês Carvalho", "not_selected"),
                        ("Élodie Fournier's delegation", "ineligible")):
        delegation = factories.DelegationFactory(event=event, name=name)
        nominator = factories.UserFactory(roles=("nominator",))
        nominator.locale = nominator_locale
        noms.append(factories.NominationFactory(
            cycle=cycle, nominator=nominator, candidate_delegation=delegation, state=state,
            screening_reason="Inscrite après la clôture" if state == "ineligible" else None))
    factories.DecisionFactory(cycle=cycle, laureate_nomination_ids=[noms[0].id])
    db.session.commit()
    return cycle, noms


def _run(runner):
    result = runner.invoke(args=["certificates", "run"])
    db.session.expire_all()
    return result


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_participation_batch_through_the_cli_makes_a_pdf_per_delegation_a_page_per_participant(
        esi, runner, language):
    event, delegations, admin = esi
    batch = certificates.request_batch(admin, event, "participation", language)
    db.session.commit()
    assert (batch.status, batch.total, batch.done) == ("queued", 3, 0)  # the delegation without anyone: no file

    result = _run(runner)

    assert result.exit_code == 0, result.output
    assert "3 of 3 files made" in result.output
    batch = db.session.get(CertificateBatch, batch.id)
    assert (batch.status, batch.done, batch.total) == ("done", 3, 3)
    made = {f.delegation_id: f for f in batch.files}
    assert set(made) == {d.id for d in delegations[:3]}
    for delegation, size in zip(delegations[:3], (3, 2, 1), strict=True):
        pdf = made[delegation.id].content
        assert pdf.startswith(b"%PDF") and pages_of(pdf) == size == made[delegation.id].pages
        text = text_of(pdf)
        for word in WORDS[language]:
            assert word in text
        for participant in delegation.participants:
            assert participant.name in text
        assert "Abu Dhabi" in text
    assert all(name in text_of(made[delegations[0].id].content) for name in NAMES)


def test_a_delegation_is_printed_in_its_organisations_language(esi, runner):
    event, delegations, admin = esi
    for locale in ("es", "es", "fr"):  # most of its people chose Spanish
        user = factories.UserFactory(person=factories.PersonFactory(organisation=delegations[1].organisation))
        user.locale = locale
    certificates.request_batch(admin, event, "participation", "fr")
    db.session.commit()
    _run(runner)
    files = {f.delegation_id: f.content for f in db.session.scalars(select(CertificateFile))}
    assert "Certificado de participación" in text_of(files[delegations[1].id])
    assert "Certificat de participation" in text_of(files[delegations[0].id])  # none recorded: the batch's


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_laureate_certificates_and_letters_in_the_nominators_language(esi, runner, language):
    event, _delegations, admin = esi
    _cycle, noms = _announced(event, language)
    for kind in ("laureate", "letter"):
        certificates.request_batch(admin, event, kind, "en" if language != "en" else "fr")
        db.session.commit()
    assert _run(runner).exit_code == 0

    laureate = db.session.scalar(select(CertificateFile).where(CertificateFile.nomination_id == noms[0].id))
    text = text_of(laureate.content)
    for word in LAUREATE[language]:
        assert word in text
    assert "Délégation Ñandú Peña" in text and "2027" in text and "Abu Dhabi" in text

    letter = db.session.scalar(select(CertificateFile).where(CertificateFile.nomination_id == noms[1].id))
    text = text_of(letter.content)
    for word in LETTER[language]:
        assert word in text
    assert "Delegación Inês Carvalho" in text

    refused = text_of(db.session.scalar(select(CertificateFile).where(
        CertificateFile.nomination_id == noms[2].id)).content)
    assert "Élodie Fournier" in refused and "Inscrite après la clôture" in refused
    assert db.session.scalar(select(CertificateFile.id).where(CertificateFile.nomination_id == noms[0].id,
                                                               CertificateFile.batch.has(kind="letter"))) is None


def test_the_secretariat_starts_a_batch_follows_it_and_downloads_the_pdfs(esi, client, auth, runner):
    event, delegations, admin = esi
    auth.login(admin.email)
    page = client.get(f"/reference/events/{event.id}")
    assert f"/reference/events/{event.id}/certificates" in page.get_data(as_text=True)

    response = client.post(f"/reference/events/{event.id}/certificates", data={"kind": "participation",
                                                                               "language": "es"})
    assert response.status_code == 303
    page = client.get(f"/reference/events/{event.id}/certificates").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and '<progress max="3" value="0">' in page

    _run(runner)
    page = client.get(f"/reference/events/{event.id}/certificates").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and '<progress max="3" value="3">' in page
    file = db.session.scalar(select(CertificateFile).where(CertificateFile.delegation_id == delegations[0].id))
    assert file.filename in page
    download = client.get(f"/reference/certificates/files/{file.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{file.filename}"'
    assert "Certificado de participación" in text_of(download.data)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("certificates.%"))
                                .order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["certificates.batch_requested", "certificates.batch_done"]
    assert events[1].payload == {"event_id": event.id, "kind": "participation", "files": 3, "pages": 6}
    assert not any(name in str(e.payload) for e in events for name in NAMES)


def test_a_second_batch_of_the_same_kind_waits_for_the_first(esi, client, auth):
    event, _delegations, admin = esi
    auth.login(admin.email)
    client.post(f"/reference/events/{event.id}/certificates", data={"kind": "participation", "language": "en"})
    again = client.post(f"/reference/events/{event.id}/certificates", data={"kind": "participation",
                                                                            "language": "en"})
    assert again.status_code == 400
    assert "still being made" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(CertificateBatch.id))) == 1


def test_nothing_to_print_is_said_at_the_field(esi, client, auth):
    event, _delegations, admin = esi
    auth.login(admin.email)
    response = client.post(f"/reference/events/{event.id}/certificates", data={"kind": "laureate",
                                                                               "language": "en"})
    assert response.status_code == 400 and "nothing to print" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(CertificateBatch.id))) == 0


@pytest.mark.parametrize("role", ["nominator", "judge", "chair", "board", "auditor"])
def test_only_the_secretariat_starts_or_sees_batches(esi, client, auth, role):
    event, _delegations, admin = esi
    batch = certificates.request_batch(admin, event, "participation", "en")
    db.session.flush()
    file = factories.CertificateFileFactory(batch=batch, delegation=_delegations[0])
    other = factories.UserFactory(roles=(role,))
    db.session.commit()
    auth.login(other.email)
    assert client.get(f"/reference/events/{event.id}/certificates").status_code == 404
    assert client.get(f"/reference/certificates/files/{file.id}").status_code == 404
    assert client.post(f"/reference/events/{event.id}/certificates",
                       data={"kind": "participation", "language": "en"}).status_code == 404
    assert db.session.scalar(select(db.func.count(CertificateBatch.id))) == 1


def test_a_failure_marks_the_batch_failed_with_its_error_not_a_trace(esi, runner, client, auth, monkeypatch):
    event, _delegations, admin = esi
    from awards_app.reports import certificates as renderer

    made = []

    def broken(self, pages):
        if made:
            raise OSError("the disk is full")
        made.append(1)
        return b"%PDF-1.7 first", 1

    monkeypatch.setattr(renderer.Renderer, "render", broken)
    batch = certificates.request_batch(admin, event, "participation", "en")
    db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    batch = db.session.get(CertificateBatch, batch.id)
    assert (batch.status, batch.done, batch.error) == ("failed", 1, "OSError: the disk is full")
    assert len(batch.files) == 1  # the file made before stays
    auth.login(admin.email)
    page = client.get(f"/reference/events/{event.id}/certificates").get_data(as_text=True)
    assert "OSError: the disk is full" in page and "Traceback" not in page
    assert 'http-equiv="refresh"' not in page
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates.batch_failed"))
    assert failed.payload["error"] == "OSError"


def test_no_batch_queued_is_said(ctx, runner):
    result = _run(runner)
    assert result.exit_code == 0 and "No batch is queued." in result.output


def test_the_outbox_worker_makes_a_queued_batch_between_its_passes(esi, runner, monkeypatch):
    import os
    import signal

    event, _delegations, admin = esi
    batch = certificates.request_batch(admin, event, "participation", "en")
    db.session.commit()
    real = certificate_batches.run_next_batch

    def run_then_stop():
        made = real()
        if made is not None:
            os.kill(os.getpid(), signal.SIGINT)  # the worker's handler finishes the pass, then stops
        return made

    monkeypatch.setattr(certificate_batches, "run_next_batch", run_then_stop)
    previous = signal.getsignal(signal.SIGINT)
    try:
        result = runner.invoke(args=["outbox", "worker", "--interval", "0.1"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.exit_code == 0, result.output
    assert "Certificate batch" in result.output and "3 of 3 files made" in result.output
    db.session.expire_all()
    assert db.session.get(CertificateBatch, batch.id).status == "done"
