"""Every API route, for every role and for no credentials: 401 without
credentials (except the public OpenAPI document and docs page), JSON
errors, never a server error; and a table of the statuses that prove the
pages' rules hold in the API (404 for what one may not see, 403 for what
one may see but not do)."""

import re

from awards_app.extensions import db
from awards_app.models import Decision

PUBLIC = ("/api/v1/openapi.json", "/api/v1/docs")
ROLES = ("admin", "nominator", "owner", "chair", "judge", "conflicted_judge", "board", "auditor")


def api_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith("/api/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, world) -> str:
    values = {"cycle_id": world.cycle.id, "nomination_id": world.nominations[0].id,
              "event_id": world.cycle.event_id, "conflict_id": world.conflict.id, "attachment_id": 1,
              "member_id": 1, "decision_id": 1, "user_id": world.chair.id, "code": "best_delegation_award",
              "filename": "swagger-ui.css"}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_needs_credentials_except_the_documentation(app, api, world):
    checked = 0
    for rule, method in api_routes(app):
        path = url_for_rule(rule, world)
        response = api.call(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
        if rule.rule.startswith(PUBLIC):
            assert response.status_code == 200, (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
            assert set(response.json) == {"code", "message", "errors"}
        checked += 1
    assert checked >= 35


def test_every_route_answers_every_role_without_a_server_error(app, api, world):
    for role in ROLES:
        for rule, method in api_routes(app):
            if rule.rule.startswith(PUBLIC):
                continue
            path = url_for_rule(rule, world)
            response = api.call(method, path, world.tokens[role],
                                json={} if method in ("POST", "PUT", "PATCH") else None)
            assert response.status_code < 500, (role, method, path, response.get_json())
            if response.status_code >= 400:
                assert set(response.json) == {"code", "message", "errors"}, (role, method, path)
            db.session.rollback()


def _draft(w):
    return f"/api/v1/nominations/{w.draft.id}"


def _n0(w):
    return f"/api/v1/nominations/{w.nominations[0].id}"


def _cycle(w):
    return f"/api/v1/cycles/{w.cycle.id}"


TABLE = [
    # (who, method, path, body, expected)
    ("nominator", "GET", _draft, None, 200),
    ("other_nominator", "GET", _draft, None, 404),  # another nominator's draft
    ("admin", "GET", _draft, None, 404),  # nobody else's business while a draft
    ("other_nominator", "PATCH", _draft, {"statement": "Mine now"}, 404),
    ("admin", "GET", _n0, None, 200),
    ("admin", "PATCH", _n0, {"statement": "x"}, 403),  # may see it, not change it
    ("owner", "PATCH", _n0, {"statement": "x"}, 403),  # submitted: no longer editable
    ("owner", "POST", lambda w: _n0(w) + "/transitions", {"event": "mark_eligible"}, 403),
    ("judge", "GET", _n0, None, 200),
    ("conflicted_judge", "GET", _n0, None, 404),  # the conflict hides it
    ("conflicted_judge", "GET", lambda w: _n0(w) + "/score-sheet", None, 404),
    ("judge", "GET", lambda w: _n0(w) + "/score-sheet", None, 200),
    ("conflicted_judge", "POST", lambda w: _n0(w) + "/conflicts", {"kind": "other"}, 404),
    ("conflicted_judge", "GET", lambda w: f"/api/v1/conflicts/{w.conflict.id}", None, 200),
    ("conflicted_judge", "POST", lambda w: f"/api/v1/conflicts/{w.conflict.id}/resolution",
     {"action": "waive", "rationale": "I am fine"}, 403),  # their own: seen, not resolved
    ("judge", "POST", lambda w: f"/api/v1/conflicts/{w.conflict.id}/resolution",
     {"action": "dismiss", "rationale": "x"}, 404),  # another judge's conflict
    ("judge", "GET", lambda w: _cycle(w) + "/panel", None, 404),
    ("chair", "GET", lambda w: _cycle(w) + "/panel", None, 200),
    ("judge", "POST", lambda w: _cycle(w) + "/assignments/run", None, 403),
    ("nominator", "POST", lambda w: _cycle(w) + "/assignments/run", None, 404),
    ("nominator", "GET", lambda w: _cycle(w) + "/assignments", None, 404),
    ("nominator", "POST", lambda w: "/api/v1/cycles", {"award": "cultural_award", "year": 2031}, 403),
    ("nominator", "GET", lambda w: "/api/v1/audit-events", None, 404),
    ("judge", "GET", lambda w: "/api/v1/audit-events", None, 404),
    ("board", "GET", lambda w: "/api/v1/audit-events", None, 200),
    ("auditor", "GET", lambda w: "/api/v1/audit-events", None, 200),
    ("judge", "GET", lambda w: _cycle(w) + "/report-bundle", None, 404),
    ("auditor", "GET", lambda w: _cycle(w) + "/report-bundle", None, 200),
    ("auditor", "POST", lambda w: _cycle(w) + "/votes", {"vote": "approve"}, 403),
    ("nominator", "POST", lambda w: _cycle(w) + "/votes", {"vote": "approve"}, 404),
    ("judge", "GET", lambda w: "/api/v1/judges/me", None, 200),
    ("nominator", "GET", lambda w: "/api/v1/judges/me", None, 404),
    ("nominator", "GET", lambda w: f"/api/v1/judges/{w.chair.id}", None, 404),
    ("nominator", "POST", lambda w: _cycle(w) + "/transitions", {"event": "close_scoring"}, 403),
    ("judge", "POST", lambda w: _cycle(w) + "/recommendations", {"rationale": "x"}, 404),
    ("board", "POST", lambda w: _cycle(w) + "/recommendations", {"rationale": "x"}, 403),
    ("nominator", "GET", lambda w: f"/api/v1/events/{w.cycle.event_id}/delegations", None, 200),
    ("judge", "GET", lambda w: f"/api/v1/events/{w.cycle.event_id}/delegations", None, 404),
    # Rows that change something.
    ("nominator", "PATCH", _draft, {"statement": "Better"}, 200),
    ("chair", "POST", lambda w: f"/api/v1/conflicts/{w.conflict.id}/resolution",
     {"action": "confirm"}, 200),
]


def test_the_pages_permission_rules_hold_in_the_api(api, world):
    """One world for the whole table (rows that change something come last);
    every mismatch is reported at once."""
    mismatches = []
    for who, method, path, body, expected in TABLE:
        response = api.call(method, path(world), world.tokens[who], json=body)
        if response.status_code != expected:
            mismatches.append((who, method, path(world), expected, response.status_code, response.get_json()))
    assert not mismatches, mismatches


def test_lists_show_only_what_the_user_may_see(api, world):
    def ids(who, path):
        response = api.get(path, world.tokens[who])
        assert response.status_code == 200
        return {row["id"] for row in response.json}

    noms = {n.id for n in world.nominations}
    assert ids("nominator", "/api/v1/nominations") == {world.draft.id}
    assert ids("other_nominator", "/api/v1/nominations") == set()
    assert ids("admin", "/api/v1/nominations") == noms
    assert ids("judge", "/api/v1/nominations") == noms
    assert ids("conflicted_judge", "/api/v1/nominations") == noms - {world.nominations[0].id}
    assert ids("conflicted_judge", f"/api/v1/cycles/{world.cycle.id}/conflicts") == {world.conflict.id}
    assert world.nominations[0].id not in {
        a["nomination_id"] for a in api.get(f"/api/v1/cycles/{world.cycle.id}/assignments",
                                            world.tokens["conflicted_judge"]).json}


def test_a_decision_amendment_is_for_the_board(api, world, ctx):
    decision = Decision(cycle_id=world.cycle.id, inputs_hash="f" * 64, laureate_nomination_ids=[])
    db.session.add(decision)
    db.session.commit()
    body = {"laureate_nomination_ids": [world.nominations[1].id], "reason": "Declined."}
    url = f"/api/v1/decisions/{decision.id}/amendments"
    assert api.post(url, world.tokens["nominator"], json=body).status_code == 404
    assert api.post(url, world.tokens["auditor"], json=body).status_code == 403
    # The board may propose it, but only on a ratified cycle (this one is judging).
    refused = api.post(url, world.tokens["board"], json=body)
    assert refused.status_code == 409 and "decision.not_ratified" in refused.get_data(as_text=True)


def test_a_chair_of_no_panel_fires_no_chairs_event_on_another_cycle(api, world):
    """The finding: a chair of no panel closed another cycle's scoring early."""
    from awards_app.extensions import db
    from awards_app.services import users
    from tests.api.conftest import issue_token
    from tests.factories import TESTS_ACTOR, UserFactory

    outsider = UserFactory(roles=("chair", "judge"))
    db.session.commit()
    token = issue_token(outsider)
    before = (world.cycle.state, world.cycle.version)
    refused = api.post(f"/api/v1/cycles/{world.cycle.id}/transitions", token, json={"event": "close_scoring"})
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "workflow.role_not_allowed"
    assert "rules" not in refused.get_json()["errors"]  # no guard's details for someone not entitled
    db.session.refresh(world.cycle)
    assert (world.cycle.state, world.cycle.version) == before
    # The chair of this cycle's panel fires it (a guard may still refuse it, by its rule, with 409).
    users.set_roles(TESTS_ACTOR, world.chair, ("chair", "judge", "board"))
    db.session.commit()
    own = api.post(f"/api/v1/cycles/{world.cycle.id}/transitions", issue_token(world.chair),
                   json={"event": "close_scoring", "reason": "Closing early for the test."})
    assert own.status_code in (200, 409), own.get_json()
    assert own.get_json().get("code") != "workflow.role_not_allowed"


def test_a_chair_of_no_panel_sets_aside_no_nomination_of_another_cycle(world):
    """The same rule holds for a nomination's chair events, by the service
    that every page and the API go through."""
    import pytest

    from awards_app.extensions import db
    from awards_app.services import Forbidden, facts, transitions
    from tests.factories import UserFactory

    outsider = UserFactory(roles=("chair", "judge"))
    db.session.commit()
    nomination = world.nominations[1]
    before = (nomination.state, nomination.version)
    with pytest.raises(Forbidden) as refused:
        transitions.fire_nomination_event(outsider, nomination, "set_aside", facts.nomination_facts(nomination),
                                          reason="Not mine to do.")
    assert refused.value.rule == "workflow.role_not_allowed"
    db.session.rollback()
    db.session.refresh(nomination)
    assert (nomination.state, nomination.version) == before
