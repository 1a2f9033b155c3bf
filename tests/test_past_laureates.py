"""The registry of past laureates: the secretariat's pages and CSV import,
the "never won before" rules that read it, and the public list."""

import io
from datetime import date

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, OrganisationAlias, PastLaureate
from awards_app.services import Refusal, ServiceError, nominations
from awards_app.services import laureates as service
from judging.names import normalise_name
from tests import builders, factories
from tests.factories import TESTS_ACTOR

TODAY = date(2026, 5, 1)


def _count(*where):
    return db.session.scalar(select(func.count()).select_from(PastLaureate).where(*where))


def _audited(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _entry(code, year, name, kind=None, **kwargs):
    award = builders.award(code)
    entry = service.add(TESTS_ACTOR, award, year=year, kind=kind or award.candidate_kind, name=name, **kwargs)
    db.session.commit()
    return entry


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Ada Admin")
    auth.login("admin@example.org")
    builders.award("derek_gray_medal")  # every award type, as `flask demo load` or the install makes them
    db.session.commit()
    return user


def _upload(client, content: bytes, filename="laureates.csv"):
    return client.post("/admin/laureates/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


# --- the service's rules -------------------------------------------------------------

def test_the_same_laureate_twice_in_a_year_is_refused_naming_the_entry_already_there(ctx):
    _entry("derek_gray_medal", 2015, "José María Pérez")
    with pytest.raises(ServiceError) as refused:
        _entry("derek_gray_medal", 2015, "perez, jose-maria")
    assert refused.value.rule == "laureate.duplicate" and refused.value.field == "name"
    assert "José María Pérez" in refused.value.message and "Derek Gray Medal 2015" in refused.value.message
    db.session.rollback()
    assert _count() == 1
    _entry("derek_gray_medal", 2017, "Someone Else")
    _entry("best_delegation_award", 2015, "José María Pérez", kind="delegation")  # another award: fine


@pytest.mark.parametrize(("year", "ok"), [(1986, False), (1987, True), (TODAY.year, True), (TODAY.year + 1, False)])
def test_a_year_is_from_the_first_esi_to_this_one(ctx, year, ok):
    award = builders.award("cultural_award")
    try:
        service.add(TESTS_ACTOR, award, year=year, kind="delegation", name="Delegation of Peru", today=TODAY)
    except ServiceError as exc:
        assert not ok and exc.rule == "laureate.year_out_of_range" and exc.field == "year"
    else:
        assert ok


def test_the_kind_must_suit_the_award(ctx):
    with pytest.raises(ServiceError, match="laureate.kind_mismatch"):
        _entry("derek_gray_medal", 2015, "Club Ciencia", kind="organisation")
    db.session.rollback()
    with pytest.raises(ServiceError, match="laureate.kind_mismatch"):
        _entry("cultural_award", 2015, "Ana Lima", kind="individual")
    db.session.rollback()
    _entry("cultural_award", 2015, "Club Ciencia", kind="organisation")  # an organisation for its delegation


def test_only_the_secretariat_keeps_the_registry(ctx):
    board = factories.UserFactory(roles=("board",))
    with pytest.raises(ServiceError) as refused:
        service.add(board, builders.award("derek_gray_medal"), year=2015, kind="individual", name="Ana Lima")
    assert refused.value.status == 403


# --- the secretariat's pages ---------------------------------------------------------------

def test_the_secretariat_adds_edits_and_removes_an_entry_each_step_audited(client, admin):
    country = factories.CountryFactory(iso2="ZA", name="South Africa")
    db.session.commit()
    added = client.post("/admin/laureates/derek_gray_medal/new", data={
        "award": "derek_gray_medal", "year": "2011", "kind": "individual", "name": "Thandi Mokoena",
        "country": country.id, "organisation": 0, "note": "Bratislava."})
    assert added.status_code == 303 and added.headers["Location"].endswith("/admin/laureates/derek_gray_medal")
    entry = db.session.scalar(select(PastLaureate))
    assert (entry.year, entry.name_key, entry.country_id) == (2011, "mokoena thandi", country.id)
    assert _audited("laureate.added")[0].payload["name"] == "Thandi Mokoena"
    page = client.get("/admin/laureates/derek_gray_medal").get_data(as_text=True)
    assert "Thandi Mokoena" in page and "2011" in page and "South Africa" in page

    edited = client.post(f"/admin/laureates/entries/{entry.id}", data={
        "award": "derek_gray_medal", "year": "2013", "kind": "individual", "name": "Thandi Mokoena",
        "country": country.id, "organisation": 0, "note": "Abu Dhabi."})
    assert edited.status_code == 303
    [updated] = _audited("laureate.updated")
    assert updated.payload["year"] == {"from": 2011, "to": 2013} and "name" not in updated.payload

    no_reason = client.post(f"/admin/laureates/entries/{entry.id}/remove", data={"reason": ""})
    assert no_reason.status_code == 400 and _count() == 1
    assert 'class="error-summary"' in no_reason.get_data(as_text=True)
    removed = client.post(f"/admin/laureates/entries/{entry.id}/remove", data={"reason": "Entered twice."})
    assert removed.status_code == 303 and _count() == 0
    [event] = _audited("laureate.removed")
    assert event.payload["reason"] == "Entered twice." and event.payload["name"] == "Thandi Mokoena"


def test_a_refused_entry_keeps_what_was_typed_and_names_the_field(client, admin):
    _entry("derek_gray_medal", 2015, "Ana Lima")
    future = client.post("/admin/laureates/derek_gray_medal/new", data={
        "award": "derek_gray_medal", "year": "2999", "kind": "individual", "name": "Bea Boss",
        "country": 0, "organisation": 0, "note": "Typed with care."})
    text = future.get_data(as_text=True)
    assert future.status_code == 400 and "laureate.year_out_of_range" in text
    assert 'value="Bea Boss"' in text and "Typed with care." in text
    twice = client.post("/admin/laureates/derek_gray_medal/new", data={
        "award": "derek_gray_medal", "year": "2015", "kind": "individual", "name": "LIMA Ana",
        "country": 0, "organisation": 0})
    text = twice.get_data(as_text=True)
    assert twice.status_code == 400 and "laureate.duplicate" in text and "Ana Lima" in text
    assert _count() == 1


# --- the CSV import -------------------------------------------------------------------

def test_a_file_names_awards_countries_and_organisations_as_people_write_them(client, admin):
    brazil = factories.CountryFactory(iso2="BR", name="Brazil", name_fr="Brésil")
    club = factories.OrganisationFactory(name="Fundação Ciência Jovem", country=brazil)
    db.session.add(OrganisationAlias(organisation=club, name="FCJ", name_key=normalise_name("FCJ")))
    db.session.commit()
    content = ("\ufeffYear;Award;Kind;Name;Country;Organisation;Note\n"
               "2019;cultural_award;delegation;Delegation of Brazil;BR;fcj;Two laureates that year\n"
               "2017;Prix culturel ESI;organization;Fundacao Ciencia Jovem;;;\n"
               "\n"
               "2013;Medalla Derek Gray;individual;Ana Lima;brazil;;\n").encode()
    response = _upload(client, content)
    assert response.status_code == 303, response.get_data(as_text=True)
    rows = db.session.scalars(select(PastLaureate).order_by(PastLaureate.year)).all()
    assert [(r.year, r.award_type.code, r.kind, r.organisation_id, r.country_id) for r in rows] == [
        (2013, "derek_gray_medal", "individual", None, brazil.id),
        (2017, "cultural_award", "organisation", club.id, brazil.id),  # the name is the organisation's
        (2019, "cultural_award", "delegation", club.id, brazil.id),    # by its alias
    ]
    assert len(_audited("laureate.added")) == 3 and _audited("laureate.imported")[0].payload == {"count": 3}


def test_a_file_with_any_bad_row_is_refused_whole_with_each_problem_on_its_line(client, admin):
    factories.CountryFactory(iso2="BR", name="Brazil")
    _entry("derek_gray_medal", 2015, "Ana Lima")
    content = ("year,award,kind,name,country,organisation\n"
               "2019,cultural_award,delegation,Delegation of Brazil,BR,\n"   # line 2: good
               "1980,cultural_award,delegation,Delegation of Peru,BR,\n"     # line 3: before the first ESI
               "2019,Golden Globe,delegation,Delegation of Chile,BR,\n"      # line 4: no such award
               "2019,cultural_award,delegation,Delegation of Chad,Atlantis,\n"  # line 5: no such country
               "2019,cultural_award,delegation,Delegation of Togo,BR,Nowhere Club\n"  # line 6: unknown organisation
               "2015,derek_gray_medal,individual,LIMA ana,BR,\n"            # line 7: already in the registry
               "2019,cultural_award,delegation,delegation of brazil,BR,\n"  # line 8: same as line 2
               "twenty,cultural_award,delegation,Delegation of Mali,BR,\n"  # line 9: not a year
               "2019,cultural_award,individual,Eva Dias,BR,\n")             # line 10: a person for a delegation award
    response = _upload(client, content.encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for line, rule in ((3, "laureate.year_out_of_range"), (4, "laureate.csv_unknown_award"),
                       (5, "laureate.csv_unknown_country"), (6, "laureate.csv_unknown_organisation"),
                       (7, "laureate.duplicate"), (8, "laureate.csv_duplicate"), (9, "laureate.csv_bad_year"),
                       (10, "laureate.kind_mismatch")):
        assert f"<td>{line}</td>" in text and f"[{rule}]" in text, (line, rule)
    assert "<td>2</td>" not in text
    assert "is already on line 2" in text and "Derek Gray Medal 2015" in text
    assert _count() == 1  # only the entry made before


def test_a_file_missing_a_column_or_not_utf8_is_refused(client, admin):
    missing = _upload(client, b"year,award,name\n2019,cultural_award,X\n")
    assert missing.status_code == 400 and "csv.missing_columns" in missing.get_data(as_text=True)
    latin1 = _upload(client, "year,award,kind,name,country\n2019,cultural_award,delegation,Perú,\n".encode("latin-1"))
    assert latin1.status_code == 400 and "csv.not_utf8" in latin1.get_data(as_text=True)
    assert _count() == 0


# --- "never won before" reads the registry ------------------------------------------------

def _derek_gray_nomination(name):
    cycle = builders.open_cycle("derek_gray_medal")
    nominator = factories.UserFactory(roles=("nominator",))
    nomination = nominations.create_draft(nominator, cycle, candidate=nominations.IndividualCandidate(name=name))
    db.session.commit()
    return nominator, nomination


def test_a_derek_gray_medallist_in_the_registry_cannot_be_nominated_again(client, auth, ctx):
    _entry("derek_gray_medal", 2019, "José María Pérez")
    nominator, nomination = _derek_gray_nomination("Pérez, José María")
    auth.login(nominator.email)
    refused = client.post(f"/nominations/{nomination.id}/submit", follow_redirects=True)
    assert b"derek_gray.never_received" in refused.data
    db.session.refresh(nomination)
    assert nomination.state == "draft"


def test_a_near_namesake_of_a_medallist_is_not_taken_for_them(ctx):
    _entry("derek_gray_medal", 2019, "José María Pérez")
    nominator, nomination = _derek_gray_nomination("José Mario Pérez")
    results = nominations.submit(nominator, nomination)
    assert next(r for r in results if r.rule == "derek_gray.never_received").ok


def test_an_organisation_whose_delegation_won_the_cultural_award_cannot_win_it_again(ctx):
    cycle = builders.open_cycle("cultural_award")
    linked, by_alias, other = (factories.OrganisationFactory(name=n) for n in
                               ("Club Uno", "Asociación Científica Dos", "Club Tres"))
    db.session.add(OrganisationAlias(organisation=by_alias, name="ACD", name_key=normalise_name("ACD")))
    _entry("cultural_award", 2019, "Delegation of Uruguay", organisation=linked)
    _entry("cultural_award", 2019, "acd", kind="organisation")  # the record gives only the acronym
    for organisation, won in ((linked, True), (by_alias, True), (other, False)):
        nominator = factories.UserFactory(roles=("nominator",))
        delegation = factories.DelegationFactory(event=cycle.event, organisation=organisation)
        nomination = nominations.create_draft(nominator, cycle, candidate=delegation)
        if won:
            with pytest.raises(Refusal) as refused:
                nominations.submit(nominator, nomination)
            assert "cultural.never_won" in [r["rule"] for r in refused.value.rules]
        else:
            assert next(r for r in nominations.submit(nominator, nomination) if r.rule == "cultural.never_won").ok
        db.session.rollback()


def test_a_best_delegation_laureate_may_win_again(ctx):
    cycle = builders.open_cycle("best_delegation_award")
    organisation = factories.OrganisationFactory(name="Club Uno")
    _entry("best_delegation_award", 2019, "Delegation of Uruguay", organisation=organisation)
    nomination = builders.eligible_delegation_nomination(cycle, organisation=organisation)
    assert nomination.state == "eligible"
    assert all(r["ok"] for r in nomination.eligibility if r.get("severity", "error") == "error")


def test_an_entry_from_the_cycles_own_year_or_later_is_not_a_win_before(ctx):
    _entry("derek_gray_medal", 2026, "Ana Lima")
    _, nomination = _derek_gray_nomination("Ana Lima")  # the 2027 cycle
    assert service.listed_before(nomination.cycle.award_type_id, 2027, person_name="ana lima")
    assert not service.listed_before(nomination.cycle.award_type_id, 2026, person_name="ana lima")


# --- the public page --------------------------------------------------------------------

def test_the_public_page_lists_past_laureates_per_award_in_year_order_in_the_readers_language(client, ctx):
    peru = factories.CountryFactory(iso2="PE", name="Peru", name_fr="Pérou")
    db.session.commit()
    _entry("cultural_award", 2023, "Delegation of Peru", country=peru)
    _entry("cultural_award", 2009, "Delegation of Tunisia")
    _entry("derek_gray_medal", 2013, "Ana Lima")
    page = client.get("/laureates").get_data(as_text=True)
    assert page.index("Delegation of Tunisia") < page.index("Delegation of Peru")
    assert "ESI Cultural Award" in page and "Derek Gray Medal" in page
    refresh()  # the test's app context cached the first request's language
    french = client.get("/laureates", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Médaille Derek Gray" in french and "Pérou" in french
