"""Writes BENCHMARKS.md from bench/results.json: every figure next to its
target, the machine and the command, then bench/FINDINGS.md (the profiles,
the causes of the misses and their fixes, written by hand)."""

from pathlib import Path


def _f(value, digits=2, unit=""):
    if value is None:
        return "not run"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def _verdict(ok):
    return "not run" if ok is None else ("**met**" if ok else "**MISSED**")


def _rows(r: dict) -> list[tuple]:
    rows = []
    loader = r.get("loader") or {}
    if "rows" in loader:
        rps = loader.get("rows_per_second_with_commit")
        rows.append(("Scale loader on SQLite (`demo.scale.load`, scale "
                     f"{loader.get('scale')}: {loader['rows']:,} rows, commit included)",
                     f"{_f(rps, 0)} rows/s ({_f(loader.get('cpu_seconds'), 1)} s CPU for "
                     f"{_f(loader.get('seconds_with_commit'), 1)} s wall, i.e. "
                     f"{_f(loader['rows'] / loader['cpu_seconds'], 0)} rows per CPU second)",
                     ">= 20,000 rows/s",
                     _verdict(rps >= 20_000)))
    else:
        rows.append(("Scale loader on SQLite", "not run" + _err(loader), ">= 20,000 rows/s", "not run"))
    built = r.get("dataset") or {}
    if built.get("reused") and built.get("tables"):
        t = built["tables"]
        rows.append(("N=10 data set on PostgreSQL (reused; whole database, demo data included)",
                     f"{t['cycle']} cycles, {t['nomination']:,} nominations, {t['judge_profile']:,} judge "
                     f"profiles, {t['assignment']:,} assignments, {t['score']:,} scores, "
                     f"{t['audit_event']:,} audit events",
                     "about 10 / 20,000 / 1,000 / 60,000 / 500,000 / 1,000,000", "met (about)"))
    elif built.get("rows"):
        t = built
        rows.append(("N=10 data set on PostgreSQL (built once)",
                     f"{t.get('cycle', 0)} cycles, {t.get('nomination', 0):,} nominations, "
                     f"{t.get('judge_profile', 0):,} judges, {t.get('assignment', 0):,} assignments, "
                     f"{t.get('score', 0):,} scores, {t.get('audit_event', 0):,} audit events; "
                     f"{built['rows']:,} rows in {built.get('seconds_with_commit')} s",
                     "10 / 20,000 / 1,000 / 60,000 / 500,000 / 1,000,000", "about"))
    elif built.get("reused"):
        rows.append(("N=10 data set on PostgreSQL", f"reused ({built.get('cycles')} generated cycles)", "", ""))
    queries = r.get("queries") or {}
    rows.append(("SQL queries per page at two data sizes (tests/test_query_counts.py)",
                 queries.get("summary", "not run"), "no growth", _verdict(None if not queries else
                                                                        "xfail" not in queries.get("summary", ""))))
    p = r.get("pages") or {}
    rows += _page_rows(p)
    rows += _part_rows(r)
    a = r.get("assignment") or {}
    rows.append(("Assignment 2,000 x 600 x 3, load 10 (median of 3)",
                 f"{_f(a.get('seconds'))} s, optimal={a.get('optimal')}" if "seconds" in a else "not run" + _err(a),
                 "optimal, < 10 s", _verdict(a.get("seconds") < 10 and a.get("optimal")) if "seconds" in a
                 else "not run"))
    c = r.get("conflicts") or {}
    rows.append(("Conflict detection by identity, 6,000 candidates (100 delegations of 8 among them) x 3,000 "
                 "judges, with nominators, endorsers and declared relations (`judging.conflicts.detect`, median "
                 "of 3)",
                 f"{_f(c.get('seconds'), 2)} s, {c.get('persons_named', 0):,} persons named, "
                 f"{c.get('findings', 0):,} findings ({c.get('possible', 0):,} possible)" if "seconds" in c
                 else "not run" + _err(c), "< 5 s", _verdict(c["seconds"] < 5) if "seconds" in c else "not run"))
    cs = r.get("conflicts_service") or {}
    if "seconds" in cs:
        rows.append(("Conflict detection through the service on the data set (current cycle, 2,000 x 100)",
                     f"{cs['seconds']:.2f} s, {cs['statements']:,} SQL statements, {cs.get('changed', 0):,} "
                     "findings written", "< 2 s",
                     _verdict(cs["seconds"] < 2)))
    ident = r.get("identity") or {}
    if "seconds" in ident:
        rows.append(("Identity matching 6,000 x 3,000 (`judging.identity.match_all`, bench/bench_identity.py, median "
                     "of 3, caches cold)",
                     f"{ident['seconds']:.2f} s, {ident['matches']:,} matches, planted {ident['planted_found']}/"
                     f"{ident['planted']}; labelled pairs ({ident['labelled_pairs']:,}): certain recall >= "
                     f"{100 * ident['certain_recall_min']:.0f}%, possible recall >= "
                     f"{100 * ident['possible_recall_min']:.1f}%, decoys matched <= "
                     f"{100 * ident['decoy_rate_max']:.1f}% per kind", "< 5 s; 100% / >= 95% / < 2%",
                     _verdict(ident["seconds"] < 5 and ident["certain_recall_min"] == 1
                              and ident["possible_recall_min"] >= 0.95 and ident["decoy_rate_max"] < 0.02)))
    v = r.get("audit") or {}
    if v.get("events"):
        rate = v.get("command_events_per_second") or v["events_per_second"]
        rows.append((f"`flask audit verify` over {v['events']:,} events, signatures and consistency included",
                     f"{rate:,.0f} events/s verifying ({v['events_per_second']:,.0f} for the whole process, "
                     f"{v['seconds']:.1f} s with the app's start), peak memory {v['peak_rss_mb']:.0f} MB (PSS)",
                     ">= 200,000 events/s, < 200 MB", _verdict(rate >= 200_000 and v["peak_rss_mb"] < 200)))
    else:
        rows.append(("`flask audit verify`", "not run" + _err(v), ">= 200,000 events/s, < 200 MB", "not run"))
    b = r.get("audit_bundle") or {}
    if b.get("events"):
        rows.append((f"A 2,000-nomination cycle's audit bundle ({b['events']:,} events), built",
                     f"{b['build_seconds']:.2f} s ({b['build_and_json_seconds']:.2f} s written as JSON, "
                     f"{b['bytes'] / 1e6:.1f} MB, {b['proof_ranges']} proof ranges)", "< 2 s",
                     _verdict(b["build_seconds"] < 2)))
        outcome = "verified" if b["verified"] else "FAILED: " + b["verifier_output"]
        rows.append(("The same bundle verified offline (python3 audit_bundle.py, standard library)",
                     f"{b['verify_seconds']:.2f} s, {outcome}; "
                     f"{1e6 * b['build_seconds'] / b['events']:.0f} microseconds of proof per event in the build",
                     "< 2 s; an inclusion proof < 1 ms", _verdict(b["verify_seconds"] < 2 and b["verified"])))
    else:
        rows.append(("A cycle's audit bundle", "not run" + _err(b), "< 2 s built, < 2 s verified", "not run"))
    for key, label, limit in (("report", "HTML", 1), ("pdf", "PDF", 20)):
        rep = r.get(key) or {}
        if rep.get("seconds") is not None:
            rows.append((f"Board report {label}, 2,000-nomination cycle",
                         f"{rep['seconds']:.1f} s ({rep['bytes']:,} bytes; replay matches: {rep.get('matches')})",
                         f"< {limit} s", _verdict(rep["seconds"] < limit)))
        else:
            why = f"stopped after {rep['timed_out']} s" if rep.get("timed_out") else ("not run" + _err(rep))
            rows.append((f"Board report {label}, 2,000-nomination cycle", why, f"< {limit} s",
                         "**MISSED**" if rep.get("timed_out") else "not run"))
    cert = r.get("certificates") or {}
    if cert.get("seconds") is not None and cert.get("status") == "done":
        rows.append((f"Participation certificates, {cert['participants']:,} participants in {cert['delegations']} "
                     "delegations (`certificate_batches.run_next_batch`, SQLite, a PDF per delegation)",
                     f"{cert['seconds']:.1f} s ({cert['pages']:,} pages, {cert['per_participant_ms']} ms each, "
                     f"{cert['megabytes']} MB)", "< 120 s", _verdict(cert["seconds"] < 120)))
    else:
        rows.append(("Participation certificates, 2,000 participants", "not run" + _err(cert), "< 120 s",
                     "not run"))
    weight = r.get("weight") or {}
    if weight.get("first_load_kb") is not None:
        for label, key, limit in (
                ("The judge's sheet on a phone, first load (HTML, CSS, scripts, the service worker; no font files)",
                 "first_load", 60),
                ("A later sheet (its HTML; the rest kept on the phone)", "later_sheet", 10),
                ("The offline shell the service worker keeps", "shell", 150)):
            rows.append((label, f"{weight[key + '_kb']} KB as the app sends it, {weight[key + '_gzip_kb']} KB gzipped",
                         f"< {limit} KB", _verdict(weight[key + "_kb"] < limit)))
    else:
        rows.append(("The judge's sheet on a phone, first load", "not run" + _err(weight), "< 60 KB", "not run"))
    rss = p.get("worker_rss_mb")
    rows.append(("RSS of each gunicorn worker after the page benchmark",
                 ", ".join(f"{x:.0f} MB" for x in rss) if rss else "not run", "< 200 MB",
                 _verdict(max(rss) < 200) if rss else "not run"))
    return rows


