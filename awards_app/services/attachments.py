"""Attachments: the type is read from the content, the name is the server's.

A file is written to disk before its row commits and unlinked only after
the row's removal commits, so a rolled-back request leaves neither an orphan
file nor a row without its file."""

import hashlib
import re
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event

from awards_app.extensions import db
from awards_app.models import Attachment, Nomination
from awards_app.services import N_, Message, ServiceError, audit

# Magic numbers of the only types accepted; a renamed .exe is none of these.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def safe_name(filename: str | None, extension: str) -> str:
    """The name a file is offered under: the uploader's words without any
    extension of theirs, and the extension of the type read from its content
    ("cv.pdf.html" holding a PDF is "cv.pdf"; "logo.svg" holding a PNG is
    "logo.png")."""
    stem = Path(filename or "").name.split(".")[0]
    stem = re.sub(r"[^\w\- ]+", "_", stem).strip(" _-")[:100] or "file"
    return stem + extension


def download_name(attachment: Attachment) -> str:
    extension = next((ext for _, ctype, ext in SIGNATURES if ctype == attachment.content_type), "")
    return safe_name(attachment.original_name, extension)


def _after_commit(session) -> None:
    for path in session.info.pop("files_removed", ()):
        path.unlink(missing_ok=True)
    session.info.pop("files_written", None)


def _after_rollback(session) -> None:
    for path in session.info.pop("files_written", ()):
        path.unlink(missing_ok=True)
    session.info.pop("files_removed", None)


event.listen(db.session, "after_commit", _after_commit)

@event.listens_for(db.session, "after_soft_rollback")
def _after_soft_rollback(session, previous) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint inside it
        _after_rollback(session)


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def add(actor, nomination: Nomination, filename: str, stream) -> Attachment:
    """Store an uploaded file for a draft nomination, within the cycle's limits."""
    cycle = nomination.cycle
    max_bytes = int(cycle.setting("max_attachment_bytes"))
    max_count = int(cycle.setting("max_attachments"))
    if nomination.state != "draft":
        raise ServiceError("attachment.not_draft", N_("Files can be added only to a draft."), field="file")
    if len(nomination.attachments) >= max_count:
        raise ServiceError("attachment.too_many",
                           Message(N_("A nomination can have at most %(n)s files."), n=max_count), field="file")
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ServiceError("attachment.too_large",
                           Message(N_("A file can be at most %(mb)s MB."), mb=max_bytes // (1024 * 1024)), field="file")
    if not data:
        raise ServiceError("attachment.empty", N_("The file is empty."), field="file")
    kind = sniff(data[:16])
    if kind is None:
        raise ServiceError("attachment.type",
                           N_("Only PDF, JPEG and PNG files are accepted (checked from the content)."),
                           field="file")
    content_type, extension = kind
    stored_name = secrets.token_hex(16)
    path = upload_dir() / stored_name
    path.write_bytes(data)
    db.session.info.setdefault("files_written", []).append(path)
    attachment = Attachment(nomination=nomination, stored_name=stored_name,
                            original_name=safe_name(filename, extension),
                            content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest())
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "attachment.added", attachment,
                 {"nomination_id": nomination.id, "sha256": attachment.sha256, "size": len(data),
                  "content_type": content_type}, cycle_id=nomination.cycle_id)
    return attachment


def remove(actor, attachment: Attachment) -> None:
    nomination = attachment.nomination
    if nomination.state != "draft":
        raise ServiceError("attachment.not_draft", N_("Files can be removed only from a draft."))
    audit.record(actor, "attachment.removed", attachment,
                 {"nomination_id": nomination.id, "sha256": attachment.sha256},
                 cycle_id=nomination.cycle_id)
    db.session.info.setdefault("files_removed", []).append(path_of(attachment))
    db.session.delete(attachment)
    db.session.flush()


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
