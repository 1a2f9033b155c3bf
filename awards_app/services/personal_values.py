"""Personal values kept out of the audit log's hashed form (issue 19).

An event's payload names a person's address, name, login address or a
private note only by a salted commitment, "pv:" + sha256(salt || value);
the value and its salt live in the personal_value table. Erasure and
retention delete those rows: the event, its hash and every proof stay as
they were, and the commitment can no longer be opened or guessed (the salt
is 32 random bytes, gone with the value).

Services mark a value as personal where they record it:

    audit.record(actor, "user.created", user, {"email": personal(email, EMAIL, user.person_id)})

and pages that show events open the commitments the reader may see with
`reveal`.
"""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import PersonalValue

PREFIX = "pv:"
_COMMITMENT = re.compile(r"^pv:([0-9a-f]{64})$")
# The kinds of value, for retention rules and the secretariat's pages.
EMAIL, ADDRESS, NAME, NOTE, RELATION, EVIDENCE, KEY = (
    "email", "address", "name", "note", "relation", "evidence", "key")
KINDS = (EMAIL, ADDRESS, NAME, NOTE, RELATION, EVIDENCE, KEY)
_DOMAIN = b"milset personal value\n"  # so a commitment is never mistaken for another sha256


@dataclass(frozen=True)
class Personal:
    """A value to record by commitment, with the person it is about when known."""

    value: object
    kind: str
    person_id: int | None = None


# Where each action's payload holds personal values, and of which kind.
# Every append applies it (services.audit.record_many, the scale demo's bulk
# writer, migration 0011's rewrite), so a field declared here is never
# hashed in the clear even where a service forgets to mark it; a service
# that marks it with personal() adds the person it is about, for erasure.
# tests/test_privacy_erasure.py checks that no event of a season holds a
# personal value in the clear. None: the field is left out (an id beside
# it says who).
PERSONAL_FIELDS = {
    "user.created": {"email": EMAIL},
    "auth.login": {"remote_addr": ADDRESS},
    "auth.password_accepted": {"remote_addr": ADDRESS},
    "auth.login_failed": {"email": EMAIL, "remote_addr": ADDRESS},
    "auth.login_limited": {"email": EMAIL, "remote_addr": ADDRESS},
    "auth.second_factor_failed": {"remote_addr": ADDRESS},
    "user.password_reset_requested": {"remote_addr": ADDRESS},
    "endorsement.requested": {"email": EMAIL},
    "endorsement.received": {"name": NAME},
    "cycle.hearing_held": {"notes": NOTE},
    "conflict.detected": {"evidence": EVIDENCE},
    "conflict.declared": {"note": NOTE},
    "panel.member_added": {"email": None},
    "judge_profile.relation_declared": {"relation": RELATION},
    "nomination.created": {"candidate_key": KEY},
}


def mark(action: str, payload: dict, person_id: int | None = None) -> dict:
    """`payload` with the fields PERSONAL_FIELDS declares for `action`
    marked personal (values already committed, "pv:...", stay)."""
    fields = PERSONAL_FIELDS.get(action)
    if not fields or not isinstance(payload, dict):
        return payload
    marked = {}
    for key, value in payload.items():
        if key not in fields:
            marked[key] = value
        elif fields[key] is not None:
            committed = isinstance(value, str) and _COMMITMENT.match(value)
            marked[key] = value if committed or isinstance(value, Personal) else personal(
                value, fields[key], person_id)
    return marked


def personal(value, kind: str, person_id: int | None = None):
    """`value` marked as personal data; an absent value (None, "") stays as it is."""
    if value is None or value == "":
        return value
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal value: {kind!r}")
    return Personal(value, kind, person_id)


def commitment_of(value, salt: bytes) -> str:
    """The hex commitment to `value` (its canonical JSON) under `salt`."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(_DOMAIN + salt + canonical).hexdigest()


def to_commitments(payload, rows: list, seq: int, at: datetime):
    """The payload of event `seq` with every Personal replaced by its
    commitment string; the personal_value rows to insert are appended to `rows`."""
    if isinstance(payload, str | int | float | None):  # most leaves: returned first (bulk appends)
        return payload
    if isinstance(payload, Personal):
        salt = secrets.token_bytes(32)
        digest = commitment_of(payload.value, salt)
        rows.append({"commitment": digest, "salt": salt.hex(), "value": payload.value, "kind": payload.kind,
                     "event_seq": seq, "person_id": payload.person_id, "recorded_at": at})
        return PREFIX + digest
    if isinstance(payload, dict):
        return {key: to_commitments(item, rows, seq, at) for key, item in payload.items()}
    if isinstance(payload, list | tuple):
        return [to_commitments(item, rows, seq, at) for item in payload]
    return payload


def store(rows: list) -> None:
    if rows:
        db.session.execute(PersonalValue.__table__.insert(), rows)


def commitments_in(payload) -> set[str]:
    """The hex commitments a payload holds, at any depth."""
    found = set()
    if isinstance(payload, str):
        if match := _COMMITMENT.match(payload):
            found.add(match.group(1))
    elif isinstance(payload, dict):
        for item in payload.values():
            found |= commitments_in(item)
    elif isinstance(payload, list):
        for item in payload:
            found |= commitments_in(item)
    return found


ERASED = {"erased": True}


def reveal(payloads: list, kinds=KINDS) -> list:
    """The payloads with each commitment of the given kinds opened to its
    value, checked against the commitment; a value erased (or a kind not
    asked for) shows as {"erased": true} or stays a commitment."""
    wanted = set().union(*(commitments_in(p) for p in payloads)) if payloads else set()
    values, held = {}, set()
    for row in db.session.scalars(select(PersonalValue).where(PersonalValue.commitment.in_(wanted))):
        held.add(row.commitment)
        if row.kind in kinds and commitment_of(row.value, bytes.fromhex(row.salt)) == row.commitment:
            values[row.commitment] = row.value
    return [_open(p, values, held) for p in payloads]


def _open(payload, values: dict, held: set):
    if isinstance(payload, str) and (match := _COMMITMENT.match(payload)):
        digest = match.group(1)
        if digest in values:
            return values[digest]
        return payload if digest in held else ERASED
    if isinstance(payload, dict):
        return {key: _open(item, values, held) for key, item in payload.items()}
    if isinstance(payload, list):
        return [_open(item, values, held) for item in payload]
    return payload
