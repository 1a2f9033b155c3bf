"""The live-ESI mix, as Locust plays it (issue 22): every simulated judge is
one phone at the venue, already signed in, that opens its score sheet and
then saves a draft every 20 seconds, as the page's script sends it: a PUT of
the sheet's scores to /api/v1/nominations/<id>/score-sheet with the page's
CSRF token and a fresh Idempotency-Key (static/js/offline-scoring.js). With
LIVE_ESI_SAVE=form it posts the page's form instead (a phone without the
script): POST .../scores, then the sheet the answer redirects to.

Run by bench/bench_live_esi.py, which prepares the judges and their signed-in
sessions before the timed window (a sign-in is an argon2 hash; a thousand of
them at the start would be the load measured) and reads what this file
leaves. The environment says what to play:

    LIVE_ESI_SESSIONS  a JSON file: [{"cookie", "nomination_id", "criteria": [[code, min, max], ...]}]
    LIVE_ESI_HOSTS     the app servers, comma-separated; judge i uses server i mod n
    LIVE_ESI_OUT       where to write every request's time, per server (JSON), at the end
    LIVE_ESI_EVERY     seconds between two saves of one judge (20)
    LIVE_ESI_SAVE      api (default) or form
"""

import html
import itertools
import json
import os
import random
import re
import urllib.parse
import uuid

from locust import constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

SESSIONS = json.load(open(os.environ["LIVE_ESI_SESSIONS"]))  # noqa: SIM115 - read once at import
HOSTS = [h.rstrip("/") for h in os.environ["LIVE_ESI_HOSTS"].split(",")]
EVERY = float(os.environ.get("LIVE_ESI_EVERY", "20"))
SAVE = os.environ.get("LIVE_ESI_SAVE", "api")
# The phone's own: the app binds a session to the address and User-Agent it
# signed in from (Flask-Login's "strong" protection), and the judges signed in
# with bench.pages' client.
USER_AGENT = "milset-bench/1"
_next_judge = itertools.count()
# (server, request name, milliseconds, failed) of every request, written at the end.
_timings: list = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, context, **_):
    _timings.append((context.get("server", ""), name, round(response_time, 2), exception is not None))


@events.quitting.add_listener
def _write(environment, **_):
    out = os.environ.get("LIVE_ESI_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(_timings, f)


class Judge(FastHttpUser):
    # The first task opens the sheet; every later one is a save, EVERY seconds
    # after the one before, however long the answers took.
    wait_time = constant_pacing(EVERY)
    host = HOSTS[0]

    def on_start(self):
        number = next(_next_judge)
        self.judge = SESSIONS[number % len(SESSIONS)]
        self.server = HOSTS[number % len(HOSTS)]
        self.label = f"server {number % len(HOSTS) + 1}"
        # The phone keeps its session cookie as a browser does: sent with every
        # request, replaced by the one each answer sets (the app re-signs it
        # every half minute). Kept here rather than in the client's cookie jar,
        # which sent nothing to 127.0.0.1.
        self.cookie = self.judge["cookie"]
        self.client.client.cookiejar = None
        self.sheet = f"{self.server}/judge/nominations/{self.judge['nomination_id']}"
        self.page = None
        self.saves = 0

    def _headers(self, **more) -> dict:
        return {"User-Agent": USER_AGENT, "Cookie": f"session={self.cookie}", **more}

    def _kept_cookie(self, response) -> None:
        match = re.search(r"(?:^|[\s,])session=([^;]*)", response.headers.get("set-cookie") or "")
        if match:
            self.cookie = match.group(1)

    def _keep(self, response):
        page = response.text or ""
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        version = re.search(r'name="version" value="(\d+)"', page)
        if token is None or version is None:
            response.failure("the sheet has no open form (CSRF token and version)")
            return
        self.page = {"csrf": html.unescape(token.group(1)), "version": version.group(1)}

    def _scores(self) -> dict:
        """The criteria scored so far: one more each save, as a judge fills the sheet in."""
        self.saves += 1
        criteria = self.judge["criteria"][:self.saves + 1]
        return {code: {"value": random.randint(low, high), "comment": ""}  # noqa: S311 - test data
                for code, low, high in criteria}

    def _open(self, name: str) -> None:
        """GET the sheet, keeping its CSRF token and version for the saves."""
        with self.client.get(self.sheet, name=name, headers=self._headers(),
                             context={"server": self.label}, catch_response=True) as response:
            self._kept_cookie(response)
            if response.status_code == 200:
                self._keep(response)
            else:
                response.failure(f"HTTP {response.status_code}")

    @task
    def work(self):
        if self.page is None:
            self._open("open the sheet (GET)")
            return
        if SAVE == "form":
            self._save_form()
        else:
            self._save_api()

    def _save_api(self):
        nomination = self.judge["nomination_id"]
        with self.client.request(
                "PUT", f"{self.server}/api/v1/nominations/{nomination}/score-sheet", name="save a draft (PUT)",
                json={"scores": self._scores()}, context={"server": self.label}, catch_response=True,
                headers=self._headers(Accept="application/json", **{"X-CSRFToken": self.page["csrf"],
                                                                     "Idempotency-Key": str(uuid.uuid4())})
        ) as response:
            self._kept_cookie(response)
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")

    def _save_form(self):
        form = {"csrf_token": self.page["csrf"], "version": self.page["version"], "action": "save"}
        for code, value in self._scores().items():
            form[f"score-{code}"] = str(value["value"])
            form[f"comment-{code}"] = ""
        with self.client.post(f"{self.sheet}/scores", name="save a draft (POST form)",
                              data=urllib.parse.urlencode(form),
                              headers=self._headers(**{"Content-Type": "application/x-www-form-urlencoded"}),
                              allow_redirects=False, context={"server": self.label},
                              catch_response=True) as response:
            self._kept_cookie(response)
            if response.status_code != 303:
                response.failure(f"HTTP {response.status_code}")
                return
        self._open("the sheet after the save (GET)")
