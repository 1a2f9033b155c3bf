"""The Settings page (issue 16, item 6): the organisation's name, contact
address and time zone, defaults from the environment, validated, audited,
shown at the foot of pages and notices; what only the environment sets is
shown read-only."""

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, SiteSetting
from awards_app.services import Forbidden, ServiceError, outbox, site, users
from awards_app.services.actors import SystemActor
from tests.factories import TESTS_ACTOR

GOOD = {"organisation_name": "MILSET Europe", "contact_email": "Office@Milset-Europe.org",
        "timezone": "Europe/Brussels"}


@pytest.fixture
def secretariat(make_user, auth):
    user = make_user("admin@example.org", roles=("admin",), name="Sam Secretariat")
    auth.login("admin@example.org")
    return user


def test_until_saved_each_setting_is_the_environments(ctx):
    assert site.values() == {"organisation_name": ctx.config["ORGANISATION_NAME"],
                             "contact_email": ctx.config["CONTACT_EMAIL"],
                             "timezone": ctx.config["DEFAULT_TIMEZONE"]}
    assert set(site.sources().values()) <= {"environment", "default"}


def test_the_page_shows_the_settings_and_the_deployments_read_only(client, ctx, app, secretariat):
    app.config["MAIL_PASSWORD"], before = "hunter2-secret", app.config["MAIL_PASSWORD"]
    try:
        page = client.get("/admin/settings/").get_data(as_text=True)
    finally:
        app.config["MAIL_PASSWORD"] = before
    assert ctx.config["ORGANISATION_NAME"] in page and ctx.config["CONTACT_EMAIL"] in page
    assert "PUBLIC_URL" in page and ctx.config["PUBLIC_URL"] in page and "MAIL_SERVER" in page
    assert "hunter2-secret" not in page
    assert 'value="Europe/Paris"' in page  # the time zones offered


def test_saving_changes_them_audits_before_and_after_and_shows_them_in_footers(client, ctx, secretariat):
    before = site.values()
    response = client.post("/admin/settings/", data=GOOD)
    assert response.status_code == 303
    assert site.values() == {**GOOD, "contact_email": "Office@milset-europe.org"}
    assert set(site.sources().values()) == {"page"}
    events = {e.payload["name"]: e.payload for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "site.setting_changed"))}
    assert events["organisation_name"] == {"name": "organisation_name", "before": before["organisation_name"],
                                           "after": "MILSET Europe"}
    assert events["timezone"]["after"] == "Europe/Brussels"
    footer = client.get("/home").get_data(as_text=True)
    assert "MILSET Europe" in footer and "mailto:Office@milset-europe.org" in footer
    message = outbox.queue("a@example.org", "Hello", "Body", locale="en")
    assert "MILSET Europe" in message.body and "Office@milset-europe.org" in message.body
    again = client.post("/admin/settings/", data=GOOD, follow_redirects=True)
    assert b"Nothing changed." in again.data
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "site.setting_changed")).all()) == 3  # the same again adds none


@pytest.mark.parametrize("field, value, rule", [
    ("contact_email", "not an address", None),
    ("timezone", "Mars/Olympus_Mons", "site.timezone"),
    ("organisation_name", "   ", None),
])
def test_a_bad_value_is_refused_at_its_field_and_nothing_typed_is_lost(client, ctx, secretariat, field, value,
                                                                       rule):
    response = client.post("/admin/settings/", data={**GOOD, field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and "There is a problem" in page
    if rule:
        assert rule in page
    assert "MILSET Europe" in page or field == "organisation_name"
    assert db.session.scalars(select(SiteSetting)).all() == []


def test_the_service_checks_each_value_itself(ctx):
    with pytest.raises(ServiceError) as refused:
        site.update(TESTS_ACTOR, contact_email="nobody")
    assert refused.value.rule == "site.contact_email" and refused.value.field == "contact_email"
    with pytest.raises(ServiceError) as refused:
        site.update(TESTS_ACTOR, organisation_name="x" * (site.NAME_MAX + 1))
    assert refused.value.rule == "site.organisation_name"
    with pytest.raises(Forbidden):
        site.update(SystemActor("a board member", roles={"board"}), organisation_name="Taken over")
    assert site.update(TESTS_ACTOR, timezone="America/Mexico_City") == ["timezone"]


def test_a_new_account_starts_in_the_sites_time_zone(ctx):
    site.update(TESTS_ACTOR, timezone="Africa/Johannesburg")
    user = users.create_user(TESTS_ACTOR, "new@example.org", "New Person", ("nominator",))
    assert user.timezone == "Africa/Johannesburg"
