"""Personal API tokens: created and revoked by their owner on the profile
page, shown once, stored only as a SHA-256 hash. A token acts with its
user's roles and nothing more."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from awards_app.extensions import db
from awards_app.models import ApiToken
from awards_app.services import N_, Message, NotFound, ServiceError, audit

PREFIX = "mla_"
# How stale last_used_at may get before a request refreshes it: one write
# per token and interval, not one per request.
TOUCH_INTERVAL = timedelta(minutes=5)
NAME_MAX = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create(actor, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor; returns the row and the token itself,
    which is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("token.name_required", N_("Name the token (what will use it?)."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError("token.name_too_long", Message(N_("A name has at most %(n)s characters."), n=NAME_MAX),
                           field="name")
    token = PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    row = ApiToken(user_id=actor.id, name=name, token_hash=_hash(token), prefix=token[:12])
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "api_token.created", row, {"name": name, "prefix": row.prefix})
    return row, token


def revoke(actor, token_id: int) -> ApiToken:
    """Only the owner revokes a token; anyone else's is not found."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("token")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        db.session.flush()
        audit.record(actor, "api_token.revoked", row, {"name": row.name, "prefix": row.prefix})
    return row


def live_token(token: str | None) -> ApiToken | None:
    """The token's row when it is live: known, not revoked, its account
    active; else None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row


def record_use(row: ApiToken) -> bool:
    """Note when the token was last used, at most once per TOUCH_INTERVAL;
    True when it wrote. Bookkeeping, not part of the request's own unit of
    work: the caller commits it at once, before any service runs."""
    now = datetime.now(UTC)
    if row.last_used_at is not None and now - row.last_used_at <= TOUCH_INTERVAL:
        return False
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return True
