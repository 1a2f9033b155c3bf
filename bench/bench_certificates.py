"""Issue 21's target: participation certificates for 2,000 participants in
under 2 minutes. A temporary SQLite database (migrated as in production)
gets an ESI with 80 delegations of 25 participants, inserted directly; the
secretariat's batch is then made by the same `run_next_batch` the worker
runs, timed from the claim to the last PDF committed. Run alone with
`python -m bench --only certificates`."""

import random
import tempfile
import time
from datetime import date
from pathlib import Path

FIRST = ("Inês", "Élodie", "Ñandú", "José", "Zoë", "Łukasz", "Ayşe", "François", "Mårten", "Chloé", "Núria", "Aiko")
LAST = ("Carvalho", "Fournier", "Peña", "Müller", "Ødegård", "Nuñez", "Çelik", "Dvořák", "Lefèvre", "Sato")


def _populate(delegations: int, per_delegation: int):
    from sqlalchemy import insert

    from awards_app.extensions import db
    from awards_app.models import Country, Delegation, Event, Organisation, Participant, Person, Region, User, UserRole

    region = Region(code="BENCH", name="Bench region")
    country = Country(iso2="ZZ", name="Benchland", name_fr="Bancland", name_es="Bancolandia", region=region)
    event = Event(number=999, year=2027, city="Abu Dhabi", country=country)
    admin = User(email="bench-secretariat@example.org", person=Person(name="Bench Secretariat"))
    db.session.add_all([region, country, event, admin])
    db.session.flush()
    db.session.add(UserRole(user_id=admin.id, role="admin"))
    rng = random.Random(21)
    for d in range(delegations):
        organisation = Organisation(name=f"Bench organisation {d:03d}", country_id=country.id)
        db.session.add(organisation)
        db.session.flush()
        delegation = Delegation(event_id=event.id, organisation_id=organisation.id, name=f"Delegation {d:03d}")
        db.session.add(delegation)
        db.session.flush()
        db.session.execute(insert(Participant), [
            {"delegation_id": delegation.id, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
             "birth_date": date(2010, 1, 1), "role": "leader" if p == 0 else "participant"}
            for p in range(per_delegation)])
    db.session.commit()
    return event, admin


def run(delegations: int = 80, per_delegation: int = 25) -> dict:
    from flask_migrate import upgrade

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.reports import certificate_batches
    from awards_app.services import certificates

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'certificates.db'}"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MIGRATION_DATABASE_URL=url)
        with app.app_context():
            upgrade()
            event, admin = _populate(delegations, per_delegation)
            batch = certificates.request_batch(admin, event, "participation", "fr")
            db.session.commit()
            started = time.perf_counter()
            batch = certificate_batches.run_next_batch()
            seconds = time.perf_counter() - started
            pages = sum(f.pages for f in batch.files)
            size = sum(len(f.content) for f in batch.files)
            result = {"seconds": round(seconds, 1), "status": batch.status, "error": batch.error,
                      "participants": delegations * per_delegation, "delegations": delegations,
                      "files": batch.done, "pages": pages, "megabytes": round(size / 1e6, 1),
                      "per_participant_ms": round(1000 * seconds / max(pages, 1), 1)}
            db.session.remove()
            db.engine.dispose()
    return result


if __name__ == "__main__":
    print(run())
