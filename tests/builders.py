"""Build realistic states through the services, as users would reach them."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType
from awards_app.services import cycles, transitions
from tests import factories


def award(code: str) -> AwardType:
    cycles.load_award_types("tests")
    return db.session.scalar(select(AwardType).where(AwardType.code == code))


def esi_event(**kwargs):
    return factories.EventFactory(starts_on=date(2027, 7, 12), **kwargs)


def open_cycle(code: str, *, year: int = 2027, event=None, deadline=None, settings=None,
               max_laureates=None):
    """A cycle of the award with published criteria and an open call."""
    award_type = award(code)
    if event is None and award_type.candidate_kind != "individual":
        event = esi_event()
    cycle = cycles.create_cycle(
        "tests", award_type, year, event=event,
        deadline=deadline or datetime.now(UTC) + timedelta(days=30),
        settings=settings, max_laureates=max_laureates)
    for step in ("publish_criteria", "open_call"):
        transitions.fire_cycle_event("tests", cycle, step, as_role="admin")
    db.session.commit()
    return cycle
