"""Certificates and letters for an Expo-Sciences International, made in
batches outside the request (issue 21).

The secretariat asks for a batch of one kind for an ESI (`request_batch`);
`run_next_batch` (run by `flask certificates run` and by the outbox worker's
loop) makes it, one PDF per delegation for participation certificates and
one per nomination for laureate certificates and letters, committing after
each file so that the page showing ``done`` of ``total`` moves.

Each recipient gets their own language among EN/FR/ES:
- a delegation's participants: the language most of its organisation's
  people with an account chose (User.locale), since neither Organisation nor
  Delegation records a language;
- a nomination's candidate (laureate certificate, letter): the candidate's
  own account's language, else the nominator's;
- otherwise the language the secretariat chose for the batch (English by
  default). The schema keeps no language on the batch, so that choice is
  recorded in the batch's "requested" audit event and read back from there.

Which nominations belong to an ESI: those of cycles of that event, and of
cycles of the ESI's year attached to no event (the Volunteer Award and the
others presented at that ESI)."""

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, Delegation, Event, Nomination, Participant, Person, User
from awards_app.models.expo import CERTIFICATE_KINDS, CertificateBatch, CertificateFile
from awards_app.services import N_, Message, NotFound, ServiceError, audit
from awards_app.services.actors import SystemActor

LANGUAGES = ("en", "fr", "es")
WORKER = SystemActor("certificates", frozenset({"admin"}))
ERROR_MAX = 500


def _secretariat(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_role("admin"):
        raise NotFound("batch")


def batches(actor, event: Event) -> list[CertificateBatch]:
    """The event's batches, newest first (the secretariat's alone)."""
    _secretariat(actor)
    return list(db.session.scalars(select(CertificateBatch).where(CertificateBatch.event_id == event.id)
                                   .order_by(CertificateBatch.id.desc())))


def files(actor, batch_ids) -> dict[int, list]:
    """Per batch, its files without their content: (id, filename, pages)."""
    _secretariat(actor)
    rows = db.session.execute(select(CertificateFile.batch_id, CertificateFile.id, CertificateFile.filename,
                                     CertificateFile.pages).where(CertificateFile.batch_id.in_(list(batch_ids)))
                              .order_by(CertificateFile.id)).all()
    result: dict[int, list] = {}
    for row in rows:
        result.setdefault(row.batch_id, []).append(row)
    return result


def get_file(actor, file_id: int) -> CertificateFile:
    _secretariat(actor)
    row = db.session.get(CertificateFile, file_id)
    if row is None:
        raise NotFound("file")
    return row


# --- what a batch is made of ------------------------------------------------------------

def _cycles(event: Event):
    return select(Cycle.id).where(or_(Cycle.event_id == event.id,
                                      (Cycle.event_id.is_(None)) & (Cycle.year == event.year)))


def _laureate_ids(event: Event) -> list[int]:
    from awards_app.services.decisions import final_decision

    ids = []
    for cycle in db.session.scalars(select(Cycle).where(Cycle.id.in_(_cycles(event)), Cycle.state == "announced")
                                    .order_by(Cycle.id)):
        decision = final_decision(cycle)
        if decision is not None:
            ids.extend(sorted(decision.laureate_nomination_ids))
    return ids


def units(kind: str, event: Event) -> list[int]:
    """What one file is made of, in order: delegation ids (participation, only
    delegations with participants) or nomination ids."""
    if kind == "participation":
        return list(db.session.scalars(
            select(Delegation.id).where(Delegation.event_id == event.id,
                                        select(Participant.id).where(Participant.delegation_id == Delegation.id)
                                        .exists()).order_by(Delegation.name, Delegation.id)))
    if kind == "laureate":
        return _laureate_ids(event)
    return list(db.session.scalars(select(Nomination.id).where(
        Nomination.cycle_id.in_(_cycles(event)), Nomination.state.in_(("not_selected", "ineligible")))
        .order_by(Nomination.cycle_id, Nomination.id)))


def request_batch(actor, event: Event, kind: str, language: str) -> CertificateBatch:
    """Queue a batch; the worker makes it. One batch at a time per ESI and kind."""
    _secretariat(actor)
    if kind not in CERTIFICATE_KINDS:
        raise ServiceError("certificates.unknown_kind", N_("Choose what to print."), field="kind")
    if language not in LANGUAGES:
        raise ServiceError("certificates.unknown_language", N_("Choose English, French or Spanish."),
                           field="language")
    busy = db.session.scalar(select(CertificateBatch.id).where(
        CertificateBatch.event_id == event.id, CertificateBatch.kind == kind,
        CertificateBatch.status.in_(("queued", "running"))))
    if busy is not None:
        raise ServiceError("certificates.batch_in_progress",
                           N_("A batch of this kind for this ESI is still being made: wait until it is done."),
                           field="kind")
    total = len(units(kind, event))
    if total == 0:
        raise ServiceError("certificates.nothing_to_print", Message(
            N_("There is nothing to print of this kind for %(event)s yet."), event=event.title), field="kind")
    batch = CertificateBatch(event_id=event.id, kind=kind, status="queued", total=total, done=0,
                             requested_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "certificates.batch_requested", batch,
                 {"event_id": event.id, "kind": kind, "language": language, "total": total})
    return batch


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
    from awards_app.reports.certificates import Page

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
    from awards_app.reports.certificates import Page

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
        from awards_app.reports.certificates import Renderer

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
