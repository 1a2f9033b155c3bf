"""Every page of the app, requested as each kind of user, against a table
kept here. The routes come from the app's URL map, so a new page without a
row in the table fails this test until someone decides who may see it."""

import pytest
from flask import url_for

from awards_app import audit_tree
from awards_app.extensions import db
from awards_app.services import users
from tests import builders, factories
from tests.conftest import reset_database
from tests.factories import TESTS_ACTOR

ANON, ADMIN, OWNER, STRANGER_N = "anonymous", "admin", "owner nominator", "other nominator"
JUDGE, STRANGER_J, CHAIR, BOARD, AUDITOR = "assigned judge", "judge off the panel", "chair", "board", "auditor"
# The owner columns: the chair and a judge of ANOTHER cycle's panel. Their
# roles are those of CHAIR and JUDGE; only the object differs, so wherever
# the chair or judge of this cycle succeeds and these do not, a global role
# alone was not enough.
CHAIR_ELSEWHERE, JUDGE_ELSEWHERE = "chair of another cycle", "judge on another panel"
WHO = (ANON, ADMIN, OWNER, STRANGER_N, JUDGE, STRANGER_J, CHAIR, BOARD, AUDITOR, CHAIR_ELSEWHERE, JUDGE_ELSEWHERE)
LOGGED_IN = WHO[1:]
NEW_PASSWORD = "amber lantern meadow 77"


def only(*allowed, status=200, others=404):
    """allowed get `status`, other logged-in users `others`, anonymous goes to the login page."""
    return {ANON: 302, **{w: (status if w in allowed else others) for w in LOGGED_IN}}


EVERYONE = only(*LOGGED_IN)
# The log's key that signed the world's checkpoint, the board member's
# witness key, and another key to register.
WORLD_LOG_SIGNER = audit_tree.generate_key("awards.test")[0]
WORLD_WITNESS_VERIFIER = audit_tree.generate_key("board-witness")[1]
ANOTHER_WITNESS_VERIFIER = audit_tree.generate_key("board-witness-2")[1]
ANY_JUDGE = (JUDGE, STRANGER_J, CHAIR, CHAIR_ELSEWHERE, JUDGE_ELSEWHERE)
PUBLIC = {w: 200 for w in WHO}



def _owners_step(owner):
    """The confirmation page of a nominator's step: the nominator sees it (or, when the
    nomination's state offers no such step, is sent back to it); who may see the
    nomination gets 403, the others 404."""
    return {ANON: 302, **{w: 404 for w in LOGGED_IN}, OWNER: owner,
            **{w: 403 for w in (ADMIN, JUDGE, CHAIR, BOARD, AUDITOR)}}


# GET pages: endpoint -> expected status for each kind of user.
PAGES = {
    "main.index": {w: 302 for w in WHO},
    "main.home": EVERYONE,
    "main.healthz": PUBLIC,
    # The offline scoring's service worker and the page it shows for a page never kept: no data in either.
    "offline.service_worker": PUBLIC,
    "offline.offline": PUBLIC,
    "auth.login": {ANON: 200, **{w: 302 for w in LOGGED_IN}},
    "auth.second_step": {w: 302 for w in WHO},  # no password was accepted: back to the login
    "auth.forgot": {ANON: 200, **{w: 302 for w in LOGGED_IN}},
    "auth.use_link": {w: 404 for w in WHO},  # only a real single-use link opens it
    "account.index": EVERYONE,
    "account.password": EVERYONE,
    "account.second_factor": EVERYONE,
    "awards.index": EVERYONE,
    "awards.show": EVERYONE,
    "board.laureates": PUBLIC,
    "board.checkpoint_note": PUBLIC,  # a size, a root and signatures: published to be kept
    "witness.index": only(BOARD),
    "admin.users": only(ADMIN),
    "admin.invite": only(ADMIN),
    "admin.user": only(ADMIN),
    "people.index": only(ADMIN),
    "people.person": only(ADMIN),
    "people.erase": only(ADMIN),
    "board.index": only(BOARD),
    "board.cycle": only(BOARD),
    # No decision on the page world's cycle: nothing to amend, for anyone.
    "board.amendment": only(BOARD, status=404),
    "chair.cycle": only(CHAIR),
    # Recommending is a step of deliberation: in judging the chair is sent back to their view.
    "chair.recommend": only(CHAIR, status=303),
    "chair.tie": only(CHAIR, status=303),  # no tie in this cycle: back to the chair's view
    # The page world's cycle has no shortlist round, so nobody chairs one (tests/acceptance plays it).
    "shortlist.decide": only(CHAIR, status=404),
    "cycles.new": only(ADMIN),
    "cycles.show": EVERYONE,
    "cycle_settings.edit": only(ADMIN),
    "calendar.dates": only(ADMIN),
    "calendar.feed": {w: 404 for w in WHO},  # only a real feed address opens it, signed in or not
    "cycle_settings.propose": only(ADMIN),  # the frozen settings, to propose to the board
    "rubric.edit": only(ADMIN),
    # A proposed change of the rules: the secretariat follows it, the board votes on it.
    "settings_changes.show": only(ADMIN, BOARD),
    # The confirmation page of a cycle event (close_scoring): offered to no one while sheets
    # are awaited, so everyone is sent back to the cycle's page.
    "cycles.fire": only(*LOGGED_IN, status=303),
    # A QR code's address: the assigned judges to their sheet, the secretariat and the cycle's
    # chair to the page they manage (all redirects); anyone else the 404 of a missing id.
    "codes.nomination": only(ADMIN, JUDGE, CHAIR, status=302),
    "codes.delegation": only(ADMIN, JUDGE, CHAIR, status=302),
    "codes.sheet": only(ADMIN),  # the ESI's codes to print
    "codes.sheet_pdf": only(ADMIN),
    "delegations.index": only(ADMIN),
    "delegations.event": only(ADMIN),
    "delegations.new": only(ADMIN),
    "delegations.show": only(ADMIN),
    "endorse.respond": {w: 404 for w in WHO},  # only a real single-use token opens it
    "judges.index": only(ADMIN),
    "judges.profile": only(*ANY_JUDGE),  # one's own
    "judging.dashboard": only(*ANY_JUDGE),
    "judging.declarations": only(JUDGE, CHAIR),
    "judging.sheet": only(JUDGE, CHAIR),
    "mailbox.index": only(ADMIN),
    "mailbox.show": only(ADMIN),
    "laureates.index": only(ADMIN),
    "laureates.award": only(ADMIN),
    "laureates.new": only(ADMIN),
    "laureates.edit": only(ADMIN),
    "nominate.index": only(OWNER, STRANGER_N),
    "nominate.new": only(),  # the cycle is judging: its call is closed
    "nominate.show": only(OWNER, ADMIN, BOARD, AUDITOR, JUDGE, CHAIR),
    "nominate.submit": _owners_step(303),  # the nomination is eligible: nothing to submit
    "nominate.withdraw": _owners_step(200),
    "nominate.download_attachment": only(OWNER, ADMIN, BOARD, AUDITOR, JUDGE, CHAIR),
    "panels.show": only(ADMIN, CHAIR),
    "panels.withdraw_member": only(ADMIN, CHAIR),  # what withdrawing the judge removes, and the reason asked
    "reference.organisations": only(ADMIN),
    "reference.new_organisation": only(ADMIN),
    "reference.edit_organisation": only(ADMIN),
    "reference.organisation_duplicates": only(ADMIN),
    "reference.merge_organisation": only(ADMIN),  # with no record to keep chosen yet: the choice
    "reference.events": only(ADMIN),
    "reference.new_event": only(ADMIN),
    "reference.edit_event": only(ADMIN),
    "reference.certificates": only(ADMIN),
    "reference.certificate_file": only(ADMIN),
    "reports.index": only(BOARD, AUDITOR),
    "reports.cycle": only(BOARD, AUDITOR),
    "reports.pdf": only(BOARD, AUDITOR),
    "reports.bundle": only(BOARD, AUDITOR),
    "reports.verifier": only(BOARD, AUDITOR),
    "reports.verifier_zip": only(BOARD, AUDITOR),
    "reports.scores_csv": only(),  # no score matrix for anyone before ratification
    "screening.queue": only(ADMIN),
    "screening.show": only(ADMIN, status=303),  # the world's nomination is screened: to its own page
    "settings.edit": only(ADMIN),
    "tokens.index": EVERYONE,
    # This cycle's award has no hearing and no odd-year rule: neither page exists for it.
    "volunteer.hearing": only(),
    "volunteer.override": only(),
    # The page world's award is not performed on a stage: no running order, no evening, for anyone
    # (tests/test_cultural_evening.py plays them on a Cultural Award cycle, per role).
    "evening.running_order": only(),
    "judging.evening": only(),
}


