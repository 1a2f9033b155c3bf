"""`flask setup` on a first install: award types, MILSET's regions, every
country with its names and region (derived from CLDR), the ESI editions."""

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, AwardType, Country, Event, Organisation, Region
from awards_app.services import audit, reference

# --- the derivation, pure -------------------------------------------------------------------


@pytest.mark.parametrize("code, region", [
    ("FR", "europe"), ("PT", "europe"), ("IS", "europe"), ("ES", "europe"), ("FO", "europe"), ("SJ", "europe"),
    ("UA", "europe"), ("MX", "amlat"), ("BR", "amlat"), ("CL", "amlat"), ("EC", "amlat"), ("CU", "amlat"),
    ("FK", "amlat"), ("US", "noram"), ("CA", "noram"), ("GL", "noram"), ("PM", "noram"), ("BM", "noram"),
    ("KZ", "vostok"), ("RU", "vostok"), ("BY", "vostok"), ("AM", "vostok"), ("JP", "asia"), ("AE", "asia"),
    ("AU", "asia"), ("NZ", "asia"), ("FJ", "asia"), ("MV", "asia"), ("TN", "africa"), ("EG", "africa"),
    ("CV", "africa"), ("MG", "africa"), ("RE", "africa"),
])
def test_each_country_gets_its_milset_region(code, region):
    assert reference.milset_region(code, reference.zones_of(code)) == region


def test_the_majority_continent_wins_and_oceans_count_only_alone():
    assert reference.milset_region("XX", ["Asia/Tokyo", "Europe/Paris", "Asia/Seoul"]) == "asia"
    assert reference.milset_region("XX", ["Pacific/Galapagos", "Pacific/Easter", "America/Lima"]) == "amlat"
    assert reference.milset_region("XX", ["Indian/Mahe"]) == "africa"
    assert reference.milset_region("XX", ["Africa/Ceuta", "Europe/Madrid"]) == "europe"  # a tie: the listed order


def test_only_real_countries_are_listed_with_three_names():
    codes = reference.country_codes()
    assert "AQ" not in codes and "ZZ" not in codes and "001" not in codes
    assert {"FR", "MX", "KZ", "CV", "VA"} <= set(codes)
    assert reference.country_names("RU") == {"en": "Russia", "fr": "Russie", "es": "Rusia"}
    assert reference.country_names("DE") == {"en": "Germany", "fr": "Allemagne", "es": "Alemania"}


def test_the_shipped_esi_editions_start_in_quebec_1987():
    editions = reference.esi_editions()
    assert (editions[0].number, editions[0].year, editions[0].city, editions[0].country) == (1, 1987, "Québec", "CA")
    assert [e.number for e in editions] == list(range(1, len(editions) + 1))
    assert {e.country for e in editions} <= set(reference.country_codes())


# --- the command ----------------------------------------------------------------------------


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_setup_creates_the_reference_data_and_says_how_to_create_an_admin(runner, ctx):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    countries = len(reference.country_codes())
    assert _count(AwardType) == 7
    assert _count(Region) == 6
    assert _count(Country) == countries
    assert _count(Event) == 18
    assert "award types: 7 created" in result.output
    assert f"countries: {countries} created" in result.output
    assert "flask users create you@example.org --role admin" in result.output
    france = db.session.scalar(select(Country).where(Country.iso2 == "FR"))
    assert (france.name, france.name_fr, france.name_es, france.region.code) == ("France", "France", "Francia",
                                                                                  "europe")
    vostok = db.session.scalar(select(Region).where(Region.code == "vostok"))
    assert {c.iso2 for c in vostok.countries} == set(reference.VOSTOK)
    quebec = db.session.scalar(select(Event).where(Event.number == 1))
    assert (quebec.city, quebec.country.iso2, quebec.host_organisation) == ("Québec", "CA", None)
    assert _count(Organisation) == 0  # no organisation is invented


def test_setup_twice_duplicates_nothing(runner, ctx):
    runner.invoke(args=["setup"])
    counts = {m: _count(m) for m in (AwardType, Region, Country, Event)}
    events = _count(AuditEvent)
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert {m: _count(m) for m in counts} == counts
    assert _count(AuditEvent) == events  # nothing new, nothing audited
    assert "countries: already present" in second.output
    assert "ESI editions: already present (18)" in second.output


def test_every_creation_is_audited_by_the_command_and_the_chain_holds(runner, ctx):
    runner.invoke(args=["setup"])
    actions = dict(db.session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
    assert actions["country.created"] == _count(Country)
    assert actions["region.created"] == 6
    assert actions["event.created"] == 18
    assert actions["award_type.created"] == 7
    assert set(db.session.scalars(select(AuditEvent.actor).distinct())) == {"cli"}
    assert audit.verify_chain().ok


def test_a_second_run_fills_missing_names_but_keeps_the_secretariats_edits(runner, ctx):
    runner.invoke(args=["setup"])
    mexico = db.session.scalar(select(Country).where(Country.iso2 == "MX"))
    mexico.name_fr, mexico.name_es, mexico.name = None, "Estados Unidos Mexicanos", "Mexico (edited)"
    db.session.commit()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    db.session.refresh(mexico)
    assert (mexico.name, mexico.name_fr, mexico.name_es) == ("Mexico (edited)", "Mexique",
                                                             "Estados Unidos Mexicanos")
    assert "Missing names filled in for 1" in result.output
    assert _count(AuditEvent, AuditEvent.action == "country.names_filled") == 1


def test_setup_is_allowed_in_production(monkeypatch, tmp_path):
    from flask_migrate import upgrade

    from awards_app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.db'}")
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert _count(Event) == 18
        db.session.remove()
        db.engine.dispose()


def test_new_cycle_offers_every_award_and_the_esi_editions_after_setup_without_the_demo(
        runner, ctx, client, make_user, auth):
    runner.invoke(args=["setup"])
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    page = client.get("/cycles/new").get_data(as_text=True)
    for award in db.session.scalars(select(AwardType)):
        assert f'value="{award.code}"' in page, award.code
    for event in db.session.scalars(select(Event)):
        assert f'<option value="{event.id}">{event.title}</option>' in page
    response = client.post("/cycles/new", data={"award": "cultural_award", "year": 2023,
                                                "event": db.session.scalar(select(Event.id).where(Event.number == 18))})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_the_demo_builds_on_setup(runner, ctx, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for tests")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert _count(Country) == len(reference.country_codes())
    assert _count(Event) == 19  # the 18 held so far and the demo's invented next one
    demo_org = db.session.scalar(select(Organisation).where(Organisation.name == "Youth Science France (demo)"))
    assert demo_org.name_key == "demo france science youth"
