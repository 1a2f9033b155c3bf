"""The second factor: enrolment with a QR code and recovery codes, the
login's second step, codes good once, the roles that must have one, and the
secretariat's reset for a lost phone."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, User
from awards_app.services import tokens as token_service
from awards_app.services import users
from tests.conftest import PASSWORD
from tests.factories import TESTS_ACTOR

EMAIL = "bo@example.org"


def make(db_do, email=EMAIL, roles=("board",)):
    return db_do(lambda: users.create_user(TESTS_ACTOR, email, "Bo Board", roles, password=PASSWORD).id)


def logged_in(app, email=EMAIL):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def enrol(client) -> tuple[str, list[str]]:
    """Set up the second factor through the pages; returns (secret, recovery codes)."""
    assert client.post("/account/second-factor/start").status_code == 303
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post("/account/second-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True))
    return secret, codes


def next_step(db_do, user_id):
    """As if the next 30 seconds had passed: the last code used is of an earlier step."""
    db_do(lambda: setattr(db.session.get(User, user_id), "totp_last_step", None))


def actions(db_do):
    return db_do(lambda: db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def password_step(app, email=EMAIL):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    return client


def test_enrolment_shows_a_qr_code_and_the_key_then_ten_recovery_codes_once(app, db_do):
    make(db_do)
    client = logged_in(app)
    assert b"Set up a second factor" in client.get("/account/second-factor").data
    client.post("/account/second-factor/start")
    page = client.get("/account/second-factor")
    assert b"<svg" in page.data and b"https://" not in page.data.split(b"<svg", 1)[1].split(b"</svg>")[0]
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(rb'<code id="totp-secret">([A-Z2-7]+)</code>', page.data).group(1).decode()
    wrong = client.post("/account/second-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 400 and b"second_factor.wrong_code" in wrong.data
    done = client.post("/account/second-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(rb"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.data)
    assert len(codes) == 10
    again = client.get("/account/second-factor")
    assert b"Your second factor is on" in again.data and codes[0] not in again.data
    assert b"Recovery codes left: 10" in again.data
    assert "user.second_factor_enabled" in actions(db_do)


def test_login_asks_for_the_code_before_the_session_starts(app, db_do):
    user_id = make(db_do)
    secret, _codes = enrol(logged_in(app))
    next_step(db_do, user_id)
    client = password_step(app)
    assert client.get("/home").status_code == 302  # not logged in yet
    with client.session_transaction() as s:
        assert "_user_id" not in s
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 400 and b"This code is not right" in wrong.data
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/home").status_code == 200
    assert actions(db_do)[-3:] == ["auth.password_accepted", "auth.second_factor_failed", "auth.login"]


def test_a_code_is_good_once(app, db_do):
    user_id = make(db_do)
    secret, _codes = enrol(logged_in(app))
    next_step(db_do, user_id)
    code = pyotp.TOTP(secret).now()
    assert password_step(app).post("/login/code", data={"code": code}).status_code == 302
    assert password_step(app).post("/login/code", data={"code": code}).status_code == 400


def test_one_step_of_clock_drift_is_accepted_two_are_not(app, db_do):
    user_id = make(db_do)
    secret, _codes = enrol(logged_in(app))
    totp = pyotp.TOTP(secret)
    next_step(db_do, user_id)
    assert password_step(app).post("/login/code", data={"code": totp.at(time.time() - 90)}).status_code == 400
    assert password_step(app).post("/login/code", data={"code": totp.at(time.time() + 30)}).status_code == 302


def test_a_recovery_code_stands_in_for_the_phone_once(app, db_do):
    user_id = make(db_do)
    _secret, codes = enrol(logged_in(app))
    assert password_step(app).post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    assert password_step(app).post("/login/code", data={"code": codes[0]}).status_code == 400
    client = logged_in_with(app, codes[1])
    assert b"Recovery codes left: 8" in client.get("/account/second-factor").data
    login = db_do(lambda: db.session.scalars(select(AuditEvent.payload).where(
        AuditEvent.action == "auth.login", AuditEvent.object_id == str(user_id))
        .order_by(AuditEvent.seq.desc())).first())
    assert login["second_factor"] == "recovery_code" and codes[1] not in str(login)


def logged_in_with(app, code):
    client = password_step(app)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    return client


def test_the_pending_login_expires(app, db_do):
    user_id = make(db_do)
    secret, _codes = enrol(logged_in(app))
    next_step(db_do, user_id)
    client = password_step(app)
    with client.session_transaction() as s:
        s["pending_login"] = {**s["pending_login"], "until": time.time() - 1}
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302


def test_the_second_step_without_a_password_goes_back_to_the_login(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_guessing_codes_meets_the_login_limits(app, db_do):
    make(db_do)
    enrol(logged_in(app))
    client = password_step(app)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]


def test_a_form_kept_across_an_ended_session_survives_the_second_step(app, db_do):
    user_id = make(db_do)
    secret, _codes = enrol(logged_in(app))
    next_step(db_do, user_id)
    client = app.test_client()
    asked = client.post("/login?next=/account/", data={"email": EMAIL, "password": PASSWORD,
                                                       "keep::statement": "What I typed."})
    assert asked.status_code == 200 and b"What I typed." in asked.data
    done = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "keep::statement": "What I typed."})
    assert done.status_code == 200 and b"What I typed." in done.data and b'action="/account/"' in done.data


def test_turning_it_off_needs_a_current_code(app, db_do):
    user_id = make(db_do, roles=("nominator",))
    client = logged_in(app)
    secret, _codes = enrol(client)
    next_step(db_do, user_id)
    wrong = client.post("/account/second-factor/disable", data={"code": "000000"})
    assert wrong.status_code == 400
    assert client.post("/account/second-factor/disable",
                       data={"code": pyotp.TOTP(secret).now()}).status_code == 303
    assert "user.second_factor_disabled" in actions(db_do)
    logged_in(app)  # the password alone again


def test_the_secretariat_resets_a_lost_phones_second_factor(app, db_do):
    user_id = make(db_do)
    enrol(logged_in(app))
    make(db_do, "sec@example.org", roles=("admin",))
    admin = logged_in(app, "sec@example.org")
    assert admin.post(f"/admin/users/{user_id}/second-factor/reset").status_code == 303
    assert "user.second_factor_reset" in actions(db_do)
    logged_in(app)  # the password alone again
    again = admin.post(f"/admin/users/{user_id}/second-factor/reset", follow_redirects=True)
    assert b"second_factor.not_on" in again.data


# --- the roles that must have one ------------------------------------------------------------

@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_REQUIRED_ROLES", ("admin", "board", "chair"))


def test_a_required_role_is_sent_to_enrol_from_every_page_and_its_tokens_wait(app, db_do, required):
    user_id = make(db_do)
    token = db_do(lambda: token_service.create(db.session.get(User, user_id), "script")[1])
    client = logged_in(app)
    for page in ("/home", "/account/", "/profile/tokens/", "/awards/"):
        response = client.get(page)
        assert response.status_code == 303 and response.headers["Location"] == "/account/second-factor", page
    api = app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and api.json["code"] == "auth.second_factor_required"
    assert client.get("/api/v1/cycles").json["code"] == "auth.second_factor_required"
    secret, _codes = enrol(client)
    assert client.get("/home").status_code == 200
    assert app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = client.post("/account/second-factor/disable", data={"code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 400 and b"second_factor.required" in refused.data
    assert db_do(lambda: db.session.get(User, user_id).totp_enabled_at) is not None


def test_roles_that_do_not_decide_are_not_asked(app, db_do, required):
    make(db_do, roles=("nominator", "judge"))
    assert logged_in(app).get("/home").status_code == 200


def test_production_requires_it_of_the_deciding_roles_and_the_environment_can_change_that(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("SECOND_FACTOR_REQUIRED_ROLES", raising=False)
    reloaded = importlib.reload(config)
    assert reloaded.ProductionConfig.SECOND_FACTOR_REQUIRED_ROLES == ("admin", "board", "chair")
    assert reloaded.TestingConfig.SECOND_FACTOR_REQUIRED_ROLES == ()
    monkeypatch.setenv("SECOND_FACTOR_REQUIRED_ROLES", "admin")
    assert importlib.reload(config).ProductionConfig.SECOND_FACTOR_REQUIRED_ROLES == ("admin",)
    monkeypatch.delenv("SECOND_FACTOR_REQUIRED_ROLES")
    importlib.reload(config)


def test_no_secret_or_code_reaches_the_audit_trail(app, db_do):
    user_id = make(db_do)
    secret, codes = enrol(logged_in(app))
    next_step(db_do, user_id)
    code = pyotp.TOTP(secret).now()
    password_step(app).post("/login/code", data={"code": code})
    password_step(app).post("/login/code", data={"code": codes[0]})
    payloads = " ".join(db_do(lambda: [str(p) for p in db.session.scalars(select(AuditEvent.payload))]))
    for value in (secret, code, codes[0], codes[0].replace("-", ""), PASSWORD):
        assert value not in payloads
