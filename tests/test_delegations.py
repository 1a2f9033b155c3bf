"""Delegations at an ESI and their participants imported from CSV, through
the services and through the secretariat's pages."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Delegation, Participant
from awards_app.services import ServiceError
from awards_app.services import delegations as service
from tests import factories

TODAY = date(2026, 5, 1)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audited(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Ada Admin")
    auth.login("admin@example.org")
    return user


def _upload(client, delegation, content: bytes, filename="participants.csv"):
    return client.post(f"/delegations/{delegation.id}/participants",
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


# --- parsing ---------------------------------------------------------------

def test_a_spreadsheet_export_with_bom_semicolons_and_day_first_dates_is_read():
    text = ("\ufeffRole;Birth_Date;Name;Notes\n"
            "leader;01/02/1980;Ana Lima;\n"
            "Participant;2010-12-31;Rui Sousa;x\n")
    rows, errors = service.parse_participants_csv(text, today=TODAY)
    assert errors == []
    assert [(r["line"], r["name"], r["birth_date"], r["role"]) for r in rows] == [
        (2, "Ana Lima", date(1980, 2, 1), "leader"),
        (3, "Rui Sousa", date(2010, 12, 31), "participant"),
    ]


def test_every_bad_row_is_named_with_its_spreadsheet_line_and_column():
    text = ("name,birth_date,role\n"
            "Ana Lima,1980-02-01,leader\n"          # line 2: good
            ",2010-01-01,participant\n"             # line 3: empty name
            "Rui Sousa,31-12-2010,participant\n"    # line 4: unreadable date
            "Eva Dias,2030-01-01,participant\n"     # line 5: born in the future
            "Baby Boy,2024-01-01,participant\n"     # line 6: aged 2
            "\n"                                    # line 7: blank, still counted
            "Old Man,1900-01-01,participant\n"      # line 8: aged 126
            "Ivo Reis,2011-05-05,chaperone\n"       # line 9: unknown role
            "ana  LIMA,01/02/1980,teacher\n")       # line 10: same person as line 2
    rows, errors = service.parse_participants_csv(text, today=TODAY)
    assert [(e.line, e.field, e.rule) for e in errors] == [
        (3, "name", "delegation.csv_name_missing"),
        (4, "birth_date", "delegation.csv_bad_date"),
        (5, "birth_date", "delegation.csv_born_in_future"),
        (6, "birth_date", "delegation.csv_age_out_of_range"),
        (8, "birth_date", "delegation.csv_age_out_of_range"),
        (9, "role", "delegation.csv_unknown_role"),
        (10, "name", "delegation.csv_duplicate_person"),
    ]
    assert "line 2" in errors[-1].message


def test_a_quoted_cell_spanning_two_lines_is_still_one_spreadsheet_row():
    text = 'name,birth_date,role\n"Ana\nLima",1980-02-01,leader\nRui Sousa,bad,participant\n'
    _, errors = service.parse_participants_csv(text, today=TODAY)
    assert [(e.line, e.field) for e in errors] == [(3, "birth_date")]


def test_a_header_without_a_required_column_is_one_error_on_line_1():
    rows, errors = service.parse_participants_csv("name;role\nAna Lima;leader\n", today=TODAY)
    assert rows == []
    assert [(e.line, e.rule) for e in errors] == [(1, "delegation.csv_missing_columns")]
    assert "birth_date" in errors[0].message


@pytest.mark.parametrize("text", ["", "\ufeff", "  \n\n"])
def test_an_empty_file_is_refused(text):
    rows, errors = service.parse_participants_csv(text, today=TODAY)
    assert rows == [] and [e.rule for e in errors] == ["delegation.csv_empty"]


def test_a_header_with_no_participant_is_refused():
    _, errors = service.parse_participants_csv("name,birth_date,role\n", today=TODAY)
    assert [e.rule for e in errors] == ["delegation.csv_no_rows"]


def test_more_than_500_participants_is_refused_at_the_first_row_too_many():
    body = "".join(f"Person {i},2010-01-01,participant\n" for i in range(501))
    rows, errors = service.parse_participants_csv("name,birth_date,role\n" + body, today=TODAY)
    assert rows == []
    assert [(e.line, e.rule) for e in errors] == [(502, "delegation.csv_too_many_rows")]
    exactly_500 = "".join(f"Person {i},2010-01-01,participant\n" for i in range(500))
    assert service.parse_participants_csv("name,birth_date,role\n" + exactly_500, today=TODAY)[1] == []


def test_a_file_that_is_not_utf8_is_refused_with_the_line_of_the_first_bad_byte():
    with pytest.raises(service.ImportRefused) as refused:
        service.read_upload("name,birth_date,role\nJosé,2010-01-01,participant\n".encode("cp1252"))
    assert [(e.line, e.rule) for e in refused.value.errors] == [(2, "delegation.csv_not_utf8")]
    assert service.read_upload("\ufeffname".encode()) == "name"


# --- ages --------------------------------------------------------------------

@pytest.mark.parametrize("born,age", [
    (date(2012, 7, 12), 15),  # birthday on the first day of the event: already 15
    (date(2012, 7, 13), 14),  # birthday the day after
    (date(2012, 7, 11), 15),
    (date(2008, 2, 29), 19),  # born on 29 February
])
def test_age_on_counts_whole_years_and_the_birthday_itself(born, age):
    assert service.age_on(born, date(2027, 7, 12)) == age


def test_ages_are_taken_at_the_events_first_day(ctx):
    delegation = factories.DelegationFactory(event__starts_on=date(2027, 7, 12))
    for born in (date(2012, 7, 12), date(2012, 7, 13), date(1980, 1, 1)):
        factories.ParticipantFactory(delegation=delegation, birth_date=born)
    assert service.ages_at_event_start(delegation) == (15, 14, 47)


# --- services ----------------------------------------------------------------

def test_a_second_delegation_of_the_same_organisation_at_an_event_is_refused(ctx):
    actor = factories.UserFactory(roles=("admin",))
    event = factories.EventFactory()
    organisation = factories.OrganisationFactory()
    first = service.register_delegation(actor, event, organisation)
    assert first.name == f"Delegation of {organisation.name}"
    with pytest.raises(ServiceError) as refused:
        service.register_delegation(actor, event, organisation, name="Another")
    assert refused.value.rule == "delegation.duplicate"
    assert _count(Delegation) == 1
    service.register_delegation(actor, factories.EventFactory(), organisation)  # another ESI: fine
    assert len(_audited("delegation.registered")) == 2


def test_a_good_file_appends_every_participant_and_is_audited_once(ctx):
    actor = factories.UserFactory(roles=("admin",))
    delegation = factories.DelegationFactory()
    factories.ParticipantFactory(delegation=delegation, name="Already Here")
    text = "name,birth_date,role\nAna Lima,1980-02-01,leader\nRui Sousa,2010-12-31,participant\n"
    assert service.import_participants(actor, delegation, text, today=TODAY) == 2
    assert _count(Participant, Participant.delegation_id == delegation.id) == 3
    [event] = _audited("delegation.participants_imported")
    assert event.payload["count"] == 2 and event.object_id == str(delegation.id)


def test_a_bad_file_adds_no_one_and_records_nothing(ctx):
    actor = factories.UserFactory(roles=("admin",))
    delegation = factories.DelegationFactory()
    text = "name,birth_date,role\nAna Lima,1980-02-01,leader\nRui Sousa,yesterday,participant\n"
    with pytest.raises(service.ImportRefused) as refused:
        service.import_participants(actor, delegation, text, today=TODAY)
    assert refused.value.rule == "delegation.csv_invalid"
    assert [e.line for e in refused.value.errors] == [3]
    assert _count(Participant) == 0
    assert _audited("delegation.participants_imported") == []


def test_importing_the_same_people_twice_is_refused(ctx):
    actor = factories.UserFactory(roles=("admin",))
    delegation = factories.DelegationFactory()
    text = "name,birth_date,role\nAna Lima,1980-02-01,leader\n"
    service.import_participants(actor, delegation, text, today=TODAY)
    with pytest.raises(service.ImportRefused) as refused:
        service.import_participants(actor, delegation, text, today=TODAY)
    assert [(e.line, e.rule) for e in refused.value.errors] == [(2, "delegation.csv_already_registered")]
    assert _count(Participant) == 1


# --- pages -------------------------------------------------------------------

def test_the_secretariat_imports_a_spreadsheet_export_and_sees_ages_at_the_start(client, ctx, admin):
    delegation = factories.DelegationFactory(event__starts_on=date(2027, 7, 12))
    db.session.commit()
    content = "\ufeffname;birth_date;role\nAna Lima;12/07/2012;participant\nRui Sousa;13/07/2012;guide\n"
    response = _upload(client, delegation, content.encode())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/delegations/{delegation.id}"
    page = client.get(f"/delegations/{delegation.id}")
    assert b"2 participants imported." in page.data
    assert re.search(rb"Ana Lima</td>\s*<td>2012-07-12</td>\s*<td>15</td>\s*<td>participant", page.data)
    assert re.search(rb"Rui Sousa</td>\s*<td>2012-07-13</td>\s*<td>14</td>\s*<td>guide", page.data)
    listing = client.get(f"/delegations/events/{delegation.event_id}")
    assert re.search(rb"<td>2</td>\s*<td>14 to 15</td>", listing.data)


def test_a_bad_upload_lists_every_bad_row_tied_to_the_field_and_keeps_nothing(client, ctx, admin):
    delegation = factories.DelegationFactory()
    db.session.commit()
    audit_before = _count(AuditEvent)
    content = ("name,birth_date,role\nAna Lima,1980-02-01,leader\n,2010-01-01,participant\n"
               "Rui Sousa,2010-13-01,participant\nEva Dias,2011-01-01,cook\n")
    response = _upload(client, delegation, content.encode())
    assert response.status_code == 400
    assert b'aria-describedby="file-problems"' in response.data
    assert b'id="file-problems"' in response.data
    rows = re.findall(rb"<tr>\s*<td>(\d+)</td>\s*<td>(\w+)</td>", response.data)
    assert rows == [(b"3", b"name"), (b"4", b"birth_date"), (b"5", b"role")]
    assert b"Nothing was imported." in response.data
    assert _count(Participant) == 0
    assert _count(AuditEvent) == audit_before  # a refused file leaves no trace but the page


@pytest.mark.parametrize("content,message", [
    (b"", b"The file is empty."),
    (b"name,role\nAna Lima,leader\n", b"missing: birth_date"),
])
def test_an_empty_or_headless_upload_is_refused_on_line_1(client, ctx, admin, content, message):
    delegation = factories.DelegationFactory()
    db.session.commit()
    response = _upload(client, delegation, content)
    assert response.status_code == 400
    assert re.search(rb"<tr>\s*<td>1</td>", response.data)
    assert message in response.data


def test_an_upload_without_a_file_is_refused(client, ctx, admin):
    delegation = factories.DelegationFactory()
    db.session.commit()
    response = client.post(f"/delegations/{delegation.id}/participants", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert b'id="file-error"' in response.data


def test_the_registration_form_offers_only_organisations_not_yet_registered(client, ctx, admin):
    present = factories.DelegationFactory()
    newcomer = factories.OrganisationFactory(name="Club Newcomer")
    db.session.commit()
    event_id = present.event_id
    form = client.get(f"/delegations/events/{event_id}/new")
    assert form.status_code == 200
    assert b"Club Newcomer" in form.data
    assert present.organisation.name.encode() not in form.data
    response = client.post(f"/delegations/events/{event_id}/new",
                           data={"organisation": newcomer.id, "name": ""})
    assert response.status_code == 303
    assert _count(Delegation, Delegation.event_id == event_id) == 2
    again = client.post(f"/delegations/events/{event_id}/new",
                        data={"organisation": present.organisation_id, "name": ""})
    assert again.status_code == 400
    assert _count(Delegation, Delegation.event_id == event_id) == 2


@pytest.mark.parametrize("role", ["judge", "nominator"])
def test_other_roles_get_404_on_every_delegation_page(client, ctx, auth, make_user, role):
    delegation = factories.DelegationFactory()
    db.session.commit()
    make_user(f"{role}@example.org", roles=(role,))
    auth.login(f"{role}@example.org")
    for url in ("/delegations/", f"/delegations/events/{delegation.event_id}",
                f"/delegations/events/{delegation.event_id}/new", f"/delegations/{delegation.id}"):
        assert client.get(url).status_code == 404, url
    upload = _upload(client, delegation, b"name,birth_date,role\nAna Lima,1980-02-01,leader\n")
    assert upload.status_code == 404
    assert _count(Participant) == 0


def test_the_secretariat_sees_the_delegation_pages(client, ctx, admin):
    delegation = factories.DelegationFactory()
    factories.ParticipantFactory(delegation=delegation, name="Ana Lima")
    db.session.commit()
    for url in ("/delegations/", f"/delegations/events/{delegation.event_id}",
                f"/delegations/events/{delegation.event_id}/new"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/delegations/{delegation.id}")
    assert page.status_code == 200
    assert b"Ana Lima" in page.data and b'type="file"' in page.data
