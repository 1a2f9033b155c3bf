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


from sqlalchemy import or_, select

from awards_app.extensions import db
from awards_app.models import Cycle, Delegation, Event, Nomination, Participant
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
