"""Conflict-of-interest detection over plain data: every judge against
every person a nomination names (the candidate, a delegation's participants
and accompanying adults, the nominator, the endorsers, the people the
nominator declared close to the candidate) and every organisation, matched
by identity (judging.identity) rather than by account or row, so one person
with two accounts or two spellings, and one organisation entered twice, are
one for detection.

Blocking (judging.identity.match_all) keeps a cycle of thousands of
candidates and judges to seconds. Each finding names the rule that found
it, its tier (certain, or possible for the chair to decide) and its
evidence (the two spellings and the identity rule); the evidence's hash
lets a dismissed false match stay dismissed until the evidence changes.
"""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from judging import identity
from judging.identity import CERTAIN, POSSIBLE


@dataclass(frozen=True)
class OrganisationName:
    """An organisation as detection compares it: its row, its name and the
    other names the register gives it."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()


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
    # Other addresses of the same person (their person record's own email).
    emails: tuple[str, ...] = ()
    organisation: OrganisationName | None = None


@dataclass(frozen=True)
class Someone:
    """A person a nomination names besides its candidate."""

    name: str | None
    email: str | None = None
    role: str | None = None  # a delegation member's role: participant, leader, teacher, guide


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
    nominator: Someone | None = None
    endorsers: tuple[Someone, ...] = ()
    members: tuple[Someone, ...] = ()  # a delegation's participants and adults
    relations: tuple = ()  # relations the nominator declared for the candidate
    organisation: OrganisationName | None = None


@dataclass(frozen=True)
class Finding:
    judge_id: int
    nomination_id: int
    kind: str
    rule: str
    evidence: dict = field(hash=False)
    tier: str = CERTAIN

    @property
    def evidence_hash(self) -> str:
        encoded = json.dumps(self.evidence, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


def _self_rule(match: identity.Match) -> str:
    if match.tier == POSSIBLE:
        return "coi.possibly_same_person"
    return "coi.same_person_email" if match.rule == "identity.same_email" else "coi.same_person_name"


def _emails(*values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


@dataclass(frozen=True)
class _Standing:
    """How a person a nomination names stands to it."""

    role: str  # candidate, member, nominator, endorser or declared
    relation: dict | None = None  # what the nominator declared
    member_role: str | None = None  # participant, leader, teacher, guide


def _named(candidate: CandidateIdentity):
    """(name, emails, standing) for everyone this nomination names."""
    if candidate.kind == "individual":
        yield candidate.name, _emails(candidate.email), _Standing("candidate")
    for member in candidate.members:
        yield member.name, (), _Standing("member", member_role=member.role)
    if candidate.nominator is not None:
        yield candidate.nominator.name, _emails(candidate.nominator.email), _Standing("nominator")
    for endorser in candidate.endorsers:
        yield endorser.name, _emails(endorser.email), _Standing("endorser")
    for relation in candidate.relations:
        yield relation.get("name"), _emails(relation.get("email")), _Standing("declared", relation=relation)


def _people(candidates):
    """Each distinct (name, emails) the nominations name, once: a nominator
    of fifty nominations is compared once, then found in all fifty."""
    ids, people, where = {}, [], defaultdict(list)
    for c in candidates:
        for name, emails, standing in _named(c):
            name = (name or "").strip()
            if not name and not emails:
                continue
            if (name, emails) not in ids:
                ids[name, emails] = len(people)
                people.append(identity.Person(len(people), name, emails))
            where[ids[name, emails]].append((c, standing))
    return people, where


def _judge_people(judges):
    """The judges themselves, and the people each declared close (relation None: the judge)."""
    people, whose = [], []
    for judge in judges:
        people.append(identity.Person(len(people), judge.name or "", _emails(judge.email, *judge.emails)))
        whose.append((judge, None))
        for relation in judge.relations:
            name, emails = (relation.get("name") or "").strip(), _emails(relation.get("email"))
            if name or emails:
                people.append(identity.Person(len(people), name, emails))
                whose.append((judge, relation))
    return people, whose


# The conflict a judge has who is a person the nomination names: (kind, rule).
_CONFLICT_AS = {"member": ("self", "coi.delegation_member"), "nominator": ("nominator", "coi.nominator"),
                "endorser": ("endorser", "coi.endorser")}


def _person_finding(judge_relation, standing: _Standing, match: identity.Match, judge_side, their_side):
    """(kind, rule, evidence) of a judge-side person matching a nomination-side
    one, or None when that is no conflict."""
    evidence = {"match": match.rule, "as": standing.role, "judge_side": judge_side, "nomination_side": their_side,
                **{k: v for k, v in match.evidence.items() if k not in ("left", "right")}}
    if standing.member_role:
        evidence["role"] = standing.member_role
    if judge_relation is not None:
        # Someone the judge declared close is the candidate, one of the
        # delegation, its nominator or an endorser. A person both sides
        # declared close is no tie between the judge and the candidate.
        if standing.role == "declared":
            return None
        evidence["relation"] = judge_relation
        return judge_relation.get("kind") or "other", "coi.declared_by_judge", evidence
    if standing.role == "declared":
        evidence["relation"] = standing.relation
        return standing.relation.get("kind") or "other", "coi.declared_by_nominator", evidence
    if standing.role == "candidate":
        return "self", _self_rule(match), evidence
    kind, rule = _CONFLICT_AS[standing.role]
    return kind, rule, evidence


def detect(judges, candidates, *, same_country: bool = True,
           threshold: float = identity.DEFAULT_THRESHOLD) -> list[Finding]:
    """Every conflict between these judges and candidates, one finding per
    (judge, nomination, kind): a certain finding before a possible one,
    then the first rule that found it."""
    judges, candidates = list(judges), list(candidates)
    found: dict[tuple[int, int, str], Finding] = {}

    def add(judge, candidate, kind, rule, evidence, tier=CERTAIN):
        key = (judge.id, candidate.nomination_id, kind)
        known = found.get(key)
        if known is None or (known.tier == POSSIBLE and tier == CERTAIN):
            found[key] = Finding(judge.id, candidate.nomination_id, kind, rule, evidence, tier)

    _by_row(judges, candidates, same_country, add)
    _by_person(judges, candidates, threshold, add)
    _by_organisation_name(judges, candidates, threshold, add)
    return sorted(found.values(), key=lambda f: (f.judge_id, f.nomination_id, f.kind))


def _by_row(judges, candidates, same_country, add) -> None:
    """The judge's own account nominated; the same organisation or country row."""
    by_nominator, by_org, by_country = defaultdict(list), defaultdict(list), defaultdict(list)
    for c in candidates:
        if c.nominator_user_id is not None:
            by_nominator[c.nominator_user_id].append(c)
        if c.organisation_id:
            by_org[c.organisation_id].append(c)
        if same_country and c.country_id:
            by_country[c.country_id].append(c)
    for judge in judges:
        for c in by_nominator.get(judge.id, ()):
            add(judge, c, "nominator", "coi.nominator", {"nominator_user_id": judge.id})
        for c in by_org.get(judge.organisation_id, ()) if judge.organisation_id else ():
            add(judge, c, "same_organisation", "coi.same_organisation", {"organisation_id": judge.organisation_id})
        for c in by_country.get(judge.country_id, ()) if judge.country_id else ():
            add(judge, c, "same_country", "coi.same_country", {"country_id": judge.country_id})


