"""The secretariat's reference data pages: organisations and ESI editions,
created, edited, deactivated and imported from CSV, through the pages."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Country, Event, Organisation, OrganisationAlias
from awards_app.services import ServiceError
from awards_app.services import organisations as organisation_service
from tests import factories
from tests.factories import TESTS_ACTOR


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audited(action):
    return _count(AuditEvent, AuditEvent.action == action)


@pytest.fixture
def admin(make_user, auth, runner):
    runner.invoke(args=["setup"])
    user = make_user("admin@example.org", roles=("admin",), name="Ada Admin")
    auth.login("admin@example.org")
    return user


def _country(iso):
    return db.session.scalar(select(Country).where(Country.iso2 == iso))


def _upload(client, url, content: str):
    return client.post(url, data={"file": (io.BytesIO(content.encode()), "data.csv")},
                       content_type="multipart/form-data")


def _org(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


# --- organisations --------------------------------------------------------------------------

def test_the_secretariat_registers_an_organisation_with_other_names(client, admin):
    response = client.post("/reference/organisations/new", data={
        "name": "Association Québécoise des Jeunes Scientifiques", "country": _country("CA").id,
        "status": "member", "aliases": "AQJS\n\nQuebec Young Scientists\n"})
    assert response.status_code == 303
    organisation = _org("Association Québécoise des Jeunes Scientifiques")
    assert organisation.name_key == "association des jeunes quebecoise scientifiques"
    assert sorted(a.name for a in organisation.aliases) == ["AQJS", "Quebec Young Scientists"]
    assert _audited("organisation.created") == 1


@pytest.mark.parametrize("spelling", ["association quebecoise des jeunes scientifiques",
                                      "Jeunes Scientifiques, Association Québécoise des",
                                      "A.Q.J.S.", "aqjs"])
def test_the_same_organisation_spelled_again_is_refused_naming_the_existing_one(client, admin, spelling):
    organisation_service.create(TESTS_ACTOR, "Association Québécoise des Jeunes Scientifiques", _country("CA"),
                                "member", ["AQJS"])
    db.session.commit()
    response = client.post("/reference/organisations/new", data={
        "name": spelling, "country": _country("CA").id, "status": "member", "aliases": ""})
    page = response.get_data(as_text=True)
    if spelling == "A.Q.J.S.":  # punctuation apart, the key is "a j q s": another name
        assert response.status_code == 303
        return
    assert response.status_code == 400
    assert "[organisation.duplicate]" in page
    assert "Association Québécoise des Jeunes Scientifiques" in page
    assert spelling in page  # what was typed stays
    assert _count(Organisation) == 1


def test_an_alias_that_is_another_organisations_name_is_refused_at_the_aliases(client, admin):
    organisation_service.create(TESTS_ACTOR, "Science Club Lisboa", _country("PT"), "member")
    db.session.commit()
    response = client.post("/reference/organisations/new", data={
        "name": "Clube Ciência Viva", "country": _country("PT").id, "status": "member",
        "aliases": "CCV\nscience club lisboa"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="aliases-error"[^>]*>[^<]*Science Club Lisboa[^<]*\[organisation.alias_duplicate\]', page)
    assert _org("Clube Ciência Viva") is None


def test_editing_renames_and_replaces_the_other_names(client, admin):
    organisation = organisation_service.create(TESTS_ACTOR, "Youth Science Kenya", _country("KE"), "member",
                                               ["YSK", "Kenya Young Scientists"])
    db.session.commit()
    page = client.get(f"/reference/organisations/{organisation.id}").get_data(as_text=True)
    assert "Kenya Young Scientists\nYSK" in page  # one per line, as typed
    response = client.post(f"/reference/organisations/{organisation.id}", data={
        "name": "Youth Science Kenya Network", "country": _country("KE").id, "status": "associate",
        "aliases": "ysk\nYouth Science Kenya"})
    assert response.status_code == 303
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert (organisation.name, organisation.status) == ("Youth Science Kenya Network", "associate")
    assert sorted(a.name for a in organisation.aliases) == ["Youth Science Kenya", "ysk"]
    assert _count(OrganisationAlias) == 2
    assert _audited("organisation.updated") == 1


def test_a_deactivated_organisation_is_no_longer_offered_but_keeps_its_history(client, admin):
    organisation = organisation_service.create(TESTS_ACTOR, "Old Science Club", _country("FR"), "member")
    event = db.session.scalar(select(Event).where(Event.number == 18))
    db.session.commit()
    assert "Old Science Club" in client.get(f"/delegations/events/{event.id}/new").get_data(as_text=True)
    response = client.post(f"/reference/organisations/{organisation.id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert "is deactivated" in client.get(response.headers["Location"]).get_data(as_text=True)  # the flash
    assert "Old Science Club" not in client.get(f"/delegations/events/{event.id}/new").get_data(as_text=True)
    assert "Old Science Club" not in client.get("/reference/events/new").get_data(as_text=True)
    listed = client.get("/reference/organisations?active=no").get_data(as_text=True)
    assert "Old Science Club" in listed
    assert "Old Science Club" not in client.get("/reference/organisations?active=yes").get_data(as_text=True)
    assert _audited("organisation.deactivated") == 1
    client.post(f"/reference/organisations/{organisation.id}/active", data={"active": "1"})
    assert "Old Science Club" in client.get(f"/delegations/events/{event.id}/new").get_data(as_text=True)
    assert _audited("organisation.reactivated") == 1


def test_a_nomination_form_offers_only_active_organisations(client, make_user, auth, ctx):
    from tests import builders

    cycle = builders.open_cycle("derek_gray_medal")
    active = factories.OrganisationFactory(name="Active Science Club")
    factories.OrganisationFactory(name="Closed Science Club", active=False)
    db.session.commit()
    make_user("nominator@example.org", roles=("nominator",))
    auth.login("nominator@example.org")
    page = client.get(f"/nominate/cycles/{cycle.id}/new").get_data(as_text=True)
    assert active.name in page
    assert "Closed Science Club" not in page


def test_the_list_filters_by_name_or_alias_region_country_and_status(client, admin):
    organisation_service.create(TESTS_ACTOR, "Réseau Technoscience", _country("CA"), "member", ["RTS"])
    organisation_service.create(TESTS_ACTOR, "Nairobi Science Club", _country("KE"), "accredited")
    db.session.commit()

    def listed(query):
        page = client.get(f"/reference/organisations?{query}").get_data(as_text=True)
        return {name for name in ("Réseau Technoscience", "Nairobi Science Club") if f">{name}</a>" in page}

    assert listed("") == {"Réseau Technoscience", "Nairobi Science Club"}
    assert listed("q=reseau") == {"Réseau Technoscience"}
    assert listed("q=rts") == {"Réseau Technoscience"}
    assert listed("region=africa") == {"Nairobi Science Club"}
    assert listed(f"country={_country('CA').id}") == {"Réseau Technoscience"}
    assert listed("status=accredited") == {"Nairobi Science Club"}
    assert listed("region=asia") == set()


def test_an_organisations_csv_is_imported_whole(client, admin):
    response = _upload(client, "/reference/organisations/import",
                       "name,country,status,aliases\n"
                       "Youth Science Canada,CA,member,YSC;Sciences jeunesse Canada\n"
                       "Clube de Ciência,Portugal,,\n"
                       "Jeunes Sciences Tunisie,tunisie,accredited,JST\n")
    assert response.status_code == 303
    assert _org("Clube de Ciência").status == "member"
    assert _org("Clube de Ciência").country.iso2 == "PT"
    assert _org("Jeunes Sciences Tunisie").country.iso2 == "TN"
    assert sorted(a.name for a in _org("Youth Science Canada").aliases) == ["Sciences jeunesse Canada", "YSC"]
    assert _audited("organisation.created") == 3


def test_a_bad_organisations_csv_lists_each_problem_by_line_and_imports_nothing(client, admin):
    organisation_service.create(TESTS_ACTOR, "Youth Science Canada", _country("CA"), "member")
    db.session.commit()
    response = _upload(client, "/reference/organisations/import",
                       "name,country,status,aliases\n"
                       "Good Club,FR,member,\n"                 # 2: fine alone
                       "youth science canada,CA,member,\n"      # 3: exists
                       "Somewhere Club,Atlantis,member,\n"      # 4: unknown country
                       "Status Club,FR,sponsor,\n"              # 5: unknown status
                       "Club, Good,FR,member,\n"                # 6: shifted columns: country "Good"
                       ",FR,member,\n"                          # 7: no name
                       "GOOD CLUB,BE,member,\n")                # 8: same as line 2
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>\s*<td>[^\[]*\[([a-z_.]+)\]", page)
    assert [(int(line), rule) for line, _field, rule in rows] == [
        (3, "organisation.duplicate"), (4, "organisation.unknown_country"), (5, "organisation.unknown_status"),
        (6, "organisation.unknown_country"), (7, "organisation.name_required"), (8, "organisation.csv_repeated")]
    assert "Youth Science Canada" in page
    assert _count(Organisation) == 1
    assert _org("Good Club") is None


def test_a_csv_without_the_columns_is_refused_at_line_one(client, admin):
    response = _upload(client, "/reference/organisations/import", "nom;pays\nClub;FR\n")
    assert response.status_code == 400
    assert "[csv.missing_columns]" in response.get_data(as_text=True)


def test_the_service_refuses_anyone_but_the_secretariat(ctx):
    from awards_app.services.actors import SystemActor

    country = factories.CountryFactory()
    with pytest.raises(ServiceError) as refused:
        organisation_service.create(SystemActor("judge", roles={"judge"}), "A Club", country)
    assert refused.value.rule == "reference.secretariat_only"


# --- ESI editions ---------------------------------------------------------------------------

def test_the_secretariat_registers_an_edition_with_its_host_and_dates(client, admin):
    host = organisation_service.create(TESTS_ACTOR, "Comité ESI 2025", _country("AE"), "other")
    db.session.commit()
    response = client.post("/reference/events/new", data={
        "number": 20, "year": 2029, "city": "Lisbon", "country": _country("PT").id, "host": host.id,
        "starts_on": "2029-07-10", "ends_on": "2029-07-16"})
    assert response.status_code == 303
    event = db.session.scalar(select(Event).where(Event.number == 20))
    assert (event.city, event.host_organisation_id, event.starts_on, event.ends_on) == (
        "Lisbon", host.id, date(2029, 7, 10), date(2029, 7, 16))
    assert "ESI 2029 Lisbon" in client.get("/reference/events").get_data(as_text=True)


def test_an_edition_ending_before_it_starts_is_refused_at_the_last_day(client, admin):
    response = client.post("/reference/events/new", data={
        "number": 20, "year": 2029, "city": "Lisbon", "country": _country("PT").id, "host": 0,
        "starts_on": "2029-07-10", "ends_on": "2029-07-09"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="ends_on-error"[^>]*>[^<]*\[event.ends_before_start\]', page)
    assert 'value="Lisbon"' in page
    assert _count(Event, Event.number == 20) == 0


def test_an_edition_number_already_taken_is_refused_naming_the_edition(client, admin):
    response = client.post("/reference/events/new", data={
        "number": 1, "year": 2029, "city": "Lisbon", "country": _country("PT").id, "host": 0})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "ESI 1987 Québec" in page and "[event.duplicate_number]" in page


def test_editing_an_edition_adds_its_dates(client, admin):
    event = db.session.scalar(select(Event).where(Event.number == 18))
    page = client.get(f"/reference/events/{event.id}").get_data(as_text=True)
    assert 'value="Mazatlán"' in page
    response = client.post(f"/reference/events/{event.id}", data={
        "number": 18, "year": 2023, "city": "Mazatlán", "country": _country("MX").id, "host": 0,
        "starts_on": "2023-10-23", "ends_on": "2023-10-28"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).ends_on == date(2023, 10, 28)
    assert _audited("event.updated") == 1


def test_a_deactivated_edition_is_not_offered_for_a_new_cycle(client, admin):
    event = db.session.scalar(select(Event).where(Event.number == 18))
    assert "ESI 2023 Mazatlán" in client.get("/cycles/new").get_data(as_text=True)
    response = client.post(f"/reference/events/{event.id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert "is deactivated" in client.get(response.headers["Location"]).get_data(as_text=True)  # the flash
    assert "ESI 2023 Mazatlán" not in client.get("/cycles/new").get_data(as_text=True)
    assert "ESI 2023 Mazatlán" in client.get("/reference/events").get_data(as_text=True)
    client.post(f"/reference/events/{event.id}/active", data={"active": "1"})
    assert "ESI 2023 Mazatlán" in client.get("/cycles/new").get_data(as_text=True)


def test_an_editions_csv_is_imported_whole_or_not_at_all(client, admin):
    organisation_service.create(TESTS_ACTOR, "Ciência Viva", _country("PT"), "member", ["CV"])
    db.session.commit()
    bad = _upload(client, "/reference/events/import",
                  "number,year,city,country,host,starts_on,ends_on\n"
                  "20,2029,Lisbon,PT,cv,10/07/2029,2029-07-16\n"      # 2: fine
                  "1,2031,Brest,FR,,,\n"                              # 3: number taken
                  "21,2031,Nowhere,Atlantis,,,\n"                     # 4: unknown country
                  "22,2033,Nice,FR,Unknown Org,,\n"                   # 5: unknown host
                  "23,2035,Lyon,FR,,2035-07-10,2035-07-01\n"          # 6: ends before it starts
                  "20,2037,Porto,PT,,,\n"                             # 7: repeats line 2
                  "x,2039,Rome,IT,,,\n")                              # 8: not a number
    assert bad.status_code == 400
    rules = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>[^<]*</td>\s*<td>[^\[]*\[([a-z_.]+)\]",
                       bad.get_data(as_text=True))
    assert [(int(line), rule) for line, rule in rules] == [
        (3, "event.duplicate_number"), (4, "event.csv_unknown_country"), (5, "event.csv_unknown_host"),
        (6, "event.ends_before_start"), (7, "event.csv_repeated"), (8, "event.csv_not_a_number")]
    assert _count(Event) == 18
    good = _upload(client, "/reference/events/import",
                   "number;year;city;country;host;starts_on;ends_on\n"
                   "20;2029;Lisbon;Portugal;Ciência Viva;10/07/2029;2029-07-16\n")
    assert good.status_code == 303
    event = db.session.scalar(select(Event).where(Event.number == 20))
    assert (event.host_organisation.name, event.starts_on) == ("Ciência Viva", date(2029, 7, 10))
