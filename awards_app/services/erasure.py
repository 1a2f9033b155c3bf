"""Forgetting a person (GDPR article 17; issue 19) and the retention rules
that forget on a schedule.

What erasure keeps, and why: the decisions, the scores and every audit
event stay (the awards must remain explainable from the record), now about
a pseudonym ("Erased person 42") and account ids; the log still verifies,
since its events only ever held commitments to personal values
(personal_values), and erasure deletes the values and their salts. The
public record of laureates (past_laureate) is kept as MILSET's legitimate
interest in its own history; the nominations behind it lose their personal
content all the same.

What it removes: the person's name, address and date of birth; their
accounts' addresses, passwords, second factor, links, tokens and calendar
address (the accounts are closed); what a nomination about them says and
its files; endorsements they wrote; relations naming them declared by
judges or nominators; their own declared relations and notes as a judge;
mail to them; and then every remaining mention of their name or address in
any text or JSON column of any table, replaced by "[erased]".
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, String, Text, case, cast, delete, func, or_, select, update

from awards_app.extensions import db
from awards_app.models import (
    AccountLink,
    ApiToken,
    Attachment,
    ConflictOfInterest,
    Cycle,
    Endorsement,
    IdempotencyRecord,
    JudgeProfile,
    Nomination,
    OutboxMessage,
    Person,
    PersonalValue,
    RecoveryCode,
    User,
)
from awards_app.services import N_, ServiceError, actors, audit
from awards_app.services.personal_values import ADDRESS
from awards_app.services.privacy import PSEUDONYM, pseudonym, require_secretariat

MENTION = "[erased]"
# Tables whose text is never rewritten: the log's hashed form (it holds no
# personal value, and a change would break it), its proofs, and the public
# laureate record kept by legitimate interest.
KEPT_TABLES = frozenset({"audit_event", "audit_head", "audit_subtree", "audit_signed_checkpoint",
                         "audit_checkpoint", "audit_cosignature", "past_laureate", "alembic_version"})
SHORTEST_NAME = 4  # a shorter name would match inside unrelated words
RETENTION_SYSTEM = actors.SystemActor("retention", roles={"admin"})
ENDED = ("announced", "cancelled")


@dataclass
class Erasure:
    person_id: int
    counts: dict = field(default_factory=dict)

    def count(self, what: str, n: int) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


def erase(actor, person: Person, reason: str) -> Erasure:
    """Forget `person` (see the module's text). Refused without a reason."""
    require_secretariat(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("privacy.reason_required", N_("Say why the person's data is erased (their request, "
                                                         "a retention rule); do not write their name."),
                           field="reason")
    people = _records_of(person)
    if getattr(actor, "person_id", None) in {p.id for p in people}:
        raise ServiceError("privacy.not_oneself", N_("Your own data is erased by another member of the secretariat: "
                                                     "erasing it would close the account you are using."))
    users = list(db.session.scalars(select(User).where(User.person_id.in_([p.id for p in people]))))
    emails = {e.strip().lower() for e in (*(p.email for p in people), *(u.email for u in users)) if e}
    names = {p.name.strip() for p in people if p.name and len(p.name.strip()) >= SHORTEST_NAME}
    result = Erasure(person.id)
    for record in people:
        _values(record, emails, names, result)
        _as_candidate(record, result)
    _accounts(users, result)
    _named_by_others(emails, names, result)
    _mail(emails, result)
    for record in people:
        record.name, record.email, record.date_of_birth = pseudonym(record.id), None, None
    db.session.flush()
    _sweep(emails | names, result)
    audit.record(actor, "privacy.erased", person, {"person_id": person.id, "reason": reason,
                                                   "counts": result.counts})
    return result


def _records_of(person: Person) -> list[Person]:
    """The person's records: each nomination keeps its own copy of its
    candidate, so one human is as many rows as they had nominations, tied
    by their address."""
    if not person.email:
        return [person]
    same = db.session.scalars(select(Person).where(func.lower(Person.email) == person.email.strip().lower(),
                                                   Person.id != person.id))
    return [person, *same]


def _values(person, emails, names, result) -> None:
    """The personal values the log commits to: the person's, and any that mentions them."""
    text = func.lower(cast(PersonalValue.value, String))
    mentions = [text.contains(needle.lower(), autoescape=True) for needle in emails | names]
    gone = db.session.execute(delete(PersonalValue).where(or_(PersonalValue.person_id == person.id, *mentions)))
    result.count("audit_values", gone.rowcount)


def _accounts(users, result) -> None:
    for user in users:
        user.email = f"erased-{user.id}@erased.invalid"
        user.password_hash = user.totp_secret = user.calendar_token = None
        user.totp_enabled_at = user.last_login_at = None
        user.active = False
        user.session_epoch += 1
        for model in (RecoveryCode, AccountLink, ApiToken, IdempotencyRecord):
            result.count(model.__tablename__, db.session.execute(
                delete(model).where(model.user_id == user.id)).rowcount)
        profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == user.id))
        if profile is not None:
            result.count("relations", len(profile.relations or []))
            profile.relations = []
            for expertise in profile.expertise:
                expertise.evidence = ""
        notes = db.session.execute(update(ConflictOfInterest).where(
            ConflictOfInterest.judge_id == user.id, ConflictOfInterest.note.isnot(None)).values(note=None))
        result.count("conflict_notes", notes.rowcount)
        result.count("accounts", 1)


