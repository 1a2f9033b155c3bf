"""Accounts run from the pages: invitations, a forgotten password, one's own
password, the secretariat's changes (roles, deactivation), a judge invited
from the panel page, and the same through the CLI.

Each browser is its own test client, and each request runs in its own
application context (no `ctx` held around them), as in production."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AccountLink, ApiToken, AuditEvent, OutboxMessage, User
from awards_app.services import links, users
from awards_app.services import tokens as token_service
from tests.conftest import PASSWORD
from tests.factories import TESTS_ACTOR

NEW = "amber lantern meadow 77"
ADMIN = "sec@example.org"
LINK = re.compile(r"http://127\.0\.0\.1:5000/password/([A-Za-z0-9_-]+)")


@pytest.fixture
def admin(app, db_do):
    db_do(lambda: users.create_user(TESTS_ACTOR, ADMIN, "Sam Secretariat", ("admin",), password=PASSWORD))
    return browser(app, ADMIN)


def browser(app, email=None, password=PASSWORD):
    client = app.test_client()
    if email:
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    return client


def make(db_do, email, roles=("nominator",), password=PASSWORD):
    return db_do(lambda: users.create_user(TESTS_ACTOR, email, email.split("@")[0].title(), roles,
                                           password=password).id)


def account(db_do, email) -> SimpleNamespace:
    """What the database holds on the account, as plain values."""
    def read():
        user = users.find_by_email(email)
        return SimpleNamespace(id=user.id, roles=set(user.roles), password_hash=user.password_hash,
                               locale=user.locale, active=user.active, last_login_at=user.last_login_at)
    return db_do(read)


def messages_to(db_do, email):
    return db_do(lambda: [(m.subject, m.body, m.locale, m.secret) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id))])


def path_of(body: str) -> str:
    """The link in a notice, as a path: the test client's cookies are for its own host."""
    return urlsplit(LINK.search(body).group(0)).path


def last_link(db_do, email) -> str:
    return path_of(messages_to(db_do, email)[-1][1])


def main_part(response) -> bytes:
    """The page's own content, without the per-session parts of the header."""
    return response.data.split(b"<main", 1)[1].split(b"</main>", 1)[0]


