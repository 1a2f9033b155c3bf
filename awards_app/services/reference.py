"""The reference data a first install starts from, derived rather than typed:
MILSET's six regions, every country with its names in English, French and
Spanish (Babel's CLDR data), the MILSET region of each, and the ESI editions
held so far (awards_app/data/esi_editions.csv). Pure: nothing here writes.

A country's region comes from the time zones CLDR lists for it
(`territory_zones`): the continent most of its zones name, the oceans only
when it has no continental zone. MILSET's own groupings that geography does
not give (North America, Vostok, Oceania within Asia) are the explicit
mappings below.
"""

import csv
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import babel
from babel.core import get_global

LANGUAGES = ("en", "fr", "es")

# code, then the name in English, French and Spanish.
REGIONS = (
    ("europe", "Europe", "Europe", "Europa"),
    ("africa", "Africa", "Afrique", "África"),
    ("amlat", "Latin America", "Amérique latine", "América Latina"),
    ("noram", "North America", "Amérique du Nord", "América del Norte"),
    ("asia", "Asia", "Asie", "Asia"),
    ("vostok", "Vostok", "Vostok", "Vostok"),
)

# CLDR codes with time zones that are not countries or territories:
# Antarctica and "Unknown Region".
NOT_COUNTRIES = frozenset({"AQ", "ZZ"})

# The continental areas of the tz database, as MILSET's regions. MILSET Asia
# is MILSET Asia-Pacific: Australia and the Pacific islands belong to it.
AREA_REGIONS = {"Europe": "europe", "Africa": "africa", "Asia": "asia", "Australia": "asia",
                "America": "amlat", "Arctic": "europe"}  # Arctic: Svalbard (Norway)
# Two continental areas with as many zones each: the one listed first wins.
# Only Spain ties today (Europe/Madrid and Africa/Ceuta): its mainland wins.
TIE_ORDER = ("Europe", "Asia", "America", "Africa", "Australia", "Arctic")

# A territory whose zones name only an ocean: the ocean's usual region, or
# the territory's own where it lies off another continent.
OCEAN_REGIONS = {"Pacific": "asia", "Indian": "africa", "Atlantic": "europe"}
OCEAN_TERRITORIES = {
    "BM": "noram",              # Bermuda, off North America
    "CV": "africa", "SH": "africa",  # Cape Verde; St Helena, Ascension & Tristan da Cunha
    "FK": "amlat", "GS": "amlat",    # Falklands; South Georgia, off South America
    "CC": "asia", "CX": "asia",      # Cocos and Christmas Islands (Australia)
    "IO": "asia", "MV": "asia",      # Chagos; the Maldives, off South Asia
}

# MILSET North America (NORAM): the United States, Canada, and the northern
# territories of the continent that are not Latin America: Greenland and
# St Pierre & Miquelon (Bermuda is listed with the oceans). Mexico, Central
# America and the Caribbean are MILSET Latin America (AMLAT).
NORAM = frozenset({"US", "CA", "GL", "PM"})

# MILSET Vostok is MILSET's region for the countries of the former Soviet
# Union gathered in the Commonwealth of Independent States. Taken here as the
# CIS's membership: its nine member states (Armenia, Azerbaijan, Belarus,
# Kazakhstan, Kyrgyzstan, Moldova, Russia, Tajikistan, Uzbekistan) and
# Turkmenistan, an associate member. Georgia (left the CIS in 2009) and
# Ukraine (ended its participation in 2018) are left to their zones (Asia,
# Europe). No member list published by MILSET Vostok was found to check this
# against: the secretariat should confirm it.
VOSTOK = frozenset({"AM", "AZ", "BY", "KZ", "KG", "MD", "RU", "TJ", "UZ", "TM"})

ESI_CSV = Path(__file__).resolve().parent.parent / "data" / "esi_editions.csv"


def country_codes() -> list[str]:
    """Every country or territory CLDR gives time zones to, by ISO code."""
    zones = get_global("territory_zones")
    return sorted(code for code in zones
                  if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def zones_of(code: str) -> list[str]:
    return list(get_global("territory_zones").get(code, ()))


def milset_region(code: str, zones: list[str]) -> str:
    """The MILSET region code of the country `code` whose time zones are `zones`."""
    if code in VOSTOK:
        return "vostok"
    if code in NORAM:
        return "noram"
    if code in OCEAN_TERRITORIES:
        return OCEAN_TERRITORIES[code]
    areas = Counter(zone.split("/")[0] for zone in zones)
    continental = {area: n for area, n in areas.items() if area in AREA_REGIONS}
    if continental:
        most = max(continental.values())
        area = next(a for a in TIE_ORDER if continental.get(a) == most)
        return AREA_REGIONS[area]
    oceans = [area for area, _n in areas.most_common() if area in OCEAN_REGIONS]
    if oceans:
        return OCEAN_REGIONS[oceans[0]]
    raise ValueError(f"no MILSET region for {code} (zones: {zones})")


@cache
def _territory_names(language: str) -> dict[str, str]:
    return dict(babel.Locale(language).territories)


def country_names(code: str) -> dict[str, str]:
    """{'en': ..., 'fr': ..., 'es': ...}: CLDR's name of the country in each language."""
    return {language: _territory_names(language).get(code) or code for language in LANGUAGES}


@dataclass(frozen=True)
class CountryFacts:
    iso2: str
    names: dict
    region: str


def countries() -> list[CountryFacts]:
    return [CountryFacts(code, country_names(code), milset_region(code, zones_of(code)))
            for code in country_codes()]


@dataclass(frozen=True)
class EsiEdition:
    number: int
    year: int
    city: str
    country: str  # ISO code


def esi_editions() -> list[EsiEdition]:
    """The ESI editions held so far, as shipped (public facts; hosts unknown)."""
    with ESI_CSV.open(encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return [EsiEdition(int(r["number"]), int(r["year"]), r["city"], r["country"]) for r in rows]
