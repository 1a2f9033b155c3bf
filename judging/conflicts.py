"""Conflict-of-interest detection over plain data: every judge against every
candidate, by index look-ups rather than pairwise comparison, so a cycle of
thousands of candidates and judges is checked in seconds.

Each finding names the rule that found it and the evidence (which fields
matched); the evidence's hash lets a dismissed false match stay dismissed
until the evidence itself changes.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from judging.names import normalise_name


@dataclass(frozen=True)
class JudgeIdentity:
    """Who a judge is, as detection compares them with candidates."""

    id: int
    email: str
    name: str
    organisation_id: int | None = None
    country_id: int | None = None
    # Relations the judge declared: each {"name": ..., "email": ..., "kind": ...}.
    relations: tuple = ()


@dataclass(frozen=True)
class CandidateIdentity:
    """Who a nomination's candidate is, and who nominated and endorsed it
    (for eligibility, see workflows.CandidateFacts instead)."""

    nomination_id: int
    kind: str  # individual, delegation or organisation
    name: str
    email: str | None = None
    organisation_id: int | None = None
    country_id: int | None = None
    nominator_user_id: int | None = None
    endorser_emails: tuple[str, ...] = ()
    endorser_names: tuple[str, ...] = ()
    relations: tuple = ()  # relations the nominator declared for the candidate


@dataclass(frozen=True)
class Finding:
    judge_id: int
    nomination_id: int
    kind: str
    rule: str
    evidence: dict = field(hash=False)

    @property
    def evidence_hash(self) -> str:
        encoded = json.dumps(self.evidence, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


def _email(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def _index(candidates, key):
    index = defaultdict(list)
    for c in candidates:
        for value in key(c):
            if value:
                index[value].append(c)
    return index


def detect(judges, candidates, *, same_country: bool = True) -> list[Finding]:
    """Every conflict between these judges and candidates, one finding per
    (judge, nomination, kind), with the first rule that found it."""
    candidates = list(candidates)
    by_email = _index(candidates, lambda c: [_email(c.email)] if c.kind == "individual" else [])
    by_name = _index(candidates, lambda c: [normalise_name(c.name)] if c.kind == "individual" else [])
    by_org = _index(candidates, lambda c: [c.organisation_id])
    by_country = _index(candidates, lambda c: [c.country_id]) if same_country else {}
    by_nominator = _index(candidates, lambda c: [c.nominator_user_id])
    by_endorser_email = _index(candidates, lambda c: [_email(e) for e in c.endorser_emails])
    by_endorser_name = _index(candidates, lambda c: [normalise_name(n) for n in c.endorser_names])
    by_relation_email = _index(candidates, lambda c: [_email(r.get("email")) for r in c.relations])
    by_relation_name = _index(candidates, lambda c: [normalise_name(r.get("name") or "")
                                                     for r in c.relations])

    found: dict[tuple[int, int, str], Finding] = {}

    def add(judge, candidate, kind, rule, evidence):
        key = (judge.id, candidate.nomination_id, kind)
        if key not in found:
            found[key] = Finding(judge.id, candidate.nomination_id, kind, rule, evidence)

    for judge in judges:
        email, name = _email(judge.email), normalise_name(judge.name)
        for c in by_email.get(email, ()):
            add(judge, c, "self", "coi.same_person_email", {"email": email})
        for c in by_name.get(name, ()) if name else ():
            add(judge, c, "self", "coi.same_person_name",
                {"judge_name": judge.name, "candidate_name": c.name, "normalised": name})
        for c in by_org.get(judge.organisation_id, ()) if judge.organisation_id else ():
            add(judge, c, "same_organisation", "coi.same_organisation",
                {"organisation_id": judge.organisation_id})
        for c in by_country.get(judge.country_id, ()) if judge.country_id else ():
            add(judge, c, "same_country", "coi.same_country", {"country_id": judge.country_id})
        for c in by_nominator.get(judge.id, ()):
            add(judge, c, "nominator", "coi.nominator", {"nominator_user_id": judge.id})
        for c in by_endorser_email.get(email, ()):
            add(judge, c, "endorser", "coi.endorser", {"endorser_email": email})
        for c in by_endorser_name.get(name, ()) if name else ():
            add(judge, c, "endorser", "coi.endorser", {"endorser_name": judge.name})
        for c in by_relation_email.get(email, ()):
            relation = next(r for r in c.relations if _email(r.get("email")) == email)
            add(judge, c, relation.get("kind", "other"), "coi.declared_by_nominator",
                {"relation": relation})
        for c in by_relation_name.get(name, ()) if name else ():
            relation = next(r for r in c.relations if normalise_name(r.get("name") or "") == name)
            add(judge, c, relation.get("kind", "other"), "coi.declared_by_nominator",
                {"relation": relation})
        _judge_declared(judge, by_email, by_name, add)
    return sorted(found.values(), key=lambda f: (f.judge_id, f.nomination_id, f.kind))


def _judge_declared(judge, by_email, by_name, add) -> None:
    for relation in judge.relations:
        matches = by_email.get(_email(relation.get("email")), ()) if relation.get("email") else ()
        if not matches and relation.get("name"):
            matches = by_name.get(normalise_name(relation["name"]), ())
        for c in matches:
            add(judge, c, relation.get("kind", "other"), "coi.declared_by_judge", {"relation": relation})
