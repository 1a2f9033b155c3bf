"""The benchmarks other than the pages: each returns a dict of figures.

    python -m bench.targets assignment|conflicts|audit|report|loader
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from bench import dataset

# ------------------------------------------------------------------ assignment


def assignment(runs: int = 3) -> dict:
    """Optimal assignment at 2,000 nominations x 600 judges x 3 (load 10,
    1% conflicts), the case of bench_assignment.py; median of the runs."""
    from bench.bench_assignment import make_cycle
    from judging.assignment import assign

    nominations, judges, conflicts = make_cycle(2000, 600, 0.01)
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = assign(nominations, judges, conflicts, k=3, max_load=10)
        times.append(time.perf_counter() - start)
    times.sort()
    return {"seconds": times[len(times) // 2], "min": times[0], "runs": runs, "optimal": result.optimal,
            "feasible": result.feasible, "method": result.method, "conflicts": len(conflicts)}


# ------------------------------------------------------------------ conflicts


def _identities(n_individuals=5200, n_delegations=100, n_judges=3000, seed=2024):
    """Issue 18's size as judging.conflicts sees it: 6,000 candidates (5,200
    individuals and 100 delegations of eight) and 3,000 judges, with names
    and emails that mostly differ (bench_identity's population), organisations
    and countries drawn from MILSET-sized sets, 301 nominators as persons, an
    endorser per nomination, relations declared by nominators and by judges."""
    from bench.bench_identity import _name
    from judging.conflicts import CandidateIdentity, JudgeIdentity, OrganisationName, Someone

    rng = random.Random(seed)
    kinds = ("Science Club", "University", "Foundation", "Youth Association", "Academy")
    organisations = [OrganisationName(i, f"{_name(rng).split()[-1]} {rng.choice(kinds)}") for i in range(400)]
    nominators = [_name(rng) for _ in range(301)]

    def person():
        return _name(rng)

    candidates = []
    for i in range(n_individuals + n_delegations):
        organisation = rng.choice(organisations)
        delegation = i >= n_individuals
        candidates.append(CandidateIdentity(
            nomination_id=i, kind="delegation" if delegation else "individual",
            name=f"Delegation {i}" if delegation else person(), email=None if delegation else f"c{i}@example.org",
            organisation_id=organisation.id, organisation=organisation, country_id=rng.randint(1, 120),
            members=tuple(Someone(person(), role="participant") for _ in range(8)) if delegation else (),
            nominator_user_id=10_000 + (k := rng.randint(0, 300)),
            nominator=Someone(nominators[k], f"n{k}@example.org"),
            endorsers=(Someone(person(), f"e{i}a@example.org"), Someone(None, f"e{i}b@example.org")),
            relations=({"name": person(), "email": None, "kind": "family"},) if rng.random() < 0.1 else ()))
    judges = [JudgeIdentity(
        id=20_000 + j, email=f"j{j}@example.org", name=_name(rng),
        organisation_id=organisation.id if organisation else None, organisation=organisation,
        country_id=rng.randint(1, 120),
        relations=({"name": rng.choice(candidates).name, "email": None, "kind": "collaborator"},)
        if rng.random() < 0.5 else ())
        for j, organisation in ((j, rng.choice(organisations) if rng.random() < 0.5 else None)
                                for j in range(n_judges))]
    return judges, candidates


def conflicts(runs: int = 3) -> dict:
    """judging.conflicts.detect over 6,000 candidates (100 delegations of
    eight among them) x 3,000 judges (same-country on), by identity."""
    from judging import conflicts as conflict_rules

    judges, candidates = _identities()
    times, found = [], []
    for _ in range(runs):
        start = time.perf_counter()
        found = conflict_rules.detect(judges, candidates, same_country=True)
        times.append(time.perf_counter() - start)
    times.sort()
    named = {(p.name, p.emails) for p in conflict_rules._people(candidates)[0]}
    return {"seconds": times[len(times) // 2], "min": times[0], "runs": runs, "findings": len(found),
            "candidate_persons": sum(len(c.members) or 1 for c in candidates), "judges": len(judges),
            "persons_named": len(named),
            "possible": sum(f.tier == "possible" for f in found)}


def conflicts_service(url: str | None = None) -> dict:
    """The service path on the N=10 data set (the current cycle, 2,000 x 100),
    rolled back: loading the facts from the database, detecting, comparing."""
    from sqlalchemy import select

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.models import Cycle
    from awards_app.services import conflicts as conflict_service
    from awards_app.services.actors import SystemActor

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url or dataset.bench_url())
    with app.app_context():
        statements = []
        from sqlalchemy import event

        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        cycle = next(c for c in db.session.scalars(select(Cycle).order_by(Cycle.id))
                     if c.settings.get("scale_index") == 0)
        start = time.perf_counter()
        changed = conflict_service.detect(SystemActor("bench"), cycle)
        seconds = time.perf_counter() - start
        db.session.rollback()
        db.engine.dispose()
    return {"seconds": seconds, "changed": len(changed), "statements": len(statements)}


# ------------------------------------------------------------------ audit verify


def audit_verify(url: str | None = None) -> dict:
    """`flask audit verify` as its own process, after `flask audit checkpoint`
    signed the head (so the signatures and the consistency proofs are
    checked too): wall time (the app's start included), events per second,
    peak memory, and the rate the command itself reports for the
    verification alone. Run twice: once with its memory sampled (see
    _measure_child), once for its speed with nothing else reading /proc on
    the two cores it shares (the sampling took 5-10% off the rate). Each run
    that verifies also records a checkpoint."""
    argv = [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"]
    dataset.flask("audit", "checkpoint", url=url, capture_output=True)
    memory = _measure_child(argv, url, lambda out: None)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=dataset.ROOT, env=dataset.env(url), capture_output=True, text=True,  # noqa: S603
                          check=False)
    seconds = time.perf_counter() - start
    out = done.stdout
    events = int(out.split("intact: ")[1].split(" ")[0]) if "intact" in out else None
    result = {"ok": done.returncode == 0 and memory["ok"], "events": events, "seconds": seconds,
              "events_per_second": events / seconds if events else None, "peak_rss_mb": memory["peak_rss_mb"],
              "output": (out or done.stderr).strip()[-300:]}
    if " events/s" in out:  # "...; verified at 210,811 events/s (4.7 s)."
        rate = out.split("verified at ")[1].split(" events/s")[0]
        result["command_events_per_second"] = int(rate.replace(",", ""))
    return result


def _measure_child(argv, url, count_events) -> dict:
    """Run a command; wall time and the peak memory of it and its children,
    sampled every 100 ms with psutil: the sum of their proportional set sizes
    (PSS), so pages a forked child shares with its parent count once, not
    twice as a sum of RSS would. (wait4's ru_maxrss would keep the forking
    parent's size across exec, which is this runner's, not the command's.)"""
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=dataset.ROOT, env=dataset.env(url),  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(_pss(p) for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.1)  # reading PSS (smaps) costs CPU the measured command shares: not too often
    seconds = time.perf_counter() - start
    out, err = (stream.read().decode() for stream in (process.stdout, process.stderr))
    events = count_events(out)
    return {"ok": process.returncode == 0, "events": events, "seconds": seconds,
            "events_per_second": events / seconds if events else None,
            "peak_rss_mb": peak / 2**20, "output": (out or err).strip()[-300:]}


def _pss(process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, OSError):  # no smaps: the RSS, which may count shared pages twice
        return process.memory_info().rss


_BUNDLE_CHILD = r"""
import json, os, sys, time
from sqlalchemy import func, select
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle
from awards_app.services import audit_bundles
app = create_app("development", SQLALCHEMY_DATABASE_URI=sys.argv[1])
with app.app_context():
    cycle = next(c for c in db.session.scalars(select(Cycle).order_by(Cycle.id))
                 if c.settings.get("scale_index") == 1)
    start = time.perf_counter()
    bundle = audit_bundles.build(cycle)
    built = time.perf_counter() - start
    text = json.dumps(bundle, default=str)
    with_json = time.perf_counter() - start
with open(sys.argv[2], "w") as out:
    out.write(text)
print(json.dumps({"cycle_id": cycle.id, "events": len(bundle["events"]), "proof_ranges": len(bundle["proof"]),
                  "build_seconds": built, "build_and_json_seconds": with_json, "bytes": len(text)}))
"""


def audit_bundle(url: str | None = None) -> dict:
    """A finished 2,000-nomination cycle's bundle (scale index 1): built by
    the service in a fresh process (and written as JSON), then checked by the
    standalone verifier as a board member runs it (python3 audit_bundle.py
    beside audit_tree.py and audit_chain.py, with the log's verifier key)."""
    import shutil as shell

    workdir = tempfile.mkdtemp(prefix="bench-bundle-")
    try:
        path = os.path.join(workdir, "bundle.json")
        dataset.flask("audit", "checkpoint", url=url, capture_output=True)
        done = subprocess.run([sys.executable, "-c", _BUNDLE_CHILD, url or dataset.bench_url(), path],  # noqa: S603
                              cwd=dataset.ROOT, env=dataset.env(url), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return {"error": done.stderr.strip()[-500:]}
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        for name in ("audit_bundle.py", "audit_tree.py", "audit_chain.py"):
            shell.copy(os.path.join(dataset.ROOT, "awards_app", name), workdir)
        start = time.perf_counter()
        checked = subprocess.run([sys.executable, "audit_bundle.py", "bundle.json", "--key",  # noqa: S603
                                  dataset.AUDIT_VERIFIER], cwd=workdir, capture_output=True, text=True, check=False)
        figures["verify_seconds"] = time.perf_counter() - start
        figures["verified"] = checked.returncode == 0
        figures["verifier_output"] = (checked.stdout or checked.stderr).strip()[-300:]
        return figures
    finally:
        shell.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------ report


_REPORT_CHILD = r"""
import json, sys, time
from sqlalchemy import select
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import Cycle
app = create_app("development", SQLALCHEMY_DATABASE_URI=sys.argv[1])
kind = sys.argv[2]
with app.app_context():
    cycle = next(c for c in db.session.scalars(select(Cycle).order_by(Cycle.id))
                 if c.settings.get("scale_index") == 1)
    cycle_id = cycle.id
    db.session.remove()
client = app.test_client()
page = client.get("/login").data.decode()
import re, html
token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))
client.post("/login", data={"csrf_token": token, "email": "board@demo.milset.org", "password": sys.argv[3]})
path = f"/reports/cycles/{cycle_id}" + ("/report.pdf" if kind == "pdf" else "")
start = time.perf_counter()
response = client.get(path)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "status": response.status_code, "bytes": len(response.data),
                  "cycle_id": cycle_id, "matches": b"matches the ratified decision" in response.data}))
"""


def report(kind: str, url: str | None = None, timeout: int = 300) -> dict:
    """The board's report of a finished 2,000-nomination cycle (scale index 1),
    HTML or PDF, as the board gets it (signed in, through the view), in a
    fresh process; stopped after `timeout` seconds. The load average at the
    start goes with the figure: the machine's cores are shared."""
    import os

    load = os.getloadavg()
    try:
        done = subprocess.run([sys.executable, "-c", _REPORT_CHILD, url or dataset.bench_url(), kind,  # noqa: S603
                               dataset.PASSWORD], cwd=dataset.ROOT, env=dataset.env(url), capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "timed_out": timeout, "load_average": load}
    if done.returncode != 0:
        return {"seconds": None, "error": done.stderr.strip()[-500:], "load_average": load}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if kind == "pdf":
        # The PDF's text is compressed: the phrase cannot be found in its bytes,
        # so "False" would be a false alarm; the HTML run checks the replay.
        figures["matches"] = None
    return {**figures, "load_average": load}


# ------------------------------------------------------------------ loader


def loader(scale: int = 3) -> dict:
    """demo.scale.load on a fresh SQLite database (migrated, demo loaded): rows per second."""
    workdir = tempfile.mkdtemp(prefix="bench-sqlite-")
    url = f"sqlite:///{workdir}/awards.db"
    try:
        dataset.flask("db", "upgrade", url=url, capture_output=True)
        dataset.flask("demo", "load", url=url, capture_output=True)
        child = (
            "import json, sys, time\n"
            "from awards_app import create_app\n"
            "from awards_app.demo import scale as demo_scale\n"
            "from awards_app.extensions import db\n"
            "app = create_app('development', SQLALCHEMY_DATABASE_URI=sys.argv[1])\n"
            "with app.app_context():\n"
            "    t = time.perf_counter()\n"
            "    c = demo_scale.load(int(sys.argv[2]))\n"
            "    db.session.commit()\n"
            "    c['seconds_with_commit'] = time.perf_counter() - t\n"
            "    print(json.dumps(c))\n")
        done = subprocess.run([sys.executable, "-c", child, url, str(scale)], cwd=dataset.ROOT,  # noqa: S603
                              env=dataset.env(url), capture_output=True, text=True, check=True)
        counts = json.loads(done.stdout.strip().splitlines()[-1])
        verify = dataset.flask("audit", "verify", url=url, capture_output=True, text=True, check=False)
        counts["rows_per_second_with_commit"] = counts["rows"] / counts["seconds_with_commit"]
        counts["verify"] = verify.stdout.strip()
        counts["scale"] = scale
        return counts
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    what = sys.argv[1]
    functions = {"assignment": assignment, "conflicts": conflicts, "conflicts_service": conflicts_service,
                 "audit": audit_verify, "report": lambda: report("html"), "pdf": lambda: report("pdf"),
                 "loader": loader}
    print(json.dumps(functions[what](), indent=1, default=str))


if __name__ == "__main__":
    main()
