"""What a confirmed conflict or a judge's departure does to a decision under
way. Nothing decides on conflicted data: a proposal still before the board
that may rest on the judge's scores is withdrawn (services.recommendations),
and the panel recommends again without them; a decision the board has
already ratified is never undone silently: the trail records the conflict
and every board member is told, and the board amends the decision if it
must. Kept apart from services.conflicts and services.panels, which the
recommendation's own code reads."""

from awards_app.models import ConflictOfInterest, Cycle, PanelMember
from awards_app.services import N_, audit, outbox, recommendations, volunteer
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service


def resolve(actor, conflict: ConflictOfInterest, action: str, rationale: str | None) -> None:
    """The chair's (or the secretariat's) resolution of a conflict
    (services.conflicts.resolve), then, once confirmed, its consequence for
    the cycle's recommendation or decision."""
    conflict_service.resolve(actor, conflict, action, rationale)
    if conflict.status != "confirmed":
        return
    cycle = conflict.nomination.cycle
    if cycle.state in cycle.award_type.workflow.awaiting_ratification_states:
        # Shown to the board and the chair as the proposal's fate: names, not ids.
        recommendations.withdraw(actor, cycle, f"conflict of interest confirmed: {conflict.judge.name} "
                                              f"and {conflict.nomination.candidate}")
    elif cycle.state in ("ratified", "announced"):
        _flag_to_board(actor, cycle, conflict)


def withdraw_judge(actor, cycle: Cycle, member: PanelMember, reason: str) -> list[dict]:
    """The chair withdraws a judge (services.panels.withdraw_judge); a
    recommendation awaiting the board that counted their submitted scores
    is withdrawn with the same reason. Returns the sheets removed."""
    removed = panel_service.withdraw_judge(actor, cycle, member, reason)
    if any(entry["sheet_state"] == "submitted" for entry in removed) \
            and cycle.state in cycle.award_type.workflow.awaiting_ratification_states:
        recommendations.withdraw(actor, cycle, f"judge withdrawn: {reason.strip()}")
    return removed


def _flag_to_board(actor, cycle: Cycle, conflict: ConflictOfInterest) -> None:
    """A conflict confirmed after the board's decision: the decision stands
    until the board amends it, and nobody learns of it by chance."""
    audit.record(actor, "decision.conflict_after_ratification", cycle,
                 {"judge_id": conflict.judge_id, "nomination_id": conflict.nomination_id,
                  "kind": conflict.kind, "conflict_id": conflict.id}, cycle_id=cycle.id)
    for member in volunteer.board_members():
        outbox.notify(member.email, member.locale, cycle, N_("Conflict of interest after the decision: %(cycle)s"),
                      N_("A conflict of interest was confirmed on %(candidate)s after the Executive Committee's "
                         "decision on %(cycle)s. The decision stands unless the board amends it; the judge's "
                         "scores no longer count in the panel's results."),
                      candidate=str(conflict.nomination.candidate))
