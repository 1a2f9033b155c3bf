"""The registry of past laureates: winners from before the engine, or from
outside it, kept by the secretariat and read by every "never won before"
rule and by the public list of laureates.

An entry's name_key is its name normalised (judging.names.normalise_name),
so "Pérez, José" and "jose perez" are one laureate. A CSV import is all or
nothing, as the participants import is: every bad row is reported with the
line a spreadsheet shows (the header is line 1).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from awards_app.extensions import db
from awards_app.models import AuditSignedCheckpoint, AwardType, Country, Organisation, OrganisationAlias, PastLaureate
from awards_app.models.awards import LAUREATE_KINDS
from awards_app.services import N_, Forbidden, Message, ServiceError, audit, csv_import, decision_checkpoints, decisions
from awards_app.services.csv_import import ImportRefused, RowError
from judging.names import normalise_name

FIRST_YEAR = 1987  # the first ESI (Québec): no MILSET award is older
NAME_MAX = 200  # PastLaureate.name's column width
NOTE_MAX = 2000
REASON_MAX = 2000
IMPORT_RULE = "laureate.csv_invalid"
REQUIRED_COLUMNS = ("year", "award", "kind", "name", "country")
OPTIONAL_COLUMNS = ("organisation", "note")


# --- reading ----------------------------------------------------------------------

def registry(award: AwardType) -> list[PastLaureate]:
    """An award's past laureates in year order."""
    return list(db.session.scalars(
        select(PastLaureate).where(PastLaureate.award_type_id == award.id)
        .options(selectinload(PastLaureate.country), selectinload(PastLaureate.organisation))
        .order_by(PastLaureate.year, PastLaureate.name_key)))


def counts_by_award() -> dict[int, int]:
    return dict(db.session.execute(
        select(PastLaureate.award_type_id, func.count()).group_by(PastLaureate.award_type_id)).all())


def organisation_keys(organisation: Organisation) -> set[str]:
    """Every key an organisation is known by: its name's, and its aliases'."""
    keys = {organisation.name_key, normalise_name(organisation.name)}
    keys |= {alias.name_key for alias in organisation.aliases}
    return {key for key in keys if key}


def listed_before(award_type_id: int, year: int, *, person_name: str | None = None,
                  organisation: Organisation | None = None) -> bool:
    """Does the registry list this person (by name key), or this organisation
    (linked, or by its name or an alias), as a laureate of the award before
    this year?"""
    query = select(PastLaureate.id).where(PastLaureate.award_type_id == award_type_id,
                                          PastLaureate.year < year)
    if person_name is not None:
        query = query.where(PastLaureate.kind == "individual",
                            PastLaureate.name_key == normalise_name(person_name))
    elif organisation is not None:
        query = query.where(PastLaureate.kind != "individual",
                            or_(PastLaureate.organisation_id == organisation.id,
                                PastLaureate.name_key.in_(organisation_keys(organisation))))
    else:
        return False
    return db.session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class PublicEntry:
    """One line of the public list: who won, when, from where."""

    year: int
    name: str
    country: Country | None
    # The signed checkpoint the engine's decision was decided under (None
    # for the registry's entries), and whether the decision came after it.
    checkpoint: AuditSignedCheckpoint | None = None
    decided_after: bool = False


def _country_of(candidate) -> Country | None:
    if getattr(candidate, "country", None) is not None:  # a person, an organisation
        return candidate.country
    organisation = getattr(candidate, "organisation", None)  # a delegation, a person
    return organisation.country if organisation is not None else None


def public_list() -> list[tuple[AwardType, list[PublicEntry]]]:
    """Per award, the registry's laureates and the engine's announced ones,
    in year order; an entry the registry repeats from the engine shows once."""
    entries: dict[int, dict[tuple, PublicEntry]] = {}
    announced = decisions.announced_laureates()
    checkpoints = decision_checkpoints.decided_under(decision.id for _, decision, _ in announced)
    for cycle, decision, nominations in announced:
        checkpoint, covers = checkpoints.get(decision.id, (None, False))
        for nomination in nominations:
            name = str(nomination.candidate)
            entries.setdefault(cycle.award_type_id, {})[(cycle.year, normalise_name(name))] = PublicEntry(
                cycle.year, name, _country_of(nomination.candidate), checkpoint,
                checkpoint is not None and not covers)
    for entry in db.session.scalars(select(PastLaureate).options(selectinload(PastLaureate.country))):
        entries.setdefault(entry.award_type_id, {}).setdefault(
            (entry.year, entry.name_key), PublicEntry(entry.year, entry.name, entry.country))
    awards = db.session.scalars(select(AwardType).where(AwardType.id.in_(entries)).order_by(AwardType.id))
    return [(award, sorted(entries[award.id].values(), key=lambda e: (e.year, normalise_name(e.name))))
            for award in awards]