def _as_candidate(person, result) -> None:
    """What the nominations about the person say, and their files."""
    from awards_app.services.attachments import path_of

    nominations = list(db.session.scalars(select(Nomination).where(Nomination.candidate_person_id == person.id)))
    for nomination in nominations:
        nomination.candidate_key = f"person:erased-{person.id}"
        nomination.statement, nomination.volunteer_places, nomination.declared_relations = "", None, []
        for attachment in list(db.session.scalars(select(Attachment).where(
                Attachment.nomination_id == nomination.id))):
            db.session.info.setdefault("files_removed", []).append(path_of(attachment))
            db.session.delete(attachment)
            result.count("files", 1)
    result.count("nominations", len(nominations))


def _named_by_others(emails, names, result) -> None:
    """Endorsements they wrote, and relations that name them."""
    for endorsement in db.session.scalars(select(Endorsement).where(func.lower(Endorsement.email).in_(emails))):
        endorsement.email = f"erased-{endorsement.id}@erased.invalid"
        endorsement.endorser_name = endorsement.endorser_role = endorsement.endorser_organisation = None
        endorsement.text = None
        result.count("endorsements", 1)
    lowered_names = {n.lower() for n in names}

    def names_them(relation) -> bool:
        return ((relation.get("email") or "").lower() in emails
                or (relation.get("name") or "").strip().lower() in lowered_names)

    for model, column in ((Nomination, Nomination.declared_relations), (JudgeProfile, JudgeProfile.relations)):
        for row in db.session.scalars(select(model).where(column.isnot(None))):
            relations = getattr(row, column.key) or []
            kept = [r for r in relations if not names_them(r)]
            if len(kept) != len(relations):
                setattr(row, column.key, kept)
                result.count("relations", len(relations) - len(kept))


def _mail(emails, result) -> None:
    if emails:
        gone = db.session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.recipient).in_(emails)))
        result.count("mail", gone.rowcount)


def _sweep(needles: set[str], result) -> None:
    """Every remaining mention in any text or JSON column, replaced."""
    needles = {n for n in needles if n}
    if not needles:
        return
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(needles, key=len, reverse=True)),
                         re.IGNORECASE)
    for table in db.metadata.sorted_tables:
        if table.name in KEPT_TABLES:
            continue
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON) or _is_json(c)]
        keys = list(table.primary_key.columns)
        for column in columns:
            text = func.lower(cast(column, Text))
            found = db.session.execute(select(*keys, column).where(
                or_(*[text.contains(n.lower(), autoescape=True) for n in needles]))).all()
            for row in found:
                value = row[-1]
                cleaned = _replace(value, pattern)
                if cleaned != value:
                    db.session.execute(update(table).where(*[k == row[i] for i, k in enumerate(keys)])
                                       .values({column.key: cleaned}))
                    result.count("mentions", 1)


def _is_json(column) -> bool:
    return "JSON" in type(column.type).__name__


def _replace(value, pattern):
    if isinstance(value, str):
        return pattern.sub(MENTION, value)
    if isinstance(value, dict):
        return {key: _replace(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, pattern) for item in value]
    return value


# ---------------------------------------------------------------- retention


@dataclass
class RetentionRun:
    addresses: int = 0
    people: list = field(default_factory=list)


def run_retention(now: datetime | None = None) -> RetentionRun:
    """Forget what its retention period has outlived: login addresses after
    RETENTION_LOGIN_ADDRESS_DAYS, and candidates who never became laureates
    RETENTION_YEARS after the year of their last cycle, once every cycle
    they were in has ended (people with an account are left to the
    secretariat: they may still judge or nominate)."""
    now = now or datetime.now(UTC)
    config = current_app.config
    run = RetentionRun()
    cutoff = now - timedelta(days=int(config["RETENTION_LOGIN_ADDRESS_DAYS"]))
    run.addresses = db.session.execute(delete(PersonalValue).where(
        PersonalValue.kind == ADDRESS, PersonalValue.recorded_at < cutoff)).rowcount
    last_year = now.year - int(config["RETENTION_YEARS"])
    candidates = (select(Nomination.candidate_person_id).join(Cycle, Cycle.id == Nomination.cycle_id)
                  .where(Nomination.candidate_person_id.isnot(None)).group_by(Nomination.candidate_person_id)
                  .having(func.max(Cycle.year) <= last_year,
                          func.sum(_flag(Cycle.state.notin_(ENDED))) == 0,
                          func.sum(_flag(Nomination.state == "laureate")) == 0))
    has_account = select(User.person_id)
    due = select(Person).where(Person.id.in_(candidates), Person.id.notin_(has_account),
                               ~Person.name.startswith(PSEUDONYM))  # not erased already
    reason = f"retention: a candidate not chosen, {config['RETENTION_YEARS']} years after their last cycle"
    for person in db.session.scalars(due.order_by(Person.id)):
        erase(RETENTION_SYSTEM, person, reason)
        run.people.append(person.id)
    if run.addresses:
        audit.record(RETENTION_SYSTEM, "privacy.retention", None,
                     {"login_addresses_forgotten": run.addresses, "older_than": cutoff.isoformat()},
                     object_type="personal_value")
    return run


def _flag(condition):
    return case((condition, 1), else_=0)