@pytest.fixture
def world(ctx, app):
    return _build_world()


def _build_world():
    from sqlalchemy import select

    from awards_app import audit_tree
    from awards_app.models import AuditSignedCheckpoint, PanelMember, WitnessKey
    from awards_app.services import attachments

    cycle, judges, noms = builders.judging_cycle()
    users.set_roles(TESTS_ACTOR, judges[0], ("judge", "chair"))
    from awards_app.services import panels

    elsewhere = builders.open_cycle("cultural_award")
    chair_elsewhere = builders.judge("chair-elsewhere@example.org", roles=("judge", "chair"))
    judge_elsewhere = builders.judge("judge-elsewhere@example.org")
    panels.add_member(TESTS_ACTOR, elsewhere, chair_elsewhere, "chair")
    panels.add_member(TESTS_ACTOR, elsewhere, judge_elsewhere, "member")
    people = {
        CHAIR_ELSEWHERE: chair_elsewhere,
        JUDGE_ELSEWHERE: judge_elsewhere,
        ADMIN: factories.UserFactory(roles=("admin",)),
        OWNER: noms[0].nominator,
        STRANGER_N: factories.UserFactory(roles=("nominator",)),
        JUDGE: judges[1],
        STRANGER_J: factories.UserFactory(roles=("judge",)),
        CHAIR: judges[0],
        BOARD: factories.UserFactory(roles=("board",)),
        AUDITOR: factories.UserFactory(roles=("auditor",)),
    }
    nomination = noms[0]
    nomination.state = "draft"  # attach a real file as the nominator did, then back to its state
    db.session.flush()
    from io import BytesIO

    attachment = attachments.add(people[OWNER], nomination, "cv.pdf", BytesIO(b"%PDF-1.4 test"))
    nomination.state = "eligible"
    notice = factories.OutboxMessageFactory(attempts=6, last_error="connection refused")  # a given-up notice
    from awards_app.services import laureates

    past = laureates.add(TESTS_ACTOR, cycle.award_type, year=2019, kind="delegation", name="Delegation of Peru")
    # What the delegation's organisation may be merged into (registered twice).
    spare = factories.OrganisationFactory(country=nomination.candidate_delegation.organisation.country)
    someone = factories.PersonFactory(name="Someone Withoutaccount", email="someone.withoutaccount@example.org")
    # A signed checkpoint of the log (public) and the board member's witness key.
    checkpoint = AuditSignedCheckpoint(size=1, root="00" * 32, note=audit_tree.sign_checkpoint(
        audit_tree.Checkpoint("awards.test/audit", 1, bytes(32)), [WORLD_LOG_SIGNER]))
    witness_key = WitnessKey(user_id=people[BOARD].id, verifier_key=WORLD_WITNESS_VERIFIER)
    db.session.add_all([checkpoint, witness_key])
    # A participant of the delegation, and a batch of certificates already made with its PDF.
    factories.ParticipantFactory(delegation=nomination.candidate_delegation, name="Inês Carvalho")
    certificate = factories.CertificateFileFactory(
        delegation=nomination.candidate_delegation, batch=factories.CertificateBatchFactory(
            event_id=cycle.event_id, kind="laureate", status="done", total=1, done=1, requested_by=people[ADMIN]))
    from awards_app.services import settings_changes

    change = settings_changes.propose(people[ADMIN], cycle, reason="Severities differ.",
                                      settings={"aggregation": {"method": "zscore"}})
    db.session.commit()
    ids = {"laureate_id": past.id, "cycle_id": cycle.id, "nomination_id": nomination.id, "event_id": cycle.event_id,
           "delegation_id": nomination.candidate_delegation_id, "attachment_id": attachment.id,
           "code": "best_delegation_award", "token": "not-a-real-token", "message_id": notice.id,
           "event": "close_scoring", "organisation_id": nomination.candidate_delegation.organisation_id,
           "country_id": nomination.candidate_delegation.organisation.country_id, "user_id": people[STRANGER_N].id,
           "member_id": db.session.scalar(select(PanelMember.id).where(PanelMember.user_id == people[JUDGE].id)),
           "spare_organisation_id": spare.id, "person_id": someone.id, "checkpoint_id": checkpoint.id,
           "key_id": witness_key.id, "change_id": change.id,
           "file_id": certificate.id}
    return people, ids