# --- checking one entry -----------------------------------------------------------

def _last_year(today: date | None) -> int:
    return (today or date.today()).year


def _problems(award: AwardType, year, kind: str, name: str, note: str | None, *,
              today: date | None, keep_id: int | None = None) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each rule the entry breaks, the duplicate included."""
    problems = []
    last = _last_year(today)
    if not isinstance(year, int) or not FIRST_YEAR <= year <= last:
        problems.append(("year", "laureate.year_out_of_range",
                         Message(N_("The year must be from %(first)s to %(last)s."), first=FIRST_YEAR, last=last)))
    if kind not in LAUREATE_KINDS:
        problems.append(("kind", "laureate.unknown_kind",
                         Message(N_("\"%(kind)s\" is not a kind; use individual, organisation or delegation."),
                                 kind=kind)))
    elif (kind == "individual") != (award.candidate_kind == "individual"):
        message = (N_("The %(award)s goes to a person: the kind must be individual.")
                   if award.candidate_kind == "individual" else
                   N_("The %(award)s goes to a delegation or an organisation, not to a person."))
        problems.append(("kind", "laureate.kind_mismatch", Message(message, award=award.name_en)))
    key = normalise_name(name)
    if not key:
        problems.append(("name", "laureate.name_missing", N_("Give the laureate's name.")))
    elif len(name) > NAME_MAX:
        problems.append(("name", "laureate.name_too_long",
                         Message(N_("The name is longer than %(max)s characters."), max=NAME_MAX)))
    if note and len(note) > NOTE_MAX:
        problems.append(("note", "laureate.note_too_long",
                         Message(N_("The note is longer than %(max)s characters."), max=NOTE_MAX)))
    if key and isinstance(year, int):
        existing = db.session.scalar(select(PastLaureate).where(
            PastLaureate.award_type_id == award.id, PastLaureate.year == year, PastLaureate.name_key == key,
            PastLaureate.id != (keep_id or 0)))
        if existing is not None:
            problems.append(("name", "laureate.duplicate", Message(
                N_("The registry already lists %(name)s as a laureate of the %(award)s %(year)s."),
                name=existing.name, award=award.name_en, year=year)))
    return problems


def _refuse_first(problems) -> None:
    if problems:
        field, rule, message = problems[0]
        raise ServiceError(rule, message, field=field)


def _flush_or_duplicate(award: AwardType, year: int, name: str) -> None:
    """Flush; a concurrent request that entered the same laureate first is a duplicate, not an error page."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ServiceError("laureate.duplicate", Message(
            N_("The registry already lists %(name)s as a laureate of the %(award)s %(year)s."),
            name=name, award=award.name_en, year=year), field="name") from None


def _require_secretariat(actor) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("laureate.secretariat_only", N_("Only the secretariat keeps the registry of laureates."))


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _snapshot(entry: PastLaureate) -> dict:
    return {"award": entry.award_type.code, "year": entry.year, "kind": entry.kind, "name": entry.name,
            "country_id": entry.country_id, "organisation_id": entry.organisation_id, "note": entry.note}


# --- changing ---------------------------------------------------------------------

def add(actor, award: AwardType, *, year: int, kind: str, name: str, country: Country | None = None,
        organisation: Organisation | None = None, note: str | None = None,
        today: date | None = None) -> PastLaureate:
    """One past laureate; the same award, year and name twice is refused."""
    _require_secretariat(actor)
    name, note = (name or "").strip(), _clean(note)
    _refuse_first(_problems(award, year, kind, name, note, today=today))
    entry = PastLaureate(award_type=award, year=year, kind=kind, name=name, name_key=normalise_name(name),
                         country=country or (organisation.country if organisation else None),
                         organisation=organisation, note=note)
    db.session.add(entry)
    _flush_or_duplicate(award, year, name)
    audit.record(actor, "laureate.added", entry, _snapshot(entry))
    return entry


def update(actor, entry: PastLaureate, *, award: AwardType, year: int, kind: str, name: str,
           country: Country | None, organisation: Organisation | None, note: str | None,
           today: date | None = None) -> PastLaureate:
    _require_secretariat(actor)
    name, note = (name or "").strip(), _clean(note)
    _refuse_first(_problems(award, year, kind, name, note, today=today, keep_id=entry.id))
    before = _snapshot(entry)
    entry.award_type, entry.year, entry.kind = award, year, kind
    entry.name, entry.name_key, entry.note = name, normalise_name(name), note
    entry.country, entry.organisation = country, organisation
    _flush_or_duplicate(award, year, name)
    after = _snapshot(entry)
    if changes := audit.changes(before, after):
        audit.record(actor, "laureate.updated", entry, changes)
    return entry


