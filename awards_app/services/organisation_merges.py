"""One organisation entered twice: the secretariat finds the likely pairs
and merges one record (the absorbed) into the other (the kept).

A merge re-points everything that named the absorbed record to the kept
one, gives the kept record the absorbed name and its other names, and keeps
the absorbed record, deactivated, for the history that names it. Conflict
detection then runs again on every cycle still under way, so a judge and a
candidate who turn out to share an organisation are found.

This module sits above services.organisations and services.conflicts (both
are read by lower modules), so neither imports back into it.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, selectinload

from awards_app.extensions import db
from awards_app.models import (
    Cycle,
    Delegation,
    Event,
    Nomination,
    Organisation,
    OrganisationAlias,
    Panel,
    PastLaureate,
    Person,
)
from awards_app.services import N_, Message, ServiceError, audit, conflicts, locks, transitions
from awards_app.services.organisations import name_key, require_secretariat
from judging.identity import Match, match_organisations, organisation_words

# Every column that names an organisation, by what a merge reports it as.
# Event.host_organisation_id and the rest: grep ForeignKey("organisation.id").
REFERENCES = (
    ("people", Person.organisation_id),
    ("nominations", Nomination.candidate_organisation_id),
    ("delegations", Delegation.organisation_id),
    ("events_hosted", Event.host_organisation_id),
    ("past_laureates", PastLaureate.organisation_id),
    ("merged_records", Organisation.merged_into_id),
)


def references(organisation: Organisation) -> dict[str, int]:
    """How many rows of each kind name the organisation, and its other names:
    what a merge would move."""
    counts = {kind: db.session.scalar(select(func.count()).where(column == organisation.id))
              for kind, column in REFERENCES}
    counts["aliases"] = db.session.scalar(
        select(func.count()).where(OrganisationAlias.organisation_id == organisation.id))
    return counts


def shared_event(absorbed: Organisation, kept: Organisation) -> Event | None:
    """An event where both have a delegation: one organisation has one
    delegation per event, so these two cannot become one."""
    other = aliased(Delegation)
    return db.session.scalar(
        select(Event).join(Delegation, Delegation.event_id == Event.id)
        .join(other, (other.event_id == Event.id) & (other.organisation_id == kept.id))
        .where(Delegation.organisation_id == absorbed.id).order_by(Event.year, Event.id).limit(1))


def check_pair(absorbed: Organisation, kept: Organisation | None) -> None:
    """The first rule that refuses merging `absorbed` into `kept`, at its field."""
    if kept is None:
        raise ServiceError("organisation.merge_choose_kept", N_("Choose the organisation to keep."), field="into")
    if kept.id == absorbed.id:
        raise ServiceError("organisation.merge_same", N_("An organisation cannot be merged into itself."),
                           field="into")
    if absorbed.merged_into_id is not None:
        raise ServiceError("organisation.merge_already_merged", Message(
            N_("%(organisation)s is already merged into another record."), organisation=absorbed.name),
            field="into")
    if kept.merged_into_id is not None:
        raise ServiceError("organisation.merge_into_merged", Message(
            N_("%(organisation)s is merged into another record: merge into that one."),
            organisation=kept.name), field="into")
    if not kept.active:
        raise ServiceError("organisation.merge_into_inactive", Message(
            N_("%(organisation)s is deactivated: reactivate it first, or keep another record."),
            organisation=kept.name), field="into")
    event = shared_event(absorbed, kept)
    if event is not None:
        raise ServiceError("organisation.merge_both_delegated", Message(
            N_("Both organisations have a delegation at %(event)s, and an organisation has one delegation "
               "per event: move or remove one of them first."), event=event.title), field="into")


def _cycles_under_way() -> list[Cycle]:
    """The cycles with a panel that have not ended: detection can still matter there."""
    cycles = db.session.scalars(select(Cycle).join(Panel, Panel.cycle_id == Cycle.id)
                                .options(selectinload(Cycle.award_type)).order_by(Cycle.id))
    return [c for c in cycles if c.state not in c.award_type.workflow.cycle_final_states]


def _rekey_nominations(absorbed_id: int, kept_id: int) -> None:
    """A nomination of the organisation says which by its candidate key (one
    candidate, one nominator, one nomination per cycle): the key follows the
    record, except where the same nominator also nominated the kept record
    in that cycle; both nominations then stay as they were made."""
    old, new = f"organisation:{absorbed_id}", f"organisation:{kept_id}"
    other = aliased(Nomination)
    db.session.execute(
        update(Nomination).where(Nomination.candidate_key == old, ~select(other.id).where(
            other.cycle_id == Nomination.cycle_id, other.nominator_id == Nomination.nominator_id,
            other.candidate_key == new).exists())
        .values(candidate_key=new).execution_options(synchronize_session=False))


def merge(actor, absorbed: Organisation, kept: Organisation | None, reason: str) -> Organisation:
    """Merge `absorbed` into `kept` (the secretariat only); returns kept."""
    require_secretariat(actor)
    check_pair(absorbed, kept)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("organisation.merge_reason_required", N_("Give the reason for the merge."),
                           field="reason")
    cycles = _cycles_under_way()
    for cycle in cycles:
        # Detection's lock before any other, as every whole-cycle run takes them.
        locks.hold(conflicts.DETECTING, cycle.id)
    # Both records locked (in id order: A into B and B into A at once wait
    # for each other rather than deadlock) and read afresh, then checked
    # again: the other request may have merged one of them meanwhile.
    for row_id in sorted((absorbed.id, kept.id)):
        transitions.lock_row(Organisation, row_id)
    check_pair(absorbed, kept)
    db.session.flush()
    moved = {kind: db.session.execute(
        update(column.class_).where(column == absorbed.id).values({column.key: kept.id})
        .execution_options(synchronize_session=False)).rowcount for kind, column in REFERENCES}
    _rekey_nominations(absorbed.id, kept.id)
    moved["aliases"] = db.session.execute(
        update(OrganisationAlias).where(OrganisationAlias.organisation_id == absorbed.id)
        .values(organisation_id=kept.id).execution_options(synchronize_session=False)).rowcount
    # Names and aliases share one key space: free the absorbed name's key
    # before the kept record takes it as another name.
    absorbed_key = absorbed.name_key or name_key(absorbed.name)
    db.session.execute(update(Organisation).where(Organisation.id == absorbed.id)
                       .values(name_key=None, active=False, merged_into_id=kept.id)
                       .execution_options(synchronize_session=False))
    if absorbed_key:
        db.session.add(OrganisationAlias(organisation_id=kept.id, name=absorbed.name, name_key=absorbed_key))
    db.session.flush()
    # The bulk statements bypassed the objects the session holds (a judge's
    # person, the kept record's aliases): read them again.
    db.session.expire_all()
    audit.record(actor, "organisation.merged", kept, {
        "kept": {"id": kept.id, "name": kept.name}, "absorbed": {"id": absorbed.id, "name": absorbed.name},
        "reason": reason, "moved": moved})
    for cycle in cycles:
        conflicts.detect(actor, cycle)
    return kept


# --- possible duplicates ------------------------------------------------------------------

# The first letters of the one word two names may spell differently: a
# misspelling rarely touches them, and they keep each block small. A block
# still larger than BLOCK_MAX (a thousand "University of T...") is split by
# longer beginnings of that word, down to the word itself.
PREFIXES = (2, 4, None)
BLOCK_MAX = 12


@dataclass(frozen=True)
class Duplicate:
    first: Organisation  # the one a merge would keep unless the secretariat swaps (see _keep_first)
    second: Organisation
    match: Match


def _blocks(country, spelling):
    """The blocks a spelling falls in: for each word, the other words and
    that word. Two names with every word alike but one share a block
    (match_organisations compares names of as many words only)."""
    words = organisation_words(spelling)
    return [((country, words[:i] + words[i + 1:]), word) for i, word in enumerate(words)]


def _candidates(members: dict[int, set[str]], depth: int = 0):
    """Pairs of positions in one block whose differing word begins alike.
    members: position -> the words it brings to the block."""
    by_start = defaultdict(set)
    length = PREFIXES[depth]
    for position, words in members.items():
        for word in words:
            by_start[word[:length]].add(position)
    for start, positions in by_start.items():
        if len(positions) > BLOCK_MAX and depth + 1 < len(PREFIXES):
            yield from _candidates({p: {w for w in members[p] if w[:length] == start} for p in positions}, depth + 1)
        else:
            yield from combinations(sorted(positions), 2)


def duplicate_pairs(rows) -> list[tuple[int, int, Match]]:
    """Pairs of organisations that may be one, by judging.identity.match_organisations.

    rows: (id, country_id, name, other names). Only organisations of one
    country are compared, and only those whose names (or other names) have
    every word alike but one, that one beginning alike, so thousands of
    records take a fraction of a second."""
    rows = list(rows)
    blocks = defaultdict(lambda: defaultdict(set))
    for position, (_id, country, name, others) in enumerate(rows):
        for spelling in (name, *others):
            for block, word in _blocks(country, spelling):
                blocks[block][position].add(word)
    candidates = {pair for members in blocks.values() if len(members) > 1 for pair in _candidates(members)}
    found = []
    for a, b in sorted(candidates):
        (id_a, _ca, name_a, others_a), (id_b, _cb, name_b, others_b) = rows[a], rows[b]
        match = match_organisations(name_a, name_b, aliases=((name_a, *others_a), (name_b, *others_b)))
        # One's other name against the other's other name, when the names alone do not match.
        pairs = ((x, y) for x in (name_a, *others_a) for y in (name_b, *others_b) if (x, y) != (name_a, name_b))
        match = match or next((m for x, y in pairs if (m := match_organisations(x, y)) is not None), None)
        if match is not None:
            found.append((id_a, id_b, match))
    return found


def _named_by(ids) -> dict[int, int]:
    """How many people and delegations name each of these organisations."""
    named: dict[int, int] = defaultdict(int)
    for column in (Person.organisation_id, Delegation.organisation_id):
        for organisation_id, count in db.session.execute(
                select(column, func.count()).where(column.in_(ids)).group_by(column)):
            named[organisation_id] += count
    return named


def _keep_first(organisation: Organisation, named: dict[int, int]):
    """The record a merge should keep: the one more rows name (fewer move),
    then the fuller spelling ("University" rather than "Univ."), then the older."""
    return -named.get(organisation.id, 0), -len(organisation.name), organisation.id


def duplicates() -> list[Duplicate]:
    """The active organisations that may be one entered twice, the certain first."""
    organisations = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True), Organisation.merged_into_id.is_(None))
        .options(selectinload(Organisation.aliases), selectinload(Organisation.country)))}
    rows = [(o.id, o.country_id, o.name, tuple(a.name for a in o.aliases)) for o in organisations.values()]
    found = duplicate_pairs(rows)
    named = _named_by({i for a, b, _m in found for i in (a, b)})
    pairs = [Duplicate(*sorted((organisations[a], organisations[b]), key=lambda o: _keep_first(o, named)), match)
             for a, b, match in found]
    return sorted(pairs, key=lambda d: (d.match.tier != "certain", d.first.name.casefold(),
                                        d.second.name.casefold()))