def test_every_page_is_in_the_table(app):
    pages = {r.endpoint for r in app.url_map.iter_rules()
             if "GET" in r.methods and not r.endpoint.startswith(("static", "api"))}
    assert pages == set(PAGES), f"add these to the table: {pages - set(PAGES)}; remove: {set(PAGES) - pages}"


def test_each_user_gets_exactly_what_the_table_says(app, client, world):
    people, ids = world
    with app.test_request_context():
        urls = {e: url_for(e, **{a: ids[a] for a in rule.arguments})
                for rule in app.url_map.iter_rules() for e in [rule.endpoint] if e in PAGES}
    mismatches = []
    for who in WHO:
        if who != ANON:
            client.post("/login", data={"email": people[who].email, "password": factories.PASSWORD})
        for endpoint, url in urls.items():
            got = client.get(url).status_code
            if got != PAGES[endpoint][who]:
                mismatches.append(f"{who:>20} {endpoint:<32} expected {PAGES[endpoint][who]}, got {got}")
        client.post("/logout")
    assert not mismatches, "\n".join(mismatches)


def test_every_form_post_needs_a_login(app, client, world):
    _, ids = world
    with app.test_request_context():
        posts = [url_for(r.endpoint, **{a: ids.get(a, 1) for a in r.arguments} | (
                     {"event": "open_call"} if "event" in r.arguments else {}))
                 for r in app.url_map.iter_rules()
                 if "POST" in r.methods and not r.endpoint.startswith(("static", "api"))
                 and r.endpoint not in ("auth.login", "auth.second_step", "auth.forgot", "auth.use_link",
                                        "endorse.respond", "language.switch")]
    for url in posts:
        response = client.post(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), url


# --- writes: every POST page and every API write, per role ----------------------------
#
# Each write runs in a world of its own (what an allowed user changes cannot
# leak into the next row). A refused write is also checked in the database:
# every table reads the same after it as before.

WORLD_EXTRAS = ("conflict_id", "draft_id", "member_id", "expertise_id", "profile_id", "token_id",
                "decision_id", "event")


@pytest.fixture
def write_world(ctx, app):
    return _build_write_world()


def _build_write_world():
    """The page world, plus what the writes act on: the assigned judge's
    declared conflict on the second nomination, another nominator's draft in
    the judging cycle, the judge's panel seat, expertise and profile, the
    owner's API token, a decision, and an API token for everyone."""
    from sqlalchemy import select

    from awards_app.models import Decision, Expertise, JudgeProfile, Nomination, PanelMember
    from awards_app.services import conflicts
    from awards_app.services import tokens as token_service

    people, ids = _build_world()
    cycle_id = ids["cycle_id"]
    second = db.session.scalar(select(Nomination).where(Nomination.cycle_id == cycle_id,
                                                        Nomination.id != ids["nomination_id"]))
    conflict = conflicts.declare(people[JUDGE], second, "family", "My cousin leads it.")
    draft = factories.NominationFactory(
        cycle=db.session.get(Nomination, ids["nomination_id"]).cycle, nominator=people[STRANGER_N],
        candidate_delegation=factories.DelegationFactory(event_id=ids["event_id"]))
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == people[JUDGE].id))
    decision = Decision(cycle_id=cycle_id, inputs_hash="f" * 64, laureate_nomination_ids=[])
    db.session.add(decision)
    db.session.flush()
    token_row, _ = token_service.create(people[OWNER], "owner's script")
    tokens = {who: token_service.create(people[who], "tests")[1] for who in LOGGED_IN}
    ids = ids | {
        "conflict_id": conflict.id, "draft_id": draft.id, "decision_id": decision.id,
        "member_id": db.session.scalar(select(PanelMember.id).where(PanelMember.user_id == people[JUDGE].id)),
        "expertise_id": db.session.scalar(select(Expertise.id).where(Expertise.profile_id == profile.id)),
        "profile_id": profile.id, "token_id": token_row.id, "event": "close_scoring",
        "second_nomination_id": second.id, "judge_id": people[JUDGE].id, "stranger_judge_id": people[STRANGER_J].id,
    }
    db.session.commit()
    return people, ids, tokens


