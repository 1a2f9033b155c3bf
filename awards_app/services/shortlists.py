"""The chair's shortlist: which nominations the shortlist round sends on to
the final round. The chair chooses the basis (the top places of the round's
ranking, or a threshold score) with a reason; the decision keeps the ranking
it was made on and its inputs' hash, is audited, and opens the final round."""


from awards_app.extensions import db
from awards_app.models import Cycle, ShortlistDecision
from awards_app.models.awards import SHORTLIST_BASES
from awards_app.services import N_, Forbidden, Message, Refusal, ServiceError, audit, rounds, transitions
from awards_app.services import panels as panel_service
from awards_app.services import recommendations as results
from awards_app.services.cycles import SettingsRefused
from judging import aggregation


def rank_settings(cycle: Cycle, stored: dict | None = None) -> dict:
    """The aggregation's settings for the shortlist round (``stored``: the
    cycle's settings at an earlier step, the replay's). No tie-break: a tie at
    the cut keeps every tied nomination, and the chain names the final
    round's criteria. No bootstrap: the shortlist shows no confidence."""
    return {**results.settings_of(cycle, with_tie_vote=False, stored=stored),
            "tie_break": [], "laureates": 1, "resamples": 0}


def ranking(cycle: Cycle):
    """The shortlist round's ranking by the cycle's method, or None before a sheet is in."""
    sheets = results.submitted_sheets(cycle, rounds.SHORTLIST)
    if not sheets:
        return None
    return aggregation.rank(results.criteria_of(cycle, round=rounds.SHORTLIST), sheets, results.method_of(cycle),
                            rank_settings(cycle))


def chosen(result, basis: str, cutoff: float) -> list[int]:
    """The nominations a basis keeps: every one ranked within the top
    ``cutoff`` places (a tie straddling the cut is kept whole), or every one
    scoring at least ``cutoff``."""
    if result is None:
        return []
    if basis == "rank":
        return [e.nomination_id for e in result.entries if e.rank <= cutoff]
    return [e.nomination_id for e in result.entries if round(e.score, aggregation.DECIMALS) >= cutoff]


def _checked(basis: str, cutoff, reason: str) -> tuple[float, str]:
    problems = []
    if basis not in SHORTLIST_BASES:
        problems.append(ServiceError("shortlist.basis", N_("Shortlist by rank or by a threshold score."),
                                     field="basis"))
    try:
        number = float(cutoff)
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or (basis == "rank" and (number < 1 or not number.is_integer())):
        message = (N_("Give how many places go on: a whole number of at least 1.") if basis == "rank"
                   else N_("Give the lowest score that goes on, as a number."))
        problems.append(ServiceError("shortlist.cutoff", message, field="cutoff"))
    if not (reason or "").strip():
        problems.append(ServiceError("shortlist.reason_required", N_("Write why the shortlist is drawn this way."),
                                     field="reason"))
    if problems:
        raise SettingsRefused(problems)
    return number, reason.strip()


def decide(actor, cycle: Cycle, basis: str, cutoff, reason: str) -> ShortlistDecision:
    """The chair of the shortlist round decides the shortlist; the cycle
    moves to the final round (decide_shortlist, through its guards: the
    final panel must be ready) in the same transaction."""
    if not panel_service.is_chair(actor, cycle, rounds.SHORTLIST):
        raise Forbidden("shortlist.chair_only", N_("Only the shortlist round's chair decides the shortlist."))
    number, reason = _checked(basis, cutoff, reason)
    cycle = transitions.lock_row(Cycle, cycle.id)
    if cycle.state != "shortlisting" or rounds.shortlist_of(cycle) is not None:
        raise Refusal([{"rule": "shortlist.not_now",
                        "message": N_("The shortlist is decided once the shortlist round's scoring has closed, "
                                      "and only once.")}])
    result = ranking(cycle)
    ids = chosen(result, basis, number)
    if not ids:
        raise ServiceError("shortlist.empty", N_("The shortlist names no nomination: choose a rank or a threshold "
                                                 "that keeps at least one."), field="cutoff")
    decision = ShortlistDecision(
        cycle_id=cycle.id, basis=basis, cutoff=number, method=result.method, reason=reason,
        ranking=[results.entry_as_json(e) for e in result.entries], nomination_ids=ids,
        inputs_hash=result.inputs_hash, decided_by_id=actor.id)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "shortlist.decided", decision,
                 {"basis": basis, "cutoff": number, "method": result.method, "inputs_hash": result.inputs_hash,
                  "shortlisted": ids, "reason": reason,
                  "ranking": [{"nomination_id": e.nomination_id, "rank": e.rank, "score": e.score}
                              for e in result.entries]},
                 cycle_id=cycle.id)
    # The final round closes early only with a reason of its own.
    cycle.close_reason = None
    transitions.fire_cycle_event(actor, cycle, "decide_shortlist", as_role="chair")
    return decision


def describe(decision: ShortlistDecision) -> Message:
    """The decision's basis in a sentence."""
    if decision.basis == "rank":
        return Message(N_("The top %(places)s place(s) of the shortlist round went on (a tie at the cut kept "
                          "whole)."), places=int(decision.cutoff))
    return Message(N_("Every nomination scoring at least %(threshold)s in the shortlist round went on."),
                   threshold=f"{decision.cutoff:g}")
