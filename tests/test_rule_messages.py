"""Refusals and field errors reach the reader in their language, with the
rule id unchanged; the record and the API keep the English message."""

import re
import subprocess
import sys

from babel.messages.pofile import read_po
from flask_babel import force_locale

from awards_app.extensions import db
from awards_app.i18n import rule_message
from awards_app.services import Message, eligibility, scoring
from tests import builders


def _french(user):
    user.locale = "fr"
    db.session.commit()


def test_a_french_judge_sees_the_score_sheets_field_errors_in_french(ctx, client, auth):
    cycle, judges, noms = builders.judging_cycle(nominations=1)
    _french(judges[1])
    auth.login(judges[1].email)
    first, second = cycle.criteria[0], cycle.criteria[1]
    page = client.post(f"/judge/nominations/{noms[0].id}/scores", data={
        "action": "submit", f"score-{first.code}": "99", f"score-{second.code}": "dix"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert f"Saisissez une note de {first.scale_min} à {first.scale_max}." in text
    assert "Saisissez un nombre." in text
    assert "Donnez une note." in text
    assert "Enter a" not in text


def test_a_french_judge_sees_a_refusal_in_french_with_its_rule_id(ctx, client, auth):
    cycle, judges, noms = builders.judging_cycle(nominations=1)
    judge = judges[1]
    sheet = scoring.sheet_for(judge, noms[0].id).assignment
    scoring.submit(judge, sheet, {c.code: ("5", "Fine.") for c in cycle.criteria})
    db.session.commit()
    _french(judge)
    auth.login(judge.email)
    page = client.post(f"/judge/nominations/{noms[0].id}/scores",
                       data={"action": "save", f"score-{cycle.criteria[0].code}": "4"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "seul le président du jury peut les rouvrir. [scoring.locked]" in text


def test_the_api_and_the_record_keep_the_english_message(ctx):
    cycle, judges, noms = builders.judging_cycle(nominations=1)
    criterion = cycle.criteria[0]
    errors = scoring._parse(cycle.criteria, {criterion.code: ("99", "")}, complete=False)[1]
    [message] = errors[criterion.code]
    assert isinstance(message, Message)
    assert message == f"Enter a score from {criterion.scale_min} to {criterion.scale_max}."


def test_every_fixed_message_of_the_services_and_workflows_is_in_the_catalogue(tmp_path):
    """What `make messages` extracts with the Makefile's keywords: a message
    added to a service or a workflow without a translation fails here (and
    tests/test_i18n.py names it)."""
    makefile = open("Makefile", encoding="utf-8").read()
    keywords = re.search(r"^MESSAGE_KEYWORDS := (.+)$", makefile, re.M).group(1).split()
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *keywords,
                    "-o", str(tmp_path / "extracted.pot"), "."], capture_output=True, check=True)
    with open("awards_app/translations/messages.pot", "rb") as pot:
        known = {m.id for m in read_po(pot) if m.id}
    with open(tmp_path / "extracted.pot", "rb") as extracted:
        fixed = {m.id for m in read_po(extracted) if m.id}
    assert len(fixed) > 100  # the pages' strings and the services' and workflows' messages
    assert not fixed - known, f"run make messages and translate: {sorted(fixed - known)[:5]}"


def test_a_stored_eligibility_result_is_shown_in_the_readers_language(ctx):
    """The eligibility results are stored with the nomination when it is
    submitted; a message with values keeps its template for the page."""
    cycle = builders.open_cycle("young_scientists_award")
    nomination = builders.eligible_delegation_nomination(cycle)
    stored = [eligibility.as_dict(r) for r in eligibility.check(nomination)]
    assert all(type(r["message"]) is str for r in stored)  # plain JSON in the record
    [ages] = [r for r in stored if r["rule"] == "young_scientists.has_age_group"]
    with force_locale("fr"):
        french = rule_message(ages["message"], ages["message_template"], ages["message_values"])
    low, high = ages["message_values"]["low"], ages["message_values"]["high"]
    # The rule passed: its pass text, in French, with the stored values.
    assert french == f"La délégation comprend des participants de {low} à {high} ans."


def test_notices_are_written_in_the_recipients_language(ctx, client, auth):
    """The chair's reminder reaches a French judge in French, with the
    award's French name; an English judge's stays English."""
    from sqlalchemy import select

    from awards_app.models import OutboxMessage
    from awards_app.services import progress

    cycle, judges, noms = builders.judging_cycle(nominations=1)
    _french(judges[1])
    progress.remind_late_judges(judges[0], cycle)
    db.session.commit()
    sent = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    french, english = sent[judges[1].email], sent[judges[2].email]
    award_fr = cycle.award_type.name("fr")
    assert french.subject == f"Notes attendues : {award_fr} {cycle.year}"
    assert french.body.startswith("1 fiche(s) de notation de")
    assert english.subject == f"Scores awaited: {cycle.award_type.name('en')} {cycle.year}"
