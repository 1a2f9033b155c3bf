"""The shortlist round in the cycle's report: its panel, the chair's
decision (basis, reason, who went on) and its replay from the audit trail:
the round's ranking recomputed from the scores as submitted, with the rubric
and the method in force when the chair decided, must give the same inputs
hash and keep the same nominations."""

from dataclasses import dataclass, field

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, ShortlistDecision
from awards_app.reports import scores_from_audit
from awards_app.services import panels, recommendations, rounds, rules_history, shortlists
from judging import aggregation


@dataclass
class ShortlistSection:
    decision: ShortlistDecision | None
    members: list = field(default_factory=list)
    described: str | None = None
    replay_matches: bool | None = None  # None: nothing to replay yet
    recomputed_ids: list = field(default_factory=list)


def _decided_at(cycle: Cycle, decision: ShortlistDecision) -> int | None:
    return db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.cycle_id == cycle.id, AuditEvent.action == "shortlist.decided",
        AuditEvent.object_id == str(decision.id)).limit(1))


def replay(cycle: Cycle, decision: ShortlistDecision) -> tuple[bool, list[int]]:
    """(whether the decision is reproduced from the trail, the nominations the replay keeps)."""
    sheet_dicts = scores_from_audit.submitted(cycle, rounds.SHORTLIST)
    if not sheet_dicts:
        return False, []
    stored, rows, _ = rules_history.for_replay(cycle, _decided_at(cycle, decision), rounds.SHORTLIST)
    criteria = recommendations.criteria_of(cycle, rows)
    sheets = [aggregation.Sheet(judge_id=s["judge_id"], nomination_id=s["nomination_id"], scores=s["scores"])
              for s in sheet_dicts]
    result = aggregation.rank(criteria, sheets, recommendations.method_of(cycle, stored),
                              shortlists.rank_settings(cycle, stored))
    kept = shortlists.chosen(result, decision.basis, decision.cutoff)
    return result.inputs_hash == decision.inputs_hash and kept == list(decision.nomination_ids), kept


def section(cycle: Cycle) -> ShortlistSection | None:
    """The report's section on the shortlist round; None for a cycle without one."""
    if not rounds.has_shortlist(cycle):
        return None
    panel = panels.panel_of(cycle, rounds.SHORTLIST)
    decision = rounds.shortlist_of(cycle)
    found = ShortlistSection(decision=decision, members=panel.members if panel else [])
    if decision is not None:
        found.described = shortlists.describe(decision)
        found.replay_matches, found.recomputed_ids = replay(cycle, decision)
    return found
