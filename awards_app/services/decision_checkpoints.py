"""The checkpoint a decision was decided under, and its copies outside the
database (issue 19): each ratification notice to the board carries it, and
the public list of laureates shows it beside each decision.

When the app holds the signing key, the log's head is signed right after
the ratification's events, inside the ratification's transaction:
- the audit head is already locked by those events' appends (row lock on
  PostgreSQL, the write lock on SQLite) until the commit, so no other event
  can slip in between the decision and the checkpoint; signed after the
  commit, it would be of whatever head another request had left by then;
- the checkpoint row, the notices that carry its note and the decision
  commit together: a ratification that rolls back takes its signature with
  it (the note never left, it was only in the outbox), and a committed one
  never lacks its checkpoint or its notices, which a second transaction
  after the commit could fail to write.
Signing costs one Ed25519 signature and a consistency proof from the
stored subtrees (O(log n) reads), so the vote's request stays short.

Without a key, the notice carries the latest signed checkpoint and says
that the decision came after it (the next `flask audit checkpoint` covers
it). The record of which checkpoint it was is the event
`decision.checkpoint` (decision id, checkpoint id, size, root, whether it
covers the decision), appended after the signing: the decision's own event
cannot hold the root of a tree that contains it.
"""

from flask import current_app
from sqlalchemy import select

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditSignedCheckpoint, Cycle, Decision
from awards_app.services import N_, audit, audit_log, outbox, volunteer

ACTION = "decision.checkpoint"


def _signer() -> audit_tree.SignerKey | None:
    """The app's signing key, or None when none is configured. A configured
    key that cannot be read does not stop the board's decision: it is
    logged for the secretariat, and the decision goes out as without a key."""
    config = current_app.config
    if not (config.get("AUDIT_SIGNING_KEY") or config.get("AUDIT_SIGNING_KEY_FILE")):
        return None
    try:
        return audit_log.signer_key()
    except audit_log.AuditKeyError as exc:
        current_app.logger.error("Decision not signed over: %s", exc)
        return None


def latest_trusted() -> AuditSignedCheckpoint | None:
    """The latest stored checkpoint that verifies with a configured verifier
    key (a row slipped in without the key is passed over); without
    configured keys, the latest stored."""
    try:
        keys = audit_log.verifier_keys()
    except audit_log.AuditKeyError as exc:
        current_app.logger.error("AUDIT_VERIFIER_KEYS: %s", exc)
        keys = []
    if not keys:
        return db.session.scalars(select(AuditSignedCheckpoint).order_by(
            AuditSignedCheckpoint.size.desc(), AuditSignedCheckpoint.id.desc()).limit(1)).first()
    found = [row for row in (audit_log._latest_signed_by(key) for key in keys) if row is not None]
    return max(found, key=lambda row: (row.size, row.id), default=None)


def seal(actor, cycle: Cycle, decision: Decision) -> AuditSignedCheckpoint | None:
    """Called once the decision's events are appended, in the same
    transaction: sign the head (with a key), record which checkpoint the
    decision was decided under, and tell every board member, the note in
    the notice. Returns that checkpoint (None when the log has none)."""
    row, covers = None, False
    signer = _signer()
    if signer is not None:
        try:
            row = audit_log.sign_head(signer)
            covers = row is not None
        except audit_log.CheckpointRefused as exc:
            current_app.logger.error("Decision %s not signed over: %s", decision.id, exc)
    if row is None:
        row = latest_trusted()
    if row is not None:
        audit.record(actor, ACTION, decision, {"checkpoint_id": row.id, "size": row.size, "root": row.root,
                                               "covers_decision": covers}, cycle_id=cycle.id)
    _notify_board(cycle, decision, row, covers)
    return row


def _notify_board(cycle: Cycle, decision: Decision, row: AuditSignedCheckpoint | None, covers: bool) -> None:
    subject = N_("Decision ratified: %(cycle)s")
    if row is None:
        body = N_("The Executive Committee's decision on %(cycle)s is ratified (decision %(decision)s). The audit "
                  "log has no signed checkpoint yet: the secretariat runs flask audit checkpoint, and the "
                  "board's report then shows the checkpoint that covers this decision.")
    elif covers:
        body = N_("The Executive Committee's decision on %(cycle)s is ratified (decision %(decision)s). The "
                  "audit log was signed right after it: the checkpoint below (log size %(size)s) covers the "
                  "decision and every event before it. Keep this notice: with the log's verifier key, "
                  "audit_bundle.py --checkpoint shows later whether the record was rewritten.\n\n%(checkpoint)s")
    else:
        body = N_("The Executive Committee's decision on %(cycle)s is ratified (decision %(decision)s). The "
                  "server holds no signing key: the decision came after the latest signed checkpoint below "
                  "(log size %(size)s), and the next signed checkpoint covers it. Keep this notice: with the "
                  "log's verifier key, audit_bundle.py --checkpoint shows later whether the record was "
                  "rewritten.\n\n%(checkpoint)s")
    values = {"decision": decision.id}
    if row is not None:
        values |= {"size": row.size, "checkpoint": row.note}
    for member in volunteer.board_members():
        outbox.notify(member.email, member.locale, cycle, subject, body, **values)


def decided_under(decision_ids) -> dict[int, tuple[AuditSignedCheckpoint, bool]]:
    """decision id -> (the checkpoint it was decided under, whether that
    checkpoint covers the decision), read from the decision.checkpoint
    events; a recorded checkpoint no longer stored (size and root) is left out."""
    ids = {str(i): i for i in decision_ids}
    if not ids:
        return {}
    events = db.session.execute(select(AuditEvent.object_id, AuditEvent.payload).where(
        AuditEvent.action == ACTION, AuditEvent.object_type == "decision", AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.seq)).all()
    recorded = {ids[object_id]: payload for object_id, payload in events}  # the latest record stands
    sizes = {payload.get("size") for payload in recorded.values()}
    rows = {(row.size, row.root): row for row in db.session.scalars(
        select(AuditSignedCheckpoint).where(AuditSignedCheckpoint.size.in_(sizes))
        .order_by(AuditSignedCheckpoint.id.desc()))}
    found = {}
    for decision_id, payload in recorded.items():
        row = rows.get((payload.get("size"), payload.get("root")))
        if row is not None:
            found[decision_id] = (row, bool(payload.get("covers_decision")))
    return found
