"""A panel's scoring progress as its chair sees it: counts, the late
judges, the sheets a page at a time, and the results by every method.

Every query leaves out the nominations a conflict hides from the chair
(conflicts.hides), counts included. They read a fixed number of rows
whatever the size of the cycle, except the results once scoring has
closed, which rank every submitted sheet the first time they are asked for
and are then kept while nothing they depend on changes (results_cache)."""

import json
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Nomination, Person, User
from awards_app.services import N_, audit, outbox, recommendations, results_cache, rounds
from awards_app.services import conflicts as conflict_service
from awards_app.services import nominations as nomination_service
from awards_app.services.conflicts import awaited as not_recused  # a judge with a conflict is not awaited
from judging import aggregation

PAGE_SIZE = 50  # nominations per page of the matrix


def _visible(chair, cycle: Cycle) -> tuple:
    """Conditions on Nomination: the cycle's, less those a conflict hides from the chair."""
    return Nomination.cycle_id == cycle.id, ~conflict_service.hides(chair.id, Nomination.id)


def _this_round(cycle: Cycle):
    """Condition on Assignment: the sheets of the round the cycle is at."""
    return Assignment.round == rounds.in_play(cycle)


def sheet_counts(chair, cycle: Cycle) -> dict[tuple[int, str], int]:
    """{(judge id, sheet state): score sheets of the round the cycle is at},
    in one GROUP BY: the progress and who is late come from it, not from the
    sheets themselves."""
    return {(judge_id, state): count for judge_id, state, count in db.session.execute(
        select(Assignment.judge_id, Assignment.sheet_state, func.count())
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(*_visible(chair, cycle), _this_round(cycle), not_recused())
        .group_by(Assignment.judge_id, Assignment.sheet_state))}


def late_judges(counts: dict[tuple[int, str], int]) -> list[tuple]:
    """[((id, email, name) of a judge, sheets awaited)] by name, from sheet_counts."""
    awaited: dict[int, int] = {}
    for (judge_id, state), count in counts.items():
        if state != "submitted":
            awaited[judge_id] = awaited.get(judge_id, 0) + count
    if not awaited:
        return []
    judges = db.session.execute(
        select(User.id, User.email, User.locale, Person.name).join(User.person).where(User.id.in_(list(awaited)))
        .order_by(Person.name, User.id))
    return [(judge, awaited[judge.id]) for judge in judges]


def remind_late_judges(chair, cycle: Cycle) -> int:
    """A notice to each judge with sheets awaited, with how many; returns how many judges."""
    late = late_judges(sheet_counts(chair, cycle))
    for judge, count in late:
        if cycle.judging_deadline:
            body = N_("%(count)s score sheet(s) of %(cycle)s still await your scores. They are due by %(due)s UTC.")
        else:
            body = N_("%(count)s score sheet(s) of %(cycle)s still await your scores.")
        outbox.notify(judge.email, judge.locale, cycle, N_("Scores awaited: %(cycle)s"), body, count=count,
                      due=f"{cycle.judging_deadline:%Y-%m-%d %H:%M}" if cycle.judging_deadline else "")
    audit.record(chair, "scoring.reminders_sent", cycle, {"judges": sorted(j.id for j, _n in late)},
                 cycle_id=cycle.id)
    return len(late)


def _candidates(chair, cycle: Cycle):
    """SELECT nomination id, candidate's name for the nominations the chair may see."""
    return nomination_service.with_candidate_name(Nomination.id).where(*_visible(chair, cycle))


