"""Live at an Expo-Sciences International: the cultural evening's running
order, and the certificates and letters printed for an ESI in batches."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.awards import Cycle
from awards_app.models.events import Delegation, Event
from awards_app.models.nominations import Nomination
from awards_app.models.people import User
from awards_app.models.types import UTCDateTime, check_in, utcnow


class Performance(db.Model):
    """One nomination's performance in the cultural evening's running order.
    ``on_stage_at`` is when it was last called on stage: the performance
    called last is the one on stage now."""

    __tablename__ = "performance"
    __table_args__ = (UniqueConstraint("nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str | None] = mapped_column(String(200))
    on_stage_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[Cycle] = relationship()
    nomination: Mapped[Nomination] = relationship()


CERTIFICATE_KINDS = ("participation", "laureate", "letter")
BATCH_STATUSES = ("queued", "running", "done", "failed")


class CertificateBatch(db.Model):
    """Certificates or letters of one kind for an ESI, made in the
    background, one PDF per delegation; ``done`` of ``total`` is the
    progress the page shows."""

    __tablename__ = "certificate_batch"
    __table_args__ = (
        CheckConstraint(check_in("kind", CERTIFICATE_KINDS), name="kind"),
        CheckConstraint(check_in("status", BATCH_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    requested_by: Mapped[User] = relationship()
    files: Mapped[list["CertificateFile"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="CertificateFile.id")


class CertificateFile(db.Model):
    """One PDF of a batch: a delegation's (its participants' certificates,
    its letters) or a nomination's."""

    __tablename__ = "certificate_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batch.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nomination.id"))
    filename: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[CertificateBatch] = relationship(back_populates="files")
    delegation: Mapped[Delegation | None] = relationship()
