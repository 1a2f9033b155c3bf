"""A cycle's rubric: its criteria with their names and descriptions in
three languages, weight, scale (min, max, step) and the descriptors of what
a score in each band of the scale means.

The secretariat sets it until the call opens
(workflows.settings.may_change_rubric); after that a change is a proposal
the board approves (services.settings_changes). A rubric is handled as a
list of plain dicts, one per criterion in order (``as_rows``): the page,
the API, the proposals and the audit trail all speak it, so the report's
replay can rebuild the criteria in force from the trail alone.
"""

import math
import re

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from awards_app.extensions import db
from awards_app.models import Criterion, Cycle, Score
from awards_app.models.awards import RUBRIC_TEXTS
from awards_app.services import N_, Forbidden, Message, ServiceError, audit, rounds
from awards_app.services.cycles import SettingsRefused, check_version
from workflows.base import FINAL, SHORTLIST
from workflows.settings import RUBRIC_CHANGEABLE_UNTIL, may_change_rubric

LANGUAGES = ("en", "fr", "es")
TEXTS = RUBRIC_TEXTS
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME_LENGTH = 200  # the columns' length
TEXT_LENGTH = 5000
# The tolerance of "the step divides the range": 0.1 steps are not exact in binary.
EPSILON = 1e-9


def as_row(c: Criterion) -> dict:
    """One criterion as the rubric's plain dict."""
    return c.as_row()


def as_rows(cycle: Cycle, round: str = FINAL) -> list[dict]:
    """A round's rubric in order, as the audit trail records it (no ids)."""
    return cycle.rubric(round)


def descriptor_text(band: dict, locale: str) -> str:
    """What a band means in the reader's language, else in English, else in the language it was written in."""
    return band.get(locale) or band.get("en") or next((band[lang] for lang in LANGUAGES if band.get(lang)), "")


def may_change(cycle: Cycle) -> bool:
    return may_change_rubric(cycle.state, cycle.award_type.workflow.cycle_states)


