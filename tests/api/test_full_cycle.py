"""One Best Delegation Award cycle walked through the API alone, from the
cycle's creation to the board's ratified decision. Only the accounts, the
judges' vetted profiles and the event's delegations are set up directly."""

import io
import json
from datetime import UTC, datetime, timedelta

from awards_app import audit_chain
from awards_app.extensions import db
from tests import builders, factories
from tests.api.conftest import issue_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def test_a_best_delegation_award_cycle_from_nomination_to_ratified_decision(api, ctx):
    award = builders.award("best_delegation_award")
    fields = tuple(award.default_settings["required_fields"])
    event = builders.esi_event()
    delegations = [factories.DelegationFactory(event=event) for _ in range(3)]
    for delegation in delegations:
        factories.ParticipantFactory(delegation=delegation)
    admin = factories.UserFactory(roles=("admin",))
    nominators = [factories.UserFactory(roles=("nominator",)) for _ in range(3)]
    board = [factories.UserFactory(roles=("board",)) for _ in range(3)]
    db.session.commit()
    judges = [builders.judge(f"j{i}@example.org", fields=fields, roles=("judge", "chair") if i == 0 else ("judge",))
              for i in range(3)]
    t_admin = issue_token(admin)
    t_nominators = [issue_token(n) for n in nominators]
    t_judges = [issue_token(j) for j in judges]
    t_chair = t_judges[0]
    t_board = [issue_token(b) for b in board]

    # The secretariat opens the cycle.
    deadline = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    cycle = _ok(api.post("/api/v1/cycles", t_admin, json={
        "award": "best_delegation_award", "year": 2027, "event_id": event.id, "deadline": deadline}), 201)
    cycle_url = f"/api/v1/cycles/{cycle['id']}"
    for step in ("publish_criteria", "open_call"):
        assert _ok(api.post(f"{cycle_url}/transitions", t_admin, json={"event": step}))["event"] == step

    # Three nominators nominate a delegation each, with a file and an endorsement request.
    listed = _ok(api.get(f"/api/v1/events/{event.id}/delegations", t_nominators[0]))
    assert {d["id"] for d in listed} == {d.id for d in delegations}
    nomination_ids = []
    for token, delegation in zip(t_nominators, delegations, strict=True):
        nomination = _ok(api.post("/api/v1/nominations", token, json={
            "cycle_id": cycle["id"], "delegation_id": delegation.id, "statement": "Open and helpful."},
            headers={"Idempotency-Key": f"nominate-{delegation.id}"}), 201)
        url = f"/api/v1/nominations/{nomination['id']}"
        _ok(api.patch(url, token, json={"statement": "Open, helpful and exemplary.",
                                        "version": nomination["version"]}))
        upload = _ok(api.post(f"{url}/attachments", token, data={"file": (io.BytesIO(PDF), "report.pdf")},
                              content_type="multipart/form-data"), 201)
        download = api.get(f"{url}/attachments/{upload['id']}", token)
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"
        _ok(api.post(f"{url}/endorsements", token, json={"email": "endorser@example.org"}), 201)
        submitted = _ok(api.post(f"{url}/transitions", token, json={"event": "submit"}))
        assert submitted["state"] == "submitted"
        nomination_ids.append(nomination["id"])

    # The panel: the first judge chairs.
    for i, judge in enumerate(judges):
        _ok(api.post(f"{cycle_url}/panel/members", t_admin,
                     json={"user_id": judge.id, "role": "chair" if i == 0 else "member"}), 201)
    panel = _ok(api.get(f"{cycle_url}/panel", t_chair))
    assert panel["missing_fields"] == [] and len(panel["members"]) == 3

    # Screening, then judging opens.
    _ok(api.post(f"{cycle_url}/transitions", t_admin, json={"event": "close_call"}))
    for nomination_id in nomination_ids:
        screened = _ok(api.post(f"/api/v1/nominations/{nomination_id}/transitions", t_admin,
                                json={"event": "mark_eligible"}))
        assert screened["state"] == "eligible"
    assert _ok(api.post(f"{cycle_url}/transitions", t_admin, json={"event": "open_judging"}))["state"] == "judging"

    # The chair runs the assignment; every judge attests and scores.
    run = _ok(api.post(f"{cycle_url}/assignments/run", t_chair))
    assert run["feasible"] and run["assignments"] == 9
    criteria = [c["code"] for c in cycle["criteria"]]
    values = {nomination_ids[0]: 3, nomination_ids[1]: 5, nomination_ids[2]: 4}
    for judge, token in zip(judges, t_judges, strict=True):
        listed = _ok(api.get(f"{cycle_url}/assignments", token))
        assert len(listed) == (9 if judge is judges[0] else 3)  # the chair sees the whole matrix
        mine = [a for a in listed if a["judge_id"] == judge.id]
        assert len(mine) == 3
        for assignment in mine:
            url = f"/api/v1/nominations/{assignment['nomination_id']}"
            _ok(api.post(f"{url}/conflict-attestation", token))
            value = values[assignment["nomination_id"]]
            scores = {code: {"value": value, "comment": ""} for code in criteria}
            draft = _ok(api.put(f"{url}/score-sheet", token, json={"scores": {criteria[0]: scores[criteria[0]]}}))
            assert draft["sheet_state"] == "open"
            sheet = _ok(api.post(f"{url}/score-sheet/submission", token, json={"scores": scores}))
            assert sheet["sheet_state"] == "submitted"
            locked = api.put(f"{url}/score-sheet", token, json={"scores": scores})
            assert locked.status_code == 409 and locked.json["errors"]["rules"] == ["scoring.locked"]

    # Deliberation and the chair's recommendation.
    _ok(api.post(f"{cycle_url}/transitions", t_chair, json={"event": "close_scoring"}))
    recommendation = _ok(api.post(f"{cycle_url}/recommendations", t_chair,
                                  json={"rationale": "The second delegation stood out."}), 201)
    assert recommendation["laureate_nomination_ids"] == [nomination_ids[1]]

    # The board ratifies; an early announcement is refused with its rule.
    refused = api.post(f"{cycle_url}/transitions", t_admin, json={"event": "announce"})
    assert refused.status_code == 409 and refused.json["errors"]["rules"]
    states = [_ok(api.post(f"{cycle_url}/votes", token, json={"vote": "approve"}), 201)["cycle_state"]
              for token in t_board]
    assert states == ["recommended", "recommended", "ratified"]
    decision = _ok(api.get(f"{cycle_url}/decision", t_board[0]))
    assert decision["laureate_nomination_ids"] == [nomination_ids[1]] and len(decision["inputs_hash"]) == 64
    laureate = _ok(api.get(f"/api/v1/nominations/{nomination_ids[1]}", t_nominators[1]))
    assert laureate["state"] == "laureate"
    assert _ok(api.get(cycle_url, t_admin))["state"] == "ratified"

    # The audit trail and the bundle tell the same story, and the bundle verifies offline.
    events = _ok(api.get(f"/api/v1/audit-events?cycle_id={cycle['id']}&action=decision.ratified", t_board[0]))
    assert len(events) == 1
    bundle = _ok(api.get(f"{cycle_url}/report-bundle", t_board[0]))
    offline = audit_chain.verify(bundle["events"], start_prev=bundle["chain"]["start_prev_hash"],
                                 start_seq=bundle["chain"]["start_seq"])
    assert offline.ok, offline.problem
    assert offline.count == bundle["chain"]["count"]
    assert offline.head_hash == bundle["chain"]["head_hash"]
    assert json.dumps(bundle)  # plain JSON
