"""Everything the engine holds about one person, for their right of access
and portability (GDPR articles 15 and 20; issue 19): their record, their
accounts, what they nominated, endorsed, judged, declared and voted, where
others named them, and every audit event they made or that names their
address, as one JSON document.

Secrets are never part of it (password and token hashes, the second
factor's key, recovery codes): they are not data about the person but keys
to their account. The export itself is audited, without personal data.
"""

from datetime import UTC, date, datetime

from sqlalchemy import String, cast, func, or_, select

from awards_app.extensions import db
from awards_app.models import (
    ApiToken,
    Assignment,
    AuditEvent,
    BoardVote,
    ConflictOfInterest,
    Endorsement,
    JudgeProfile,
    Nomination,
    PanelMember,
    Person,
    PersonalValue,
    Score,
    User,
)
from awards_app.services import N_, Forbidden, audit, personal_values

FORMAT = "milset-personal-data/1"
# Columns that open an account rather than describe a person.
SECRETS = frozenset({"password_hash", "totp_secret", "token_hash", "session_epoch"})


PSEUDONYM = "Erased person "  # + the record's id: what an erased person's name becomes


def pseudonym(person_id: int) -> str:
    return f"{PSEUDONYM}{person_id}"


def require_secretariat(actor) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("privacy.secretariat_only", N_("Only the secretariat answers requests about personal data."))


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj, leave_out=()) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns
            if c.key not in SECRETS and c.key not in leave_out}


def _all(statement) -> list[dict]:
    return [_row(obj) for obj in db.session.scalars(statement)]


def _named_in(emails: set[str]) -> list[dict]:
    """Nominations and judges' profiles whose declared relations give one of these addresses."""
    found = []
    for nomination in db.session.scalars(select(Nomination).where(Nomination.declared_relations.isnot(None))):
        for relation in nomination.declared_relations or []:
            if (relation.get("email") or "").lower() in emails:
                found.append({"where": "nomination", "nomination_id": nomination.id, "relation": relation})
    for profile in db.session.scalars(select(JudgeProfile)):
        for relation in profile.relations or []:
            if (relation.get("email") or "").lower() in emails:
                found.append({"where": "judge_profile", "judge_user_id": profile.user_id, "relation": relation})
    return found


def _audit_events(person: Person, user_ids: list[int], emails: set[str]) -> list[dict]:
    """Events the person made, and events committing to a value about them
    (recorded as theirs, or holding one of their addresses), with the
    values opened."""
    text = func.lower(cast(PersonalValue.value, String))
    about_them = select(PersonalValue.event_seq).where(or_(
        PersonalValue.person_id == person.id, *[text.contains(email, autoescape=True) for email in emails]))
    condition = or_(AuditEvent.actor_id.in_(user_ids or [-1]), AuditEvent.seq.in_(about_them))
    events = [_row(event, leave_out=("id",)) for event in
              db.session.scalars(select(AuditEvent).where(condition).order_by(AuditEvent.seq))]
    for event, opened in zip(events, personal_values.reveal([e["payload"] for e in events]), strict=True):
        event["payload"] = opened
    return events


