from sqlalchemy import func, select

from awards_app.extensions import db
from awards_app.models import AwardType, Region, User


def test_users_create_with_several_roles(runner, ctx):
    result = runner.invoke(args=["users", "create", "Chair@Example.org", "--role", "judge",
                                 "--role", "chair", "--name", "Chris Chair"])
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output  # generated and shown once
    user = db.session.scalar(select(User).where(User.email == "chair@example.org"))
    assert user.roles == {"judge", "chair"}
    assert user.name == "Chris Chair"


def test_users_create_refuses_a_duplicate_email(runner, ctx):
    runner.invoke(args=["users", "create", "a@example.org", "--role", "judge"])
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "board"])
    assert result.exit_code != 0
    assert "user.email_taken" in result.output


def test_users_set_password_then_login(runner, client, ctx):
    runner.invoke(args=["users", "create", "a@example.org", "--role", "judge"])
    result = runner.invoke(args=["users", "set-password", "a@example.org"],
                           input="a long new password\na long new password\n")
    assert result.exit_code == 0, result.output
    response = client.post("/login", data={"email": "a@example.org", "password": "a long new password"})
    assert response.status_code == 302


def test_users_set_password_refuses_a_short_password(runner, ctx):
    runner.invoke(args=["users", "create", "a@example.org", "--role", "judge"])
    result = runner.invoke(args=["users", "set-password", "a@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "password.too_short" in result.output


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in db.Model.__subclasses__() if hasattr(m, "__table__")}


def test_demo_load_twice_gives_the_same_counts(runner, ctx, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for tests")
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    counts_after = _counts()
    counts.pop("AuditEvent"), counts_after.pop("AuditEvent")
    assert counts_after == counts
    assert db.session.scalar(select(func.count()).select_from(Region)) == 6
    assert db.session.scalar(select(func.count()).select_from(AwardType)) == 7
    assert "admin@demo.milset.org" in first.output
    assert "demo password for tests" in first.output


def test_each_demo_account_logs_in_and_sees_its_home(runner, client, ctx, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for tests")
    runner.invoke(args=["demo", "load"])
    for role, heading in [("admin", b"Secretariat"), ("nominator", b"Nominator"),
                          ("judge", b"Judge"), ("chair", b"Panel chair"),
                          ("board", b"Executive Committee"), ("auditor", b"Auditor")]:
        response = client.post("/login", data={"email": f"{role}@demo.milset.org",
                                                "password": "demo password for tests"},
                               follow_redirects=True)
        assert heading in response.data, role
        client.post("/logout")


def test_demo_load_is_refused_in_production(monkeypatch):
    from awards_app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "refused in the production" in result.output
