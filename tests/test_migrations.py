"""The migrations, applied by the test setup, produce exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from awards_app.extensions import db


def test_migrations_match_the_models_with_no_drift(ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"schema drift between migrations and models: {diff}"


def test_state_columns_refuse_values_outside_the_workflows(ctx):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from tests.factories import CycleFactory

    cycle = CycleFactory()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE cycle SET state = 'bogus' WHERE id = :id"), {"id": cycle.id})
        db.session.flush()
    db.session.rollback()
