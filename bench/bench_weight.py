"""Issue 21's weights: what a judge's phone downloads for the score sheet.

The demo (`flask demo load`) on a temporary SQLite database; the demo judge
signs in and opens one of their sheets. Measured through the app, as sent:
- first load: the sheet's HTML, every stylesheet and script it references,
  and the service worker the script registers (target < 60 KB);
- a later sheet: its HTML only, the rest being kept by the service worker and
  the browser (target < 10 KB);
- the offline shell: what the service worker keeps at install (its SHELL_URLS)
  and the worker itself (target < 150 KB).
Each figure is also given gzip-compressed, as a reverse proxy would send it
(README: production behind nginx). Run alone with `python -m bench --only weight`."""

import gzip
import os
import re
import tempfile
from pathlib import Path

DEMO_PASSWORD = "bench weight 2027 lantern"  # noqa: S105 - the throwaway demo's, on a temporary database
JUDGE = "judge@demo.milset.org"


def _sizes(client, paths) -> tuple[int, int]:
    raw = packed = 0
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.get_data()
        raw += len(body)
        packed += len(gzip.compress(body, 6))
    return raw, packed


def run() -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.models import Assignment, User

    os.environ["DEMO_PASSWORD"] = DEMO_PASSWORD
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'weight.db'}"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MIGRATION_DATABASE_URL=url)
        app.config["WTF_CSRF_ENABLED"] = False
        with app.app_context():
            upgrade()
        done = app.test_cli_runner().invoke(args=["demo", "load"])
        assert done.exit_code == 0, done.output
        with app.app_context():
            judge = db.session.scalar(select(User).where(User.email == JUDGE))
            sheets = list(db.session.scalars(select(Assignment.nomination_id).where(
                Assignment.judge_id == judge.id, Assignment.sheet_state == "open").order_by(Assignment.nomination_id)))
        client = app.test_client()
        client.post("/login", data={"email": JUDGE, "password": DEMO_PASSWORD})
        first = client.get(f"/judge/nominations/{sheets[0]}").get_data(as_text=True)
        assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"?]+)', first)
        worker = client.get("/judge/sw.js").get_data(as_text=True)
        shell = re.search(r"SHELL_URLS = \[([^\]]*)\]", worker).group(1)
        constants = dict(re.findall(r'const (\w+) = "([^"]+)"', worker))
        shell_urls = [u.strip().strip('"') if u.strip().startswith('"') else constants[u.strip()]
                      for u in shell.split(",") if u.strip()]
        html_raw, html_packed = _sizes(client, [f"/judge/nominations/{sheets[0]}"])
        assets_raw, assets_packed = _sizes(client, [*assets, "/judge/sw.js"])
        later_raw, later_packed = _sizes(client, [f"/judge/nominations/{sheets[1]}"])
        shell_raw, shell_packed = _sizes(client, [*shell_urls, "/judge/sw.js"])
    return {
        "first_load_kb": round((html_raw + assets_raw) / 1024, 1),
        "first_load_gzip_kb": round((html_packed + assets_packed) / 1024, 1),
        "first_load_parts": [f"/judge/nominations/{sheets[0]}", *assets, "/judge/sw.js"],
        "later_sheet_kb": round(later_raw / 1024, 1), "later_sheet_gzip_kb": round(later_packed / 1024, 1),
        "shell_kb": round(shell_raw / 1024, 1), "shell_gzip_kb": round(shell_packed / 1024, 1),
        "shell_parts": [*shell_urls, "/judge/sw.js"],
    }
