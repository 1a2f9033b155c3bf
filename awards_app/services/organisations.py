"""The secretariat's register of organisations: members, associates,
accredited non-members and other bodies, with the other names they go by.

One organisation is entered once: a name or an alias whose key (case,
accents, punctuation and word order ignored: judging.names.normalise_name)
is already some organisation's name or alias is refused, naming it. A
deactivated organisation keeps its history and is no longer offered in forms;
so does one merged into another (services.organisation_merges).
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from awards_app.extensions import db
from awards_app.models import Country, Organisation, OrganisationAlias, Region
from awards_app.models.organisations import ORGANISATION_STATUSES
from awards_app.services import N_, Forbidden, Message, ServiceError, audit, csv_import
from awards_app.services.audit import PendingEvent
from awards_app.services.csv_import import ImportRefused, RowError
from judging.names import normalise_name

NAME_MAX = 200  # Organisation.name's column width
COLUMNS, OPTIONAL_COLUMNS = ("name", "country"), ("status", "aliases")


def require_secretariat(actor) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("reference.secretariat_only", N_("Only the secretariat keeps the reference data."))


def name_key(name: str) -> str:
    return normalise_name(name)[:NAME_MAX]


def holder_of(key: str, *, besides: Organisation | None = None) -> Organisation | None:
    """The organisation whose name or alias has this key (other than `besides`)."""
    other = besides.id if besides is not None and besides.id is not None else None
    by_name = select(Organisation).where(Organisation.name_key == key)
    by_alias = select(Organisation).join(OrganisationAlias).where(OrganisationAlias.name_key == key)
    if other is not None:
        by_name, by_alias = by_name.where(Organisation.id != other), by_alias.where(Organisation.id != other)
    return db.session.scalar(by_name) or db.session.scalar(by_alias)


def choosable(keep_ids=()) -> list[Organisation]:
    """What a form offers: the active organisations, and those it already holds."""
    kept = [i for i in keep_ids if i]
    condition = Organisation.active.is_(True)
    if kept:
        condition = or_(condition, Organisation.id.in_(kept))
    return list(db.session.scalars(select(Organisation).where(condition).order_by(Organisation.name)))


def search(*, q: str = "", region: str = "", country_id: int | None = None, status: str = "",
           active: str = "") -> list[Organisation]:
    """The register, filtered. `q` matches names and aliases, each word
    ignoring case and accents; `active` is "yes", "no" or "" (all)."""
    statement = (select(Organisation).join(Country).options(selectinload(Organisation.aliases),
                                                           selectinload(Organisation.country))
                 .order_by(Organisation.name))
    for word in normalise_name(q).split():
        statement = statement.where(or_(
            Organisation.name_key.contains(word, autoescape=True),
            Organisation.aliases.any(OrganisationAlias.name_key.contains(word, autoescape=True))))
    if region:
        statement = statement.where(Country.region.has(Region.code == region))
    if country_id:
        statement = statement.where(Organisation.country_id == country_id)
    if status:
        statement = statement.where(Organisation.status == status)
    if active in ("yes", "no"):
        statement = statement.where(Organisation.active.is_(active == "yes"))
    return list(db.session.scalars(statement))


@dataclass(frozen=True)
class _Checked:
    name: str
    key: str
    status: str
    aliases: dict  # key -> spelling


def _check(name: str, country: Country | None, status: str, aliases, *,
           organisation: Organisation | None = None) -> _Checked:
    """The values cleaned, or the first problem at its field."""
    name = " ".join((name or "").split())
    key = name_key(name)
    if not key:
        raise ServiceError("organisation.name_required", N_("Give the organisation's name."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError("organisation.name_too_long",
                           Message(N_("A name has at most %(max)s characters."), max=NAME_MAX), field="name")
    if country is None:
        raise ServiceError("organisation.country_required", N_("Choose the organisation's country."),
                           field="country")
    if status not in ORGANISATION_STATUSES:
        raise ServiceError("organisation.unknown_status",
                           Message(N_("Unknown status %(status)s."), status=status), field="status")
    holder = holder_of(key, besides=organisation)
    if holder is not None:
        raise ServiceError("organisation.duplicate", Message(
            N_("This is already the name or another name of %(organisation)s."), organisation=holder.name),
            field="name")
    kept: dict[str, str] = {}
    for alias in aliases:
        alias = " ".join(alias.split())
        alias_key = name_key(alias)
        if not alias_key or alias_key == key or alias_key in kept:
            continue  # a blank line, or the name itself again: nothing to keep
        if len(alias) > NAME_MAX:
            raise ServiceError("organisation.name_too_long",
                               Message(N_("A name has at most %(max)s characters."), max=NAME_MAX),
                               field="aliases")
        holder = holder_of(alias_key, besides=organisation)
        if holder is not None:
            raise ServiceError("organisation.alias_duplicate", Message(
                N_("%(alias)s is already the name or another name of %(organisation)s."),
                alias=alias, organisation=holder.name), field="aliases")
        kept[alias_key] = alias
    return _Checked(name, key, status, kept)


def _summary(organisation: Organisation) -> dict:
    return {"name": organisation.name, "country": organisation.country.iso2, "status": organisation.status,
            "aliases": [a.name for a in organisation.aliases]}


def _new(checked: _Checked, country: Country) -> Organisation:
    organisation = Organisation(name=checked.name, name_key=checked.key, country=country, status=checked.status,
                                aliases=[OrganisationAlias(name=spelling, name_key=key)
                                         for key, spelling in checked.aliases.items()])
    db.session.add(organisation)
    db.session.flush()
    return organisation


def create(actor, name: str, country: Country | None, status: str = "member", aliases=()) -> Organisation:
    require_secretariat(actor)
    organisation = _new(_check(name, country, status, aliases), country)
    audit.record(actor, "organisation.created", organisation, _summary(organisation))
    return organisation


def refuse_merged(organisation: Organisation) -> None:
    """A merged record stays as history: its names now belong to the record it went into."""
    if organisation.merged_into_id is not None:
        raise ServiceError("organisation.merged", Message(
            N_("This record is merged into %(organisation)s; change that one instead."),
            organisation=organisation.merged_into.name))


def update(actor, organisation: Organisation, name: str, country: Country | None, status: str,
           aliases=()) -> Organisation:
    require_secretariat(actor)
    refuse_merged(organisation)
    checked = _check(name, country, status, aliases, organisation=organisation)
    before = _summary(organisation)
    organisation.name, organisation.name_key = checked.name, checked.key
    organisation.country, organisation.status = country, checked.status
    # Keep the alias rows whose key stays (a new spelling only), so no key is
    # deleted and inserted again in one flush.
    by_key = {a.name_key: a for a in organisation.aliases}
    for key, alias in by_key.items():
        if key in checked.aliases:
            alias.name = checked.aliases[key]
        else:
            organisation.aliases.remove(alias)
    db.session.flush()
    for key, spelling in checked.aliases.items():
        if key not in by_key:
            organisation.aliases.append(OrganisationAlias(name=spelling, name_key=key))
    db.session.flush()
    after = _summary(organisation)
    if changes := audit.changes(before, after):
        audit.record(actor, "organisation.updated", organisation, changes)
    return organisation


def set_active(actor, organisation: Organisation, active: bool) -> None:
    """Deactivate (no longer offered in forms; its history stays) or reactivate."""
    require_secretariat(actor)
    if organisation.active == active:
        return
    refuse_merged(organisation)
    organisation.active = active
    db.session.flush()
    audit.record(actor, "organisation.reactivated" if active else "organisation.deactivated", organisation,
                 {"name": organisation.name})


def country_lookup() -> dict[str, Country]:
    """A country by its ISO code or by its name in English, French or Spanish
    (case and accents ignored)."""
    found = {}
    for country in db.session.scalars(select(Country)):
        for name in (country.name, country.name_fr, country.name_es):
            if name:
                found.setdefault(normalise_name(name), country)
        found[country.iso2.lower()] = country
    return found


def find_country(lookup: dict, value: str) -> Country | None:
    value = value.strip()
    return lookup.get(value.lower()) if len(value) == 2 else lookup.get(normalise_name(value))


def import_csv(actor, text: str) -> int:
    """Create every organisation of the file, or none.

    Columns: name, country (ISO code or name), status (member, associate,
    accredited or other; empty: member), aliases (separated by ";").
    """
    require_secretariat(actor)
    body, errors = csv_import.read_rows(text, COLUMNS, OPTIONAL_COLUMNS)
    lookup = country_lookup()
    planned, seen = [], {}
    for line, value in body:
        country = find_country(lookup, value["country"]) if value["country"] else None
        if value["country"] and country is None:
            errors.append(RowError(line, "country", "organisation.unknown_country", Message(
                N_("%(country)s is not a country code or name."), country=value["country"])))
            continue
        aliases = [a for a in value["aliases"].split(";") if a.strip()]
        try:
            checked = _check(value["name"], country, value["status"].lower() or "member", aliases)
        except ServiceError as exc:
            errors.append(RowError(line, exc.field, exc.rule, exc.message))
            continue
        clash = next((seen[k] for k in (checked.key, *checked.aliases) if k in seen), None)
        if clash is not None:
            errors.append(RowError(line, "name", "organisation.csv_repeated", Message(
                N_("The same organisation is already on line %(line)s."), line=clash)))
            continue
        seen.update({k: line for k in (checked.key, *checked.aliases)})
        planned.append((checked, country))
    if errors:
        raise ImportRefused("organisation.csv_invalid", errors)
    created = [_new(checked, country) for checked, country in planned]
    audit.record_many(actor, [PendingEvent("organisation.created", o, {**_summary(o), "source": "csv"})
                              for o in created])
    return len(created)
