"""Who acts: a user, or a SystemActor holding the roles it declares. A bare
string no longer stands for an actor."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from awards_app.cli import CLI_ACTOR
from awards_app.demo import DEMO_ACTOR
from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, User
from awards_app.services import Forbidden, assignments, audit, cycles, transitions, users
from awards_app.services.actors import SYSTEM, SystemActor
from tests import builders
from tests.factories import TESTS_ACTOR


def _events():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _draft_cycle():
    award = builders.award("volunteer_award")
    cycle = cycles.create_cycle(TESTS_ACTOR, award, 2027, deadline=datetime.now(UTC) + timedelta(days=30))
    db.session.commit()
    return cycle


@pytest.mark.parametrize("actor", ["tests", "cli", "demo-loader", "system", None])
def test_the_audit_trail_refuses_a_bare_string_or_no_actor(ctx, actor):
    with pytest.raises(TypeError, match="SystemActor"):
        audit.record(actor, "test.event", None, {}, object_type="test")
    with pytest.raises(TypeError, match="SystemActor"):
        audit.record_many(actor, [])
    db.session.rollback()
    assert _events() == 0


def test_services_refuse_a_bare_string_actor(ctx):
    cycle = _draft_cycle()
    before = _events()
    with pytest.raises(TypeError):
        users.create_user("tests", "string@example.org", "String Actor", ("judge",),
                          password="violet kettle harbour 42")
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "string@example.org")) is None
    with pytest.raises(TypeError):
        transitions.fire_cycle_event("tests", cycle, "publish_criteria", as_role="admin")
    db.session.rollback()
    assert db.session.get(Cycle, cycle.id).state == "draft"
    assert _events() == before


def test_assignments_refuse_a_bare_string_actor(ctx):
    _cycle, panel, noms = builders.judging_cycle(judges=3, nominations=1)
    with pytest.raises((TypeError, AttributeError)):  # no has_role on a str
        assignments.add("tests", noms[0], panel[0])
    db.session.rollback()


def test_a_system_actor_is_recorded_under_its_name_without_a_user_id(ctx):
    for actor in (TESTS_ACTOR, CLI_ACTOR, DEMO_ACTOR, SYSTEM, SystemActor("endorser:a@example.org")):
        event = audit.record(actor, "test.event", None, {}, object_type="test")
        assert (event.actor_id, event.actor) == (None, str(actor))
    db.session.commit()
    assert [e["actor"] for e in audit.iter_events()] == ["tests", "cli", "demo-loader", "system",
                                                         "endorser:a@example.org"]
    assert audit.verify_chain().ok


def test_a_system_actor_acts_only_in_the_roles_it_declares(ctx):
    cycle = _draft_cycle()
    nightly = SystemActor("nightly", roles={"chair"})
    assert nightly.roles == frozenset({"chair"}) and nightly.has_role("chair", "admin")
    with pytest.raises(Forbidden) as refused:
        transitions.fire_cycle_event(nightly, cycle, "publish_criteria", as_role="admin")
    assert refused.value.rule == "workflow.role_not_allowed"
    with pytest.raises(Forbidden):
        transitions.fire_cycle_event(SYSTEM, cycle, "publish_criteria")
    db.session.rollback()
    assert transitions.fire_cycle_event(DEMO_ACTOR, cycle, "publish_criteria", as_role="admin") \
        == "criteria_published"
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (event.actor, event.actor_id, event.action) == ("demo-loader", None, "cycle.transition")


def test_the_declared_roles(ctx):
    assert TESTS_ACTOR.roles == CLI_ACTOR.roles == frozenset(
        ("admin", "nominator", "judge", "chair", "board", "auditor"))
    assert DEMO_ACTOR.roles == frozenset({"admin"})
    assert SYSTEM.roles == frozenset()
    with pytest.raises(TypeError):
        SystemActor("")