VOLATILE = {"last_used_at"}  # an API token notes when it was last used, refused or not


def snapshot() -> dict:
    """Every row of every table, to show that a refused write changed nothing.
    What the request flushed without committing ends with it (the test shares its session)."""
    db.session.rollback()
    with db.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(
            t.select().with_only_columns(*[c for c in t.columns if c.name not in VOLATILE])).all()))
            for t in db.metadata.sorted_tables}


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _login(client, people, who):
    client.post("/logout")
    if who != ANON:
        assert client.post("/login", data={"email": people[who].email,
                                           "password": factories.PASSWORD}).status_code == 302


def _run_row(client, people, who, call, expected, refused_statuses, *, web=True):
    _login(client, people, who if web else ANON)
    before = snapshot()
    got = call(who)
    if web and who == ANON and expected == 302 and got == 401:
        got = 302  # sent to the login page, which keeps the form that came with it
    problems = []
    if got != expected:
        problems.append(f"{who:>20} expected {expected}, got {got}")
    if got in refused_statuses or isinstance(expected, Refused):
        moved = changed(before, snapshot())
        if moved:
            problems.append(f"{who:>20} was refused ({got}) but these tables changed: {moved}")
    return problems


def _order(row: dict) -> list[str]:
    """Refused users first, the allowed ones last: a refusal runs on the world as built."""
    return sorted(row, key=lambda who: ((row[who] < 400 or isinstance(row[who], Refused)) and who != ANON,
                                        WHO.index(who)))


def _form(**data):
    return lambda ids: {k: (v(ids) if callable(v) else v) for k, v in data.items()}


NO_FORM = _form()


class Refused(int):
    """A status under which the service refused the write (a flash and a
    redirect, or a 409): the database must not change either."""


def api_only(*allowed, status=200, others=404):
    """allowed get `status`, other users `others`, no credentials 401."""
    return {ANON: 401, **{w: (status if w in allowed else others) for w in LOGGED_IN}}


JUDGES_OF_IT = (JUDGE, CHAIR)  # on the panel, assigned, attested
SEE_NOT_CHANGE = {ANON: 302, STRANGER_N: 404, STRANGER_J: 404, CHAIR_ELSEWHERE: 404, JUDGE_ELSEWHERE: 404,
                  **{w: 403 for w in (ADMIN, OWNER, JUDGE, CHAIR, BOARD, AUDITOR)}}

