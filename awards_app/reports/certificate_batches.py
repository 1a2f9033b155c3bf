"""The worker's side of certificate batches: it claims the oldest queued
batch and makes its PDFs, committing after each so that the page's progress
moves, and marks a batch failed with its error. Not a service: like the
outbox worker it owns its transactions (services.certificates queues the
batch in the request's)."""

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from awards_app.extensions import db
from awards_app.models import AuditEvent, Delegation, Event, Nomination, Participant, Person, User
from awards_app.models.expo import CertificateBatch, CertificateFile
from awards_app.reports.certificates import Page, Renderer
from awards_app.services import audit
from awards_app.services.certificates import ERROR_MAX, LANGUAGES, WORKER, units


def _language(batch: CertificateBatch) -> str:
    payload = db.session.scalar(select(AuditEvent.payload).where(
        AuditEvent.action == "certificates.batch_requested", AuditEvent.object_type == "certificate_batch",
        AuditEvent.object_id == str(batch.id)).order_by(AuditEvent.seq.desc()))
    language = (payload or {}).get("language")
    return language if language in LANGUAGES else "en"


# --- making the PDFs ----------------------------------------------------------------------

def _event_line(event: Event, locale: str) -> str:
    return f"{event.year}, {event.city} ({event.country.name_in(locale)})"


def _organisation_languages(organisation_ids) -> dict[int, str]:
    """Per organisation, the language most of its people with an account chose."""
    rows = db.session.execute(select(Person.organisation_id, User.locale, func.count()).join(
        User, User.person_id == Person.id).where(Person.organisation_id.in_(list(organisation_ids)),
                                                 User.active.is_(True), User.locale.in_(LANGUAGES))
        .group_by(Person.organisation_id, User.locale)).all()
    counts: dict[int, Counter] = {}
    for organisation_id, locale, count in rows:
        counts.setdefault(organisation_id, Counter())[locale] = count
    # The most chosen; a tie goes to the language first in LANGUAGES.
    return {org: max(LANGUAGES, key=lambda lang, c=c: (c[lang], -LANGUAGES.index(lang)))
            for org, c in counts.items()}


def _candidate_language(nomination: Nomination, default: str) -> str:
    if nomination.candidate_person_id is not None:
        own = db.session.scalar(select(User.locale).where(User.person_id == nomination.candidate_person_id))
        if own in LANGUAGES:
            return own
    return nomination.nominator.locale if nomination.nominator.locale in LANGUAGES else default


def _slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in plain).lower().split())[:80] or "file"


def _participation(batch, delegation_id: int, default: str, languages: dict) -> tuple[CertificateFile, list]:

    delegation = db.session.get(Delegation, delegation_id)
    locale = languages.get(delegation.organisation_id, default)
    event = _event_line(batch.event, locale)
    people = db.session.scalars(select(Participant).where(Participant.delegation_id == delegation_id)
                                .order_by(Participant.name, Participant.id)).all()
    pages = [Page("participation", locale, p.name, {"event": event, "role": p.role, "delegation": delegation.name})
             for p in people]
    row = CertificateFile(batch_id=batch.id, delegation_id=delegation.id,
                          filename=f"participation-esi{batch.event.year}-{_slug(delegation.name)}.pdf")
    return row, pages


def _nomination(batch, nomination_id: int, default: str) -> tuple[CertificateFile, list]:

    nomination = db.session.get(Nomination, nomination_id)
    cycle, locale = nomination.cycle, _candidate_language(nomination, default)
    award = cycle.award_type.name(locale)
    name = str(nomination.candidate.name)
    if batch.kind == "laureate":
        values = {"award": award, "year": cycle.year, "event": _event_line(batch.event, locale)}
    else:
        values = {"award": award, "year": cycle.year, "city": batch.event.city,
                  "ineligible": nomination.state == "ineligible",
                  "reason": nomination.screening_reason if nomination.state == "ineligible" else None,
                  "criteria": [c.name(locale) for c in cycle.criteria]}
    row = CertificateFile(batch_id=batch.id, nomination_id=nomination.id,
                          delegation_id=nomination.candidate_delegation_id,
                          filename=f"{batch.kind}-{cycle.award_type.code}-{cycle.year}-{nomination.id}-"
                                   f"{_slug(name)}.pdf")
    return row, [Page(batch.kind, locale, name, values)]


def _claim() -> CertificateBatch | None:
    """The oldest queued batch, marked running by this worker (committed):
    a second worker running at once takes another or none."""
    while True:
        batch_id = db.session.scalar(select(CertificateBatch.id).where(CertificateBatch.status == "queued")
                                     .order_by(CertificateBatch.id).limit(1))
        if batch_id is None:
            return None
        taken = db.session.execute(update(CertificateBatch).where(
            CertificateBatch.id == batch_id, CertificateBatch.status == "queued").values(status="running"))
        db.session.commit()
        if taken.rowcount == 1:
            return db.session.get(CertificateBatch, batch_id)


def _fail(batch_id: int, exc: Exception) -> CertificateBatch:
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    text = (str(exc).strip().splitlines() or [""])[0]
    batch.status, batch.finished_at = "failed", datetime.now(UTC)
    batch.error = f"{type(exc).__name__}: {text}"[:ERROR_MAX] if text else type(exc).__name__
    audit.record(WORKER, "certificates.batch_failed", batch,
                 {"event_id": batch.event_id, "kind": batch.kind, "done": batch.done, "total": batch.total,
                  "error": type(exc).__name__})
    db.session.commit()
    return batch


def run_next_batch(renderer_factory=None) -> CertificateBatch | None:
    """Make the oldest queued batch, if any, and return it (done or failed).

    Commits after each file, so the progress shows while it runs. A failure
    rolls back the file in hand, keeps the files made, and marks the batch
    failed with the error's one-line message (the page shows it)."""
    batch = _claim()
    if batch is None:
        return None
    batch_id = batch.id
    try:

        renderer = (renderer_factory or Renderer)()
        default = _language(batch)
        todo = units(batch.kind, batch.event)
        languages = {}
        if batch.kind == "participation":
            organisations = db.session.scalars(select(Delegation.organisation_id).where(Delegation.id.in_(todo)))
            languages = _organisation_languages(set(organisations))
        batch.total = len(todo)
        pages_made = 0
        for unit in todo:
            if batch.kind == "participation":
                row, pages = _participation(batch, unit, default, languages)
            else:
                row, pages = _nomination(batch, unit, default)
            row.content, row.pages = renderer.render(pages)
            pages_made += row.pages
            db.session.add(row)
            batch.done += 1
            db.session.commit()  # each file on its own: the page shows the progress
        batch.status, batch.finished_at = "done", datetime.now(UTC)
        audit.record(WORKER, "certificates.batch_done", batch,
                     {"event_id": batch.event_id, "kind": batch.kind, "files": batch.done, "pages": pages_made})
        db.session.commit()
        return batch
    except Exception as exc:  # noqa: BLE001 - the batch is marked failed, the worker goes on
        return _fail(batch_id, exc)
