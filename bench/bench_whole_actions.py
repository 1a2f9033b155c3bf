"""Whole user actions through HTTP on the N=10 data set (issue 22): what a
person waits for after pressing the button, writes, audit and commit
included, served by gunicorn (2 sync workers) as in bench/pages.py.

    python -m bench.bench_whole_actions

The actions change the data, so they run on a copy of the data set
(awards_bench_whole, made from awards_bench as a template and dropped
afterwards). In that copy:

1. the benchmark judge submits whole sheets of the current cycle (cycle 0,
   in judging): the score submit;
2. cycle 0 is put back to screening (its assignments, with their scores,
   deleted; ten nominations back to "submitted"), and the secretariat screens
   those ten one by one: screening one nomination;
3. its chair runs conflict detection over the panel and every nomination,
   then the automatic assignment: 100 judges x 3 per eligible nomination
   (about 1,940), i.e. about 5,800 new assignments, each audited.

The audit events of the deleted assignments stay in the copy's chain (the
log is append-only): the copy is a fixture for timing, never verified.
"""

import re
import statistics
import time

from sqlalchemy import create_engine, text

from bench import dataset, pages

COPY = "awards_bench_whole"
SUBMITS = SCREENINGS = 10


def _timed(browser, path, form, expect=303) -> float:
    start = time.perf_counter()
    status, body = browser.request(path, "POST", form)
    seconds = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"POST {path} answered {status}: {body[:300]!r}")
    return seconds


def _field_names(page: bytes, prefix: str) -> list[str]:
    return sorted({m.decode() for m in re.findall(rb'name="(' + prefix.encode() + rb'[\w-]+)"', page)})


def _version(page: bytes) -> str:
    return re.search(rb'name="version" value="(\d+)"', page).group(1).decode()


def _submits(port, conn, judge_email) -> list[float]:
    judge = pages.Browser(port).login(judge_email)
    open_sheets = conn.execute(text(
        "SELECT a.nomination_id FROM assignment a JOIN user_account u ON u.id = a.judge_id "
        "JOIN conflict_attestation t ON t.judge_id = a.judge_id AND t.nomination_id = a.nomination_id "
        "WHERE u.email = :e AND a.sheet_state = 'open' ORDER BY a.nomination_id LIMIT :n"),
        {"e": judge_email, "n": SUBMITS + 1}).scalars().all()
    times = []
    for nomination_id in open_sheets:
        sheet = f"/judge/nominations/{nomination_id}"
        status, page = judge.request(sheet)
        assert status == 200, status
        form = {"csrf_token": judge.csrf(page), "action": "submit", "version": _version(page),
                **{name: "4" for name in _field_names(page, "score-")}}
        times.append(_timed(judge, f"{sheet}/scores", form))
    return times[1:]  # the first warms the worker


def _back_to_screening(conn, cycle_id) -> list[int]:
    conn.execute(text("DELETE FROM assignment USING nomination WHERE assignment.nomination_id = nomination.id "
                      "AND nomination.cycle_id = :c"), {"c": cycle_id})
    conn.execute(text("UPDATE cycle SET state = 'screening' WHERE id = :c"), {"c": cycle_id})
    chosen = conn.execute(text("SELECT id FROM nomination WHERE cycle_id = :c AND state = 'eligible' "
                               "ORDER BY id LIMIT :n"), {"c": cycle_id, "n": SCREENINGS + 1}).scalars().all()
    conn.execute(text("UPDATE nomination SET state = 'submitted', screening_reason = NULL WHERE id = ANY(:ids)"),
                 {"ids": list(chosen)})
    conn.commit()
    return list(chosen)


def _screenings(port, nomination_ids) -> list[float]:
    secretariat = pages.Browser(port).login(f"admin@{_demo_domain()}")
    times = []
    for nomination_id in nomination_ids:
        path = f"/screening/{nomination_id}"
        status, page = secretariat.request(path)
        assert status == 200, status
        form = {"csrf_token": secretariat.csrf(page), "verdict": "eligible", "reason": "",
                "version": _version(page)}
        times.append(_timed(secretariat, path, form))
    return times[1:]


def _demo_domain() -> str:
    from awards_app.demo.data import DEMO_DOMAIN

    return DEMO_DOMAIN