def export(actor, person: Person) -> dict:
    """The person's data as one JSON-ready document."""
    require_secretariat(actor)
    users = list(db.session.scalars(select(User).where(User.person_id == person.id).order_by(User.id)))
    user_ids = [u.id for u in users]
    emails = {e.lower() for e in (person.email, *(u.email for u in users)) if e}
    any_user = user_ids or [-1]
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id.in_(any_user)))
    assignments = select(Assignment.id).where(Assignment.judge_id.in_(any_user))
    document = {
        "format": FORMAT,
        "generated_at": datetime.now(UTC).isoformat(),
        "person": _row(person),
        "accounts": [{**_row(u), "roles": sorted(u.roles),
                      "second_factor": u.totp_enabled_at is not None} for u in users],
        "api_tokens": _all(select(ApiToken).where(ApiToken.user_id.in_(any_user)).order_by(ApiToken.id)),
        "nominated_as_candidate": _all(select(Nomination).where(Nomination.candidate_person_id == person.id)
                                       .order_by(Nomination.id)),
        "nominations_made": _all(select(Nomination).where(Nomination.nominator_id.in_(any_user))
                                 .order_by(Nomination.id)),
        "endorsements": _all(select(Endorsement).where(func.lower(Endorsement.email).in_(emails or {""}))
                             .order_by(Endorsement.id)),
        "judge_profile": None if profile is None else {
            **_row(profile), "expertise": [_row(e) for e in profile.expertise]},
        "panels": _all(select(PanelMember).where(PanelMember.user_id.in_(any_user)).order_by(PanelMember.id)),
        "assignments": _all(select(Assignment).where(Assignment.judge_id.in_(any_user)).order_by(Assignment.id)),
        "scores": _all(select(Score).where(Score.assignment_id.in_(assignments)).order_by(Score.id)),
        "conflicts": _all(select(ConflictOfInterest).where(ConflictOfInterest.judge_id.in_(any_user))
                          .order_by(ConflictOfInterest.id)),
        "board_votes": _all(select(BoardVote).where(BoardVote.user_id.in_(any_user)).order_by(BoardVote.id)),
        "named_by_others": _named_in(emails),
        "audit_events": _audit_events(person, user_ids, emails),
    }
    audit.record(actor, "privacy.exported", person, {"person_id": person.id})
    return document


def find(actor, query: str, limit: int = 50) -> list[tuple[Person, str | None]]:
    """(person, their account's address or None) for the people whose name
    or address contains `query` (two characters at least), accounts'
    addresses included: one statement."""
    require_secretariat(actor)
    query = (query or "").strip().lower()
    if len(query) < 2:
        return []
    return [tuple(row) for row in db.session.execute(
        select(Person, User.email).outerjoin(User, User.person_id == Person.id).where(or_(
            func.lower(Person.name).contains(query, autoescape=True),
            func.lower(Person.email).contains(query, autoescape=True),
            func.lower(User.email).contains(query, autoescape=True)))
        .order_by(Person.name, Person.id).limit(limit))]


def overview(actor, person: Person) -> dict:
    """What the secretariat's page shows before an export or an erasure: the
    person's records and accounts, where they appear, and the personal
    values the audit log commits to, by kind. Not audited: it is the
    secretariat's working view, not a copy leaving the engine."""
    require_secretariat(actor)
    address = (person.email or "").strip().lower()
    records = [person, *db.session.scalars(select(Person).where(
        func.lower(Person.email) == address, Person.id != person.id).order_by(Person.id))] if address else [person]
    ids = [r.id for r in records]
    users = list(db.session.scalars(select(User).where(User.person_id.in_(ids)).order_by(User.id)))
    user_ids = [u.id for u in users] or [-1]
    emails = {e for e in (address, *(u.email.lower() for u in users)) if e}
    text = func.lower(cast(PersonalValue.value, String))
    values = dict(db.session.execute(select(PersonalValue.kind, func.count()).where(or_(
        PersonalValue.person_id.in_(ids), *[text.contains(e, autoescape=True) for e in emails]))
        .group_by(PersonalValue.kind)).all())
    as_candidate = list(db.session.scalars(select(Nomination).where(Nomination.candidate_person_id.in_(ids))
                                           .order_by(Nomination.id)))
    return {
        "records": records,
        "accounts": users,
        "as_candidate": as_candidate,
        "laureate": any(n.state == "laureate" for n in as_candidate),
        "nominations_made": db.session.scalar(select(func.count()).select_from(Nomination).where(
            Nomination.nominator_id.in_(user_ids))),
        "endorsements": db.session.scalar(select(func.count()).select_from(Endorsement).where(
            func.lower(Endorsement.email).in_(emails or {""}))),
        "named_by_others": len(_named_in(emails)),
        "audit_values": values,
        "erased": person.name == pseudonym(person.id),
    }