# Issue 22's page targets: the signed-in empty layout against /healthz (the
# floor every signed-in page pays), each page against that layout.
LAYOUT = "signed-in empty layout (reference)"
PAGE_TARGETS = {"judge's dashboard": 0.50, "nomination page (the judge's sheet)": 0.50,
                "scoring POST (save draft)": 0.35, "chair's matrix": 0.25}
LAYOUT_TARGET = 0.40

# Why a target was missed and what would meet it, written by hand from the
# profiles (bench/FINDINGS.md), shown next to a MISSED verdict.
WHY_MISSED = {
    "layout": "every signed-in request decodes and re-signs the session, reads the account (one statement, six "
              "database round trips with the pool's ping, BEGIN and ROLLBACK) and makes a CSRF token: 5,213 Python "
              "calls against /healthz's 2,036 (bench_floor). Would meet it: the account's name and roles kept in the "
              "signed session and checked against a version only on writes, and no pool ping; both trade safety "
              "for speed, not done (FINDINGS, issue 22, 6)",
    "judge's dashboard": "each assignment is listed with its candidate, loaded as objects through the "
                         "nomination, person, delegation and organisation (about 57 ms of CPU against the layout's "
                         "8). Would meet it: the candidate's name kept on the nomination and the rows written as "
                         "cached strings",
    "nomination page (the judge's sheet)": "the page renders the dossier (statement, files, endorsements) and the "
                                           "rubric with its descriptors in the reader's language for every request "
                                           "(about 49 ms of CPU). Would meet it: the dossier and the rubric cached "
                                           "per nomination, language and version (they do not change while a judge "
                                           "scores), only the scores and the form drawn per request",
    "scoring POST (save draft)": "a write: the sheet's lock, the scores, the audit append (chain hash, Merkle "
                                 "tree, the head row's lock) and a commit with its fsync. Would meet it: fewer "
                                 "audit appends per save, which would change what the log promises (one event per "
                                 "save); not done",
    "chair's matrix": "three aggregates over the cycle's 5,800 sheets (the progress, the facts behind the buttons, "
                      "the matrix's count), each a scan of the 58,000-row assignment table, and 5,000 cells. Would "
                      "meet it: per-cycle counters kept by the scoring service in the same transaction, or an index "
                      "on assignment (nomination_id, round, sheet_state)",
    "live:Live-ESI mix": "the mix asks 50 requests a second: a save costs about 22 ms of the app's CPU and a sheet "
                         "about 49 ms, so two workers run near saturation while Locust itself uses the same two "
                         "cores, and the tail is queueing. Would meet it: the load generator on another machine "
                         "and the sheet's cost cut as above",
    "live:The same mix on two app servers": "both servers share this machine's two cores: a second server adds "
                                            "workers, not CPU. On machines of their own each would carry half the "
                                            "judges (README, How to grow)",
    "vote:the board vote that": "what a decision records in the same transaction: the decision with the inputs "
                                "hash of the 2,000-line ranking (serialised again, about 30 ms), the laureates, "
                                "the notices and the signed checkpoint (its proof now read in two statements). "
                                "Would meet it: the ranking's hash kept when it is recommended, and the notices "
                                "and the checkpoint written after the commit by the outbox worker",
    "results:the chair's results": "computed once per worker, then kept. Would meet it: a snapshot shared by every "
                                   "worker and server, written when scoring closes (a table, so a migration); not done",
}