def actions(db_do):
    return db_do(lambda: db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def invite(admin, email="nina@example.org", **extra):
    data = {"email": email, "name": "Nina Nominator", "roles": ["nominator"], "locale": "fr",
            "organisation": 0, "country": 0} | extra
    return admin.post("/admin/users/invite", data=data)


# --- invitations ------------------------------------------------------------------------

def test_an_invitation_creates_an_account_without_password_and_emails_a_single_use_link(app, admin, db_do):
    response = invite(admin)
    assert response.status_code == 303
    user = account(db_do, "nina@example.org")
    assert user.password_hash is None and user.locale == "fr"
    [(subject, body, locale, secret)] = messages_to(db_do, "nina@example.org")
    assert locale == "fr"  # the inviter chose the recipient's language
    assert "Envoyé par" in body and "Sent by" not in body  # its footer too
    assert secret == LINK.search(body).group(0)  # the outbox erases it from the body once sent
    link = path_of(body)
    token = link.rsplit("/", 1)[1]
    stored = db_do(lambda: db.session.scalars(select(AccountLink.token_hash)).all())
    assert stored == [links.token_hash(token)]  # only the hash
    assert "invited" in actions(db_do)[-1] and "user.invited" in actions(db_do)
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "invited, not yet accepted" in listing

    # Not yet a login: the same message as a wrong password.
    refused = app.test_client().post("/login", data={"email": "nina@example.org", "password": NEW})
    assert b"Wrong email or password." in refused.data

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert page.status_code == 200 and b"choose your password" in page.data
    differ = newcomer.post(link, data={"password": NEW, "password_again": NEW + "x"})
    assert differ.status_code == 400 and b"The two passwords differ." in differ.data
    weak = newcomer.post(link, data={"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and b"password.too_short" in weak.data
    done = newcomer.post(link, data={"password": NEW, "password_again": NEW})
    assert done.status_code == 303
    assert newcomer.get("/home").status_code == 200  # logged in
    assert "user.invitation_accepted" in actions(db_do)

    used = app.test_client().get(link)
    assert used.status_code == 404 and b"This link does not work" in used.data
    assert browser(app).post("/login", data={"email": "nina@example.org", "password": NEW}).status_code == 302
    assert "active" in admin.get("/admin/users").get_data(as_text=True)


def test_every_bad_link_gets_the_same_page(app, admin, db_do):
    invite(admin)
    link = last_link(db_do, "nina@example.org")
    db_do(lambda: db.session.execute(AccountLink.__table__.update().values(
        expires_at=datetime.now(UTC) - timedelta(seconds=1))))
    expired = app.test_client().get(link)
    unknown = app.test_client().get("/password/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404
    assert main_part(expired) == main_part(unknown)
    posted = app.test_client().post(link, data={"password": NEW, "password_again": NEW})
    assert posted.status_code == 404
    assert account(db_do, "nina@example.org").password_hash is None


def test_sending_the_invitation_again_voids_the_earlier_link(app, admin, db_do):
    invite(admin)
    first = last_link(db_do, "nina@example.org")
    user_id = account(db_do, "nina@example.org").id
    assert admin.post(f"/admin/users/{user_id}/invitation").status_code == 303
    second = last_link(db_do, "nina@example.org")
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    assert "user.invitation_resent" in actions(db_do)
    # Once accepted, there is nothing to send again.
    app.test_client().post(second, data={"password": NEW, "password_again": NEW})
    admin.post(f"/admin/users/{user_id}/invitation")
    assert len(messages_to(db_do, "nina@example.org")) == 2


def test_a_person_invited_but_not_yet_in_may_be_invited_again(app, admin, db_do):
    invite(admin)
    first = last_link(db_do, "nina@example.org")
    again = invite(admin, name="Nina N. Nominator", roles=["nominator", "judge"], locale="es")
    assert again.status_code == 303
    user = account(db_do, "nina@example.org")
    assert user.roles == {"nominator", "judge"} and user.locale == "es"
    assert app.test_client().get(first).status_code == 404
    second = last_link(db_do, "nina@example.org")
    app.test_client().post(second, data={"password": NEW, "password_again": NEW})
    # Accepted: now an account like any other.
    assert invite(admin).status_code == 400


def test_an_existing_email_is_refused_at_its_field_saying_no_more(app, admin, db_do):
    make(db_do, "taken@example.org")
    db_do(lambda: setattr(users.find_by_email("taken@example.org"), "active", False))
    response = invite(admin, email="Taken@Example.org", name="Someone Else")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "An account exists for this email." in page and "user.email_taken" in page
    assert "deactivated" not in page
    assert 'value="Someone Else"' in page  # nothing typed is lost


def test_an_invitation_needs_a_role(admin):
    response = invite(admin, roles=[])
    assert response.status_code == 400 and b"user.role_required" in response.data


# --- a forgotten password -----------------------------------------------------------------

def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(app, db_do):
    make(db_do, "jo@example.org")
    known = app.test_client().post("/login/forgot", data={"email": "jo@example.org"}, follow_redirects=True)
    unknown = app.test_client().post("/login/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert main_part(known) == main_part(unknown)
    assert b"If an account exists for this address" in known.data
    assert len(messages_to(db_do, "jo@example.org")) == 1
    assert messages_to(db_do, "nobody@example.org") == []


def test_a_reset_link_sets_a_new_password_and_ends_every_session_token_and_other_link(app, db_do):
    user_id = make(db_do, "jo@example.org")
    old_session = browser(app, "jo@example.org")
    token = db_do(lambda: token_service.create(db.session.get(User, user_id), "script")[1])
    for _ in range(2):
        app.test_client().post("/login/forgot", data={"email": "jo@example.org"})
    first, second = (path_of(m[1]) for m in messages_to(db_do, "jo@example.org"))
    assert app.test_client().get(first).status_code == 404  # the newer link replaced it
    reader = app.test_client()
    assert reader.get(second).status_code == 200
    assert reader.post(second, data={"password": NEW, "password_again": NEW}).status_code == 303
    assert old_session.get("/home").status_code == 302
    assert app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert app.test_client().get(second).status_code == 404
    assert db_do(lambda: db.session.scalar(select(func.count()).select_from(AccountLink)
                                           .where(AccountLink.used_at.is_(None)))) == 0
    assert browser(app).post("/login", data={"email": "jo@example.org", "password": PASSWORD}).status_code == 200
    browser(app, "jo@example.org", NEW)
    assert {"user.password_reset_requested", "user.password_reset"} <= set(actions(db_do))


def test_a_deactivated_account_gets_no_reset_email(app, db_do):
    make(db_do, "gone@example.org")
    db_do(lambda: setattr(users.find_by_email("gone@example.org"), "active", False))
    response = app.test_client().post("/login/forgot", data={"email": "gone@example.org"})
    assert response.status_code == 303
    assert messages_to(db_do, "gone@example.org") == []


def test_asking_for_reset_links_is_rate_limited(app, db_do):
    make(db_do, "jo@example.org")
    client = app.test_client()
    statuses = [client.post("/login/forgot", data={"email": "jo@example.org"}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert len(messages_to(db_do, "jo@example.org")) == 3


def test_the_login_page_links_to_forgot_password(client):
    assert b'href="/login/forgot"' in client.get("/login").data


# --- one's own password ---------------------------------------------------------------------

def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, db_do):
    make(db_do, "jo@example.org")
    here, elsewhere = browser(app, "jo@example.org"), browser(app, "jo@example.org")
    wrong = here.post("/account/password", data={"current_password": "not my password",
                                                  "password": NEW, "password_again": NEW})
    assert wrong.status_code == 400 and b"password.wrong_current" in wrong.data
    differ = here.post("/account/password", data={"current_password": PASSWORD,
                                                   "password": NEW, "password_again": "other"})
    assert differ.status_code == 400
    done = here.post("/account/password", data={"current_password": PASSWORD, "password": NEW,
                                                 "password_again": NEW})
    assert done.status_code == 303
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/home").status_code == 302
    browser(app, "jo@example.org", NEW)
    assert "user.password_changed" in actions(db_do)


def test_my_account_is_linked_from_the_header_and_leads_to_the_api_tokens(app, db_do):
    make(db_do, "jo@example.org")
    client = browser(app, "jo@example.org")
    assert b'href="/account/"' in client.get("/home").data
    assert b'href="/profile/tokens/"' in client.get("/account/").data


# --- the secretariat's changes ----------------------------------------------------------------

def test_a_deactivated_account_cannot_log_in_and_its_tokens_stop_working(app, admin, db_do):
    user_id = make(db_do, "jo@example.org")
    token = db_do(lambda: token_service.create(db.session.get(User, user_id), "script")[1])
    session = browser(app, "jo@example.org")
    assert admin.post(f"/admin/users/{user_id}/deactivate").status_code == 303
    assert session.get("/home").status_code == 302
    refused = app.test_client().post("/login", data={"email": "jo@example.org", "password": PASSWORD})
    assert refused.status_code == 200 and b"Wrong email or password." in refused.data
    assert app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "deactivated" in admin.get("/admin/users").get_data(as_text=True)
    assert db_do(lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)
                                           .where(AuditEvent.actor_id == user_id))) > 0  # its history stays
    assert admin.post(f"/admin/users/{user_id}/reactivate").status_code == 303
    browser(app, "jo@example.org")
    # Its revoked tokens stay revoked.
    assert db_do(lambda: db.session.scalar(select(ApiToken.revoked_at))) is not None
    assert {"user.deactivated", "user.reactivated"} <= set(actions(db_do))


def test_a_deactivated_accounts_token_is_refused_even_if_not_revoked(app, db_do):
    user_id = make(db_do, "jo@example.org")
    token = db_do(lambda: token_service.create(db.session.get(User, user_id), "script")[1])
    db_do(lambda: setattr(db.session.get(User, user_id), "active", False))
    assert app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_admin_cannot_deactivate_themself_nor_drop_their_own_admin_role(app, admin, db_do):
    own = account(db_do, ADMIN).id
    make(db_do, "second@example.org", roles=("admin",))
    admin.post(f"/admin/users/{own}/deactivate")
    page = admin.get(f"/admin/users/{own}")
    assert b"user.deactivate_self" in page.data
    response = admin.post(f"/admin/users/{own}/roles", data={"roles": ["board"]})
    assert response.status_code == 400 and b"user.own_admin_role" in response.data
    assert account(db_do, ADMIN).roles == {"admin"}


def test_the_last_active_admin_cannot_be_deactivated(app, db_do, runner):
    make(db_do, "only@example.org", roles=("admin",))
    result = runner.invoke(args=["users", "deactivate", "only@example.org"])
    assert result.exit_code != 0 and "user.last_admin" in result.output
    assert account(db_do, "only@example.org").active


def test_roles_are_edited_with_checkboxes_and_the_sessions_end(app, admin, db_do):
    user_id = make(db_do, "jo@example.org")
    session = browser(app, "jo@example.org")
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert re.search(r'<input checked id="roles-\d" name="roles" type="checkbox" value="nominator">', page)
    assert admin.post(f"/admin/users/{user_id}/roles", data={"roles": ["judge", "board"]}).status_code == 303
    assert account(db_do, "jo@example.org").roles == {"judge", "board"}
    assert session.get("/home").status_code == 302
    empty = admin.post(f"/admin/users/{user_id}/roles", data={})
    assert empty.status_code == 400 and b"user.role_required" in empty.data


def test_the_accounts_list_shows_status_last_login_and_second_factor(app, admin, db_do):
    make(db_do, "jo@example.org")
    browser(app, "jo@example.org")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Last login" in page and "Second factor" in page
    assert account(db_do, "jo@example.org").last_login_at is not None


def test_other_roles_cannot_reach_the_accounts_pages(app, db_do):
    user_id = make(db_do, "jo@example.org", roles=("board", "chair", "judge"))
    client = browser(app, "jo@example.org")
    assert client.get("/admin/users/invite").status_code == 404
    assert client.post(f"/admin/users/{user_id}/deactivate").status_code == 404


# --- a judge invited from the panel page -------------------------------------------------------

def test_the_secretariat_invites_a_judge_without_an_account_onto_a_panel(app, admin, db_do):
    from awards_app.models import PanelMember
    from tests import builders

    cycle_id = db_do(lambda: builders.open_cycle("cultural_award").id)
    form = {"new_judge-email": "Judy@Example.org", "new_judge-name": "Judy Judge", "new_judge-role": "member",
            "new_judge-locale": "es"}
    assert admin.post(f"/cycles/{cycle_id}/panel/new-judge", data=form).status_code == 303
    user = account(db_do, "judy@example.org")
    assert user.roles == {"judge"} and user.password_hash is None and user.locale == "es"
    assert db_do(lambda: db.session.scalar(select(PanelMember.role).where(PanelMember.user_id == user.id))) == "member"
    [(_subject, body, locale, _secret)] = messages_to(db_do, "judy@example.org")
    assert locale == "es" and LINK.search(body)
    make(db_do, "known@example.org", roles=("judge",))
    known = admin.post(f"/cycles/{cycle_id}/panel/new-judge", data=form | {"new_judge-email": "known@example.org"})
    assert known.status_code == 400 and b"An account exists for this email." in known.data
    assert b'value="Judy Judge"' in known.data  # nothing typed is lost


# --- the command line ---------------------------------------------------------------------------

def test_cli_invites_deactivates_and_reactivates(app, runner, db_do):
    result = runner.invoke(args=["users", "invite", "Cli@Example.org", "--role", "judge", "--name", "Cleo Li",
                                 "--locale", "es"])
    assert result.exit_code == 0, result.output
    assert "outbox" in result.output and "/password/" not in result.output  # the link goes by email only
    [(_subject, body, locale, _secret)] = messages_to(db_do, "cli@example.org")
    assert locale == "es" and LINK.search(body)
    user = account(db_do, "cli@example.org")
    assert user.roles == {"judge"} and user.password_hash is None
    assert runner.invoke(args=["users", "deactivate", "cli@example.org"]).exit_code == 0
    assert account(db_do, "cli@example.org").active is False
    assert app.test_client().get(path_of(body)).status_code == 404  # its link died with it
    assert runner.invoke(args=["users", "reactivate", "cli@example.org"]).exit_code == 0
    assert account(db_do, "cli@example.org").active is True
    make(db_do, "known@example.org")
    taken = runner.invoke(args=["users", "invite", "known@example.org", "--role", "judge", "--name", "X"])
    assert taken.exit_code != 0 and "user.email_taken" in taken.output
    assert runner.invoke(args=["users", "deactivate", "nobody@example.org"]).exit_code != 0


# --- nothing secret in the record ----------------------------------------------------------------

def test_no_password_token_or_link_reaches_the_audit_trail(app, admin, db_do):
    invite(admin)
    link = last_link(db_do, "nina@example.org")
    app.test_client().post(link, data={"password": NEW, "password_again": NEW})
    app.test_client().post("/login/forgot", data={"email": "nina@example.org"})
    reset = last_link(db_do, "nina@example.org")
    app.test_client().post(reset, data={"password": PASSWORD + "!", "password_again": PASSWORD + "!"})
    payloads = " ".join(db_do(lambda: [str(p) for p in db.session.scalars(select(AuditEvent.payload))]))
    for secret in (NEW, PASSWORD, link.rsplit("/", 1)[1], reset.rsplit("/", 1)[1]):
        assert secret not in payloads
