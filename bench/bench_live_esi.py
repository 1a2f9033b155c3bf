"""Issue 22's live-ESI mix: 1,000 judges at the venue, each opening a score
sheet and saving a draft every 20 s for 2 minutes (Locust, bench/live_esi.py),
against one app server (gunicorn, 2 sync workers), then against two (2
workers each, on other ports) sharing the one PostgreSQL and the one Redis,
the judges split between them.

    python -m bench.bench_live_esi [--fresh] [--servers 1,2] [--save api|form] [--judges 1000]

The data. The N=10 data set has 100 judges in its current cycle (cycle 0, in
judging). The mix runs in a copy of it (database awards_bench_live, made
from awards_bench as a template, which is never written) where 900 more
judges sit on cycle 0's panel: the judges of the nine past cycles, already
accounts with the judge role and vetted profiles, as judges come back year
after year. Each is given one eligible nomination of cycle 0 that their
declared relations do not name, and states no conflict with it (panel
member, assignment, attestation), by plain inserts that satisfy the tables'
constraints. These inserts write no audit events and run no conflict
detection: they stand for what the chair and the judges did before the
evening, which is not what is measured. The 100 judges of cycle 0 each take
an open sheet of theirs (stating no conflict where they had not yet).

The sessions. A sign-in is an argon2 hash (default cost: a few hundred
milliseconds of a core here) by design; 1,000 of them at the start of the
window would be the load measured, and would take minutes. So before the
window, 40 judges sign in through the login page (timed, and reported: the
rate at which a venue's judges can sign in) and the others are given the
session such a sign-in leaves, signed with the servers' SECRET_KEY (the
shape of a real one, their own account id and session epoch); each opens
their sheet once, which shows the sessions and the fixture hold. The app
binds a session to the address and User-Agent it signed in from (Flask-Login's
"strong" protection), so the phones send the User-Agent the sign-ins used.
The two-server run reuses the cookies: the servers share SECRET_KEY, so a
session is good on either, as behind a load balancer.

The figures: every request's time as Locust measured it (bench/live_esi.py
writes them, per server), with p50/p95/p99 over the whole mix and per
server; errors are any answer other than the expected one; Locust's own CSV
summary is kept beside. The draft saves the servers recorded (audit events
score.draft_saved) and the Redis commands issued during the window are
counted from the server side.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import dataset
from bench.pages import Browser, free_port, get

LIVE_DATABASE = "awards_bench_live"
JUDGES = 1000
EVERY = 20  # seconds between two saves of one judge
WINDOW = 120  # seconds every judge is at work
WORKERS = 2
TARGET_MS = 250
SIGN_IN_SAMPLE = 40  # judges who sign in through the login page; the others get the same session
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DOMAIN = "scale.demo.milset.org"


def live_url(url: str) -> str:
    return make_url(url).set(database=LIVE_DATABASE).render_as_string(hide_password=False)


# ------------------------------------------------------------------ the data


def copy_data_set(url: str, *, fresh: bool = False, log=print, wait: float = 300) -> None:
    """awards_bench_live from awards_bench (kept between runs unless `fresh`)."""
    dataset.copy_of(url, LIVE_DATABASE, fresh=fresh, wait=wait, log=log)


def _cycle_zero(conn) -> tuple[int, int]:
    cycle_id = conn.execute(text(
        "SELECT id FROM cycle WHERE settings->>'generated' = 'demo_scale/1' "
        "AND (settings->>'scale_index')::int = 0")).scalar_one()
    panel_id = conn.execute(text("SELECT id FROM panel WHERE cycle_id = :c AND round = 'final'"),
                            {"c": cycle_id}).scalar_one()
    return cycle_id, panel_id


def prepare(url: str, judges: int = JUDGES, log=print) -> dict:
    """Seat `judges` judges on cycle 0's panel, each with an open, attested
    sheet (see the module's docstring); a second call finds them seated."""
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        cycle_id, panel_id = _cycle_zero(conn)
        members = set(conn.execute(text("SELECT user_id FROM panel_member WHERE panel_id = :p"),
                                   {"p": panel_id}).scalars())
        eligible = conn.execute(text(
            "SELECT n.id, lower(p.name), lower(p.email) FROM nomination n "
            "JOIN person p ON p.id = n.candidate_person_id "
            "WHERE n.cycle_id = :c AND n.state = 'eligible' ORDER BY n.id"), {"c": cycle_id}).all()
        wanted = judges - len(members)
        added = 0
        if wanted > 0:
            returning = conn.execute(text(
                "SELECT u.id, jp.relations FROM user_account u "
                "JOIN user_role r ON r.user_id = u.id AND r.role = 'judge' "
                "JOIN judge_profile jp ON jp.user_id = u.id AND jp.vetted_at IS NOT NULL "
                "WHERE u.active AND u.email LIKE :pattern AND u.id <> ALL(:members) ORDER BY u.id LIMIT :n"),
                {"pattern": f"judge-c%@{DOMAIN}", "members": list(members), "n": wanted}).all()
            if len(returning) < wanted:
                raise RuntimeError(f"only {len(returning)} more judges in the data set; {wanted} wanted")
            now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            seats, sheets = [], []
            for k, (user_id, relations) in enumerate(returning):
                named = {(r.get("name") or "").lower() for r in relations or []}
                named |= {(r.get("email") or "").lower() for r in relations or []}
                start = (k * 37) % len(eligible)
                nomination_id = next(n for n, name, email in eligible[start:] + eligible[:start]
                                     if name not in named and email not in named)
                seats.append({"p": panel_id, "u": user_id})
                sheets.append({"n": nomination_id, "j": user_id, "at": now})
            conn.execute(text("INSERT INTO panel_member (panel_id, user_id, role) VALUES (:p, :u, 'member')"), seats)
            conn.execute(text("INSERT INTO assignment (nomination_id, judge_id, round, fit, sheet_state, version, "
                              "created_at) VALUES (:n, :j, 'final', 0.5, 'open', 1, :at)"), sheets)
            conn.execute(text("INSERT INTO conflict_attestation (judge_id, nomination_id, attested_at) "
                              "VALUES (:j, :n, :at) ON CONFLICT DO NOTHING"), sheets)
            added = len(seats)
        # Every panel member's sheet for the evening: an open one the judge may score.
        rows = conn.execute(text(
            "SELECT DISTINCT ON (a.judge_id) a.judge_id, u.email, a.nomination_id, "
            "EXISTS (SELECT 1 FROM conflict_attestation ca WHERE ca.judge_id = a.judge_id "
            "        AND ca.nomination_id = a.nomination_id) AS attested "
            "FROM assignment a JOIN nomination n ON n.id = a.nomination_id JOIN user_account u ON u.id = a.judge_id "
            "JOIN panel_member m ON m.user_id = a.judge_id AND m.panel_id = :p "
            "WHERE n.cycle_id = :c AND n.state = 'eligible' AND a.round = 'final' AND a.sheet_state = 'open' "
            "AND NOT EXISTS (SELECT 1 FROM conflict_of_interest ci WHERE ci.judge_id = a.judge_id "
            "                AND ci.nomination_id = a.nomination_id AND ci.status IN ('open', 'confirmed')) "
            "ORDER BY a.judge_id, attested DESC, a.nomination_id DESC"), {"p": panel_id, "c": cycle_id}).all()
        unattested = [{"j": r.judge_id, "n": r.nomination_id} for r in rows if not r.attested]
        if unattested:
            conn.execute(text("INSERT INTO conflict_attestation (judge_id, nomination_id, attested_at) "
                              "VALUES (:j, :n, now() AT TIME ZONE 'UTC')"), unattested)
        criteria = [list(c) for c in conn.execute(text(
            "SELECT code, scale_min::int, scale_max::int FROM criterion WHERE cycle_id = :c AND round = 'final' "
            "ORDER BY position"), {"c": cycle_id})]
    if added:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE panel_member, assignment, conflict_attestation"))
    engine.dispose()
    sheets = [{"email": r.email, "nomination_id": r.nomination_id} for r in rows][:judges]
    if len(sheets) < judges:
        raise RuntimeError(f"only {len(sheets)} judges have an open sheet; {judges} wanted")
    log(f"  {len(sheets)} judges on cycle {cycle_id}'s panel ({added} seated now, "
        f"{len(unattested)} attestations added) in {time.perf_counter() - started:.1f} s")
    return {"cycle_id": cycle_id, "panel_id": panel_id, "judges_seated_now": added,
            "attestations_added": len(unattested), "sheets": sheets, "criteria": criteria}


# ------------------------------------------------------------------ the servers


def server_env(url: str) -> dict:
    return {**dataset.env(url), "REDIS_URL": REDIS_URL}


@contextmanager
def app_server(url: str, port: int, workers: int = WORKERS):
    """The app as `make serve` runs it (gunicorn.conf.py, sync workers)."""
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=dataset.ROOT, env=server_env(url))
    try:
        deadline = time.time() + 60
        while True:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {port} did not answer /healthz")
            time.sleep(0.3)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _cpu_seconds(master_pid: int) -> float:
    import psutil

    total = 0.0
    for p in [psutil.Process(master_pid), *psutil.Process(master_pid).children()]:
        times = p.cpu_times()
        total += times.user + times.system
    return total


