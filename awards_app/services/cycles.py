"""Award types and their cycles: creation, criteria, and the facts the
cycle's workflow guards need."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import workflows
from awards_app.extensions import db
from awards_app.models import AwardType, Criterion, Cycle, Event
from awards_app.services import N_, Message, ServiceError, audit


def load_award_types(actor) -> list[AwardType]:
    """Make sure every award in the workflow registry has its AwardType row."""
    rows = []
    for code, wf in workflows.REGISTRY.items():
        award = db.session.scalar(select(AwardType).where(AwardType.code == code))
        if award is None:
            award = AwardType(
                code=code, workflow_code=code, name_en=wf.names["en"], name_fr=wf.names["fr"],
                name_es=wf.names["es"], candidate_kind=wf.candidate_kind, cadence=wf.cadence,
                required_fields=list(wf.setting({}, "required_fields")),
                default_settings=dict(wf.default_settings), default_criteria=list(wf.default_criteria))
            db.session.add(award)
            db.session.flush()
            audit.record(actor, "award_type.created", award, {"code": code})
        rows.append(award)
    return rows


def create_cycle(actor, award: AwardType, year: int, *, event: Event | None = None,
                 deadline: datetime | None = None, settings: dict | None = None,
                 criteria: list[dict] | None = None, max_laureates: int | None = None) -> Cycle:
    """A new cycle with a copy of the rules in force: later changes to the
    award's defaults never rewrite it."""
    wf = award.workflow
    merged = {**award.default_settings, **(settings or {})}
    refusals = [r for r in wf.validate_settings(merged, event_is_esi=event is not None) if not r.ok]
    if refusals:
        raise ServiceError(refusals[0].rule, refusals[0].message)
    of_year = wf.esi_of_year(workflows.CycleFacts(year=year, settings=merged,
                                                  event_year=event.year if event is not None else None))
    if not of_year.ok:
        raise ServiceError(of_year.rule, of_year.message, field="event")
    if db.session.scalar(select(Cycle).where(Cycle.award_type_id == award.id, Cycle.year == year)):
        raise ServiceError("cycle.duplicate", Message(N_("%(award)s already has a cycle in %(year)s."),
                                                        award=award.name_en, year=year))
    cycle = Cycle(award_type=award, year=year, event=event, deadline=deadline, settings=merged,
                  max_laureates=max_laureates or wf.setting(merged, "max_laureates"),
                  state=wf.cycle_initial_state)
    for position, c in enumerate(criteria if criteria is not None else award.default_criteria):
        cycle.criteria.append(Criterion(
            code=c["code"], name_en=c["names"]["en"], name_fr=c["names"]["fr"],
            name_es=c["names"]["es"], weight=c["weight"], scale_min=c["scale_min"],
            scale_max=c["scale_max"], comment_required=c.get("comment_required", False),
            position=position))
    db.session.add(cycle)
    db.session.flush()
    audit.record(actor, "cycle.created", cycle,
                 {"award": award.code, "year": year, "settings": merged,
                  "criteria": [c.code for c in cycle.criteria]}, cycle_id=cycle.id)
    return cycle


def demo_open_cycles(actor, event: Event) -> None:
    """An open call for every award in the demo (the MILSET Award has no call:
    its host is designated instead)."""
    from awards_app.services import steps

    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)
    for award in db.session.scalars(select(AwardType).order_by(AwardType.id)):
        if db.session.scalar(select(Cycle).where(Cycle.award_type_id == award.id,
                                                 Cycle.year == event.year)):
            continue
        esi = award.candidate_kind in ("delegation", "organisation")
        cycle = create_cycle(actor, award, event.year, event=event if esi else None,
                             deadline=deadline)
        wf = award.workflow
        for step in ["publish_criteria", "open_call"] if wf.has_call else ["designate_host"]:
            steps.fire(actor, cycle, step, as_role="admin")