# POST pages: endpoint -> (expected status for each kind of user, the form sent).
# The form is one an allowed user could send, so a refusal has something to refuse.
POST_PAGES = {
    "auth.login": ({ANON: 400, **{w: 302 for w in LOGGED_IN}}, NO_FORM),
    "auth.logout": ({w: 302 for w in WHO}, NO_FORM),
    "auth.second_step": ({w: 302 for w in WHO}, _form(code="123456")),  # no password accepted before
    # The same answer for every address; a signed-in user changes their password instead.
    "auth.forgot": ({ANON: 303, **{w: 302 for w in LOGGED_IN}}, _form(email="nobody@example.org")),
    "auth.use_link": ({w: 404 for w in WHO}, _form(password=NEW_PASSWORD, password_again=NEW_PASSWORD)),
    "account.password": (only(*LOGGED_IN, status=303), _form(current_password=factories.PASSWORD,
                                                             password=NEW_PASSWORD, password_again=NEW_PASSWORD)),
    "account.start_second_factor": (only(*LOGGED_IN, status=303), NO_FORM),
    "witness.add_key": (only(BOARD, status=303), _form(verifier_key=ANOTHER_WITNESS_VERIFIER)),
    "witness.retire_key": (only(BOARD, status=303), NO_FORM),  # the board member's own key
    # Not a signature line: refused at the field (witness.signature_malformed).
    "witness.cosign": (only(BOARD, status=Refused(400)), _form(checkpoint_id=lambda ids: ids["checkpoint_id"],
                                                               signature="-- board-witness AAAA")),
    # Not started, not on: refused at the code's field.
    "account.confirm_second_factor": (only(*LOGGED_IN, status=Refused(400)), _form(code="123456")),
    "account.disable_second_factor": (only(*LOGGED_IN, status=Refused(400)), _form(code="123456")),
    "admin.invite": (only(ADMIN, status=303), _form(email="invited@example.org", name="In Vited", roles="judge",
                                                    locale="fr", organisation=0, country=0)),
    "admin.set_roles": (only(ADMIN, status=303), _form(roles=["nominator", "judge"])),
    "admin.deactivate": (only(ADMIN, status=303), NO_FORM),
    "admin.personal_data": (only(ADMIN), NO_FORM),  # the JSON file itself
    "people.download": (only(ADMIN), NO_FORM),
    "people.erase": (only(ADMIN, status=303), _form(reason="Their request of 1 December.", understood="y")),
    # The account is active, has its password and no second factor: each is refused.
    "admin.reactivate": (only(ADMIN, status=Refused(303)), NO_FORM),
    "admin.resend_invitation": (only(ADMIN, status=Refused(303)), NO_FORM),
    "admin.reset_second_factor": (only(ADMIN, status=Refused(303)), NO_FORM),
    "language.switch": ({w: 303 for w in WHO}, _form(lang="fr")),
    "endorse.respond": ({w: 404 for w in WHO}, NO_FORM),  # only a real single-use token opens it
    "board.cycle": (only(BOARD), NO_FORM),  # no recommendation yet: the page, no vote
    # No laureate ticked, no reason: refused at the fields.
    "board.amendment": (only(BOARD, status=Refused(400)), NO_FORM),
    "chair.notes": (only(CHAIR, status=303), _form(notes="Strong field this year.")),
    "chair.recommend": (only(CHAIR, status=Refused(303)), _form(rationale="The best of the year.")),
    "chair.remind": (only(CHAIR, status=303), NO_FORM),
    "shortlist.decide": (only(CHAIR, status=404), _form(basis="rank", cutoff="2", reason="Top two.")),
    "chair.tie": (only(CHAIR, status=303), _form(how="counts", minutes="Hands.")),  # no tie: nothing to vote on
    # Every user may ask; the workflow's guards refuse (sheets are still open).
    "cycles.fire": ({ANON: 302, **{w: Refused(303) for w in LOGGED_IN}}, NO_FORM),
    # An award tied to no ESI: created with no event (an ESI award needs the ESI of its year).
    "cycles.new": (only(ADMIN, status=303), _form(award="derek_gray_medal", year=2031, event=0)),
    # The cycle is judging: what may still change (the laureates, say) cannot be left empty.
    "cycle_settings.edit": (only(ADMIN, status=Refused(400)), NO_FORM),
    # A date in the past: refused at its field, for the secretariat too.
    "calendar.dates": (only(ADMIN, status=Refused(400)), _form(judging_deadline="2001-01-01T10:00")),
    "calendar.new_link": (only(*LOGGED_IN, status=303), NO_FORM),
    # No reason, and the frozen settings left empty: refused at the fields.
    "cycle_settings.propose": (only(ADMIN, status=Refused(400)), NO_FORM),
    # The rubric froze when the call opened (and a rubric needs a criterion).
    "rubric.edit": (only(ADMIN, status=Refused(400)), NO_FORM),
    # A board member's vote (the quorum is not reached); the secretariat follows, may not vote.
    "settings_changes.show": (only(BOARD, status=303) | {ADMIN: 403}, _form(vote="for")),
    "settings_changes.withdraw": (only(ADMIN, status=303), NO_FORM),
    "delegations.import_participants": (only(ADMIN, status=400), NO_FORM),
    "delegations.new": (only(ADMIN, status=400), NO_FORM),
    "judges.add_expertise": (only(*ANY_JUDGE, status=303),
                             _form(field="science_outreach", evidence="Ten years of it.", years=10)),
    "judges.add_relation": (only(*ANY_JUDGE, status=303),
                            _form(name="A Cousin", email="cousin@example.org", kind="family")),
    "judges.languages": (only(*ANY_JUDGE, status=303), _form(languages="fr")),
    "judges.remove_expertise": (only(JUDGE, status=303), NO_FORM),  # one's own only
    "judges.vet": (only(ADMIN, status=303), NO_FORM),
    "judging.attest": (only(*JUDGES_OF_IT, status=303), NO_FORM),
    "judging.attest_all": (only(*JUDGES_OF_IT, status=303), NO_FORM),
    "judging.declare": (only(*JUDGES_OF_IT, status=303), _form(kind="family", note="My cousin.")),
    "judging.score": (only(*JUDGES_OF_IT, status=303), _form(action="save")),
    "mailbox.retry": (only(ADMIN, status=303), NO_FORM),
    "laureates.import_csv": (only(ADMIN, status=400), NO_FORM),
    "laureates.new": (only(ADMIN, status=400), NO_FORM),
    "laureates.edit": (only(ADMIN, status=400), NO_FORM),
    "laureates.remove": (only(ADMIN, status=303), _form(reason="Entered twice.")),
    "nominate.new": (only(), NO_FORM),  # the cycle is judging: its call is closed
    # The nomination is past its draft: those who see it may not change it.
    "nominate.show": (SEE_NOT_CHANGE, _form(statement="Changed.")),
    "nominate.add_attachment": (SEE_NOT_CHANGE, NO_FORM),
    "nominate.remove_attachment": (SEE_NOT_CHANGE, NO_FORM),
    "nominate.request_endorsement": (SEE_NOT_CHANGE, _form(email="endorser@example.org")),
    "nominate.submit": (SEE_NOT_CHANGE | {OWNER: Refused(303)}, NO_FORM),
    "nominate.withdraw": (SEE_NOT_CHANGE | {OWNER: Refused(303)}, NO_FORM),  # not once judging began
    # Creating an account is the secretariat's: the chair sees the panel, may not.
    "panels.invite_member": (only(ADMIN, status=303) | {CHAIR: 403},
                             _form(**{"new_judge-email": "new-judge@example.org", "new_judge-name": "New Judge",
                                      "new_judge-role": "member", "new_judge-locale": "es"})),
    "panels.add_member": (only(ADMIN, CHAIR, status=303), _form(user=lambda ids: ids["stranger_judge_id"],
                                                                role="member")),
    # A judge of the panel sees their own assignments, does not run them.
    "panels.assign": (only(ADMIN, CHAIR, status=303) | {JUDGE: 403}, NO_FORM),
    "panels.detect": (only(ADMIN, CHAIR, status=303), NO_FORM),
    # Judging has opened: the panel is locked.
    "panels.remove_member": (only(ADMIN, CHAIR, status=Refused(303)), NO_FORM),
    # No reason given: the form is shown again, nothing changes (tests/test_conflicts_across_season.py withdraws).
    "panels.withdraw_member": (only(ADMIN, CHAIR, status=Refused(400)), _form(reason="   ")),
    # The conflict is the assigned judge's own: seen, not resolved.
    "panels.resolve": (only(ADMIN, CHAIR, status=303) | {JUDGE: 403},
                       _form(action="dismiss", rationale="A false match.")),
    "reference.import_organisations": (only(ADMIN, status=400), NO_FORM),  # no file sent
    "reference.new_organisation": (only(ADMIN, status=303), _form(
        name="Matrix Science Club", country=lambda ids: ids["country_id"], status="member")),
    "reference.edit_organisation": (only(ADMIN, status=303), _form(
        name="Renamed Science Club", country=lambda ids: ids["country_id"], status="associate")),
    "reference.organisation_active": (only(ADMIN, status=303), _form(active="0")),
    "reference.merge_organisation": (only(ADMIN, status=303), _form(
        into=lambda ids: ids["spare_organisation_id"], reason="Registered twice.")),
    "reference.import_events": (only(ADMIN, status=400), NO_FORM),  # no file sent
    "reference.new_event": (only(ADMIN, status=303), _form(
        number=77, year=2031, city="Matrix City", country=lambda ids: ids["country_id"], host=0)),
    "reference.edit_event": (only(ADMIN, status=303), _form(
        number=78, year=2031, city="Renamed City", country=lambda ids: ids["country_id"], host=0)),
    "reference.event_active": (only(ADMIN, status=303), _form(active="0")),
    # The delegation's participant is printed; the batch made already was of laureates.
    "reference.start_certificates": (only(ADMIN, status=303), _form(kind="participation", language="fr")),
    # Screened already: the refusal is shown with the verdict form, keeping what was typed.
    "screening.decide": (only(ADMIN, status=409), _form(verdict="eligible")),
    "settings.edit": (only(ADMIN, status=303), _form(organisation_name="MILSET", contact_email="office@milset.org",
                                                     timezone="Europe/Paris")),
    "tokens.create": (only(*LOGGED_IN, status=201), _form(name="my script")),
    "tokens.revoke": (only(OWNER, status=303), NO_FORM),  # one's own only
    "volunteer.hearing": (only(), _form(held_on="2026-01-10", minutes="Heard.")),  # no hearing in this award
    # No stage in this award (see PAGES; tests/test_cultural_evening.py).
    "evening.running_order": (only(), NO_FORM),
    "evening.stage": (only(), _form(direction="next")),
    # The board's decision, and only on a Volunteer cycle: the board is refused on this award.
    "volunteer.override": ({ANON: 302, **{w: 403 for w in LOGGED_IN}, BOARD: Refused(409)},
                           _form(reason="The board agreed.")),
}