def _count(conn, sql, **params) -> int:
    return conn.execute(text(sql), params).scalar_one()


def run(url: str | None = None) -> dict:
    url = url or dataset.bench_url()
    t = pages.targets(url)
    copy = dataset.copy_of(url, COPY)
    engine = create_engine(copy)
    result: dict = {"database": COPY}
    try:
        port = pages.free_port()
        with pages.gunicorn(copy, port), engine.connect() as conn:
            cycle_id = t["cycle_id"]
            submits = _submits(port, conn, t["judge"])
            result["score_submit"] = {"median_ms": statistics.median(submits) * 1000,
                                      "max_ms": max(submits) * 1000, "n": len(submits)}
            screened = _back_to_screening(conn, cycle_id)
            screens = _screenings(port, screened)
            result["screening"] = {"median_ms": statistics.median(screens) * 1000,
                                   "max_ms": max(screens) * 1000, "n": len(screens)}
            chair = pages.Browser(port).login(t["chair"])
            status, page = chair.request(f"/cycles/{cycle_id}/panel")
            assert status == 200, status
            token = chair.csrf(page)
            conflicts_before = _count(conn, "SELECT count(*) FROM conflict_of_interest c JOIN nomination n "
                                      "ON n.id = c.nomination_id WHERE n.cycle_id = :c", c=cycle_id)
            detect = _timed(chair, f"/cycles/{cycle_id}/panel/detect", {"csrf_token": token})
            conflicts_after = _count(conn, "SELECT count(*) FROM conflict_of_interest c JOIN nomination n "
                                     "ON n.id = c.nomination_id WHERE n.cycle_id = :c", c=cycle_id)
            events_before = _count(conn, "SELECT count(*) FROM audit_event WHERE action = 'assignment.added'")
            assign = _timed(chair, f"/cycles/{cycle_id}/panel/assign", {"csrf_token": token})
            made = _count(conn, "SELECT count(*) FROM assignment a JOIN nomination n ON n.id = a.nomination_id "
                          "WHERE n.cycle_id = :c", c=cycle_id)
            audited = _count(conn, "SELECT count(*) FROM audit_event WHERE action = 'assignment.added'") \
                - events_before
            eligible = _count(conn, "SELECT count(*) FROM nomination WHERE cycle_id = :c AND state = 'eligible'",
                              c=cycle_id)
            judges = _count(conn, "SELECT count(*) FROM panel_member m JOIN panel p ON p.id = m.panel_id "
                            "WHERE p.cycle_id = :c", c=cycle_id)
            result["detection"] = {"seconds": detect, "findings_written": conflicts_after - conflicts_before}
            result["assignment"] = {"seconds": assign, "assignments": made, "audited": audited,
                                    "eligible": eligible, "judges": judges}
    finally:
        engine.dispose()
        dataset.drop_copy(url, COPY)
    return result


def _verdict(met: bool) -> str:
    return "**met**" if met else "**MISSED**"


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    out = []
    a = results.get("assignment")
    if a:
        out.append((f"Automatic assignment through HTTP (`POST /cycles/<id>/panel/assign`, the chair): "
                    f"{a['eligible']:,} eligible nominations x {a['judges']} judges x 3, writes and audit included",
                    f"{a['seconds']:.2f} s; {a['assignments']:,} assignments written, {a['audited']:,} audited",
                    "< 3 s", _verdict(a["seconds"] < 3)))
    d = results.get("detection")
    if d:
        out.append(("Conflict detection run through HTTP (`POST /cycles/<id>/panel/detect`), that cycle",
                    f"{d['seconds']:.2f} s; {d['findings_written']:,} findings written", "< 2 s",
                    _verdict(d["seconds"] < 2)))
    for key, what in (("screening", "Screening one nomination through HTTP (`POST /screening/<id>`)"),
                      ("score_submit", "A score submit through HTTP (`POST /judge/nominations/<id>/scores`, "
                                       "action submit)")):
        s = results.get(key)
        if s:
            out.append((what, f"median {s['median_ms']:.1f} ms, max {s['max_ms']:.1f} ms (n={s['n']}); statements: "
                              "tests/test_action_costs.py", "< 60 ms; <= 12 statements",
                        _verdict(s["median_ms"] < 60)))
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
