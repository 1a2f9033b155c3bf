"""What the offline scoring script relies on (issue 21): a save sent again
with its Idempotency-Key is applied once, however often the phone replays
its queue; the service worker and the offline page are served where their
scope needs them; the sheet carries the script's words in the judge's
language. The journey itself is tests/browser/test_offline_scoring.py."""

import json
import re

from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent
from awards_app.services import scoring
from tests import builders

PASSWORD = "violet kettle harbour 42"


def _sheet_of(judge, nomination):
    return db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                      Assignment.nomination_id == nomination.id))


def _count(action: str, sheet) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == str(sheet.id)))


def test_a_queue_of_100_saves_replayed_twice_leaves_each_save_applied_once(ctx, client):
    cycle, panel, noms = builders.judging_cycle()
    judge, nomination = panel[1], noms[0]
    codes = [c.code for c in cycle.criteria]
    client.post("/login", data={"email": judge.email, "password": PASSWORD})
    url = f"/api/v1/nominations/{nomination.id}/score-sheet"
    saves = [(f"phone-save-{n}", {"scores": {code: {"value": 1 + n % 5, "comment": f"save {n}"} for code in codes}})
             for n in range(100)]
    for replay in range(3):  # sent, then the whole queue replayed twice
        for key, body in saves:
            answer = client.put(url, json=body, headers={"Idempotency-Key": key})
            assert answer.status_code == 200, answer.get_json()
            assert (answer.headers.get("Idempotent-Replayed") == "true") == (replay > 0)
    sheet = _sheet_of(judge, nomination)
    assert _count("score.draft_saved", sheet) == 100
    stored = scoring.scores_of(sheet)
    assert {s.value for s in stored.values()} == {1 + 99 % 5} and len(stored) == len(codes)
    assert {s.comment for s in stored.values()} == {"save 99"}  # the last save, not a replayed earlier one

    submission = {"scores": {code: {"value": 4, "comment": ""} for code in codes}}
    for _ in range(3):
        answer = client.post(f"{url}/submission", json=submission, headers={"Idempotency-Key": "phone-submit"})
        assert answer.status_code == 200 and answer.get_json()["sheet_state"] == "submitted"
    assert _count("score.submitted", sheet) == 1
    reused = client.post(f"{url}/submission", json={"scores": {}}, headers={"Idempotency-Key": "phone-submit"})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency.key_reused"
    # A save reaching a sheet locked meanwhile is refused with its rule; nothing changes.
    late = client.put(url, json=saves[0][1], headers={"Idempotency-Key": "phone-late"})
    assert late.status_code == 409 and late.get_json()["code"] == "scoring.locked"
    assert {s.value for s in scoring.scores_of(sheet).values()} == {4}


def test_the_service_worker_and_the_offline_page_are_served_for_the_judges_pages(client):
    worker = client.get("/judge/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"  # a new version reaches the phones at once
    assert "milset-pages-v1" in worker.get_data(as_text=True)
    assert client.get("/judge/offline").status_code == 200


def test_the_sheet_carries_the_scripts_words_in_the_judges_language(ctx, client):
    cycle, panel, noms = builders.judging_cycle()
    judge = panel[1]
    judge.locale = "fr"
    db.session.commit()
    client.post("/login", data={"email": judge.email, "password": PASSWORD})
    page = client.get(f"/judge/nominations/{noms[0].id}").get_data(as_text=True)
    assert "data-offline-sheet" in page and 'src="/static/js/offline-scoring.js' in page
    found = re.search(r'id="sync-status"[^>]*data-texts="([^"]+)"', page)
    texts = json.loads(found.group(1).replace("&#34;", '"').replace("&amp;", "&").replace("&#39;", "'"))
    assert texts["online"] == "En ligne"
    assert "[" not in texts["rules"]["scoring.locked"] and texts["rules"]["scoring.locked"].startswith("Ces notes")
    assert {code for code in (f'data-code="{c.code}"' for c in cycle.criteria) if code in page} == {
        f'data-code="{c.code}"' for c in cycle.criteria}
