"""The secretariat's register of Expo-Sciences International editions.

An edition is known by its number (the 1st was Québec 1987). A deactivated
edition (entered by mistake, or cancelled) keeps what names it and is no
longer offered in forms.
"""

from datetime import date

from sqlalchemy import or_, select

from awards_app.extensions import db
from awards_app.models import Country, Event, Organisation
from awards_app.services import N_, Message, ServiceError, audit, csv_import
from awards_app.services import organisations as organisation_service
from awards_app.services.audit import PendingEvent
from awards_app.services.csv_import import ImportRefused, RowError
from judging.names import normalise_name

FIRST_YEAR, LAST_YEAR = 1987, 2200
CITY_MAX = 120  # Event.city's column width
COLUMNS, OPTIONAL_COLUMNS = ("number", "year", "city", "country"), ("host", "starts_on", "ends_on")


def choosable(keep_ids=()) -> list[Event]:
    """What a form offers: the active editions, and those it already holds; the latest first."""
    kept = [i for i in keep_ids if i]
    condition = Event.active.is_(True)
    if kept:
        condition = or_(condition, Event.id.in_(kept))
    return list(db.session.scalars(select(Event).where(condition)
                                   .order_by(Event.year.desc(), Event.number.desc())))


def listing() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.number.desc())))


def _check(number, year, city: str, country: Country | None, starts_on: date | None, ends_on: date | None, *,
           event: Event | None = None) -> str:
    """The city cleaned, or the first problem at its field."""
    if number is None or number < 1:
        raise ServiceError("event.number_required", N_("Give the edition's number (1 or more)."), field="number")
    same_number = select(Event).where(Event.number == number)
    if event is not None:
        same_number = same_number.where(Event.id != event.id)
    taken = db.session.scalar(same_number)
    if taken is not None:
        raise ServiceError("event.duplicate_number", Message(
            N_("ESI number %(number)s is already %(event)s."), number=number, event=taken.title), field="number")
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ServiceError("event.year_out_of_range", Message(
            N_("Give a year from %(first)s to %(last)s."), first=FIRST_YEAR, last=LAST_YEAR), field="year")
    city = " ".join((city or "").split())
    if not city:
        raise ServiceError("event.city_required", N_("Give the host city."), field="city")
    if len(city) > CITY_MAX:
        raise ServiceError("event.city_too_long",
                           Message(N_("A city has at most %(max)s characters."), max=CITY_MAX), field="city")
    if country is None:
        raise ServiceError("event.country_required", N_("Choose the host country."), field="country")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError("event.ends_before_start", N_("The last day cannot come before the first."),
                           field="ends_on")
    return city


def _summary(event: Event) -> dict:
    return {"number": event.number, "year": event.year, "city": event.city, "country": event.country.iso2,
            "host_organisation_id": event.host_organisation_id,
            "starts_on": event.starts_on.isoformat() if event.starts_on else None,
            "ends_on": event.ends_on.isoformat() if event.ends_on else None}


def create(actor, number: int, year: int, city: str, country: Country | None, *,
           host: Organisation | None = None, starts_on: date | None = None, ends_on: date | None = None) -> Event:
    organisation_service.require_secretariat(actor)
    city = _check(number, year, city, country, starts_on, ends_on)
    event = Event(number=number, year=year, city=city, country=country, host_organisation=host,
                  starts_on=starts_on, ends_on=ends_on)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.created", event, _summary(event))
    return event


def update(actor, event: Event, number: int, year: int, city: str, country: Country | None, *,
           host: Organisation | None = None, starts_on: date | None = None, ends_on: date | None = None) -> Event:
    organisation_service.require_secretariat(actor)
    city = _check(number, year, city, country, starts_on, ends_on, event=event)
    before = _summary(event)
    event.number, event.year, event.city, event.country = number, year, city, country
    event.host_organisation, event.starts_on, event.ends_on = host, starts_on, ends_on
    db.session.flush()
    after = _summary(event)
    if changes := audit.changes(before, after):
        audit.record(actor, "event.updated", event, changes)
    return event


def set_active(actor, event: Event, active: bool) -> None:
    organisation_service.require_secretariat(actor)
    if event.active == active:
        return
    event.active = active
    db.session.flush()
    audit.record(actor, "event.reactivated" if active else "event.deactivated", event, {"number": event.number})


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _host_lookup() -> dict[str, Organisation]:
    found = {}
    for organisation in organisation_service.search():
        found[organisation.name_key or normalise_name(organisation.name)] = organisation
        for alias in organisation.aliases:
            found[alias.name_key] = organisation
    return found


def import_csv(actor, text: str) -> int:
    """Create every edition of the file, or none.

    Columns: number, year, city, country (ISO code or name), and optionally
    host (an organisation's name or alias), starts_on, ends_on (YYYY-MM-DD or
    DD/MM/YYYY).
    """
    organisation_service.require_secretariat(actor)
    body, errors = csv_import.read_rows(text, COLUMNS, OPTIONAL_COLUMNS)
    countries, hosts = organisation_service.country_lookup(), _host_lookup()
    planned, seen = [], {}
    for line, value in body:
        row_errors = []
        number, year = _number(value["number"]), _number(value["year"])
        if value["number"] and number is None:
            row_errors.append(RowError(line, "number", "event.csv_not_a_number", Message(
                N_("%(value)s is not a whole number."), value=value["number"])))
        if value["year"] and year is None:
            row_errors.append(RowError(line, "year", "event.csv_not_a_number", Message(
                N_("%(value)s is not a whole number."), value=value["year"])))
        country = organisation_service.find_country(countries, value["country"]) if value["country"] else None
        if value["country"] and country is None:
            row_errors.append(RowError(line, "country", "event.csv_unknown_country", Message(
                N_("%(country)s is not a country code or name."), country=value["country"])))
        host = hosts.get(normalise_name(value["host"])) if value["host"] else None
        if value["host"] and host is None:
            row_errors.append(RowError(line, "host", "event.csv_unknown_host", Message(
                N_("No organisation is called %(name)s."), name=value["host"])))
        dates = {}
        for column in ("starts_on", "ends_on"):
            dates[column] = csv_import.parse_date(value[column]) if value[column] else None
            if value[column] and dates[column] is None:
                row_errors.append(RowError(line, column, "event.csv_bad_date", Message(
                    N_("%(value)s is not a date; write YYYY-MM-DD or DD/MM/YYYY."), value=value[column])))
        if not row_errors:
            try:
                city = _check(number, year, value["city"], country, dates["starts_on"], dates["ends_on"])
            except ServiceError as exc:
                row_errors.append(RowError(line, exc.field, exc.rule, exc.message))
        if not row_errors and number in seen:
            row_errors.append(RowError(line, "number", "event.csv_repeated", Message(
                N_("ESI number %(number)s is already on line %(line)s."), number=number, line=seen[number])))
        errors.extend(row_errors)
        if not row_errors:
            seen[number] = line
            planned.append(Event(number=number, year=year, city=city, country=country, host_organisation=host,
                                 starts_on=dates["starts_on"], ends_on=dates["ends_on"]))
    if errors:
        raise ImportRefused("event.csv_invalid", errors)
    db.session.add_all(planned)
    db.session.flush()
    audit.record_many(actor, [PendingEvent("event.created", e, {**_summary(e), "source": "csv"})
                              for e in planned])
    return len(planned)
