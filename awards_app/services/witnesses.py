"""Board members witness the audit log (issue 19): each registers an Ed25519
verifier key (made offline with `python3 audit_bundle.py witness-keygen`,
the private key never reaching the app) and cosigns signed checkpoints by
pasting the signature line `audit_bundle.py cosign` prints. A checkpoint a
witness cosigned cannot be swapped for another of the same size without
their key, even by whoever holds the log's own key.

A cosignature here is a plain signed-note Ed25519 signature line over the
checkpoint's text (key type 0x01, as the log's own), not the C2SP
tlog-cosignature form with a timestamp: the tools the board gets are the
same verifier and the same note format.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.models import AuditCosignature, AuditSignedCheckpoint, User, WitnessKey
from awards_app.services import N_, Forbidden, Message, NotFound, ServiceError, audit, audit_log, decision_checkpoints

KEY_MAX = 200  # WitnessKey.verifier_key's width


def _board_only(actor) -> None:
    if not actor.has_role("board") or getattr(actor, "id", None) is None:
        raise Forbidden("witness.board_only", N_("Only Executive Committee members witness the audit log."))


def keys_of(user) -> list[WitnessKey]:
    """The user's keys, the active ones first, newest first."""
    return sorted(db.session.scalars(select(WitnessKey).where(WitnessKey.user_id == user.id)),
                  key=lambda k: (k.retired_at is not None, -k.id))


def _fingerprint(key: audit_tree.VerifierKey) -> str:
    # The key's name may be a person's name: the trail keeps the key hash only.
    return key.key_hash.hex()


def register_key(actor, text: str) -> WitnessKey:
    """Register the actor's witness key, a signed-note verifier key
    (name+hash+base64 of an Ed25519 public key)."""
    _board_only(actor)
    text = (text or "").strip()
    if not text:
        raise ServiceError("witness.key_required", N_("Paste your verifier key."), field="verifier_key")
    if len(text) > KEY_MAX:
        raise ServiceError("witness.key_malformed", N_("This is not a verifier key: it is too long."),
                           field="verifier_key")
    if text.startswith("PRIVATE+KEY+"):
        raise ServiceError("witness.private_key", N_("This is your private key: keep it to yourself and paste "
                                                     "the verifier key (the line witness-keygen printed)."),
                           field="verifier_key")
    try:
        key = audit_tree.parse_verifier_key(text)
    except audit_tree.MalformedKey as exc:
        raise ServiceError("witness.key_malformed",
                           Message(N_("This is not an Ed25519 verifier key in the form name+hash+key "
                                      "(%(reason)s)."), reason=exc.reason), field="verifier_key") from None
    try:
        log_keys = {(k.name, k.key_hash) for k in audit_log.verifier_keys()}
    except audit_log.AuditKeyError:
        log_keys = set()
    if (key.name, key.key_hash) in log_keys:
        raise ServiceError("witness.key_is_the_logs", N_("This is the log's own key: a witness uses a key of "
                                                         "their own."), field="verifier_key")
    if db.session.scalar(select(WitnessKey.id).where(WitnessKey.verifier_key == str(key))) is not None:
        raise ServiceError("witness.key_registered", N_("This key is already registered."), field="verifier_key")
    row = WitnessKey(user_id=actor.id, verifier_key=str(key), added_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "witness.key_added", row, {"user_id": actor.id, "key_hash": _fingerprint(key)})
    return row


def retire_key(actor, key: WitnessKey) -> WitnessKey:
    """The key signs no more cosignatures; those it made are kept and still checked."""
    _board_only(actor)
    if key.user_id != actor.id:
        raise NotFound("witness key")
    if key.retired_at is not None:
        raise ServiceError("witness.key_retired", N_("This key is already retired."))
    key.retired_at = datetime.now(UTC)
    db.session.flush()
    audit.record(actor, "witness.key_retired", key,
                 {"user_id": actor.id, "key_hash": _fingerprint(audit_tree.parse_verifier_key(key.verifier_key))})
    return key