def _page_number(raw: str | None, pages: int) -> int:
    """?page= as a page that exists: not a number is the first, out of range the nearest."""
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of
    this one; None where a run of pages is left out."""
    links: list[int | None] = []
    for number in sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}):
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links


@dataclass
class MatrixPage:
    """One page of the judges x nominations matrix."""

    nominations: list  # [(nomination id, candidate's name)] by id
    judges: list  # [(judge id, name)] by name: only those assigned on this page
    cells: dict  # {(nomination id, judge id): "submitted" or "awaited"}
    page: int
    pages: int
    total: int  # nominations in the whole (filtered) matrix
    links: list = field(default_factory=list)

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


def matrix_page(chair, cycle: Cycle, page: str | None, *, awaited_only: bool = False) -> MatrixPage:
    """PAGE_SIZE nominations that have score sheets (one awaited, with
    awaited_only), by id, and as columns only the judges assigned to them."""
    which = (Assignment.sheet_state != "submitted",) if awaited_only else ()
    # Driven from this cycle's sheets joined to their nominations: an EXISTS
    # per nomination makes PostgreSQL group every sheet of every cycle, which
    # at a late page costs ten times as much.
    sheets = (select(Assignment.nomination_id).join(Nomination, Nomination.id == Assignment.nomination_id)
              .where(*_visible(chair, cycle), _this_round(cycle), not_recused(), *which))
    total = db.session.scalar(sheets.with_only_columns(func.count(distinct(Assignment.nomination_id))))
    pages = max(1, -(-total // PAGE_SIZE))
    number = _page_number(page, pages)
    on_page = (sheets.group_by(Assignment.nomination_id).order_by(Assignment.nomination_id)
               .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE).correlate(None))
    nominations = db.session.execute(
        _candidates(chair, cycle).where(Nomination.id.in_(on_page)).order_by(Nomination.id)).all()
    cells = {(n, j): "submitted" if state == "submitted" else "awaited" for n, j, state in db.session.execute(
        select(Assignment.nomination_id, Assignment.judge_id, Assignment.sheet_state)
        .where(Assignment.nomination_id.in_([n for n, _name in nominations]), _this_round(cycle),
               not_recused()))} if nominations else {}
    judges = db.session.execute(
        select(User.id, Person.name).join(User.person).where(User.id.in_({j for _n, j in cells}))
        .order_by(Person.name, User.id)).all() if cells else []
    return MatrixPage(nominations=list(nominations), judges=list(judges), cells=cells, page=number,
                      pages=pages, total=total, links=_page_links(number, pages))


def results(chair, cycle: Cycle) -> dict:
    """Every method's ranking of the sheets the chair may see, once results
    are visible (scoring has closed); the bootstrap confidence, the costly
    part, for the declared method only. {} before then or without sheets.

    The rankings, the agreement and the severity are kept (results_cache)
    under everything they are computed from: the round, the nominations the
    chair may see, the criteria, the method and settings (the panel's tie
    vote in them) and the fingerprint of the sheets and the confirmed
    conflicts. The names are read afresh."""
    if not cycle.award_type.workflow.results_visible(cycle.state):
        return {}
    candidates = dict(db.session.execute(_candidates(chair, cycle)).all())
    round = rounds.FINAL
    criteria = recommendations.criteria_of(cycle, round=round)
    declared, settings = recommendations.method_of(cycle), recommendations.settings_of(cycle)
    # Read before the sheets: a change committed in between is then kept
    # under the older fingerprint, which no later request reads again.
    # The cycle's creation time tells a cycle from another of the same id in a rebuilt database.
    key = ("results", cycle.id, cycle.created_at, round, tuple(sorted(candidates)), tuple(criteria), declared,
           json.dumps(settings, sort_keys=True, default=str), results_cache.fingerprint(cycle.id))
    found = results_cache.kept(key, lambda: _rankings(cycle, round, set(candidates), criteria, declared, settings))
    if not found:
        return {}
    severity = found["severity"]
    names = dict(db.session.execute(
        select(User.id, Person.name).join(User.person).where(User.id.in_(list(severity)))).all())
    return {"results": found["results"], "candidates": candidates, "agreement": found["agreement"],
            "severity": [(names.get(j, j), v) for j, v in severity.items()], "key": key}


def _rankings(cycle: Cycle, round: str, visible: set, criteria: list, declared: str, settings: dict) -> dict:
    """The rankings by every method, the agreement and each judge's severity
    from the round's submitted sheets of the visible nominations, prepared
    once for all of them. {} without sheets."""
    sheets = [s for s in recommendations.submitted_sheets(cycle, round) if s.nomination_id in visible]
    if not sheets:
        return {}
    data = aggregation.prepare(criteria, sheets)
    return {
        "results": {m: aggregation.rank_prepared(data, m, settings if m == declared else {**settings, "resamples": 0})
                    for m in aggregation.METHODS},
        "agreement": aggregation.panel_agreement(data),
        "severity": aggregation.judge_severity(data),
    }
