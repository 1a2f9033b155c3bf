"""The optional shortlist round (issue 20): its own panel and criteria, the
chair's shortlist by rank or threshold, the final round judging only what
it kept, and the report replaying the shortlist from the audit trail."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment, ShortlistDecision
from awards_app.reports import cycle_report
from awards_app.services import (
    Forbidden,
    Refusal,
    ServiceError,
    assignments,
    conflicts,
    cycles,
    panels,
    rounds,
    rubric,
    scoring,
    shortlists,
    transitions,
)
from awards_app.services.cycles import SettingsRefused
from tests import builders
from tests.factories import TESTS_ACTOR

PROMISE = {"code": "promise", "name_en": "Promise", "name_fr": "Promesse", "name_es": "Promesa", "weight": 1,
           "scale_min": 0, "scale_max": 10, "scale_step": 1, "descriptors": []}
AWARD = "best_delegation_award"


def _panel(cycle, round, prefix, size=3):
    fields = tuple(builders.award(AWARD).default_settings.get("required_fields", ()))
    members = []
    for i in range(size):
        user = builders.judge(f"{prefix}{i}@example.org", name=f"{prefix.title()} Number{i}", fields=fields,
                              roles=("judge", "chair") if i == 0 else ("judge",))
        panels.add_member(TESTS_ACTOR, cycle, user, "chair" if i == 0 else "member", round)
        members.append(user)
    return members


def _sheet(judge, nomination, round):
    return db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id, Assignment.round == round,
                                                      Assignment.nomination_id == nomination.id))


def shortlisting_cycle(values=(9, 6, 6, 2), *, final_panel=True):
    """A cycle with a shortlist round whose panel scored the nominations
    (values[i] on the i-th) and whose scoring closed: (cycle, shortlist
    panel, final panel, nominations)."""
    award_type = builders.award(AWARD)
    cycle = cycles.create_cycle(TESTS_ACTOR, award_type, 2027, event=builders.esi_event(2027),
                                deadline=datetime.now(UTC) + timedelta(days=30), settings={"shortlist_round": True})
    rubric.update(TESTS_ACTOR, cycle, [PROMISE], round=rounds.SHORTLIST)
    for step in ("publish_criteria", "open_call"):
        transitions.fire_cycle_event(TESTS_ACTOR, cycle, step, as_role="admin")
    db.session.commit()
    noms = [builders.eligible_delegation_nomination(cycle) for _ in values]
    shortlisters = _panel(cycle, rounds.SHORTLIST, "short")
    finalists = _panel(cycle, rounds.FINAL, "final") if final_panel else []
    builders.close_call(cycle)
    assert rounds.in_play(cycle) == rounds.SHORTLIST
    assignments.run(TESTS_ACTOR, cycle)
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "open_shortlist", as_role="admin")
    for judge in shortlisters:
        for value, nomination in zip(values, noms, strict=True):
            conflicts.attest_none(judge, nomination)
            scoring.submit(judge, _sheet(judge, nomination, rounds.SHORTLIST), {"promise": (str(value), "")})
    transitions.fire_cycle_event(shortlisters[0], cycle, "close_shortlist")
    db.session.commit()
    return cycle, shortlisters, finalists, noms


def test_the_shortlist_round_scores_on_its_own_criteria_and_its_chair_shortlists_by_rank(ctx):
    cycle, shortlisters, finalists, noms = shortlisting_cycle()
    assert cycle.state == "shortlisting"
    assert {c.code for c in cycle.shortlist_criteria} == {"promise"}
    assert "promise" not in {c.code for c in cycle.criteria}

    decision = shortlists.decide(shortlisters[0], cycle, "rank", "2", "The top two go on.")
    db.session.commit()
    # Second place is tied: the tie at the cut is kept whole.
    assert decision.nomination_ids == [noms[0].id, noms[1].id, noms[2].id]
    assert cycle.state == "judging" and cycle.close_reason is None

    # The final round: its own panel, only the shortlisted nominations, the final criteria.
    assignments.run(finalists[0], cycle)
    final_sheets = db.session.scalars(select(Assignment).where(Assignment.round == rounds.FINAL)).all()
    assert {a.nomination_id for a in final_sheets} == {n.id for n in noms[:3]}
    assert {a.judge_id for a in final_sheets} == {u.id for u in finalists}
    with pytest.raises(ServiceError) as refused:
        assignments.add(finalists[0], noms[3], finalists[1])
    assert refused.value.rule == "assignment.not_shortlisted"

    # A shortlist sheet no longer takes scores: its round is over.
    sheet = _sheet(shortlisters[1], noms[0], rounds.SHORTLIST)
    with pytest.raises(Refusal) as closed:
        scoring.save_draft(shortlisters[1], sheet, {"promise": ("8", "")})
    assert closed.value.rule == "scoring.cycle_judging"


def test_a_threshold_keeps_every_nomination_scoring_at_least_it(ctx):
    cycle, shortlisters, _finalists, noms = shortlisting_cycle()
    result = shortlists.ranking(cycle)
    cut = sorted((e.score for e in result.entries), reverse=True)[2]
    decision = shortlists.decide(shortlisters[0], cycle, "threshold", cut, "Every strong case goes on.")
    assert decision.nomination_ids == [noms[0].id, noms[1].id, noms[2].id]
    assert decision.inputs_hash == result.inputs_hash


def test_only_the_shortlist_rounds_chair_decides_and_only_once(ctx):
    cycle, shortlisters, finalists, _noms = shortlisting_cycle()
    for someone in (finalists[0], shortlisters[1]):
        with pytest.raises(Forbidden) as refused:
            shortlists.decide(someone, cycle, "rank", 2, "Mine.")
        assert refused.value.rule == "shortlist.chair_only"
    shortlists.decide(shortlisters[0], cycle, "rank", 2, "The top two.")
    db.session.commit()
    # The final round's chair now chairs the cycle, the shortlist's chair no more.
    assert panels.is_chair(finalists[0], cycle) and not panels.is_chair(shortlisters[0], cycle)
    with pytest.raises(Refusal) as again:
        shortlists.decide(shortlisters[0], cycle, "rank", 3, "Three after all.")
    assert again.value.rule == "shortlist.not_now"


@pytest.mark.parametrize(("basis", "cutoff", "reason", "rule", "field"), [
    ("rank", "0", "Why.", "shortlist.cutoff", "cutoff"),
    ("rank", "1.5", "Why.", "shortlist.cutoff", "cutoff"),
    ("threshold", "many", "Why.", "shortlist.cutoff", "cutoff"),
    ("lottery", "2", "Why.", "shortlist.basis", "basis"),
    ("rank", "2", "  ", "shortlist.reason_required", "reason"),
    ("threshold", "1000", "Nobody reaches it.", "shortlist.empty", "cutoff"),
])
def test_a_shortlist_that_cannot_be_drawn_is_refused_at_its_field_and_nothing_is_saved(ctx, basis, cutoff, reason,
                                                                                       rule, field):
    cycle, shortlisters, _finalists, _noms = shortlisting_cycle()
    with pytest.raises((SettingsRefused, ServiceError)) as refused:
        shortlists.decide(shortlisters[0], cycle, basis, cutoff, reason)
    db.session.rollback()
    problems = getattr(refused.value, "problems", [refused.value])
    assert (problems[0].rule, problems[0].field) == (rule, field)
    assert db.session.scalar(select(ShortlistDecision)) is None
    assert cycle.state == "shortlisting"


def test_the_shortlist_waits_for_a_final_panel_ready_to_judge(ctx):
    cycle, shortlisters, _finalists, _noms = shortlisting_cycle(final_panel=False)
    with pytest.raises(Refusal) as refused:
        shortlists.decide(shortlisters[0], cycle, "rank", 2, "The top two.")
    db.session.rollback()
    assert {r["rule"] for r in refused.value.rules} >= {"panel.size", "panel.chair"}
    assert rounds.shortlist_of(cycle) is None and cycle.state == "shortlisting"


def test_the_page_previews_then_decides_and_refuses_a_blank_reason_keeping_what_was_typed(ctx, client, auth):
    cycle, shortlisters, finalists, noms = shortlisting_cycle()
    page = f"/chair/cycles/{cycle.id}/shortlist"
    auth.login(finalists[0].email)
    assert client.get(page).status_code == 404  # the final round's chair draws no shortlist
    assert "Promise" in client.get(f"/cycles/{cycle.id}").get_data(as_text=True)  # each round's criteria are public
    auth.logout()
    auth.login(shortlisters[0].email)
    assert f'href="{page}"' in client.get(f"/chair/cycles/{cycle.id}").get_data(as_text=True)
    blank = client.post(page, data={"basis": "rank", "cutoff": "1", "reason": "", "action": "decide"})
    assert blank.status_code == 400 and 'value="1"' in blank.get_data(as_text=True)
    preview = client.post(page, data={"basis": "rank", "cutoff": "1", "reason": "Best only.", "action": "preview"})
    assert preview.get_data(as_text=True).count('class="kept"') == 1
    assert db.session.scalar(select(ShortlistDecision)) is None
    done = client.post(page, data={"basis": "rank", "cutoff": "1", "reason": "Best only.", "action": "decide"})
    assert done.status_code == 303
    db.session.expire_all()
    assert rounds.shortlist_of(cycle).nomination_ids == [noms[0].id]


def test_the_report_replays_the_shortlist_and_names_a_decision_changed_afterwards(ctx):
    cycle, shortlisters, _finalists, noms = shortlisting_cycle()
    shortlists.decide(shortlisters[0], cycle, "rank", 1, "The best only.")
    db.session.commit()
    section = cycle_report.build(cycle).shortlist
    assert section.replay_matches and section.recomputed_ids == [noms[0].id]
    assert [m.user_id for m in section.members] == [u.id for u in shortlisters]
    # Behind the application's back: the decision's row names another nomination.
    decision = rounds.shortlist_of(cycle)
    decision.nomination_ids = [noms[3].id]
    db.session.commit()
    assert cycle_report.build(cycle).shortlist.replay_matches is False


def test_an_award_without_the_round_refuses_it_and_a_cycle_without_it_opens_judging_as_before(ctx):
    volunteer = builders.open_cycle("volunteer_award", year=2027)
    with pytest.raises(SettingsRefused) as refused:
        cycles.update_settings(TESTS_ACTOR, volunteer, {"shortlist_round": True})
    assert refused.value.problems[0].rule == "settings.shortlist_round"
    cycle, _panel, _noms = builders.judging_cycle()
    assert cycle.state == "judging" and rounds.rounds_of(cycle) == (rounds.FINAL,)
    assert {a.round for a in db.session.scalars(select(Assignment))} == {rounds.FINAL}
