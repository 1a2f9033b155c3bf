"""Cycle workflows through the service, the pages and the CLI."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle
from awards_app.services import Forbidden, Refusal, ServiceError, cycles, transitions, volunteer
from tests import builders
from tests.factories import TESTS_ACTOR


def _audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _draft_cycle(code="best_delegation_award", year=2027, **kwargs):
    award = builders.award(code)
    event = builders.esi_event() if award.candidate_kind != "individual" else None
    cycle = cycles.create_cycle(TESTS_ACTOR, award, year, event=event,
                                deadline=datetime.now(UTC) + timedelta(days=30), **kwargs)
    db.session.commit()
    return cycle


def test_a_cycle_keeps_a_copy_of_the_rules_in_force(ctx):
    cycle = _draft_cycle("volunteer_award")
    award = cycle.award_type
    award.default_settings = {**award.default_settings, "max_age": 99}
    db.session.commit()
    db.session.refresh(cycle)
    assert cycle.settings["max_age"] == 30
    assert [c.code for c in cycle.criteria] == [c["code"] for c in award.default_criteria]


def test_a_cycle_stored_before_a_setting_existed_reads_the_awards_then_the_declared_default(ctx):
    from workflows import UnknownSetting

    cycle = _draft_cycle("cultural_award")
    cycle.settings = {"candidate_kind": "delegation"}  # as stored before the other settings existed
    db.session.commit()
    db.session.refresh(cycle)
    assert cycle.setting("max_laureates") == 2  # the Cultural Award's own default
    assert cycle.setting("board_quorum") == 3 and cycle.setting("panel_min_size") == 3
    assert cycle.setting("endorsement_valid_days") == 14 and cycle.setting("detect_same_country") is True
    with pytest.raises(UnknownSetting):
        cycle.setting("quorum")


def test_settings_a_setting_refuses_are_refused_when_the_cycle_is_created(ctx):
    with pytest.raises(ServiceError) as refused:
        _draft_cycle("volunteer_award", settings={"max_age": "thirty"})
    assert refused.value.rule == "settings.max_age"
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0


def test_the_secretariat_publishes_criteria_then_opens_the_call(ctx):
    admin = _user(("admin",))
    cycle = _draft_cycle()
    offered = transitions.cycle_events_for(admin, cycle)
    assert "publish_criteria" in offered and "open_call" not in offered
    transitions.fire_cycle_event(admin, cycle, "publish_criteria")
    transitions.fire_cycle_event(admin, cycle, "open_call")
    db.session.commit()
    assert cycle.state == "call_open" and cycle.criteria_published_at is not None
    actions = db.session.scalars(select(AuditEvent.payload).where(
        AuditEvent.action == "cycle.transition").order_by(AuditEvent.seq)).all()
    assert [a["event"] for a in actions] == ["publish_criteria", "open_call"]


def _user(roles):
    from tests.factories import UserFactory

    user = UserFactory(roles=roles)
    db.session.commit()
    return user


def test_a_refused_transition_changes_nothing_and_names_its_rule(ctx):
    judge = _user(("judge",))
    cycle = _draft_cycle()
    before = (cycle.state, cycle.version, _audit_count())
    with pytest.raises(Forbidden) as refused:  # not the judge's to do: 403, no guard's details
        transitions.fire_cycle_event(judge, cycle, "publish_criteria")
    db.session.rollback()
    assert refused.value.rule == "workflow.role_not_allowed" and refused.value.status == 403
    db.session.refresh(cycle)
    assert (cycle.state, cycle.version, _audit_count()) == before


def test_opening_the_call_before_publishing_criteria_is_refused(ctx):
    admin = _user(("admin",))
    cycle = _draft_cycle()
    with pytest.raises(Refusal) as refused:
        transitions.fire_cycle_event(admin, cycle, "open_call")
    assert refused.value.rules[0]["rule"] == "workflow.not_allowed_in_state"


def test_a_stale_version_is_refused(ctx):
    admin = _user(("admin",))
    cycle = _draft_cycle()
    seen = cycle.version
    transitions.fire_cycle_event(admin, cycle, "publish_criteria", expected_version=seen)
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        transitions.fire_cycle_event(admin, cycle, "open_call", expected_version=seen)
    assert refused.value.rules[0]["rule"] == "edit.stale"


def test_volunteer_award_in_an_even_year_needs_the_boards_recorded_override(ctx):
    admin = _user(("admin",))
    board = _user(("board",))
    cycle = _draft_cycle("volunteer_award", year=2012)
    with pytest.raises(Refusal) as refused:
        transitions.fire_cycle_event(admin, cycle, "publish_criteria")
    assert "volunteer.odd_year" in [r["rule"] for r in refused.value.rules]
    db.session.rollback()
    # A board decision at the cycle's quorum (3): the first member's reason stands.
    members = [board, _user(("board",)), _user(("board",))]
    for member in members:
        volunteer.approve_odd_year_override(member, cycle, "Laureate presented at Expo-Sciences Europe 2012.")
    transitions.fire_cycle_event(admin, cycle, "publish_criteria")
    db.session.commit()
    assert cycle.state == "criteria_published"
    override = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.odd_year_override"))
    assert override.actor == f"user:{members[-1].id}" and "2012" in override.payload["reason"]
    assert override.payload["approved_by"] == [m.id for m in members]


def test_a_project_award_at_an_esi_cannot_be_configured(ctx):
    with pytest.raises(ServiceError) as refused:
        _draft_cycle("best_delegation_award", settings={"candidate_kind": "project"})
    assert refused.value.rule == "esi.no_project_awards"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0


def test_the_cycle_page_offers_only_the_events_the_user_may_fire(ctx, client, auth, make_user):
    cycle = _draft_cycle()
    make_user("admin@example.org", roles=("admin",))
    make_user("judge@example.org", roles=("judge",))
    auth.login("judge@example.org")
    page = client.get(f"/cycles/{cycle.id}")
    assert page.status_code == 200 and b"/events/publish_criteria" not in page.data
    refused = client.post(f"/cycles/{cycle.id}/events/publish_criteria", follow_redirects=True)
    assert b"workflow.role_not_allowed" in refused.data
    db.session.refresh(cycle)
    assert cycle.state == "draft"
    auth.logout()
    auth.login("admin@example.org")
    page = client.get(f"/cycles/{cycle.id}")
    assert b"/events/publish_criteria" in page.data
    done = client.post(f"/cycles/{cycle.id}/events/publish_criteria",
                       data={"version": cycle.version}, follow_redirects=True)
    assert b"criteria_published" in done.data


def test_the_secretariat_creates_a_cycle_from_the_page(ctx, client, auth, make_user):
    builders.award("derek_gray_medal")
    db.session.commit()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    response = client.post("/cycles/new", data={"award": "derek_gray_medal", "year": "2027",
                                                "event": "0", "deadline": "2027-03-31"})
    assert response.status_code == 303
    cycle = db.session.scalar(select(Cycle))
    assert cycle.deadline == datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC)
    again = client.post("/cycles/new", data={"award": "derek_gray_medal", "year": "2027", "event": "0"})
    assert again.status_code == 400 and b"cycle.duplicate" in again.data


def test_cli_creates_and_moves_a_cycle(ctx, runner):
    builders.award("derek_gray_medal")
    db.session.commit()
    created = runner.invoke(args=["cycles", "create", "derek_gray_medal", "2027",
                                  "--deadline", "2027-03-31"])
    assert created.exit_code == 0, created.output
    cycle = db.session.scalar(select(Cycle))
    moved = runner.invoke(args=["cycles", "fire", str(cycle.id), "publish_criteria"])
    assert moved.exit_code == 0, moved.output
    refused = runner.invoke(args=["cycles", "fire", str(cycle.id), "announce"])
    assert refused.exit_code != 0 and "workflow.not_allowed_in_state" in refused.output


def test_workflow_graph_command_and_award_page_show_the_running_diagram(ctx, runner, client, auth,
                                                                        make_user):
    import workflows

    result = runner.invoke(args=["workflows", "graph", "volunteer_award"])
    assert result.exit_code == 0
    assert workflows.REGISTRY["volunteer_award"].cycle_diagram() in result.output
    builders.award("volunteer_award")
    db.session.commit()
    make_user("judge@example.org", roles=("judge",))
    auth.login("judge@example.org")
    page = client.get("/awards/volunteer_award").get_data(as_text=True)
    assert "Hearing" in page and "stateDiagram" not in page  # steps people read, not Mermaid