def _missed(key: str, verdict: str) -> str:
    """A missed verdict with why and what would meet it (WHY_MISSED, by key or key prefix)."""
    if "MISSED" not in verdict:
        return verdict
    why = next((text for prefix, text in WHY_MISSED.items() if key == prefix or key.startswith(prefix)), None)
    return f"{verdict}: {why}" if why else verdict


def _page_rows(p: dict) -> list[tuple]:
    rows = []
    health = (p.get("healthz") or {}).get("rps")
    references = p.get("references") or {}
    layout = references.get(LAYOUT)
    if layout:
        rows.append((f"Signed-in empty layout (`{layout['method']} {layout['path']}`, bench/reference_app.py)",
                     f"{layout['rps']:,.1f} req/s = {100 * layout['ratio']:.1f}% of /healthz ({health:,.0f} req/s); "
                     f"p50 {layout['p50']}, p99 {layout['p99']}", f">= {100 * LAYOUT_TARGET:.0f}% of /healthz",
                     _missed("layout", _verdict(layout["ratio"] >= LAYOUT_TARGET))))
    for name, page in (p.get("pages") or {}).items():
        target = PAGE_TARGETS.get(name)
        of_layout = page["rps"] / layout["rps"] if layout else None
        rows.append((f"Page: {name} (`{page['method']} {page['path']}`)",
                     f"{page['rps']:,.1f} req/s = "
                     + (f"{100 * of_layout:.1f}% of the signed-in layout, " if of_layout else "")
                     + f"{100 * page['ratio']:.1f}% of /healthz; p50 {page['p50']}, p99 {page['p99']}"
                     + (f"; {page['bad_status']} bad statuses" if page["bad_status"] else ""),
                     f">= {100 * target:.0f}% of the signed-in layout" if target else "",
                     _missed(name, _verdict(of_layout >= target and not page["bad_status"]))
                     if target and of_layout else ""))
    for name, page in references.items():
        if name != LAYOUT:
            rows.append((f"Reference: {name} (`{page['method']} {page['path']}`, bench/reference_app.py)",
                         f"{page['rps']:,.1f} req/s = {100 * page['ratio']:.1f}% of /healthz; p50 {page['p50']}",
                         "(what every signed-in page pays, without the layout)", ""))
    if not p.get("pages"):
        rows.append(("Pages under gunicorn", "not run" + _err(p), "see issue 22", "not run"))
    return rows


