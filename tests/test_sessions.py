"""Sessions that end: a cookie kept from before a logout, a new password or a
change of roles no longer signs anyone in, on any device. The API tokens of
the account end with a new password or new roles, not with a logout.

Each browser request runs in its own application context, as in production
(a context shared with the test would keep the signed-in user in `g`)."""

import pytest

from awards_app.extensions import db
from awards_app.models import ApiToken, AuditEvent, User
from awards_app.services import tokens as token_service
from awards_app.services import users
from tests.conftest import PASSWORD
from tests.factories import TESTS_ACTOR

EMAIL = "ines@example.org"
NEW_PASSWORD = "amber lantern meadow 77"


@pytest.fixture
def as_service(app):
    """Run a service on the account in its own transaction, as a command would."""
    def run(action):
        with app.app_context():
            user = db.session.query(User).filter_by(email=EMAIL).one()
            result = action(user)
            db.session.commit()
            return result
    with app.app_context():
        users.create_user(TESTS_ACTOR, EMAIL, "Inés Ortega", ("nominator", "judge"), password=PASSWORD)
        db.session.commit()
    return run


def _signed_in(app, password=PASSWORD):
    """A separate browser (its own cookie jar) signed in as the account."""
    client = app.test_client()
    assert client.post("/login", data={"email": EMAIL, "password": password}).status_code == 302
    assert client.get("/home").status_code == 200
    return client


def _new_token(user) -> str:
    return token_service.create(user, "laptop script")[1]


def _api_status(app, token):
    return app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_cookie_copied_before_logout_no_longer_signs_in(app, as_service):
    browser = _signed_in(app)
    copied = app.test_client()
    copied.set_cookie("session", browser.get_cookie("session").value)
    assert copied.get("/home").status_code == 200

    browser.post("/logout")

    assert copied.get("/home").status_code == 302
    assert copied.get("/api/v1/cycles").status_code == 401
    # The copied cookie cannot mint a token either (the finding: it made a non-expiring one).
    assert copied.post("/profile/tokens/", data={"name": "stolen"}).status_code in (302, 401)
    with app.app_context():
        assert db.session.query(ApiToken).filter_by(name="stolen").count() == 0


def test_logout_on_one_device_ends_the_session_on_the_others(app, as_service):
    phone, laptop = _signed_in(app), _signed_in(app)
    phone.post("/logout")
    assert laptop.get("/home").status_code == 302


def test_logout_keeps_the_accounts_api_tokens(app, as_service):
    token = as_service(_new_token)
    _signed_in(app).post("/logout")
    assert _api_status(app, token) == 200


def test_a_new_password_ends_every_session_and_token(app, as_service):
    browser = _signed_in(app)
    token = as_service(_new_token)
    assert _api_status(app, token) == 200

    as_service(lambda user: users.set_password(TESTS_ACTOR, user, NEW_PASSWORD))

    assert browser.get("/home").status_code == 302
    assert _api_status(app, token) == 401
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="user.password_set").one()
        assert event.payload["tokens_revoked"] == [token[:12]]
    # The new password signs in again, with a fresh session.
    assert _signed_in(app, NEW_PASSWORD).get("/home").status_code == 200


def test_a_change_of_roles_ends_every_session_and_token(app, as_service):
    browser = _signed_in(app)
    token = as_service(_new_token)

    as_service(lambda user: users.set_roles(TESTS_ACTOR, user, ("nominator",)))

    assert browser.get("/home").status_code == 302
    assert _api_status(app, token) == 401


def test_setting_the_same_roles_again_signs_no_one_out(app, as_service):
    browser = _signed_in(app)
    as_service(lambda user: users.set_roles(TESTS_ACTOR, user, ("judge", "nominator")))
    assert browser.get("/home").status_code == 200


def test_a_deactivated_account_is_signed_out(app, as_service):
    browser = _signed_in(app)
    as_service(lambda user: setattr(user, "active", False))
    assert browser.get("/home").status_code == 302
