"""Ages as MILSET's rules count them."""

from datetime import date


def age_on(birth_date: date, day: date) -> int:
    """Whole years on that day; the birthday itself counts as the new age."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def event_start(event) -> date:
    """The day ages at an ESI are measured on. An event without dates yet is
    taken to start on 1 July of its year."""
    return event.starts_on or date(event.year, 7, 1)


def ages_at_event_start(delegation) -> tuple[int, ...]:
    """Each participant's age on the event's first day (Young Scientists reads these)."""
    start = event_start(delegation.event)
    return tuple(age_on(p.birth_date, start) for p in delegation.participants)
