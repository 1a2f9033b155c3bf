"""API test helpers: tokens for users, a JSON client that sends them, and a
small world with objects of every kind (a cycle in judging, a conflicted
judge, another nominator's draft, board members and an auditor)."""

from dataclasses import dataclass, field

import pytest

from awards_app.extensions import db
from awards_app.services import conflicts
from awards_app.services import tokens as token_service
from tests import builders, factories


def issue_token(user) -> str:
    _row, token = token_service.create(user, "tests")
    db.session.commit()
    return token


class Api:
    """The test client with a Bearer token and JSON by default."""

    def __init__(self, client):
        self.client = client

    def call(self, method, path, token=None, json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            kwargs["json"] = json
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def __getattr__(self, method):
        if method in ("get", "post", "put", "patch", "delete"):
            return lambda path, token=None, **kw: self.call(method.upper(), path, token, **kw)
        raise AttributeError(method)


@pytest.fixture
def api(client):
    return Api(client)


@dataclass
class World:
    cycle: object
    chair: object
    judges: list
    nominations: list
    open_cycle: object
    draft: object
    conflict: object
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


@pytest.fixture
def world(ctx):
    """judge0 chairs (and sits on the board), judge2 declared a conflict on
    nominations[0]; nominator_a has a draft in another, open cycle."""
    cycle, judges, noms = builders.judging_cycle(nominations=2)
    open_cycle = builders.open_cycle("best_delegation_award", year=2028)
    nominator_a = factories.UserFactory(email="nominator-a@example.org", roles=("nominator",))
    nominator_b = factories.UserFactory(email="nominator-b@example.org", roles=("nominator",))
    delegation = factories.DelegationFactory(event=open_cycle.event)
    from awards_app.services import nominations

    draft = nominations.create_draft(nominator_a, open_cycle, candidate=delegation, statement="Draft.")
    conflict = conflicts.declare(judges[2], noms[0], "family", "My cousin leads it.")
    users = {
        "admin": factories.UserFactory(email="admin@example.org", roles=("admin",)),
        "nominator": nominator_a,
        "other_nominator": nominator_b,
        "owner": noms[0].nominator,
        "chair": judges[0],
        "judge": judges[1],
        "conflicted_judge": judges[2],
        "board": factories.UserFactory(email="board@example.org", roles=("board",)),
        "auditor": factories.UserFactory(email="auditor@example.org", roles=("auditor",)),
    }
    db.session.commit()
    tokens = {name: issue_token(user) for name, user in users.items()}
    return World(cycle=cycle, chair=judges[0], judges=judges, nominations=noms, open_cycle=open_cycle,
                 draft=draft, conflict=conflict, users=users, tokens=tokens)
