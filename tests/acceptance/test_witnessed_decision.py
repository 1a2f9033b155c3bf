"""A decision whose record leaves the database (issue 19): the secretariat
makes the log's signing key with the CLI and configures it, the board
ratifies through the pages, and each board member's notice carries a signed
checkpoint that the standalone verifier accepts with the published key; a
board member makes a witness key offline, registers it on the profile page
and cosigns the latest checkpoint there; `flask audit verify` checks it all."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.steps import BOARD, CHAIR, HOST, JUDGES, NOMINATOR, Season, errors_on, snap, submit

REPO = Path(__file__).resolve().parents[2]
VERIFIER = REPO / "awards_app" / "audit_bundle.py"
CHILE, KENYA = "Explora Chile", "Kenya Science Clubs"


@pytest.fixture
def log_keys(tmp_path, monkeypatch):
    """`flask audit keygen` as the secretariat runs it on the server; the
    signer key goes to a file only the app reads, the verifier key is
    published. Set in the environment the install starts from."""
    made = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "keygen", "--name", "milset"],
                          cwd=REPO, capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 40,
                               "INSTANCE_PATH": str(tmp_path / "keygen")})
    signer = next(line for line in made.stdout.splitlines() if line.startswith("PRIVATE+KEY+"))
    verifier = next(line for line in made.stdout.splitlines() if line.startswith("milset+"))
    key_file = tmp_path / "audit-signing.key"
    key_file.write_text(signer + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("AUDIT_VERIFIER_KEYS", verifier)
    return verifier


@pytest.fixture
def keyed_install(log_keys, production_install):
    return production_install


def _verifier(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(VERIFIER), *args], cwd=cwd, capture_output=True, text=True)


def test_the_board_keeps_a_signed_checkpoint_of_its_decision_and_cosigns_the_log(keyed_install, people, log_keys,
                                                                                 tmp_path):
    season = Season.begin(keyed_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), (CHILE, "Chile", "member"),
                                         (KENYA, "Kenya", "member")],
                          cast=(NOMINATOR, CHAIR, *JUDGES, *BOARD))
    entries = season.delegations_nominated(NOMINATOR, "enrique_padilla_award", {
        CHILE: "Ran a shared stand with three other delegations.",
        KENYA: "Brought every young participant on stage."}, tmp_path)
    season.judging_opens(CHAIR, JUDGES, ("youth_participation",), "Coordinated youth delegations at five ESIs.")
    for judge in (CHAIR, *JUDGES):
        season.score(judge, entries[CHILE], 4)
        season.score(judge, entries[KENYA], 2)
    season.fire(season.page_of(CHAIR), "close_scoring")
    season.recommend(CHAIR, "Chile's delegation drew every other delegation into its stand.")
    season.ratified_and_announced(BOARD)

    # Each board member's notice carries the checkpoint signed right after the decision.
    mail = season.install.mail_to(BOARD[0].email, "Decision ratified")
    found = re.search(r"^(\S+/audit\n\d+\n\S+\n\n(?:\u2014 .+\n)+)", mail + "\n", re.M)
    assert found, mail
    held = tmp_path / "held-checkpoint.txt"
    held.write_text(found.group(1), encoding="utf-8")
    assert "covers the decision" in mail

    # The board member checks the cycle's bundle offline against the checkpoint they hold.
    member = season.page_of(BOARD[0])
    bundle = member.request.get(f"/reports/cycles/{season.cycle_id}/bundle.json")
    assert bundle.status == 200
    (tmp_path / "bundle.json").write_bytes(bundle.body())
    checked = _verifier("bundle.json", "--key", log_keys, "--checkpoint", held.name, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "your checkpoint: signed by milset" in checked.stdout and "OK " in checked.stdout
    # A copy edited by anyone without the key is refused.
    forged = held.read_text(encoding="utf-8").splitlines(keepends=True)
    forged[1] = f"{int(forged[1]) + 1}\n"
    (tmp_path / "forged.txt").write_text("".join(forged), encoding="utf-8")
    refused = _verifier("bundle.json", "--key", log_keys, "--checkpoint", "forged.txt", cwd=tmp_path)
    assert refused.returncode == 1 and "does not verify" in refused.stdout

    # The public list shows the checkpoint the decision was decided under.
    public = season.who["public"]
    public.goto("/laureates")
    link = public.locator("main a[href^='/laureates/checkpoints/']").first
    assert "signed checkpoint" in link.inner_text()
    assert public.request.get(link.get_attribute("href")).text() == held.read_text(encoding="utf-8")

    # A witness: a key pair made offline, the verifier key registered on the profile page.
    made = _verifier("witness-keygen", "bruno-keller", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    witness_key = made.stdout.strip().splitlines()[-1]
    member.goto("/account/")
    with member.expect_navigation():
        member.locator("main a[href='/account/witness/']").click()
    member.fill("main input[name=verifier_key]", witness_key)
    assert submit(member, "/account/witness/keys") == 200
    assert not errors_on(member), errors_on(member)
    # The latest checkpoint, downloaded from the page, cosigned offline, the line pasted back.
    href = member.locator("main #cosign a[download]").get_attribute("href")
    (tmp_path / "to-cosign.txt").write_text(member.request.get(href).text(), encoding="utf-8")
    line = _verifier("cosign", "--key", "bruno-keller.witness-key", "--log-key", log_keys, "to-cosign.txt",
                     cwd=tmp_path)
    assert line.returncode == 0, line.stderr
    member.fill("main textarea[name=signature]", line.stdout)
    assert submit(member, "/account/witness/cosign") == 200
    assert not errors_on(member), errors_on(member)
    assert "You have cosigned this checkpoint" in member.locator("main").inner_text()
    snap(member, "witness-profile")

    # The report shows the decision's checkpoint, verified and consistent; verify checks the cosignature.
    member.goto(f"/reports/cycles/{season.cycle_id}")
    section = member.locator("main #checkpoint").inner_text()
    assert "decided under" in section and "✗" not in section, section
    snap(member, "witness-report")
    out = season.install.flask("audit", "verify")
    assert "Audit chain intact" in out and "signed checkpoints verified" in out
    assert "Cosignatures by the board's witnesses verified: 1." in out