# API writes: "METHOD endpoint" -> (expected status for each kind of user, the JSON body).
API_WRITES = {
    "POST api_catalogue.create_cycle": (api_only(ADMIN, status=201, others=403),
                                        lambda ids: {"award": "derek_gray_medal", "year": 2031}),
    # The cycle is judging: the panel's rules are frozen (422 settings.frozen).
    "PATCH api_catalogue.update_cycle_settings": (api_only(ADMIN, status=Refused(422), others=403),
                                                  lambda ids: {"settings": {"judges_per_nomination": 4}}),
    # Closing scoring is the chair of this panel's (a guard then refuses: sheets are missing).
    "POST api_catalogue.fire_cycle_event": ({ANON: 401, **{w: 403 for w in LOGGED_IN}, CHAIR: Refused(409)},
                                            lambda ids: {"event": "close_scoring"}),
    "POST api_nominations.create_nomination": (
        api_only(OWNER, STRANGER_N, status=Refused(422), others=403),  # the call is closed
        lambda ids: {"cycle_id": ids["cycle_id"], "delegation_id": ids["delegation_id"], "statement": "x"}),
    "PATCH api_nominations.update_nomination": (SEE_NOT_CHANGE | {ANON: 401},
                                                lambda ids: {"statement": "Changed."}),
    "POST api_nominations.fire_nomination_event": (SEE_NOT_CHANGE | {ANON: 401, OWNER: Refused(409)},
                                                   lambda ids: {"event": "withdraw"}),
    "POST api_nominations.request_endorsement": (SEE_NOT_CHANGE | {ANON: 401},
                                                 lambda ids: {"email": "endorser@example.org"}),
    "POST api_nominations.upload_attachment": (SEE_NOT_CHANGE | {ANON: 401}, lambda ids: "multipart"),
    # The secretariat adds the judge first; the chair then finds them on the panel.
    "POST api_judging.add_panel_member": (api_only(ADMIN, status=201) | {CHAIR: Refused(422)},
                                          lambda ids: {"user_id": ids["stranger_judge_id"]}),
    "DELETE api_judging.remove_panel_member": (api_only(ADMIN, CHAIR, status=Refused(422)), None),
    "POST api_judging.withdraw_panel_member": (api_only(ADMIN, CHAIR, status=Refused(422)),
                                               lambda ids: {"reason": "   "}),
    "POST api_judging.add_my_expertise": (api_only(*ANY_JUDGE, status=201),
                                          lambda ids: {"field": "science_outreach", "evidence": "Ten years.",
                                                       "years": 10}),
    "POST api_judging.declare_conflict": (api_only(*JUDGES_OF_IT, status=201), lambda ids: {"kind": "family"}),
    "POST api_judging.attest_no_conflict": (api_only(*JUDGES_OF_IT), None),
    "POST api_judging.resolve_conflict": (api_only(ADMIN, CHAIR) | {JUDGE: 403},
                                          lambda ids: {"action": "dismiss", "rationale": "A false match."}),
    "POST api_judging.run_assignments": (api_only(ADMIN, CHAIR) | {JUDGE: 403}, None),
    "PUT api_judging.save_score_sheet": (api_only(*JUDGES_OF_IT), lambda ids: {"scores": {}}),
    "POST api_judging.submit_score_sheet": (api_only(*JUDGES_OF_IT, status=Refused(422)),
                                            lambda ids: {"scores": {}}),
    "POST api_board.recommend": (api_only(CHAIR, status=Refused(409)) | {w: 403 for w in (ADMIN, BOARD, AUDITOR)},
                                 lambda ids: {"rationale": "The best of the year."}),
    "POST api_board.cast_vote": (api_only(BOARD, status=404) | {AUDITOR: 403},
                                 lambda ids: {"vote": "approve"}),
    # An amendment is a proposal the board votes on; this decision's cycle is not ratified (409).
    "POST api_board.amend_decision": (api_only(BOARD, status=Refused(409)) | {ADMIN: 403, AUDITOR: 403},
                                      lambda ids: {"laureate_nomination_ids": [ids["nomination_id"]],
                                                   "reason": "The laureate declined."}),
    # The secretariat or the board; this award has no hearing (409 volunteer.no_hearing).
    "POST api_volunteer.record_hearing": (api_only(ADMIN, BOARD, status=Refused(409), others=403),
                                          lambda ids: {"held_on": "2026-01-10", "present": [ids["user_id"]],
                                                       "minutes": "Heard."}),
    "POST api_volunteer.approve_override": (api_only(BOARD, status=Refused(409), others=403),
                                            lambda ids: {"reason": "The board agreed."}),
}


