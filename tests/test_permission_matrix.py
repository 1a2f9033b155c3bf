"""Every page of the app, requested as each kind of user, against a table
kept here. The routes come from the app's URL map, so a new page without a
row in the table fails this test until someone decides who may see it."""

import pytest
from flask import url_for

from awards_app.extensions import db
from awards_app.services import users
from tests import builders, factories
from tests.factories import TESTS_ACTOR

ANON, ADMIN, OWNER, STRANGER_N = "anonymous", "admin", "owner nominator", "other nominator"
JUDGE, STRANGER_J, CHAIR, BOARD, AUDITOR = "assigned judge", "judge off the panel", "chair", "board", "auditor"
WHO = (ANON, ADMIN, OWNER, STRANGER_N, JUDGE, STRANGER_J, CHAIR, BOARD, AUDITOR)
LOGGED_IN = WHO[1:]


def only(*allowed, status=200, others=404):
    """allowed get `status`, other logged-in users `others`, anonymous goes to the login page."""
    return {ANON: 302, **{w: (status if w in allowed else others) for w in LOGGED_IN}}


EVERYONE = only(*LOGGED_IN)
PUBLIC = {w: 200 for w in WHO}

# GET pages: endpoint -> expected status for each kind of user.
PAGES = {
    "main.index": {w: 302 for w in WHO},
    "main.home": EVERYONE,
    "main.healthz": PUBLIC,
    "auth.login": {ANON: 200, **{w: 302 for w in LOGGED_IN}},
    "awards.index": EVERYONE,
    "awards.show": EVERYONE,
    "board.laureates": PUBLIC,
    "admin.users": only(ADMIN),
    "board.index": only(BOARD),
    "board.cycle": only(BOARD),
    "chair.cycle": only(CHAIR),
    "cycles.new": only(ADMIN),
    "cycles.show": EVERYONE,
    "delegations.index": only(ADMIN),
    "delegations.event": only(ADMIN),
    "delegations.new": only(ADMIN),
    "delegations.show": only(ADMIN),
    "endorse.respond": {w: 404 for w in WHO},  # only a real single-use token opens it
    "judges.index": only(ADMIN),
    "judges.profile": only(JUDGE, STRANGER_J, CHAIR),
    "judging.dashboard": only(JUDGE, STRANGER_J, CHAIR),
    "judging.declarations": only(JUDGE, CHAIR),
    "judging.sheet": only(JUDGE, CHAIR),
    "nominate.index": only(OWNER, STRANGER_N),
    "nominate.new": only(),  # the cycle is judging: its call is closed
    "nominate.show": only(OWNER, ADMIN, BOARD, AUDITOR, JUDGE, CHAIR),
    "nominate.download_attachment": only(OWNER, ADMIN, BOARD, AUDITOR, JUDGE, CHAIR),
    "panels.show": only(ADMIN, CHAIR),
    "reports.index": only(BOARD, AUDITOR),
    "reports.cycle": only(BOARD, AUDITOR),
    "reports.pdf": only(BOARD, AUDITOR),
    "reports.bundle": only(BOARD, AUDITOR),
    "reports.verifier": only(BOARD, AUDITOR),
    "reports.scores_csv": only(),  # no score matrix for anyone before ratification
    "screening.queue": only(ADMIN),
    "tokens.index": EVERYONE,
}


@pytest.fixture
def world(ctx, app):
    from awards_app.services import attachments

    cycle, judges, noms = builders.judging_cycle()
    users.set_roles(TESTS_ACTOR, judges[0], ("judge", "chair"))
    people = {
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
    db.session.commit()
    ids = {"cycle_id": cycle.id, "nomination_id": nomination.id, "event_id": cycle.event_id,
           "delegation_id": nomination.candidate_delegation_id, "attachment_id": attachment.id,
           "code": "best_delegation_award", "token": "not-a-real-token"}
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
                 and r.endpoint not in ("auth.login", "endorse.respond", "language.switch")]
    for url in posts:
        response = client.post(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), url