# The whole-action parts (issue 22): each module gives its own rows.
WHOLE_ACTION_PARTS = (("whole", "bench.bench_whole_actions"), ("vote", "bench.bench_board_vote"),
                      ("results", "bench.bench_results"), ("floor", "bench.bench_floor"),
                      ("live", "bench.bench_live_esi"))


def _bold(verdict: str) -> str:
    """A part's own "met" / "missed: why" written as the table's other verdicts are."""
    head, _, why = verdict.partition(":")
    word = {"met": "**met**", "missed": "**MISSED**"}.get(head.strip().lower().strip("*"))
    if word is None:
        return verdict
    return f"{word}: {why.strip()}" if why.strip() else word


def _part_rows(r: dict) -> list[tuple]:
    import importlib

    rows = []
    for key, module in WHOLE_ACTION_PARTS:
        part = r.get(key)
        if not part:
            continue
        if part.get("error"):
            rows.append((f"{key} ({module})", "not run" + _err(part), "", "not run"))
            continue
        for what, measured, target, verdict in importlib.import_module(module).rows(part):
            rows.append((what, measured, target, _missed(f"{key}:{what}", _bold(verdict))))
    return rows


def _err(part) -> str:
    return f" ({part['error'][:200]})" if isinstance(part, dict) and part.get("error") else ""


def write(r: dict, path: Path) -> None:
    m = r.get("machine", {})
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`, see bench/__main__.py); the figures below are "
        "from its last run. Targets are issue 11's, and issue 22's for whole actions and pages.",
        "",
        f"- Date: {r.get('date')}",
        f"- Command: `{r.get('command')}`; total {r.get('total_seconds', 0):.0f} s",
        *(["- Runs whose figures are merged here (a partial run keeps the other parts' last figures): "
           + "; ".join(f"`{x}`" for x in r["runs"])] if r.get("runs") else []),
        f"- Machine: {m.get('cpus')} CPUs ({m.get('cpu_model')}), {m.get('memory')} memory, "
        f"Python {m.get('python')}, PostgreSQL {m.get('postgresql')}, {m.get('platform')}",
        f"- Load average at start {tuple(round(x, 1) for x in m.get('load_average', ()))}, at end "
        f"{tuple(round(x, 1) for x in m.get('load_average_end', ()))} (other work shares these 2 cores: "
        "wall times are inflated by it; the page figures are ratios measured in the same run)",
        f"- Load generator for the pages: {(r.get('pages') or {}).get('generator', 'not run')}, "
        f"{(r.get('pages') or {}).get('connections', '?')} connections, "
        f"{(r.get('pages') or {}).get('seconds', '?')} s per page; gunicorn with "
        f"{(r.get('pages') or {}).get('workers', '?')} sync workers on the N=10 PostgreSQL data set",
        "",
        "| What | Measured | Target | Verdict |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _rows(r)]
    findings = Path(__file__).with_name("FINDINGS.md")
    if findings.exists():
        lines += ["", findings.read_text().rstrip()]
    path.write_text("\n".join(lines) + "\n")