def _succeeds(status) -> bool:
    return status < 400 and not isinstance(status, Refused)


def test_a_seat_on_another_panel_grants_nothing_on_this_cycle():
    """Wherever the chair (or a judge) of this cycle succeeds and a judge with
    no seat anywhere does not, the success comes from the object, not the
    role: the chair (or judge) of another cycle, holding the same roles,
    must be refused there too (403 or 404)."""
    rows = [("GET " + name, row) for name, row in PAGES.items()]
    rows += [("POST " + name, row) for name, (row, _form) in POST_PAGES.items()]
    rows += [(name, row) for name, (row, _body) in API_WRITES.items()]
    granted = []
    for name, row in rows:
        for here, elsewhere in ((CHAIR, CHAIR_ELSEWHERE), (JUDGE, JUDGE_ELSEWHERE)):
            if _succeeds(row[here]) and not _succeeds(row[STRANGER_J]) and row[elsewhere] not in (403, 404):
                granted.append(f"{name}: {elsewhere} {row[elsewhere]}")
    assert not granted, granted


def _url(app, endpoint, ids):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{a: ids[a] for a in rule.arguments})


def _post_pages(app):
    return {r.endpoint for r in app.url_map.iter_rules()
            if "POST" in r.methods and not r.endpoint.startswith(("static", "api"))}


def _api_writes(app):
    return {f"{m} {r.endpoint}" for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
            for m in r.methods & {"POST", "PUT", "PATCH", "DELETE"}}


def test_every_post_page_and_api_write_is_in_the_tables(app):
    pages, writes = _post_pages(app), _api_writes(app)
    assert pages == set(POST_PAGES), f"add these to POST_PAGES: {pages - set(POST_PAGES)}; " \
                                     f"remove: {set(POST_PAGES) - pages}"
    assert writes == set(API_WRITES), f"add these to API_WRITES: {writes - set(API_WRITES)}; " \
                                      f"remove: {set(API_WRITES) - writes}"
    for table in (POST_PAGES, API_WRITES):
        for name, (row, _body) in table.items():
            assert set(row) == set(WHO), f"{name}: a status for every kind of user"


@pytest.mark.parametrize("endpoint", sorted(POST_PAGES))
def test_each_user_may_post_exactly_what_the_table_says(app, client, write_world, endpoint):
    people, ids, _tokens = write_world
    row, form = POST_PAGES[endpoint]
    url = _url(app, endpoint, ids)
    refused = (401, 403, 404)
    problems = []
    for who in _order(row):
        problems += _run_row(client, people, who, lambda _who: client.post(url, data=form(ids)).status_code,
                             row[who], refused + ((302,) if who == ANON else ()))
    assert not problems, f"POST {url}\n" + "\n".join(problems)


@pytest.mark.parametrize("write", sorted(API_WRITES))
def test_each_user_may_write_through_the_api_exactly_what_the_table_says(app, client, write_world, write):
    people, ids, tokens = write_world
    method, endpoint = write.split()
    row, body = API_WRITES[write]
    url = _url(app, endpoint, ids)

    def call(who):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who != ANON else {}
        sent = body(ids) if body else None
        if sent == "multipart":
            from io import BytesIO

            return client.open(url, method=method, headers=headers,
                               data={"file": (BytesIO(b"%PDF-1.4 test"), "cv.pdf")}).status_code
        return client.open(url, method=method, headers=headers, json=sent).status_code

    problems = []
    for who in _order(row):
        problems += _run_row(client, people, who, call, row[who], (401, 403, 404), web=False)
    assert not problems, f"{method} {url}\n" + "\n".join(problems)


# --- parity: the pages and the API answer each question alike ----------------------------
#
# The same user asks the same thing of the same object on a page and through
# the API; both must answer alike: permitted (whatever the rules then say),
# 403 (may see it, not do it) or 404 (may not see it). The API's 409 and 422,
# like a page's flashed refusal, come after the permission was granted.

def _answer(status: int) -> str:
    return {403: "403", 404: "404"}.get(status, "permitted" if status < 500 else f"error {status}")


# question -> ((page method, page path, page form), (API method, API path, API body))
READ_PAIRS = {
    "see the nomination": (("GET", "/nominations/{nomination_id}", None),
                           ("GET", "/api/v1/nominations/{nomination_id}", None)),
    "see a draft in the judged cycle": (("GET", "/nominations/{draft_id}", None),
                                        ("GET", "/api/v1/nominations/{draft_id}", None)),
    "see one's score sheet": (("GET", "/judge/nominations/{nomination_id}", None),
                              ("GET", "/api/v1/nominations/{nomination_id}/score-sheet", None)),
    "see a sheet a conflict hides": (("GET", "/judge/nominations/{second_nomination_id}", None),
                                     ("GET", "/api/v1/nominations/{second_nomination_id}/score-sheet", None)),
    "see the panel": (("GET", "/cycles/{cycle_id}/panel", None), ("GET", "/api/v1/cycles/{cycle_id}/panel", None)),
}

