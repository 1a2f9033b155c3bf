"""Award types and their cycles: creation, criteria, the settings the
secretariat changes, and the facts the cycle's workflow guards need."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import workflows
from awards_app.extensions import db
from awards_app.models import AwardType, Criterion, Cycle, Event
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit
from workflows.settings import DECLARED, SET_BY_THE_AWARD, SETTINGS, changeable_until, may_change


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
    if max_laureates:  # the column and the setting say the same, so a replay of the settings reads it
        merged["max_laureates"] = max_laureates
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
                  "criteria": [c.code for c in cycle.criteria], "rubric": cycle.rubric()},
                 cycle_id=cycle.id)
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


class SettingsRefused(ServiceError):
    """Every problem with a change of a cycle's settings, each a ServiceError
    naming its rule and its field; nothing was saved."""

    def __init__(self, problems: list[ServiceError]):
        first = problems[0]
        super().__init__(first.rule, first.message, field=first.field)
        self.problems = problems
        self.errors = {}
        for p in problems:
            self.errors.setdefault(p.field or "_schema", []).append({"rule": p.rule, "message": p.message})


# The parts of the aggregation setting the secretariat chooses; the panel's
# votes come from its recorded tie vote (services.ties), never from here.
AGGREGATION_KEYS = ("method", "trim", "tie_break", "resamples", "seed")


def _aggregation_problems(value, before: dict, criteria_codes: set[str]) -> list[ServiceError]:
    """What the aggregation would refuse, at the field of each part, before
    the ranking ever runs on it."""
    from judging import aggregation

    if not isinstance(value, dict):
        return []  # check_settings refuses the kind
    problems = []
    unknown = sorted(set(value) - set(AGGREGATION_KEYS) - {"panel_votes"})
    if value.get("panel_votes") != (before or {}).get("panel_votes"):
        unknown.append("panel_votes")  # the panel's recorded tie vote, never typed in
    if unknown:
        problems.append(ServiceError("settings.aggregation.unknown", Message(
            N_("The aggregation has no part called %(names)s."), names=", ".join(unknown)), field="aggregation"))
    method = value.get("method", "weighted_mean")
    if method not in aggregation.METHODS:
        problems.append(ServiceError("settings.aggregation.method", Message(
            N_("The method must be one of %(methods)s."), methods=", ".join(aggregation.METHODS)),
            field="aggregation_method"))
    trim = value.get("trim", aggregation.DEFAULT_SETTINGS["trim"])
    if isinstance(trim, bool) or not isinstance(trim, int | float) or not 0 <= trim < 0.5:
        problems.append(ServiceError("settings.aggregation.trim", N_(
            "The share trimmed at each end is a number from 0 up to (not including) 0.5."),
            field="aggregation_trim"))
    steps = value.get("tie_break", list(aggregation.DEFAULT_SETTINGS["tie_break"]))
    known = {aggregation.PANEL_VOTE} | {aggregation.CRITERION_STEP + c for c in criteria_codes}
    if (not isinstance(steps, list) or any(s not in known for s in steps)
            or len(set(map(str, steps))) != len(steps)):
        problems.append(ServiceError("settings.aggregation.tie_break", N_(
            "Each tie-break step is the panel's vote or one of the cycle's criteria, each at most once."),
            field="aggregation_tie_break"))
    for part, message in (("resamples", N_("The bootstrap's resamples are a whole number of at least 0.")),
                          ("seed", N_("The random seed is a whole number of at least 0."))):
        if part not in value:
            continue  # the aggregation's default (the seed: the cycle's id)
        number = value[part]
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            problems.append(ServiceError(f"settings.aggregation.{part}", message, field=f"aggregation_{part}"))
    return problems


def _same(declared, before, after) -> bool:
    """A list of names is a set: the same names in another order change nothing."""
    if declared.kind == "names" and isinstance(before, list) and isinstance(after, list):
        return sorted(map(str, before)) == sorted(map(str, after))
    return before == after


def may_change_setting(cycle: Cycle, name: str) -> bool:
    """May ``name`` still change in this cycle's state (workflows.settings.CHANGEABLE_UNTIL)?"""
    return may_change(name, cycle.state, cycle.award_type.workflow.cycle_states)