def remove(actor, entry: PastLaureate, reason: str) -> None:
    """Take an entry off the registry; the audit trail keeps what it said and why."""
    _require_secretariat(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("laureate.reason_required", N_("Say why the entry is removed."), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError("laureate.reason_too_long",
                           Message(N_("The reason is longer than %(max)s characters."), max=REASON_MAX),
                           field="reason")
    audit.record(actor, "laureate.removed", entry, {**_snapshot(entry), "reason": reason})
    db.session.delete(entry)
    db.session.flush()


# --- importing ----------------------------------------------------------------------

def read_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8, with or without a byte-order mark."""
    return csv_import.decode(data, IMPORT_RULE)


class _Lookup:
    """Awards, countries and organisations by every name a file may give them."""

    def __init__(self):
        self.awards = {}
        for award in db.session.scalars(select(AwardType)):
            for name in (award.code, award.name_en, award.name_fr, award.name_es):
                self.awards[normalise_name(name)] = award
        self.countries = {}
        for country in db.session.scalars(select(Country)):
            self.countries[country.iso2.lower()] = country
            for name in (country.name, country.name_fr, country.name_es):
                if name:
                    self.countries.setdefault(normalise_name(name), country)
        self.organisations = {}
        for organisation in db.session.scalars(select(Organisation)):
            for key in (organisation.name_key, normalise_name(organisation.name)):
                if key:
                    self.organisations.setdefault(key, organisation)
        for alias in db.session.scalars(select(OrganisationAlias)):
            self.organisations.setdefault(alias.name_key, alias.organisation)

    def country(self, value: str):
        return self.countries.get(value.strip().lower()) or self.countries.get(normalise_name(value))


def parse_csv(text: str, *, today: date | None = None) -> tuple[list[dict], list[RowError]]:
    """Rows ready to add and every problem found, the registry's duplicates included.

    Columns in any order and case; commas or semicolons; blank rows skipped
    but counted. award: a code or the award's English, French or Spanish
    name. country: an ISO code or a name (may be empty when an organisation
    is given: its country is taken). organisation: optional, by name or alias."""
    body, errors = csv_import.read_rows(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    if errors:
        return [], errors
    lookup, rows, first_seen = _Lookup(), [], {}
    for line, value in body:
        row_errors = []

        def refuse(field, rule, message, line=line, row_errors=row_errors):
            row_errors.append(RowError(line, field, rule, message))

        award = lookup.awards.get(normalise_name(value["award"]))
        if award is None:
            refuse("award", "laureate.csv_unknown_award", Message(
                N_("\"%(award)s\" is not an award; write its code (derek_gray_medal) or its name."),
                award=value["award"]))
        try:
            year = int(value["year"])
        except ValueError:
            year = None
            refuse("year", "laureate.csv_bad_year",
                   Message(N_("\"%(year)s\" is not a year; write it as 2019."), year=value["year"]))
        kind = value["kind"].lower().replace("organization", "organisation")
        organisation = None
        if value.get("organisation"):
            organisation = lookup.organisations.get(normalise_name(value["organisation"]))
            if organisation is None:
                refuse("organisation", "laureate.csv_unknown_organisation", Message(
                    N_("No organisation is known as \"%(name)s\"; add it (or an alias) first, "
                       "or leave the column empty."), name=value["organisation"]))
        elif kind == "organisation":  # the laureate is itself an organisation we may know
            organisation = lookup.organisations.get(normalise_name(value["name"]))
        country = None
        if value["country"]:
            country = lookup.country(value["country"])
            if country is None:
                refuse("country", "laureate.csv_unknown_country", Message(
                    N_("\"%(country)s\" is not a country; write its ISO code (BR) or its English name."),
                    country=value["country"]))
        if award is not None:
            for field, rule, message in _problems(award, year, kind, value["name"], value.get("note"),
                                                  today=today):
                if not (field == "year" and year is None):
                    refuse(field, rule, message)
        errors.extend(row_errors)
        if row_errors:
            continue
        key = (award.id, year, normalise_name(value["name"]))
        if key in first_seen:
            errors.append(RowError(line, "name", "laureate.csv_duplicate", Message(
                N_("%(name)s, %(year)s, is already on line %(line)s."),
                name=value["name"], year=year, line=first_seen[key])))
            continue
        first_seen[key] = line
        rows.append({"line": line, "award": award, "year": year, "kind": kind, "name": value["name"],
                     "country": country, "organisation": organisation, "note": value.get("note") or None})
    return rows, errors


def import_csv(actor, text: str, *, today: date | None = None) -> int:
    """Add every laureate of the file, or none."""
    _require_secretariat(actor)
    rows, errors = parse_csv(text, today=today)
    if errors:
        raise ImportRefused(IMPORT_RULE, errors)
    for row in rows:
        row.pop("line")
        add(actor, row.pop("award"), today=today, **row)
    audit.record(actor, "laureate.imported", None, {"count": len(rows)}, object_type="past_laureate")
    return len(rows)