WRITE_PAIRS = {
    "declare a conflict": (("POST", "/judge/nominations/{nomination_id}/declare", {"kind": "family"}),
                           ("POST", "/api/v1/nominations/{nomination_id}/conflicts", {"kind": "family"})),
    # The page stored this one; the API answered 404. Now both refuse.
    "declare a conflict on a draft": (("POST", "/judge/nominations/{draft_id}/declare", {"kind": "family"}),
                                      ("POST", "/api/v1/nominations/{draft_id}/conflicts", {"kind": "family"})),
    "declare on a nomination a conflict hides": (
        ("POST", "/judge/nominations/{second_nomination_id}/declare", {"kind": "other"}),
        ("POST", "/api/v1/nominations/{second_nomination_id}/conflicts", {"kind": "other"})),
    "state no conflict": (("POST", "/judge/nominations/{nomination_id}/no-conflict", {}),
                          ("POST", "/api/v1/nominations/{nomination_id}/conflict-attestation", None)),
    "state no conflict on a draft": (("POST", "/judge/nominations/{draft_id}/no-conflict", {}),
                                     ("POST", "/api/v1/nominations/{draft_id}/conflict-attestation", None)),
    "save the score sheet": (("POST", "/judge/nominations/{nomination_id}/scores", {"action": "save"}),
                             ("PUT", "/api/v1/nominations/{nomination_id}/score-sheet", {"scores": {}})),
    "resolve a conflict": (("POST", "/conflicts/{conflict_id}/resolve",
                            {"action": "dismiss", "rationale": "A false match."}),
                           ("POST", "/api/v1/conflicts/{conflict_id}/resolution",
                            {"action": "dismiss", "rationale": "A false match."})),
    "run the assignment": (("POST", "/cycles/{cycle_id}/panel/assign", {}),
                           ("POST", "/api/v1/cycles/{cycle_id}/assignments/run", None)),
    "add a panel member": (("POST", "/cycles/{cycle_id}/panel/members",
                            {"user": "{stranger_judge_id}", "role": "member"}),
                           ("POST", "/api/v1/cycles/{cycle_id}/panel/members", {"user_id": "{stranger_judge_id}"})),
}


def _fill(value, ids):
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _ask_both(client, people, tokens, ids, who, pair) -> tuple[str, str]:
    (page_method, page_path, form), (api_method, api_path, body) = pair
    _login(client, people, who)
    page = client.open(_fill(page_path, ids), method=page_method, data=_fill(form, ids)).status_code
    client.post("/logout")
    api = client.open(_fill(api_path, ids), method=api_method, json=_fill(body, ids),
                      headers={"Authorization": f"Bearer {tokens[who]}"}).status_code
    return _answer(page), _answer(api)


@pytest.mark.parametrize("who", LOGGED_IN)
def test_pages_and_api_answer_every_read_alike(client, write_world, who):
    people, ids, tokens = write_world
    differ = {question: answers for question, pair in READ_PAIRS.items()
              if len(set(answers := _ask_both(client, people, tokens, ids, who, pair))) > 1}
    assert not differ, f"{who}: (page, API) answers differ: {differ}"


@pytest.mark.parametrize("who", LOGGED_IN)
@pytest.mark.parametrize("question", sorted(WRITE_PAIRS))
def test_pages_and_api_answer_every_write_alike(app, client, write_world, question, who):
    """Each side acts on a world of its own, built the same way."""
    people, ids, tokens = write_world
    page_only = (WRITE_PAIRS[question][0], ("GET", "/api/v1/openapi.json", None))
    page = _ask_both(client, people, tokens, ids, who, page_only)[0]
    db.session.rollback()
    reset_database(app)
    db.session.expunge_all()
    people, ids, tokens = _build_write_world()
    api_only_ = (("GET", "/api/v1/openapi.json", None), WRITE_PAIRS[question][1])
    api = _ask_both(client, people, tokens, ids, who, api_only_)[1]
    assert page == api, f"{who} may {question}? page: {page}, API: {api}"


def test_a_draft_takes_no_conflict_declaration_on_either_side(client, write_world):
    """The page used to store a declaration on a draft that the API refused with 404."""
    from sqlalchemy import func, select

    from awards_app.models import ConflictAttestation, ConflictOfInterest

    people, ids, tokens = write_world
    for who in (JUDGE, CHAIR):
        page, api = _ask_both(client, people, tokens, ids, who, WRITE_PAIRS["declare a conflict on a draft"])
        assert (page, api) == ("404", "404"), who
        page, api = _ask_both(client, people, tokens, ids, who, WRITE_PAIRS["state no conflict on a draft"])
        assert (page, api) == ("404", "404"), who
    for model in (ConflictOfInterest, ConflictAttestation):
        assert db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.nomination_id == ids["draft_id"])) == 0


def test_each_predicate_and_its_sql_twin_agree(write_world):
    """The list queries filter with the twins: they must keep exactly the rows
    the predicates allow, for every kind of user and every nomination."""
    from sqlalchemy import select

    from awards_app import permissions
    from awards_app.models import Nomination

    people, _ids, _tokens = write_world
    nominations = db.session.scalars(select(Nomination)).all()
    for who in LOGGED_IN:
        user = people[who]
        for predicate, twin in ((permissions.may_judge, permissions.judgeable_by),
                                (permissions.may_see_nomination, permissions.nominations_visible_to)):
            listed = set(db.session.scalars(select(Nomination.id).where(twin(user))))
            allowed = {n.id for n in nominations if predicate(user, n)}
            assert listed == allowed, (who, predicate.__name__)
