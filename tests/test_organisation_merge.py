"""One organisation entered twice: the secretariat sees the possible
duplicates, reviews what a merge would move, and merges; everything that
named the absorbed record then names the kept one (issue 18)."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import (
    AuditEvent,
    ConflictOfInterest,
    Country,
    Delegation,
    Event,
    Nomination,
    Organisation,
    OrganisationAlias,
    PastLaureate,
    Person,
)
from awards_app.services import Forbidden, ServiceError
from awards_app.services import organisation_merges as merge_service
from awards_app.services import organisations as organisation_service
from tests import builders, factories
from tests.factories import TESTS_ACTOR

COUNTRIES = {"TN": "Tunisia", "FR": "France", "ES": "Spain"}


def _country(iso):
    return db.session.scalar(select(Country).where(Country.iso2 == iso))


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def admin(make_user, auth):
    for iso, name in COUNTRIES.items():
        factories.CountryFactory(iso2=iso, name=name)
    user = make_user("admin@example.org", roles=("admin",), name="Ada Admin")
    auth.login("admin@example.org")
    return user


@pytest.fixture
def twice(admin):
    """"Univ. of Tunis" (with its other name and everything that names it)
    and "University of Tunis", one organisation registered twice."""
    tunisia = _country("TN")
    absorbed = organisation_service.create(TESTS_ACTOR, "Univ. of Tunis", tunisia, "member", ["UTun"])
    kept = organisation_service.create(TESTS_ACTOR, "University of Tunis", tunisia, "member", ["Jamiat Tunis"])
    factories.PersonFactory.create_batch(2, organisation=absorbed, country=tunisia)
    factories.PersonFactory(organisation=kept, country=tunisia)
    milset_award = builders.award("milset_award")
    factories.NominationFactory(cycle=factories.CycleFactory(award_type=milset_award),
                                candidate_kind="organisation", candidate_delegation=None,
                                candidate_organisation=absorbed, candidate_key=f"organisation:{absorbed.id}")
    factories.EventFactory(host_organisation=absorbed, country=tunisia)
    factories.DelegationFactory(organisation=absorbed)
    factories.PastLaureateFactory(award_type=milset_award, kind="organisation", name="Univ. of Tunis",
                                  organisation=absorbed)
    earlier = factories.OrganisationFactory(name="Universite de Tunis (old record)", country=tunisia,
                                            name_key=None, active=False, merged_into=absorbed)
    db.session.commit()
    return absorbed.id, kept.id, earlier.id


def _merge_url(absorbed_id):
    return f"/reference/organisations/{absorbed_id}/merge"


def _audited(action="organisation.merged"):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_merge_moves_everything_that_named_the_absorbed_record(client, twice):
    absorbed_id, kept_id, earlier_id = twice
    response = client.post(_merge_url(absorbed_id), data={"into": kept_id, "reason": "Registered twice."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/reference/organisations/{kept_id}")
    db.session.expire_all()
    for column in (Person.organisation_id, Nomination.candidate_organisation_id, Event.host_organisation_id,
                   Delegation.organisation_id, PastLaureate.organisation_id, Organisation.merged_into_id):
        assert _count(column.class_, column == absorbed_id) == 0, column
    assert _count(Person, Person.organisation_id == kept_id) == 3
    nomination = db.session.scalar(select(Nomination).where(Nomination.candidate_organisation_id == kept_id))
    assert nomination.candidate_key == f"organisation:{kept_id}"
    assert _count(Event, Event.host_organisation_id == kept_id) == 1
    assert _count(Delegation, Delegation.organisation_id == kept_id) == 1
    assert _count(PastLaureate, PastLaureate.organisation_id == kept_id) == 1
    assert db.session.get(Organisation, earlier_id).merged_into_id == kept_id

    absorbed, kept = db.session.get(Organisation, absorbed_id), db.session.get(Organisation, kept_id)
    assert (absorbed.active, absorbed.merged_into_id, absorbed.name_key) == (False, kept_id, None)
    assert absorbed.name == "Univ. of Tunis"  # the history still names it
    assert absorbed.aliases == []
    assert sorted(a.name for a in kept.aliases) == ["Jamiat Tunis", "UTun", "Univ. of Tunis"]

    [event] = _audited()
    assert (event.object_type, event.object_id) == ("organisation", str(kept_id))
    assert event.payload["absorbed"]["name"] == "Univ. of Tunis"
    assert event.payload["kept"]["name"] == "University of Tunis"
    assert event.payload["reason"] == "Registered twice."
    assert event.payload["moved"] == {"people": 2, "nominations": 1, "delegations": 1, "events_hosted": 1,
                                      "past_laureates": 1, "merged_records": 1, "aliases": 1}

    page = client.get(f"/reference/organisations/{kept_id}").get_data(as_text=True)
    assert "Univ. of Tunis is merged into University of Tunis." in page
    page = client.get(f"/reference/organisations/{absorbed_id}").get_data(as_text=True)
    assert f'Merged into <a href="/reference/organisations/{kept_id}">University of Tunis</a>' in page


@pytest.mark.parametrize("spelling", ["Univ. of Tunis", "UTun"])
def test_the_absorbed_names_are_then_refused_as_a_new_record(client, twice, spelling):
    absorbed_id, kept_id, _earlier = twice
    assert client.post(_merge_url(absorbed_id), data={"into": kept_id, "reason": "Twice."}).status_code == 303
    response = client.post("/reference/organisations/new", data={
        "name": spelling, "country": _country("TN").id, "status": "member", "aliases": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "[organisation.duplicate]" in page and "University of Tunis" in page


def test_a_merged_record_is_neither_edited_nor_reactivated(twice):
    absorbed_id, kept_id, _earlier = twice
    absorbed, kept = db.session.get(Organisation, absorbed_id), db.session.get(Organisation, kept_id)
    merge_service.merge(TESTS_ACTOR, absorbed, kept, "Twice.")
    for attempt in (lambda: organisation_service.set_active(TESTS_ACTOR, absorbed, True),
                    lambda: organisation_service.update(TESTS_ACTOR, absorbed, "Tunis Old", absorbed.country,
                                                        "member")):
        with pytest.raises(organisation_service.ServiceError) as refused:
            attempt()
        assert refused.value.rule == "organisation.merged"


def _refusal_world(case, absorbed_id, kept_id):
    absorbed, kept = db.session.get(Organisation, absorbed_id), db.session.get(Organisation, kept_id)
    data = {"into": kept_id, "reason": "Registered twice."}
    if case == "same":
        data["into"] = absorbed_id
    elif case == "absorbed_merged":
        absorbed.merged_into = factories.OrganisationFactory(country=absorbed.country)
    elif case == "kept_merged":
        kept.merged_into = factories.OrganisationFactory(country=kept.country)
    elif case == "kept_inactive":
        kept.active = False
    elif case == "no_reason":
        data["reason"] = "   "
    elif case == "same_event":
        event = db.session.scalar(select(Delegation).where(Delegation.organisation_id == absorbed_id)).event
        factories.DelegationFactory(event=event, organisation=kept)
    db.session.commit()
    return data


@pytest.mark.parametrize(("case", "rule"), [
    ("same", "organisation.merge_same"),
    ("absorbed_merged", "organisation.merge_already_merged"),
    ("kept_merged", "organisation.merge_into_merged"),
    ("kept_inactive", "organisation.merge_into_inactive"),
    ("no_reason", "organisation.merge_reason_required"),
    ("same_event", "organisation.merge_both_delegated"),
])
def test_each_refusal_names_its_rule_and_changes_nothing(client, twice, case, rule):
    absorbed_id, kept_id, _earlier = twice
    data = _refusal_world(case, absorbed_id, kept_id)
    merged_before = db.session.get(Organisation, absorbed_id).merged_into_id
    response = client.post(_merge_url(absorbed_id), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"[{rule}]" in page
    if case == "same_event":
        assert "ESI 2027 Testville" in page  # the event is named
    db.session.expire_all()
    assert _audited() == []
    assert _count(Person, Person.organisation_id == absorbed_id) == 2
    assert _count(OrganisationAlias, OrganisationAlias.organisation_id == absorbed_id) == 1
    assert db.session.get(Organisation, absorbed_id).merged_into_id == merged_before


def test_the_confirmation_says_what_will_move(client, twice):
    absorbed_id, kept_id, _earlier = twice
    response = client.get(_merge_url(absorbed_id), query_string={"into": kept_id, "reason": "Twice."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Merge Univ. of Tunis into University of Tunis" in page
    assert "<th scope=\"row\">People</th><td>2</td>" in page
    assert "<th scope=\"row\">ESI editions hosted</th><td>1</td>" in page
    assert "Confirm the merge" in page and "Twice." in page
    assert _audited() == []  # looking changes nothing


def test_the_confirmation_of_a_blocked_merge_offers_no_button(client, twice):
    absorbed_id, kept_id, _earlier = twice
    _refusal_world("same_event", absorbed_id, kept_id)
    page = client.get(_merge_url(absorbed_id), query_string={"into": kept_id}).get_data(as_text=True)
    assert "[organisation.merge_both_delegated]" in page
    assert "Confirm the merge" not in page


def test_the_edit_page_offers_the_merge_among_active_records(client, twice):
    absorbed_id, kept_id, earlier_id = twice
    page = client.get(f"/reference/organisations/{absorbed_id}").get_data(as_text=True)
    assert "Merge into another record" in page
    offered = re.search(r'<select id="merge-into" name="into">(.*?)</select>', page, re.S).group(1)
    assert f'<option value="{kept_id}">University of Tunis</option>' in offered
    assert f'<option value="{absorbed_id}">' not in offered and f'<option value="{earlier_id}">' not in offered


def test_only_the_secretariat_merges(client, auth, make_user, twice):
    absorbed_id, kept_id, _earlier = twice
    nominator = make_user("nominator@example.org", roles=("nominator",))
    auth.logout()
    auth.login("nominator@example.org")
    assert client.get(_merge_url(absorbed_id), query_string={"into": kept_id}).status_code == 404
    assert client.get("/reference/organisations/duplicates").status_code == 404
    assert client.post(_merge_url(absorbed_id), data={"into": kept_id, "reason": "Mine."}).status_code == 404
    with pytest.raises(Forbidden) as refused:
        merge_service.merge(nominator, db.session.get(Organisation, absorbed_id),
                            db.session.get(Organisation, kept_id), "Mine.")
    assert refused.value.rule == "reference.secretariat_only"
    db.session.rollback()
    assert _audited() == []
    assert db.session.get(Organisation, absorbed_id).merged_into_id is None


def test_conflict_detection_sees_the_merged_organisation(twice):
    cycle, judges, noms = builders.judging_cycle()
    judge, nomination = judges[1], noms[0]
    kept = nomination.candidate_delegation.organisation
    absorbed = factories.OrganisationFactory(name=f"{kept.name} (second record)", country=kept.country)
    judge.person.organisation = absorbed
    db.session.commit()

    def found():
        return db.session.scalar(select(func.count()).select_from(ConflictOfInterest).where(
            ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.nomination_id == nomination.id,
            ConflictOfInterest.source == "detected"))

    assert found() == 0
    merge_service.merge(TESTS_ACTOR, absorbed, kept, "The judge's organisation, registered twice.")
    db.session.commit()
    assert found() == 1


# --- possible duplicates ------------------------------------------------------------------

def test_the_duplicates_page_lists_one_organisation_written_two_ways(client, admin):
    tunisia, france, spain = _country("TN"), _country("FR"), _country("ES")
    for name, country in (("Univ. of Tunis", tunisia), ("University of Tunis", tunisia),
                          ("University of Lyon", france), ("University of Lyon Medical School", france),
                          ("Université de Tunis", france),  # another country: not compared
                          ("Asociación Juvenil Científica", spain), ("Asociacion Juvenil Cientifca", spain)):
        organisation_service.create(TESTS_ACTOR, name, country)
    db.session.commit()
    response = client.get("/reference/organisations/duplicates")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    pairs = {(d.first.name, d.second.name, d.match.tier) for d in merge_service.duplicates()}
    # Nothing names either: the fuller spelling is the one to keep.
    assert pairs == {("University of Tunis", "Univ. of Tunis", "certain"),
                     ("Asociación Juvenil Científica", "Asociacion Juvenil Cientifca", "possible")}
    assert "Univ. of Tunis" in page and "University of Tunis" in page and "Certain" in page
    assert "Possible" in page
    assert "University of Lyon" not in page
    absorbed, kept = (db.session.scalar(select(Organisation.id).where(Organisation.name == n))
                      for n in ("Univ. of Tunis", "University of Tunis"))
    assert f"/reference/organisations/{absorbed}/merge?into={kept}" in page
    assert "/reference/organisations/duplicates" in client.get("/reference/organisations").get_data(as_text=True)


def test_the_duplicates_page_offers_to_keep_the_record_more_rows_name(client, admin):
    tunisia = _country("TN")
    for name in ("Univ. of Tunis", "University of Tunis"):
        organisation_service.create(TESTS_ACTOR, name, tunisia)
    abbreviated = db.session.scalar(select(Organisation).where(Organisation.name == "Univ. of Tunis"))
    factories.PersonFactory(organisation=abbreviated, country=tunisia)
    db.session.commit()
    [pair] = merge_service.duplicates()
    assert (pair.first.name, pair.second.name) == ("Univ. of Tunis", "University of Tunis")


def test_a_name_matching_another_records_other_name_is_a_duplicate():
    rows = [(1, 7, "Young Scientists of Tunisia", ("ATJS",)), (2, 7, "ATJS", ())]
    [(a, b, match)] = merge_service.duplicate_pairs(rows)
    assert (a, b, match.tier) == (1, 2, "certain")


def test_two_thousand_organisations_are_compared_well_under_a_second():
    """A thousand clubs in twelve countries, and a thousand universities of one country."""
    words = ["science", "youth", "club", "research", "lab", "engineers", "robotics", "astronomy", "nature",
             "coding", "innovation", "inventors", "academy", "centre", "network", "society"]
    towns = [f"{a}{b}{c}" for a in ("ta", "ko", "mi", "ra", "lu", "ve", "so", "ne")
             for b in ("bar", "dun", "lis", "mor", "pek") for c in ("", "ia", "ova", "ville", "burg")]
    rows = [(i, i % 12, f"{words[i % 16].title()} {words[(i // 16) % 16].title()} of {towns[i % 200].title()}",
             ()) for i in range(1000)]
    rows += [(1000 + i, 99, f"University of {towns[i % 200].title()} {i // 200 + 1}", (f"U{i}",))
             for i in range(1000)]
    rows += [(3000, 99, "Univ. of Tabar 1", ()), (3001, 99, "Universidad de Tabaar 2", ())]
    started = time.process_time()
    found = merge_service.duplicate_pairs(rows)
    assert time.process_time() - started < 1.0
    assert {(a, b, m.tier) for a, b, m in found} == {(1000, 3000, "certain"), (1200, 3001, "possible")}


def test_two_records_merged_into_each_other_at_once_merge_once(app, ctx):
    """A into B and B into A, pressed at the same moment: the rows are locked
    and checked again, so one merge lands and the other is refused by rule."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers anyway")
    country = factories.CountryFactory(iso2="TN", name="Tunisia")
    ids = [organisation_service.create(TESTS_ACTOR, name, country).id
           for name in ("Univ. of Tunis", "University of Tunis")]
    db.session.commit()
    barrier = Barrier(2)

    def run(i):
        with app.app_context():
            absorbed, kept = (db.session.get(Organisation, ids[j]) for j in (i, 1 - i))
            barrier.wait()
            try:
                merge_service.merge(TESTS_ACTOR, absorbed, kept, "Registered twice.")
                db.session.commit()
                return "ok"
            except ServiceError as refused:
                db.session.rollback()
                return refused.rule
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(run, (0, 1)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"organisation.merge_already_merged", "organisation.merge_into_merged"}
    db.session.expire_all()
    assert len(_audited()) == 1
    assert sorted(o.merged_into_id is None for o in (db.session.get(Organisation, i) for i in ids)) == [False, True]
