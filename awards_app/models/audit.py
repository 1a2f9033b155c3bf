"""The append-only, hash-chained audit trail, its checkpoints and the outbox of notices."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from awards_app.extensions import db
from awards_app.models.types import JSONType, UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One link of the chain. Rows are only ever inserted (see services.audit)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    cycle_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict] = mapped_column(JSONType(), default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(db.Model):
    """A single row whose update serialises appends, so the chain never forks.

    It also holds the Merkle tree's right edge (audit_tree.Appender.save():
    one hex hash per set bit of tree_size), so an append extends the tree
    without reading earlier leaves."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    tree_size: Mapped[int] = mapped_column(default=0, server_default="0")
    frontier: Mapped[list | None] = mapped_column(JSONType(), default=list)


class AuditSubtree(db.Model):
    """The hash of a complete subtree of the audit log's Merkle tree (2**level
    leaves from index * 2**level), kept from level 4 up so an inclusion or a
    consistency proof needs a few look-ups, not a pass over the log. Only a
    cache: a verifier recomputes what it checks from the events."""

    __tablename__ = "audit_subtree"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class AuditSignedCheckpoint(db.Model):
    """A signed statement of the log's size and Merkle root, in the C2SP
    checkpoint and signed-note formats (audit_tree), signed with a key the
    database does not hold, with the consistency proof from the previous
    one. Rows are only ever inserted; copies leave the database with the
    notices and the published lists that cite them."""

    __tablename__ = "audit_signed_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[str] = mapped_column(String(64))  # hex
    note: Mapped[str] = mapped_column(Text)  # the signed note, as published
    previous_size: Mapped[int | None] = mapped_column(BigInteger)
    consistency: Mapped[list | None] = mapped_column(JSONType())  # hex hashes, previous -> this
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditCheckpoint(db.Model):
    """The chain was verified from its start up to seq, whose hash was this.

    Later readers (the board's report) verify only the events after it, and
    check that the event at seq still has this hash: a chain rewritten from
    an edited event onwards verifies on its own but no longer meets its
    checkpoints. Rows are only ever inserted (PostgreSQL refuses the rest).
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    hash: Mapped[str] = mapped_column(String(64))
    events_verified: Mapped[int]
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by: Mapped[str] = mapped_column(String(64))


class OutboxMessage(db.Model):
    """A notice written in the same transaction as its cause, sent after commit."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A link in the body that works by itself (an endorsement link): kept
    # only until the notice is sent, then cut out of the body and erased.
    secret: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str | None] = mapped_column(String(8))  # the language it was written in
    # Sending: a worker claims a notice (claimed_at, claimed_by) before it
    # talks to the mail server, so two workers never send the same one; a
    # failed send waits until next_attempt_at (growing back-off); after the
    # last attempt failed_at marks it given up, for the secretariat to see.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WitnessKey(db.Model):
    """A board member's Ed25519 public key (a signed-note verifier key) for
    cosigning the log's checkpoints; the private key never reaches the app."""

    __tablename__ = "witness_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    verifier_key: Mapped[str] = mapped_column(String(200), unique=True)  # name+hash+base64
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditCosignature(db.Model):
    """A witness's signature line over one signed checkpoint's text."""

    __tablename__ = "audit_cosignature"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_signed_checkpoint.id"), index=True)
    witness_key_id: Mapped[int] = mapped_column(ForeignKey("witness_key.id"))
    signature: Mapped[str] = mapped_column(Text)  # the signed note's line, "— name base64"
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalValue(db.Model):
    """A personal value an audit event refers to by a salted commitment
    (issue 19): the event's hashed form holds only
    sha256(salt || value), so deleting this row (erasure, retention) forgets
    the value and leaves the log verifying. Kept apart from the events so
    that nothing hashed ever needs to change."""

    __tablename__ = "personal_value"

    commitment: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex
    salt: Mapped[str] = mapped_column(String(64))  # hex, 32 random bytes
    value: Mapped[object] = mapped_column(JSONType())
    kind: Mapped[str] = mapped_column(String(16), index=True)  # personal_values.KINDS
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True)  # the event that commits to it
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