def update_settings(actor, cycle: Cycle, values: dict, *, expected_version: int | None = None) -> dict:
    """Change some of a cycle's settings (the secretariat's). ``values`` maps
    setting names to their new values; those equal to the value in force are
    left alone. Every problem is refused at once, each at its setting's field
    with its rule id (settings.frozen for a setting whose step has started:
    the board approves such a change, services.settings_changes), and
    nothing is saved. Returns {name: (before, after)} of what changed,
    audited as one cycle.settings_changed event."""
    if not actor.has_role("admin"):
        raise Forbidden("cycle.admin_only", N_("Only the secretariat changes a cycle's settings."))
    check_version(cycle, expected_version)
    changed, problems = settings_problems(cycle, values)
    if problems:
        raise SettingsRefused(problems)
    return apply_settings(actor, cycle, changed)


def check_version(cycle: Cycle, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != cycle.version:
        raise Refusal([{"rule": "edit.stale",
                        "message": N_("Someone changed this cycle's settings since you opened the page: "
                                      "reload it and try again.")}])


def settings_problems(cycle: Cycle, values: dict, *, past_freezing: bool = False) -> tuple[dict, list]:
    """(the settings ``values`` would change, every problem with them). With
    ``past_freezing`` a setting whose step has started is no problem: the
    board is approving the change."""
    wf = cycle.award_type.workflow
    problems = []
    for name in sorted(values):
        if name not in DECLARED:
            problems.append(ServiceError("settings.unknown", Message(N_("No setting is called %(name)s."),
                                                                     name=name), field=name))
        elif name in SET_BY_THE_AWARD or DECLARED[name].internal:
            problems.append(ServiceError("settings.read_only", Message(
                N_("The %(setting)s setting is set by the award, not by a cycle."), setting=name), field=name))
    if problems:
        return {}, problems
    changed = {name: value for name, value in values.items() if not _same(DECLARED[name], cycle.setting(name), value)}
    for name in sorted(changed):
        if not past_freezing and not may_change_setting(cycle, name):
            problems.append(ServiceError("settings.frozen", Message(
                N_("The setting “%(setting)s” can no longer change: the cycle is at “%(state)s”, and it may "
                   "change only until “%(until_state)s”. Propose the change to the board instead: it applies "
                   "once the board approves it."), setting=name, state=cycle.state,
                until_state=changeable_until(name)),
                field=name))
    merged = {**wf.settings_for(cycle.settings), **changed}
    for result in wf.validate_settings(merged, event_is_esi=cycle.event is not None):
        if result.ok:
            continue
        group = [s.name for s in SETTINGS if s.rule == result.rule]
        field = next((n for n in group if n in changed), None)
        if field is not None:  # a rule broken before this change is not this change's problem
            problems.append(ServiceError(result.rule, result.message, field=field))
    if "aggregation" in changed:
        problems += _aggregation_problems(changed["aggregation"], cycle.setting("aggregation"),
                                          {c.code for c in cycle.criteria})
    if changed.get("shortlist_round") is True and not wf.has_shortlist_round:
        problems.append(ServiceError("settings.shortlist_round", N_("This award has no shortlist round."),
                                     field="shortlist_round"))
    if "max_laureates" in changed and isinstance(changed["max_laureates"], int) and changed["max_laureates"] > 50:
        # The same bound as a new cycle's form: the number is also a column of the cycle's row.
        problems.append(ServiceError("settings.max_laureates", N_("A cycle allows at most 50 laureates."),
                                     field="max_laureates"))
    return changed, problems


def apply_settings(actor, cycle: Cycle, changed: dict, *, approved: dict | None = None) -> dict:
    """Write settings already checked (settings_problems) and audit them with
    the whole stored settings after the change, which the report's replay
    reads as the settings in force from then on. ``approved``: the board's
    approval it follows ({"change_id", "reason"})."""
    if not changed:
        return {}
    before = {name: cycle.setting(name) for name in changed}
    cycle.settings = {**cycle.settings, **changed}
    if "max_laureates" in changed:
        cycle.max_laureates = changed["max_laureates"]  # what the recommendation and the board read
    db.session.flush()
    audit.record(actor, "cycle.settings_changed", cycle,
                 {"before": before, "after": changed, "settings": dict(cycle.settings), **(approved or {})},
                 cycle_id=cycle.id)
    return {name: (before[name], changed[name]) for name in changed}
