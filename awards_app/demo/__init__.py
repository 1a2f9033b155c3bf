"""`flask demo load`: idempotent MILSET demonstration data (data.py holds the
facts, story.py plays a finished season on them, motion.py leaves this
year's cycles mid-season for a newcomer to act on, scale.py builds the large data sets
of `flask demo load --scale N` for the benchmarks).

Every object is looked up by its natural key before it is created, so a
second run adds nothing. Accounts are created through the user service, so
they appear in the audit trail like any other account.
"""

import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from awards_app.demo import data
from awards_app.demo import motion as demo_motion
from awards_app.demo import story as demo_story
from awards_app.extensions import db
from awards_app.models import (
    AwardType,
    Country,
    Cycle,
    Delegation,
    Event,
    Nomination,
    Organisation,
    Participant,
    Region,
    User,
)
from awards_app.services import organisations as organisation_service
from awards_app.services import passwords, setup
from awards_app.services import users as user_service
from awards_app.services.actors import SystemActor

# The loaders open cycles as the secretariat does.
DEMO_ACTOR = SystemActor("demo-loader", roles=frozenset({"admin"}))


@dataclass
class Summary:
    password: str | None = None
    password_source: str = ""
    counts: dict = field(default_factory=dict)

    def report(self) -> str:
        lines = ["Demo data loaded:"]
        lines += [f"  {name}: {count}" for name, count in self.counts.items()]
        lines.append("Demo logins (all share one password):")
        lines += [f"  {local}@{data.DEMO_DOMAIN}  ({', '.join(roles)})"
                  for local, _, roles in data.DEMO_ACCOUNTS]
        lines.append(f"  password: {self.password}  ({self.password_source})")
        return "\n".join(lines)


def _get_or_create(model, defaults=None, **keys):
    row = db.session.scalar(select(model).filter_by(**keys))
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def _demo_password() -> tuple[str, str]:
    """DEMO_PASSWORD when set; else one generated once and kept under instance/."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"], "from DEMO_PASSWORD"
    path = Path(current_app.instance_path) / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip(), f"generated, kept in {path}"


def load_organisations() -> dict[str, Organisation]:
    """One demo member organisation per demo country, keyed by the country's code."""
    countries = {c.iso2: c for c in db.session.scalars(
        select(Country).where(Country.iso2.in_(data.DEMO_ORGANISATION_COUNTRIES)))}
    return {iso: _organisation(f"Youth Science {countries[iso].name} (demo)", countries[iso], "member")
            for iso in data.DEMO_ORGANISATION_COUNTRIES}


def _organisation(name: str, country: Country, status: str) -> Organisation:
    """Found by name, or registered as the secretariat would (its name keyed, audited)."""
    found = db.session.scalar(select(Organisation).where(Organisation.name == name))
    return found or organisation_service.create(DEMO_ACTOR, name, country, status)


def load_upcoming_event() -> Event:
    """The invented next ESI, hosted by a demo organisation."""
    number, year, city, iso = data.UPCOMING_ESI
    country = db.session.scalar(select(Country).where(Country.iso2 == iso))
    host = _organisation(f"ESI {year} host committee, {city} (demo)", country, "member")
    return _get_or_create(Event, number=number, defaults={
        "year": year, "city": city, "country": country, "host_organisation": host,
        "starts_on": date(year, 7, 12), "ends_on": date(year, 7, 18)})


def load_delegations(event: Event, organisations) -> None:
    for iso in data.DELEGATION_COUNTRIES:
        org = organisations[iso]
        if db.session.scalar(select(Delegation).filter_by(event_id=event.id, organisation_id=org.id)):
            continue
        rng = random.Random(f"{event.number}-{iso}")  # the same people on every machine
        delegation = Delegation(event=event, organisation=org,
                                name=f"Delegation of {org.country.name}")
        for i in range(rng.randint(4, 9)):
            age = rng.randint(9, 25)
            born = event.starts_on - timedelta(days=365 * age + rng.randint(0, 360))
            delegation.participants.append(Participant(
                name=f"Participant {i + 1} of {org.country.name}", birth_date=born,
                role="leader" if i == 0 and age >= 18 else "participant"))
        db.session.add(delegation)
    db.session.flush()


def load_accounts(password: str, organisations) -> None:
    for local, name, roles in data.DEMO_ACCOUNTS:
        email = f"{local}@{data.DEMO_DOMAIN}"
        user = user_service.find_by_email(email)
        if user is None:
            user_service.create_user(DEMO_ACTOR, email, name, roles, password=password,
                                     organisation=organisations["LU"])
        elif not passwords.check_password(user.password_hash, password):
            user_service.set_password(DEMO_ACTOR, user, password)


def load() -> Summary:
    from awards_app.services import cycles as cycle_service

    password, source = _demo_password()
    setup.run(DEMO_ACTOR)  # award types, regions, countries, past ESI editions
    organisations = load_organisations()
    upcoming = load_upcoming_event()
    load_delegations(upcoming, organisations)
    load_accounts(password, organisations)
    cycle_service.demo_open_cycles(DEMO_ACTOR, upcoming)
    demo_story.play(data.DEMO_DOMAIN)
    demo_motion.play(data.DEMO_DOMAIN, upcoming.year)
    demo_story.request_pending_endorsement(data.DEMO_DOMAIN, upcoming.year)
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Region, Country, Organisation, Event, Delegation, Participant,
                            AwardType, Cycle, Nomination, User)}
    return Summary(password=password, password_source=source, counts=counts)