def _signed_in(port: int, sheet: dict) -> str:
    """One judge signs in through the login page and opens their sheet: the session cookie."""
    browser = Browser(port).login(sheet["email"])
    status, _ = browser.request(f"/judge/nominations/{sheet['nomination_id']}")
    if status != 200:
        raise RuntimeError(f"{sheet['email']}'s sheet {sheet['nomination_id']} answered {status}")
    return browser.cookie.removeprefix("session=")


def _postgres_cpu_seconds() -> float:
    """CPU of the PostgreSQL backends serving the live copy (the servers' pooled connections)."""
    import psutil

    total = 0.0
    for p in psutil.process_iter(["cmdline", "cpu_times"]):
        if any(LIVE_DATABASE in part for part in p.info["cmdline"] or ()) and p.info["cpu_times"]:
            total += p.info["cpu_times"].user + p.info["cpu_times"].system
    return total


def sign_in(url: str, port: int, sheets: list[dict], sample: int = SIGN_IN_SAMPLE, log=print) -> dict:
    """The session cookies the phones will carry, made before the window.

    The first `sample` judges sign in through the login page, 4 at a time
    (timed: the rate at which a venue's judges can sign in). The others get
    the session such a sign-in leaves, as the app signs it: the sample's
    first cookie, decoded with the servers' SECRET_KEY, with the judge's
    account id and session epoch put in, its times now, and no CSRF token
    (the first page makes one). Each then opens their sheet once through the
    server, which shows the session and the fixture hold."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    started = time.perf_counter()
    with ThreadPoolExecutor(2 * WORKERS) as pool:
        real = list(pool.map(lambda sheet: _signed_in(port, sheet), sheets[:sample]))
    sign_in_seconds = time.perf_counter() - started
    signer = Flask("live_esi")
    signer.secret_key = server_env(url)["SECRET_KEY"]
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    shape = serializer.loads(real[0])
    engine = create_engine(url)
    with engine.connect() as conn:
        accounts = dict(conn.execute(text("SELECT email, id::text || ':' || session_epoch::text FROM user_account "
                                          "WHERE email = ANY(:e)"), {"e": [s["email"] for s in sheets]}).all())
    engine.dispose()
    minted = []
    now = time.time()
    for sheet in sheets[sample:]:
        user_id, epoch = accounts[sheet["email"]].split(":")
        session = {k: v for k, v in shape.items() if k != "csrf_token"}
        session.update({"_user_id": user_id, "epoch": int(epoch), "started_at": now, "seen_at": now})
        minted.append(serializer.dumps(session))

    def opened(pair):
        cookie, sheet = pair
        status, _, _ = get(port, f"/judge/nominations/{sheet['nomination_id']}", {"Cookie": f"session={cookie}"})
        if status != 200:
            raise RuntimeError(f"{sheet['email']}'s prepared session: the sheet answered {status}")

    with ThreadPoolExecutor(2 * WORKERS) as pool:
        list(pool.map(opened, zip(minted, sheets[sample:], strict=True)))
    log(f"  {sample} judges signed in through the login page in {sign_in_seconds:.1f} s "
        f"({sample / sign_in_seconds:.1f} a second); {len(minted)} sessions prepared and checked")
    return {"cookies": real + minted, "signed_in_through_the_page": sample,
            "sign_in_seconds": round(sign_in_seconds, 1), "sign_ins_per_second": round(sample / sign_in_seconds, 2),
            "sessions_prepared": len(minted), "prepared_keys": sorted(shape)}


# ------------------------------------------------------------------ the mix


def _redis_commands() -> int | None:
    try:
        import redis

        return int(redis.Redis.from_url(REDIS_URL).info("stats")["total_commands_processed"])
    except Exception:  # noqa: BLE001 - a figure, not a condition of the run
        return None


def _draft_saves(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM audit_event WHERE action = 'score.draft_saved'")).scalar()
    engine.dispose()
    return count


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, as Locust's own (without its rounding)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def _figures(samples: list, seconds: float) -> dict:
    times = [s[2] for s in samples]
    return {"requests": len(samples), "errors": sum(1 for s in samples if s[3]),
            "rps": round(len(samples) / seconds, 1),
            **{f"p{p}": round(_percentile(times, p), 1) for p in (50, 95, 99)},
            "max": round(max(times), 1) if times else 0.0}


def _locust_csv(prefix: str) -> dict:
    import csv

    out = {}
    try:
        with open(f"{prefix}_stats.csv") as f:
            for row in csv.DictReader(f):
                out[row["Name"]] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                    "p50": row["50%"], "p95": row["95%"], "p99": row["99%"], "max": row["100%"],
                                    "rps": round(float(row["Requests/s"]), 1)}
        with open(f"{prefix}_failures.csv") as f:
            failures = [{"name": r["Name"], "error": r["Error"][:200], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(f)]
    except OSError:
        return out
    return {"by_name": out, "failures": failures[:10]}


def mix(url: str, ports: list[int], masters: list[int], sessions: list[dict], criteria: list, *,
        save: str = "api", log=print) -> dict:
    """Locust, headless, plays the judges against the servers, in a process of its own."""
    work = tempfile.mkdtemp(prefix="live-esi-")
    with open(os.path.join(work, "sessions.json"), "w") as f:
        json.dump([{**s, "criteria": criteria} for s in sessions], f)
    out, prefix = os.path.join(work, "timings.json"), os.path.join(work, "locust")
    hosts = [f"http://127.0.0.1:{p}" for p in ports]
    # The judges start evenly over EVERY s (their saves then come evenly), and each works WINDOW s.
    run_time = WINDOW + EVERY
    env = {**os.environ, "LIVE_ESI_SESSIONS": os.path.join(work, "sessions.json"), "LIVE_ESI_HOSTS": ",".join(hosts),
           "LIVE_ESI_OUT": out, "LIVE_ESI_EVERY": str(EVERY), "LIVE_ESI_SAVE": save}
    locust = os.path.join(os.path.dirname(sys.executable), "locust")
    load_before = os.getloadavg()[0]
    saves_before, redis_before = _draft_saves(url), _redis_commands()
    cpu_before, pg_before = [_cpu_seconds(m) for m in masters], _postgres_cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    log(f"  locust: {len(sessions)} judges on {len(hosts)} server(s), {run_time} s")
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [locust, "-f", os.path.join(dataset.ROOT, "bench", "live_esi.py"), "--headless", "-u", str(len(sessions)),
         "-r", str(len(sessions) / EVERY), "-t", f"{run_time}s", "--stop-timeout", "15", "--csv", prefix,
         "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0", "--host", hosts[0]],
        cwd=dataset.ROOT, env=env, capture_output=True, text=True, timeout=run_time + 180, check=False)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after, pg_after = [_cpu_seconds(m) for m in masters], _postgres_cpu_seconds()
    redis_after = _redis_commands()
    if done.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"locust exited {done.returncode}: {done.stderr[-1500:]}")
    with open(out) as f:
        samples = json.load(f)
    servers = sorted({s[0] for s in samples})
    result = {
        "judges": len(sessions), "servers": len(hosts), "workers_per_server": WORKERS, "save": save,
        "every_seconds": EVERY, "run_seconds": run_time, "all": _figures(samples, run_time),
        "per_server": {name: _figures([s for s in samples if s[0] == name], run_time) for name in servers},
        "per_request": {name: _figures([s for s in samples if s[1] == name], run_time)
                        for name in sorted({s[1] for s in samples})},
        "locust_csv": _locust_csv(prefix),
        "draft_saves_recorded_by_the_servers": _draft_saves(url) - saves_before,
        "redis_commands_during_the_mix": (redis_after - redis_before if None not in (redis_after, redis_before)
                                          else None),
        "locust_cpu_seconds": round(children.ru_utime + children.ru_stime
                                    - children_before.ru_utime - children_before.ru_stime, 1),
        "server_cpu_seconds": [round(a - b, 1) for a, b in zip(cpu_after, cpu_before, strict=True)],
        # Backends that ended during the window are not counted: a lower bound.
        "postgres_cpu_seconds": round(pg_after - pg_before, 1),
        "wall_seconds": round(seconds, 1),
        # The machine is shared: its 1-minute load average before and after the window.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    log(f"  {json.dumps({k: result[k] for k in ('all', 'per_server')})}")
    return result


# ------------------------------------------------------------------ the run


def run(url: str | None = None, *, servers=(1, 2), fresh: bool = False, save: str = "api", judges: int = JUDGES,
        log=print) -> dict:
    url = url or dataset.bench_url()
    copy_data_set(url, fresh=fresh, log=log)
    live = live_url(url)
    fixture = prepare(live, log=log)
    fixture["sheets"] = fixture["sheets"][:judges]  # fewer, to find what a smaller machine holds
    result: dict = {"database": LIVE_DATABASE, "cycle_id": fixture["cycle_id"],
                    "judges_seated_now": fixture["judges_seated_now"],
                    "attestations_added": fixture["attestations_added"], "redis_url": REDIS_URL,
                    "cpus": os.cpu_count(), "runs": {}}
    cookies = None
    for count in servers:
        ports = [free_port() for _ in range(count)]
        with ExitStack() as stack:
            masters = [stack.enter_context(app_server(live, port)).pid for port in ports]
            if cookies is None:
                signed = sign_in(live, ports[0], fixture["sheets"], log=log)
                cookies = signed.pop("cookies")
                result["sign_in"] = {"judges": len(cookies), **signed, "server": "one, 2 sync workers"}
            sessions = [{"cookie": c, "nomination_id": s["nomination_id"]}
                        for c, s in zip(cookies, fixture["sheets"], strict=True)]
            result["runs"][f"{count} server{'s' if count > 1 else ''}"] = mix(
                live, ports, masters, sessions, fixture["criteria"], save=save, log=log)
    return result


def _ms(value) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _share(run: dict, cpus) -> str:
    """What the servers got of the machine: a missed figure on a shared machine says so."""
    wall = run["wall_seconds"] or 1
    return (f"; the app servers used {sum(run['server_cpu_seconds']) / wall:.2f} and PostgreSQL "
            f"{run.get('postgres_cpu_seconds', 0) / wall:.2f} of the {cpus} cores, load average "
            f"{run['load_average'][0]} before, {run['load_average'][1]} after")


def _verdict(figures: dict) -> bool:
    return figures["p99"] < TARGET_MS and figures["errors"] == 0


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    out = []
    runs = results.get("runs", {})
    one = runs.get("1 server")
    if one:
        a = one["all"]
        saves = "a draft save every 20 s (PUT of the sheet, as the page's script sends it)" if one["save"] == "api" \
            else "a draft save every 20 s (the page's form POST and the sheet it redirects to)"
        out.append((
            f"Live-ESI mix (Locust, bench/live_esi.py): {one['judges']:,} signed-in judges, each opening a sheet then "
            f"{saves}, for 2 min; one app server (gunicorn, {one['workers_per_server']} sync workers)",
            f"p50 {_ms(a['p50'])}, p95 {_ms(a['p95'])}, p99 {_ms(a['p99'])} (max {_ms(a['max'])}); "
            f"{a['requests']:,} requests ({a['rps']} req/s), {a['errors']} errors{_share(one, results.get('cpus'))}",
            f"p99 < {TARGET_MS} ms, 0 errors", "**met**" if _verdict(a) else "**MISSED**"))
    two = runs.get("2 servers")
    if two:
        parts = [f"{name}: p50 {_ms(f['p50'])}, p95 {_ms(f['p95'])}, p99 {_ms(f['p99'])}, {f['requests']:,} requests, "
                 f"{f['errors']} errors" for name, f in two["per_server"].items()]
        every = all(_verdict(f) for f in two["per_server"].values()) and len(two["per_server"]) == 2
        out.append((
            f"The same mix on two app servers ({two['workers_per_server']} workers each, other ports) sharing one "
            f"PostgreSQL and one Redis, the judges split between them (both on this machine's "
            f"{results.get('cpus', '?')} cores)",
            "; ".join(parts) + _share(two, results.get("cpus")),
            f"same figures per server (p99 < {TARGET_MS} ms, 0 errors)",
            "**met**" if every else "**MISSED**"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="copy the data set anew")
    parser.add_argument("--servers", default="1,2", help="the runs: how many app servers each")
    parser.add_argument("--save", choices=("api", "form"), default="api")
    parser.add_argument("--judges", type=int, default=JUDGES, help="at most 1,000")
    args = parser.parse_args()
    result = run(servers=[int(n) for n in args.servers.split(",")], fresh=args.fresh, save=args.save,
                 judges=args.judges)
    print(json.dumps(result, indent=1))
    for row in rows(result):
        print(" | ".join(row))


if __name__ == "__main__":
    main()