def to_cosign() -> AuditSignedCheckpoint | None:
    """The checkpoint the profile page offers: the latest one that verifies
    with the log's key (never a row slipped in without it)."""
    return decision_checkpoints.latest_trusted()


def _line(text: str) -> str:
    line = (text or "").strip()
    if not line:
        raise ServiceError("witness.signature_required", N_("Paste the signature line cosign printed."),
                           field="signature")
    return line + "\n"


def cosign(actor, checkpoint: AuditSignedCheckpoint | None, signature_line: str) -> AuditCosignature:
    """Check the pasted signature line against the checkpoint's text and the
    actor's active keys, and keep it. Only the checkpoint the page offers
    (the latest the log's key verifies) is taken: a witness vouches for
    what the log's key signed, never for a row slipped in beside it."""
    _board_only(actor)
    line = _line(signature_line)
    keys = [k for k in keys_of(actor) if k.retired_at is None]
    if not keys:
        raise ServiceError("witness.no_key", N_("Register your verifier key first."), field="signature")
    offered = to_cosign()
    if offered is None or checkpoint is None or offered.id != checkpoint.id:
        raise ServiceError("witness.not_offered", N_("Only the latest signed checkpoint, as this page shows it, "
                                                     "can be cosigned; reload the page."), field="signature")
    text = audit_tree.parse_note(checkpoint.note).text
    try:
        checked = audit_tree.verify_note(text + "\n" + line, [k.verifier_key for k in keys])
    except audit_tree.MalformedNote:
        raise ServiceError("witness.signature_malformed", N_("This is not a signature line: it starts with "
                                                             "an em dash (—), then the key's name and the "
                                                             "signature."), field="signature") from None
    except audit_tree.SignatureFailed as exc:
        if exc.reason == "key_unknown":
            raise ServiceError("witness.signature_unknown_key", N_("This line is not signed with one of your "
                                                                   "active keys."), field="signature") from None
        raise ServiceError("witness.signature_invalid", N_("The signature does not verify: it was made over "
                                                           "another text or with another key."),
                           field="signature") from None
    if not checked.signature_checked:
        raise ServiceError("witness.cannot_check", N_("The server cannot check Ed25519 signatures (the "
                                                      "cryptography package is missing)."), field="signature")
    key = next(k for k in keys if audit_tree.parse_verifier_key(k.verifier_key).name in checked.key_names)
    if db.session.scalar(select(AuditCosignature.id).where(AuditCosignature.checkpoint_id == checkpoint.id,
                                                           AuditCosignature.witness_key_id == key.id)):
        raise ServiceError("witness.already_cosigned", N_("You have already cosigned this checkpoint with this "
                                                          "key."), field="signature")
    row = AuditCosignature(checkpoint_id=checkpoint.id, witness_key_id=key.id, signature=line,
                           signed_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "witness.cosigned", row, {"checkpoint_id": checkpoint.id, "size": checkpoint.size,
                                                  "root": checkpoint.root, "witness_key_id": key.id})
    return row


# ---------------------------------------------------------------- reading


def cosignatures_of(checkpoint_ids) -> dict[int, list[AuditCosignature]]:
    """checkpoint id -> its cosignatures, oldest first."""
    found = {i: [] for i in checkpoint_ids}
    if not found:
        return found
    for row in db.session.scalars(select(AuditCosignature).where(AuditCosignature.checkpoint_id.in_(found))
                                  .order_by(AuditCosignature.id)):
        found[row.checkpoint_id].append(row)
    return found


def witness_of(cosignature: AuditCosignature) -> tuple[WitnessKey | None, User | None]:
    key = db.session.get(WitnessKey, cosignature.witness_key_id)
    user = db.session.scalar(select(User).where(User.id == key.user_id).options(selectinload(User.person))) \
        if key is not None else None
    return key, user
