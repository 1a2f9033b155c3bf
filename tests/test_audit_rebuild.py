"""Migration 0011 rewrites a log recorded before personal values were kept
apart: afterwards the chain and the tree verify, no address or note is in
the hashed form, and every value opens from personal_value."""

from datetime import UTC, datetime

from sqlalchemy import func, select, update

from awards_app import audit_chain
from awards_app.extensions import db
from awards_app.models import AuditEvent, AuditHead, PersonalValue
from awards_app.services import audit, audit_log, audit_rebuild, db_roles, personal_values
from tests import factories

LEGACY = [  # (actor is a user?, action, payload) as they were recorded before 0011
    (True, "auth.login", {"remote_addr": "203.0.113.5"}),
    (False, "auth.login_failed", {"email": "guess@example.org", "remote_addr": "198.51.100.8"}),
    (True, "conflict.declared", {"nomination_id": 4, "kind": "family", "note": "My cousin leads it."}),
    (True, "panel.member_added", {"user_id": 3, "email": "judge@example.org", "role": "member"}),
    (True, "cycle.transition", {"event": "open_call", "from": "draft", "to": "call_open"}),
]


def _legacy_log(user):
    """The events written as the old services wrote them: the user's email as the actor label."""
    head = audit._lock_head(db.session)  # made by the first append when the tests' tables were emptied
    seq, prev = head.seq, head.hash
    for is_user, action, payload in LEGACY:
        seq += 1
        event = audit_chain.canonical_event(
            seq=seq, at=datetime.now(UTC), actor_id=user.id if is_user else None,
            actor=user.email if is_user else "system", action=action,
            object_type="user_account", object_id=user.id, cycle_id=None, payload=payload, prev_hash=prev)
        event["hash"] = prev = audit_chain.event_hash(event)
        db.session.add(AuditEvent(**{**event, "at": datetime.fromisoformat(event["at"])}))
    db.session.flush()
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    db.session.commit()


def test_a_log_recorded_before_is_rewritten_and_verifies(ctx):
    user = factories.UserFactory(email="old.user@example.org")
    db.session.commit()
    _legacy_log(user)
    assert "203.0.113.5" in str(db.session.scalars(select(AuditEvent.payload)).all())

    user_id, person_id = user.id, user.person_id
    db.session.close()
    with db_roles.owner_engine().begin() as conn:  # as the migration runs: the owner lifts the triggers
        count = audit_rebuild.personal_values_apart(conn)
    db.session.expire_all()

    assert count == db.session.scalar(select(func.count()).select_from(AuditEvent))
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    stored = str([(e.actor, e.payload) for e in events])
    for value in ("203.0.113.5", "guess@example.org", "My cousin", "judge@example.org", "old.user@example.org"):
        assert value not in stored
    assert audit.verify_chain().ok
    assert audit_log.verify_log().ok
    opened = {e.action: p for e, p in zip(events, personal_values.reveal([e.payload for e in events]), strict=True)}
    assert opened["auth.login"]["remote_addr"] == "203.0.113.5"
    assert opened["conflict.declared"]["note"] == "My cousin leads it."
    assert "email" not in opened["panel.member_added"]  # the user id beside it says who
    assert {e.actor for e in events if e.actor_id} == {f"user:{user_id}"}
    logins = db.session.scalars(select(PersonalValue).where(PersonalValue.kind == "address")).all()
    assert {(v.value, v.person_id) for v in logins} == {("203.0.113.5", person_id), ("198.51.100.8", person_id)}
    # New events extend the rewritten log.
    user = db.session.get(type(user), user_id)
    audit.record(user, "auth.login", user, {"remote_addr": personal_values.personal("192.0.2.1", "address")})
    db.session.commit()
    assert audit_log.verify_log().ok
