import pytest
from sqlalchemy import inspect

from awards_app.extensions import db
from tests.factories import ALL_FACTORIES


@pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_builds_a_valid_row(ctx, factory):
    row = factory()
    db.session.commit()
    assert inspect(row).identity is not None  # stored, whatever its key (SiteSetting's is its name)


def test_there_is_a_factory_for_every_model():
    from awards_app import models

    covered = {f._meta.model for f in ALL_FACTORIES}
    mapped = {m.class_ for m in db.Model.registry.mappers}
    # The audit head and the Merkle tree's stored subtrees are details of
    # the audit service, made by AuditEventFactory.
    assert mapped - covered == {models.AuditHead, models.AuditSubtree}
