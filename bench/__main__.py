"""`make bench`: every performance target of issue 11, measured on this
machine and written to BENCHMARKS.md with the machine and the command.

    python -m bench [--only pages,audit,...] [--seconds 10] [--output BENCHMARKS.md]

The N=10 data set is built once on PostgreSQL in its own database
(BENCH_DATABASE_URL, default awards_bench on 127.0.0.1) and reused; build
it alone with `python -m bench.dataset`. Each part runs in its own process
where memory or a clean start matters (gunicorn, `flask audit verify`, the
report), so one part's caches do not flatter another.
"""

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import dataset, pages, report_md, targets

PARTS = ("dataset", "loader", "queries", "pages", "assignment", "conflicts", "identity", "audit", "report", "pdf",
         "certificates", "weight", "whole", "vote", "results", "floor", "live")


def machine() -> dict:
    def first(path, key):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            return "?"
        return "?"

    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],  # noqa: S607
                        capture_output=True, text=True, check=False).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu_model": first("/proc/cpuinfo", "model name"),
            "memory": first("/proc/meminfo", "MemTotal"), "python": platform.python_version(),
            "postgresql": pg or "?", "platform": platform.platform(), "load_average": os.getloadavg()}


def _run(name, fn, results, log):
    log(f"== {name}")
    start = time.perf_counter()
    try:
        results[name] = fn()
    except Exception as exc:  # noqa: BLE001 - one failed part must not lose the others' figures
        results[name] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-1500:]}
    results[name + "_wall"] = time.perf_counter() - start
    log(f"   {json.dumps(results[name], default=str)[:400]}")


def _queries() -> dict:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",  # noqa: S603
                           "tests/test_query_counts.py", "-rxX"], cwd=dataset.ROOT, capture_output=True,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": dataset.ROOT})
    lines = done.stdout.strip().splitlines()
    return {"exit": done.returncode, "summary": lines[-1] if lines else "",
            "xfail": [line for line in lines if line.startswith("XFAIL")]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--loader-scale", type=int, default=3, help="cycles for the SQLite loader figure")
    parser.add_argument("--output", default=str(Path(dataset.ROOT) / "BENCHMARKS.md"))
    parser.add_argument("--json", default=str(Path(dataset.ROOT) / "bench" / "results.json"))
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    started = time.perf_counter()
    results: dict = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "command": "make bench  (python -m bench " + " ".join(argv or sys.argv[1:]) + ")"}
    url = dataset.bench_url()
    log = print
    if "dataset" in only:
        _run("dataset", lambda: dataset.build(url, 10), results, log)
    if "loader" in only:
        _run("loader", lambda: targets.loader(args.loader_scale), results, log)
    if "queries" in only:
        _run("queries", _queries, results, log)
    if "assignment" in only:
        _run("assignment", targets.assignment, results, log)
    if "conflicts" in only:
        _run("conflicts", targets.conflicts, results, log)
        _run("conflicts_service", lambda: targets.conflicts_service(url), results, log)
    if "identity" in only:
        from bench import bench_identity

        _run("identity", bench_identity.run, results, log)
    if "audit" in only:
        _run("audit", lambda: targets.audit_verify(url), results, log)
        _run("audit_bundle", lambda: targets.audit_bundle(url), results, log)
    if "report" in only:
        _run("report", lambda: targets.report("html", url), results, log)
    if "pdf" in only:
        _run("pdf", lambda: targets.report("pdf", url, timeout=300), results, log)
    if "certificates" in only:
        from bench import bench_certificates

        _run("certificates", bench_certificates.run, results, log)
    if "weight" in only:
        from bench import bench_weight

        _run("weight", bench_weight.run, results, log)
    for part, module in report_md.WHOLE_ACTION_PARTS:  # issue 22: whole actions through HTTP
        if part in only:
            _run(part, lambda module=module: importlib.import_module(module).run(url), results, log)
    if "pages" in only:
        _run("pages", lambda: pages.run(url, args.seconds, args.connections, log), results, log)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["total_seconds"] = time.perf_counter() - started
    previous = {}
    if Path(args.json).exists() and only != set(PARTS):  # a full run replaces every figure
        previous = json.loads(Path(args.json).read_text())
    merged = {**previous, **results}
    if only != set(PARTS) and "command" in previous:  # the header stays the full run's
        merged["command"], merged["total_seconds"] = previous["command"], previous.get("total_seconds", 0)
    # A partial run (--only) keeps the other parts' figures from the last full run: say so.
    merged["runs"] = [*previous.get("runs", []), f"{results['date']}: {results['command']}"][-6:]
    Path(args.json).write_text(json.dumps(merged, indent=1, default=str))
    report_md.write(merged, Path(args.output))
    print(f"wrote {args.output} in {results['total_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
