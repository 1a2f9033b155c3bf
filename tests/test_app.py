from awards_app import create_app


def test_testing_config_is_isolated_from_the_developer_database(app):
    assert app.testing
    assert "instance/awards.db" not in app.config["SQLALCHEMY_DATABASE_URI"]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import pytest

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_with_a_secret_key_uses_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_ALLOWED"] is False


def test_health_endpoint_answers_without_login(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_page_is_a_plain_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Traceback" not in response.data
    assert b"does not exist" in response.data


def test_api_style_request_gets_a_json_error(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["code"] == "http.404"