def _number(value):
    """A number from what a person typed ("2,5") or an API sent; None when it is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _whole(number):
    return int(number) if number is not None and float(number).is_integer() else number


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def normalise(rows: list[dict]) -> tuple[list[dict], list[ServiceError]]:
    """(the rubric as it would be stored, every problem with it). Each
    problem names its field as ``criteria.<row>.<field>`` (the row's index
    in ``rows``) and its rule: rubric.weight, rubric.scale, rubric.step,
    rubric.bands, rubric.code, rubric.name_required, rubric.duplicate_code,
    rubric.duplicate_name, rubric.length, rubric.empty."""
    problems: list[ServiceError] = []

    def refuse(i, field, rule, message):
        problems.append(ServiceError(rule, message, field=f"criteria.{i}.{field}"))

    if not rows:
        problems.append(ServiceError("rubric.empty", N_("A rubric needs at least one criterion."),
                                     field="criteria"))
    clean, codes, names = [], {}, {}
    for i, row in enumerate(rows):
        out = {"code": _text(row.get("code")).lower(), **{t: _text(row.get(t)) for t in TEXTS}}
        if "id" in row and row["id"] not in (None, ""):
            if isinstance(row["id"], bool) or not str(row["id"]).isdigit():
                refuse(i, "code", "rubric.unknown_criterion", N_("This criterion is not one of the cycle's."))
            else:
                out["id"] = int(row["id"])
        if not CODE.match(out["code"]):
            refuse(i, "code", "rubric.code", N_("A code is 1 to 40 lowercase letters, digits or underscores, "
                                                "starting with a letter."))
        elif out["code"] in codes:
            refuse(i, "code", "rubric.duplicate_code", Message(
                N_("Criterion %(other)s already has the code %(code)s."), other=codes[out["code"]] + 1,
                code=out["code"]))
        else:
            codes[out["code"]] = i
        if not out["name_en"]:
            refuse(i, "name_en", "rubric.name_required", N_("Give the criterion's name in English."))
        for lang in LANGUAGES:
            name = out[f"name_{lang}"] or out["name_en"]  # as the judge reads it: FR and ES fall back to EN
            if len(out[f"name_{lang}"]) > NAME_LENGTH:
                refuse(i, f"name_{lang}", "rubric.length", Message(
                    N_("A name is at most %(limit)s characters."), limit=NAME_LENGTH))
            elif name and (lang, name.casefold()) in names:
                refuse(i, f"name_{lang}", "rubric.duplicate_name", Message(
                    N_("Criterion %(other)s already has this name."), other=names[(lang, name.casefold())] + 1))
            elif name:
                names[(lang, name.casefold())] = i
        for lang in LANGUAGES:
            if len(out[f"description_{lang}"]) > TEXT_LENGTH:
                refuse(i, f"description_{lang}", "rubric.length", Message(
                    N_("A description is at most %(limit)s characters."), limit=TEXT_LENGTH))
        weight = _number(row.get("weight"))
        if weight is None or weight <= 0:
            refuse(i, "weight", "rubric.weight", N_("The weight must be a number above 0."))
        out["weight"] = weight
        low, high = _number(row.get("scale_min")), _number(row.get("scale_max"))
        scale_ok = low is not None and high is not None and float(low).is_integer() and float(high).is_integer()
        if not scale_ok:
            refuse(i, "scale_min", "rubric.scale", N_("The scale runs between two whole numbers."))
        elif low >= high:
            refuse(i, "scale_max", "rubric.scale", N_("The scale's maximum must be above its minimum."))
        out["scale_min"], out["scale_max"] = _whole(low), _whole(high)
        step = _number(row.get("scale_step"))
        if step is None or step <= 0:
            refuse(i, "scale_step", "rubric.step", N_("The step must be a number above 0."))
        elif scale_ok and low < high and not _divides(step, high - low):
            refuse(i, "scale_step", "rubric.step", Message(
                N_("The step must divide the scale's range (%(range)s) into whole steps."), range=_whole(high - low)))
        out["scale_step"] = _whole(step) if step is not None else None
        out["comment_required"] = row.get("comment_required") in (True, "y", "yes", "on", "true", "1", 1)
        scale = (low, high) if scale_ok and low < high else (None, None)  # bands are checked on a sound scale
        bands, message = _bands(row.get("descriptors") or [], *scale)
        if message:
            refuse(i, "descriptors", "rubric.bands", message)
        out["descriptors"] = bands
        clean.append(out)
    return clean, problems


def _divides(step: float, span: float) -> bool:
    count = span / step
    return abs(count - round(count)) < EPSILON * max(1.0, count) and round(count) >= 1


def _bands(raw: list, low, high) -> tuple[list[dict], str | None]:
    """The descriptor bands, stored as {"min", "max", "en", "fr", "es"} with
    only the languages given, and what is wrong with them (None when nothing)."""
    bands = []
    if not isinstance(raw, list):
        return [], N_("The descriptors are a list of bands.")
    for band in raw:
        if not isinstance(band, dict):
            return [], N_("The descriptors are a list of bands.")
        start, end = _number(band.get("min")), _number(band.get("max"))
        texts = {lang: _text(band.get(lang)) for lang in LANGUAGES if _text(band.get(lang))}
        if start is None or end is None:
            return bands, N_("Each band needs the scores it starts and ends at.")
        if not texts:
            return bands, N_("Each band needs what it means, in at least one language.")
        if any(len(t) > TEXT_LENGTH for t in texts.values()):
            return bands, Message(N_("A descriptor is at most %(limit)s characters."), limit=TEXT_LENGTH)
        bands.append({"min": _whole(start), "max": _whole(end), **texts})
    for n, band in enumerate(bands):
        if band["min"] > band["max"]:
            return bands, Message(N_("Band %(n)s starts above where it ends."), n=n + 1)
        if low is not None and not (low <= band["min"] and band["max"] <= high):
            return bands, Message(N_("Band %(n)s lies outside the scale (%(low)s to %(high)s)."),
                                  n=n + 1, low=_whole(low), high=_whole(high))
        if n and band["min"] <= bands[n - 1]["max"]:
            return bands, Message(N_("Band %(n)s overlaps the band before it or comes before it: give the bands "
                                     "in order, from the lowest scores up, without overlaps."), n=n + 1)
    return bands, None


def check(cycle: Cycle, rows: list[dict], round: str = FINAL) -> tuple[list[dict], list[ServiceError]]:
    """(the round's rubric as it would be stored, every problem), including
    what the cycle's own state refuses: removing a criterion judges have
    scored, or one the tie-break chain names."""
    clean, problems = normalise(rows)
    kept_ids = {r["id"] for r in clean if "id" in r}
    known = {c.id: c for c in cycle.criteria_of(round)}
    for i, row in enumerate(clean):
        if "id" in row and row["id"] not in known:
            problems.append(ServiceError("rubric.unknown_criterion", N_("This criterion is not one of the cycle's."),
                                         field=f"criteria.{i}.code"))
    removed = [c for c in cycle.criteria_of(round) if c.id not in kept_ids]
    if removed:
        scored = set(db.session.scalars(select(Score.criterion_id).where(
            Score.criterion_id.in_([c.id for c in removed])).group_by(Score.criterion_id)))
        for c in removed:
            if c.id in scored:
                problems.append(ServiceError("rubric.scored", Message(
                    N_("Criterion %(code)s has scores: it cannot be removed."), code=c.code), field="criteria"))
    from judging import aggregation

    # The tie-break chain names the final round's criteria (the shortlist keeps ties whole).
    chain = (cycle.setting("aggregation") or {}).get("tie_break", []) if round == FINAL else []
    codes = {r["code"] for r in clean}
    for step in chain:
        if isinstance(step, str) and step.startswith(aggregation.CRITERION_STEP) \
                and step[len(aggregation.CRITERION_STEP):] not in codes:
            problems.append(ServiceError("rubric.tie_break", Message(
                N_("The tie-break chain uses criterion %(code)s: change the chain first."),
                code=step[len(aggregation.CRITERION_STEP):]), field="criteria"))
    return clean, problems


def update(actor, cycle: Cycle, rows: list[dict], *, expected_version: int | None = None,
           round: str = FINAL) -> bool:
    """Set a round's rubric to ``rows`` (the secretariat's, until the call
    opens). Every problem is refused at once (SettingsRefused), nothing is
    saved. Returns whether anything changed; a change is audited as
    rubric.changed with the whole rubric before and after."""
    if not actor.has_role("admin"):
        raise Forbidden("rubric.admin_only", N_("Only the secretariat sets a cycle's rubric."))
    check_version(cycle, expected_version)
    if round not in rounds.rounds_of(cycle):
        raise ServiceError("rubric.no_such_round", N_("This cycle has no shortlist round."), field="round")
    clean, problems = check(cycle, rows, round)
    if not may_change(cycle):
        problems.insert(0, ServiceError("rubric.frozen", Message(
            N_("The rubric can no longer change: the cycle is at “%(state)s”, and the rubric may change only "
               "until “%(until_state)s”. Propose the change to the board instead: it applies once the board "
               "approves it."), state=cycle.state, until_state=RUBRIC_CHANGEABLE_UNTIL), field="criteria"))
    if problems:
        raise SettingsRefused(problems)
    return apply(actor, cycle, clean, round=round)


def apply(actor, cycle: Cycle, clean: list[dict], *, approved: dict | None = None, round: str = FINAL) -> bool:
    """Write a round's rubric already checked (``check``) and audit it whole."""
    before = as_rows(cycle, round)
    if [{k: v for k, v in r.items() if k != "id"} for r in clean] == before:
        return False
    current = cycle.criteria_of(round)
    by_id = {c.id: c for c in current}
    kept = {r["id"] for r in clean if "id" in r}
    for c in list(current):
        if c.id not in kept:
            current.remove(c)
    # Codes may swap between rows: clear them first so the unique (cycle, code) holds at each flush.
    moving = [by_id[r["id"]] for r in clean if "id" in r and by_id[r["id"]].code != r["code"]]
    for c in moving:
        c.code = f"~{c.id}"
    db.session.flush()
    criteria = []
    for position, row in enumerate(clean):
        c = by_id[row["id"]] if "id" in row else Criterion(round=round)
        for key, value in row.items():
            if key != "id":
                setattr(c, key, value)
        c.descriptors = row["descriptors"] or None
        c.position = position
        criteria.append(c)
    setattr(cycle, "shortlist_criteria" if round == SHORTLIST else "criteria", criteria)
    flag_modified(cycle, "settings")  # the cycle's version moves: a page opened before is stale
    db.session.flush()
    audit.record(actor, "rubric.changed", cycle,
                 {"round": round, "before": before, "after": as_rows(cycle, round), **(approved or {})},
                 cycle_id=cycle.id)
    return True
