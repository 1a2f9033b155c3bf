"""`flask setup`: what a first install needs before anyone signs in.

The award types of the workflow registry, MILSET's regions, every country
(services/reference.py derives them) and the ESI editions held so far. Run
again, it adds what is missing and fills a name left empty (a region's or
country's French or Spanish name), but never changes what is there: the
secretariat's edits stand, and nothing is entered twice.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType, Country, Event, Region
from awards_app.services import N_, Forbidden, audit, reference
from awards_app.services import cycles as cycle_service
from awards_app.services.audit import PendingEvent


@dataclass
class SetupReport:
    """Per kind of row: how many were created, and how many were already there."""

    created: dict = field(default_factory=dict)
    present: dict = field(default_factory=dict)
    names_filled: int = 0


def run(actor) -> SetupReport:
    if not actor.has_role("admin"):
        raise Forbidden("setup.admin_only", N_("Only the secretariat sets up the reference data."))
    report = SetupReport()
    before = set(db.session.scalars(select(AwardType.code)))
    awards = cycle_service.load_award_types(actor)
    report.created["award types"] = len([a for a in awards if a.code not in before])
    report.present["award types"] = len(awards) - report.created["award types"]
    events: list[PendingEvent] = []
    regions = _regions(report, events)
    countries = _countries(report, events, regions)
    _esi_editions(report, events, countries)
    audit.record_many(actor, events)
    return report


def _fill_names(row, names: dict) -> list[str]:
    """Set the localised names that are empty; return the columns filled."""
    filled = []
    for language in ("fr", "es"):
        column = f"name_{language}"
        if not getattr(row, column) and names.get(language):
            setattr(row, column, names[language])
            filled.append(column)
    return filled


def _regions(report, events) -> dict[str, Region]:
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    created = 0
    for code, en, fr, es in reference.REGIONS:
        region = existing.get(code)
        if region is None:
            region = existing[code] = Region(code=code, name=en, name_fr=fr, name_es=es)
            db.session.add(region)
            db.session.flush()
            events.append(PendingEvent("region.created", region, {"code": code, "name": en}))
            created += 1
        elif filled := _fill_names(region, {"fr": fr, "es": es}):
            events.append(PendingEvent("region.names_filled", region, {"fields": filled}))
            report.names_filled += 1
    report.created["regions"], report.present["regions"] = created, len(reference.REGIONS) - created
    return existing


def _countries(report, events, regions) -> dict[str, Country]:
    existing = {c.iso2: c for c in db.session.scalars(select(Country))}
    facts = reference.countries()
    new = []
    for fact in facts:
        country = existing.get(fact.iso2)
        if country is None:
            country = existing[fact.iso2] = Country(
                iso2=fact.iso2, name=fact.names["en"], name_fr=fact.names["fr"], name_es=fact.names["es"],
                region=regions[fact.region])
            new.append(country)
        elif filled := _fill_names(country, fact.names):
            events.append(PendingEvent("country.names_filled", country, {"fields": filled}))
            report.names_filled += 1
    db.session.add_all(new)
    db.session.flush()
    events.extend(PendingEvent("country.created", c, {"iso2": c.iso2, "name": c.name,
                                                      "region": c.region.code}) for c in new)
    report.created["countries"], report.present["countries"] = len(new), len(facts) - len(new)
    return existing


def _esi_editions(report, events, countries) -> None:
    numbers = set(db.session.scalars(select(Event.number)))
    editions = reference.esi_editions()
    new = [Event(number=e.number, year=e.year, city=e.city, country=countries[e.country])
           for e in editions if e.number not in numbers]
    db.session.add_all(new)
    db.session.flush()
    events.extend(PendingEvent("event.created", e, {"number": e.number, "year": e.year, "city": e.city,
                                                    "country": e.country.iso2}) for e in new)
    report.created["ESI editions"], report.present["ESI editions"] = len(new), len(editions) - len(new)
