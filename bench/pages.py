"""Requests per second of the main pages, served by gunicorn on the N=10
PostgreSQL data set, against a trivial endpoint (/healthz) of the same app
served the same way and measured in the same run (before and after the
pages, averaged), so the ratio holds on a noisy machine.

    python -m bench.pages [--seconds 10] [--connections 8]

The load comes from wrk when it is installed (apt-get install wrk), else
from a small Python generator (processes x http.client); the report names
which. After the pages, the RSS of each gunicorn worker is read.
"""

import argparse
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from multiprocessing import Pool

from bench import dataset

USER_AGENT = "milset-bench/1"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(url: str, port: int, workers: int = WORKERS):
    """The app as `make serve` runs it (gunicorn, sync workers, on the bench
    database), with the reference endpoints of bench/reference_app.py."""
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench.reference_app:app"], cwd=dataset.ROOT, env=dataset.env(url))
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def get(port, path, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Set-Cookie") or ""
    finally:
        conn.close()


class Browser:
    """One signed-in person: the session cookie and the CSRF token."""

    def __init__(self, port):
        self.port, self.cookie = port, ""

    def _keep(self, set_cookie):
        match = re.search(r"session=([^;]+)", set_cookie)
        if match:
            self.cookie = f"session={match.group(1)}"

    def request(self, path, method="GET", form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, data, set_cookie = get(self.port, path, headers, method, body)
        self._keep(set_cookie)
        return status, data

    @staticmethod
    def csrf(page: bytes) -> str:
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return html.unescape(match.group(1).decode())

    def login(self, email):
        _, page = self.request("/login")
        status, _ = self.request("/login", "POST", {"csrf_token": self.csrf(page), "email": email,
                                                    "password": dataset.PASSWORD})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")
        return self


# ------------------------------------------------------------------ load generators


def _wrk(port, path, seconds, connections, headers, method="GET", body=None):
    script = None
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    if method != "GET":
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(f'wrk.method = "{method}"\nwrk.body = {json.dumps(body)}\n'
                     'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        script.close()
        args += ["-s", script.name]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,  # noqa: S603
                         check=True).stdout
    if script:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rps": rps, "requests": requests, "bad_status": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "p50": p50.group(1) if p50 else "",
            "p99": p99.group(1) if p99 else ""}


def _py_worker(args):
    port, path, deadline, headers, method, body = args
    done = bad = 0
    while time.time() < deadline:
        status, _, _ = get(port, path, headers, method, body)
        done += 1
        bad += status >= 400
    return done, bad


def _python_load(port, path, seconds, connections, headers, method="GET", body=None):
    start = time.time()
    with Pool(connections) as pool:
        results = pool.map(_py_worker, [(port, path, start + seconds, headers, method, body)] * connections)
    elapsed = time.time() - start
    done = sum(r[0] for r in results)
    return {"rps": done / elapsed, "requests": done, "bad_status": sum(r[1] for r in results),
            "socket_errors": "", "p50": "", "p99": ""}


def drain(port, limit=180.0):
    """Wait until the workers have worked off the requests still queued."""
    deadline = time.time() + limit
    while time.time() < deadline:
        start = time.time()
        get(port, "/healthz")
        if time.time() - start < 0.05:
            return


def load(port, path, seconds, connections, browser=None, method="GET", form=None):
    headers = {"User-Agent": USER_AGENT}
    if browser is not None:
        headers["Cookie"] = browser.cookie
    body = urllib.parse.urlencode(form) if form is not None else None
    generator = _wrk if shutil.which("wrk") else _python_load
    result = generator(port, path, seconds, connections, headers, method, body)
    drain(port)
    return result


# ------------------------------------------------------------------ the run


def worker_rss(master_pid: int) -> list[float]:
    import psutil

    return [round(p.memory_info().rss / 2**20, 1) for p in psutil.Process(master_pid).children()]


def targets(url: str) -> dict:
    """The judge, chair and sheet the pages are measured for: the current cycle's."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        judge = "judge-c000-j001@scale.demo.milset.org"
        cycle_id = conn.execute(text(
            "SELECT c.id FROM cycle c JOIN panel p ON p.cycle_id = c.id JOIN panel_member m ON m.panel_id = p.id "
            "JOIN user_account u ON u.id = m.user_id WHERE u.email = :e"), {"e": judge}).scalar_one()
        nomination_id, criterion = conn.execute(text(
            "SELECT a.nomination_id, (SELECT code FROM criterion WHERE cycle_id = :c ORDER BY position LIMIT 1) "
            "FROM assignment a JOIN user_account u ON u.id = a.judge_id "
            # Attested: an unattested sheet shows the declaration instead, and refuses saves (409).
            "JOIN conflict_attestation t ON t.judge_id = a.judge_id AND t.nomination_id = a.nomination_id "
            "WHERE u.email = :e AND a.sheet_state = 'open' ORDER BY a.nomination_id LIMIT 1"),
            {"e": judge, "c": cycle_id}).one()
    engine.dispose()
    return {"judge": judge, "chair": "judge-c000-j000@scale.demo.milset.org", "cycle_id": cycle_id,
            "nomination_id": nomination_id, "criterion": criterion}


def run(url: str | None = None, seconds: int = 10, connections: int = 8, log=print) -> dict:
    url = url or dataset.bench_url()
    t = targets(url)
    port = free_port()
    result = {"generator": "wrk" if shutil.which("wrk") else "python (processes x http.client)",
              "seconds": seconds, "connections": connections, "workers": WORKERS, "pages": {}}
    with gunicorn(url, port) as server:
        judge, chair = Browser(port).login(t["judge"]), Browser(port).login(t["chair"])
        sheet = f"/judge/nominations/{t['nomination_id']}"
        status, page = judge.request(sheet)
        assert status == 200, status
        version = re.search(rb'name="version" value="(\d+)"', page).group(1).decode()
        form = {"csrf_token": judge.csrf(page), "action": "save", f"score-{t['criterion']}": "4",
                "version": version}
        pages = [
            ("judge's dashboard", "/judge/", judge, "GET", None),
            ("nomination page (the judge's sheet)", sheet, judge, "GET", None),
            ("scoring POST (save draft)", f"{sheet}/scores", judge, "POST", form),
            ("chair's matrix", f"/chair/cycles/{t['cycle_id']}", chair, "GET", None),
        ]
        references = [("signed-in JSON (reference)", "/bench/signed-in", judge, "GET", None),
                      ("signed-in empty layout (reference)", "/bench/layout", judge, "GET", None)]
        for _name, path, who, method, body in pages + references:  # warm each worker once
            for _ in range(WORKERS):
                who.request(path, method, body)
        log("  /healthz (before)")
        before = load(port, "/healthz", seconds, connections)
        for name, path, who, method, body in pages:
            log(f"  {name}: {path}")
            result["pages"][name] = {"path": path, "method": method,
                                     **load(port, path, seconds, connections, who, method, body)}
        for name, path, who, method, body in references:
            log(f"  {name}: {path}")
            result.setdefault("references", {})[name] = {
                "path": path, "method": method, **load(port, path, seconds, connections, who, method, body)}
        log("  /healthz (after)")
        after = load(port, "/healthz", seconds, connections)
        result["healthz"] = {"before": before, "after": after, "rps": (before["rps"] + after["rps"]) / 2}
        for page in [*result["pages"].values(), *result["references"].values()]:
            page["ratio"] = page["rps"] / result["healthz"]["rps"]
        result["worker_rss_mb"] = worker_rss(server.pid)
    result["targets"] = t
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(run(seconds=args.seconds, connections=args.connections), indent=1))


if __name__ == "__main__":
    main()