def _by_person(judges, candidates, threshold, add) -> None:
    right, where = _people(candidates)
    left, whose = _judge_people(judges)
    for pair in identity.match_all(left, right, threshold):
        judge, relation = whose[pair.left_id]
        for candidate, standing in where[pair.right_id]:
            made = _person_finding(relation, standing, pair.match,
                                   left[pair.left_id].name or None, right[pair.right_id].name or None)
            if made is not None:
                add(judge, candidate, *made, pair.match.tier)


# ------------------------------------------------------------------ organisations by name

# Words every kind of organisation has: blocking on them alone would compare
# every university with every other.
_GENERIC = frozenset(identity.ORGANISATION_WORDS)


def _org_keys(organisation: OrganisationName) -> set[str]:
    return {k for k in (identity.organisation_key(n) for n in (organisation.name, *organisation.aliases)) if k}


def _org_block(organisation: OrganisationName) -> set[tuple]:
    """Fuzzy-match blocking keys: word count and the first three letters of
    each distinctive word (a near miss keeps them, or keeps the last three)."""
    keys = set()
    for name in (organisation.name, *organisation.aliases):
        words = identity.organisation_words(name)
        for w in words:
            if w not in _GENERIC and not re.fullmatch(r"\d+", w):
                keys |= {(len(words), "^" + w[:3]), (len(words), "$" + w[-3:])}
    return keys


def organisation_matches(left, right, threshold: float = identity.DEFAULT_THRESHOLD):
    """{(left id, right id): Match} for organisations of different rows
    that are one by name or alias (certain) or nearly (possible)."""
    right = {o.id: o for o in right}
    by_key, by_block = defaultdict(set), defaultdict(set)
    for o in right.values():
        for key in _org_keys(o):
            by_key[key].add(o.id)
        for key in _org_block(o):
            by_block[key].add(o.id)
    found = {}
    for a in {o.id: o for o in left}.values():
        near = set().union(*(by_key.get(k, ()) for k in _org_keys(a)),
                           *(by_block.get(k, ()) for k in _org_block(a)))
        for b_id in near - {a.id}:
            if match := _organisation_match(a, right[b_id], threshold):
                found[a.id, b_id] = match
    return found


def _organisation_match(a: OrganisationName, b: OrganisationName, threshold) -> identity.Match | None:
    """The strongest match between any name or alias of a and of b; the
    evidence names both records and the alias that matched."""
    best = None
    for x in (a.name, *a.aliases):
        for y in (b.name, *b.aliases):
            match = identity.match_organisations(x, y, threshold=threshold)
            if match is None:
                continue
            evidence = {"left": a.name, "right": b.name,
                        **{k: v for k, v in match.evidence.items() if k == "score"}}
            rule = match.rule
            if x != a.name or y != b.name:
                evidence["alias"] = sorted({x, y} - {a.name, b.name})
                rule = "organisation.alias" if match.tier == CERTAIN else rule
            if best is None or (best.tier == POSSIBLE and match.tier == CERTAIN):
                best = identity.Match(match.tier, rule, evidence)
            if best.tier == CERTAIN:
                return best
    return best


def _by_organisation_name(judges, candidates, threshold, add) -> None:
    judge_orgs = [j.organisation for j in judges if j.organisation is not None]
    candidate_orgs = [c.organisation for c in candidates if c.organisation is not None]
    if not judge_orgs or not candidate_orgs:
        return
    matches = defaultdict(list)
    for (left_id, right_id), match in organisation_matches(judge_orgs, candidate_orgs, threshold).items():
        matches[left_id].append((right_id, match))
    by_org = defaultdict(list)
    for c in candidates:
        if c.organisation is not None:
            by_org[c.organisation.id].append(c)
    for judge in judges:
        for right_id, match in matches.get(judge.organisation.id, ()) if judge.organisation else ():
            evidence = {"match": match.rule, "judge_side": match.evidence["left"],
                        "nomination_side": match.evidence["right"],
                        **{k: v for k, v in match.evidence.items() if k not in ("left", "right")}}
            for c in by_org[right_id]:
                add(judge, c, "same_organisation", "coi.same_organisation", evidence, match.tier)
