"""A whole cycle from scores to a ratified decision, the board's votes, the
public laureates page and the audit report's replay."""

import pytest
from sqlalchemy import func, select, text

from awards_app.extensions import db
from awards_app.models import AuditEvent, Decision, Nomination
from awards_app.services import Refusal, ServiceError, decisions, recommendations, transitions
from awards_app.services.db_roles import owner_engine
from tests import builders, factories
from tests.factories import TESTS_ACTOR


@pytest.fixture
def deliberating(ctx):
    cycle, judges, noms = builders.judging_cycle(nominations=3)
    builders.score_all(cycle, judges, noms, [3, 5, 4])
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    db.session.commit()
    return cycle, judges, noms


def _board(n=3):
    users = [factories.UserFactory(roles=("board",)) for _ in range(n)]
    db.session.commit()
    return users


def test_the_chairs_view_shows_progress_and_every_method(deliberating, client, auth):
    cycle, judges, noms = deliberating
    auth.login(judges[0].email)
    page = client.get(f"/chair/cycles/{cycle.id}")
    assert page.status_code == 200
    for method in ("Weighted mean", "Trimmed mean", "Median", "Standardised scores (z-scores)"):
        assert f"<h3>{method}".encode() in page.data  # in words, not codes
    assert b"9 of 9 score sheets submitted" in page.data
    auth.logout()
    auth.login(judges[1].email)
    assert client.get(f"/chair/cycles/{cycle.id}").status_code == 404


def test_recommend_then_the_board_ratifies_at_quorum(deliberating, client, auth):
    cycle, judges, noms = deliberating
    auth.login(judges[0].email)
    client.post(f"/chair/cycles/{cycle.id}/recommend", data={"rationale": "Clear consensus on the second."})
    db.session.refresh(cycle)
    assert cycle.state == "recommended"
    recommendation = decisions.current_recommendation(cycle)
    assert recommendation.laureate_nomination_ids == [noms[1].id]
    assert recommendation.method == "weighted_mean"
    b1, b2, b3 = _board()
    with pytest.raises(ServiceError) as no_reason:
        decisions.cast_vote(b1, recommendation, "reject", "")
    assert no_reason.value.rule == "board.reject_reason_required"
    assert decisions.cast_vote(b1, recommendation, "approve") is None
    assert decisions.cast_vote(b2, recommendation, "abstain") is None
    with pytest.raises(Refusal):
        decisions.cast_vote(b2, recommendation, "approve")
    assert decisions.cast_vote(b3, recommendation, "approve") == "ratified"
    db.session.commit()
    decision = db.session.scalar(select(Decision))
    assert decision.laureate_nomination_ids == [noms[1].id] and len(decision.inputs_hash) == 64
    db.session.refresh(noms[1])
    assert noms[1].state == "laureate"


def _ratified(cycle, judges):
    recommendations.recommend(judges[0], cycle, "Consensus.")
    recommendation = decisions.current_recommendation(cycle)
    for member in _board():
        decisions.cast_vote(member, recommendation, "approve")
    db.session.commit()
    return recommendation


def test_laureates_appear_publicly_only_when_announced_and_without_scores(deliberating, client):
    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    assert noms[1].candidate.name.encode() not in client.get("/laureates").data
    transitions.fire_cycle_event(TESTS_ACTOR, cycle, "announce", as_role="admin")
    db.session.commit()
    page = client.get("/laureates")
    assert page.status_code == 200 and noms[1].candidate.name.encode() in page.data
    assert noms[0].candidate.name.encode() not in page.data and b"score" not in page.data.lower()


def test_an_amendment_is_a_new_decision_that_references_the_old(deliberating):
    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    original = decisions.final_decision(cycle)
    members = _board()
    proposal = decisions.propose_amendment(members[0], cycle, [noms[2].id], "Laureate declined the award.")
    # A proposal changes nothing until the board ratifies it.
    assert decisions.final_decision(cycle).id == original.id
    assert [decisions.cast_vote(m, proposal, "approve") for m in members] == [None, None, "ratified"]
    db.session.commit()
    amended = decisions.final_decision(cycle)
    assert amended.amends_id == original.id and amended.laureate_nomination_ids == [noms[2].id]
    assert original.laureate_nomination_ids == [noms[1].id] and amended.reason == "Laureate declined the award."
    assert proposal.status == "ratified" and proposal.kind == "amendment"


def test_the_report_replays_the_decision_and_names_a_changed_score(deliberating, client, auth, make_user):
    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    report = client.get(f"/reports/cycles/{cycle.id}")
    assert report.status_code == 200
    assert b"the result matches the ratified decision" in report.data
    assert b"The scores stored today are those submitted." in report.data
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE score SET value = 1 WHERE id = (SELECT MIN(id) FROM score)"))
    tampered = client.get(f"/reports/cycles/{cycle.id}")
    assert b"Stored scores differ from those submitted" in tampered.data
    assert b"the result matches the ratified decision" in tampered.data  # replay reads the audit trail


def test_the_report_is_for_the_board_and_auditors_only(deliberating, client, auth, make_user):
    cycle, judges, noms = deliberating
    for role, status in [("judge", 404), ("nominator", 404), ("admin", 404), ("board", 200), ("auditor", 200)]:
        make_user(f"{role}-r@example.org", roles=(role,))
        auth.login(f"{role}-r@example.org")
        assert client.get(f"/reports/cycles/{cycle.id}").status_code == status, role
        auth.logout()


def test_a_confirmed_conflict_never_enters_the_result(deliberating):
    from awards_app.models import ConflictOfInterest

    cycle, judges, noms = deliberating
    # A conflict confirmed after scoring: the judge's sheet must drop out by construction.
    db.session.add(ConflictOfInterest(judge_id=judges[2].id, nomination_id=noms[0].id, kind="family",
                                      source="declared", status="confirmed"))
    db.session.commit()
    sheets = recommendations.submitted_sheets(cycle)
    assert (judges[2].id, noms[0].id) not in {(s.judge_id, s.nomination_id) for s in sheets}
    entry = next(e for e in recommendations.rank(cycle).entries if e.nomination_id == noms[0].id)
    assert entry.n_judges == 2


def test_score_submission_events_carry_everything_the_replay_needs(deliberating):
    cycle, judges, noms = deliberating
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "score.submitted")).all()
    assert len(events) == 9
    assert all(set(e.payload["scores"]) == {c.code for c in cycle.criteria} for e in events)
    assert {n.state for n in db.session.scalars(select(Nomination))} == {"eligible"}


def test_the_pdf_report_is_produced_and_shows_the_head_hash(deliberating, client, auth, make_user, tmp_path):
    import shutil
    import subprocess

    from awards_app.services import audit

    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    response = client.get(f"/reports/cycles/{cycle.id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF's text")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text_out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    head = audit.verify_chain().head_hash
    assert head in text_out.replace("\n", "").replace(" ", "")
    assert "Audit report" in text_out and noms[1].candidate.name in text_out


def test_the_report_html_draws_the_charts_as_svg(deliberating, client, auth, make_user):
    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert page.count("<svg") == 2 and "<title>Judge severity</title>" in page


def test_the_report_verifies_from_the_last_full_check_and_says_so(deliberating, client, auth, make_user, runner):
    """Without a checkpoint the report verifies every event; after `flask
    audit verify` only those since, and it names the checkpoint. A row
    changed after the checkpoint still fails the report."""
    cycle, judges, noms = deliberating
    _ratified(cycle, judges)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    before = client.get(f"/reports/cycles/{cycle.id}")
    assert b"Every event was verified for this report." in before.data
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    checkpoint = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    factories.AuditEventFactory()
    db.session.commit()
    after = client.get(f"/reports/cycles/{cycle.id}")
    assert f"Events 1 to {checkpoint} were verified in full".encode() in after.data
    assert b"The audit chain is intact" in after.data
    with owner_engine().begin() as conn:
        if conn.dialect.name == "postgresql":  # past the append-only trigger, as an intruder with the owner's rights
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_event SET actor = 'someone else' WHERE seq = :s"), {"s": checkpoint + 1})
    tampered = client.get(f"/reports/cycles/{cycle.id}")
    assert b"The audit chain does not verify" in tampered.data
    assert f"event seq {checkpoint + 1}".encode() in tampered.data


def test_the_board_ratifies_by_the_event_the_workflow_declares(deliberating):
    cycle, judges, _noms = deliberating
    _ratified(cycle, judges)
    transition = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.transition")
                                    .order_by(AuditEvent.id.desc())).first()
    assert transition.payload["to"] == "ratified"
    assert transition.payload["event"] == cycle.award_type.workflow.ratifying_event == "ratify"


def test_votes_ratify_nothing_when_the_declared_event_is_not_the_boards_to_fire(deliberating, monkeypatch):
    # The service asks the workflow which event ratifies instead of trying
    # every event it knows: declare one the board may not fire, and a
    # quorum of approvals moves nothing.
    cycle, judges, _noms = deliberating
    monkeypatch.setattr(cycle.award_type.workflow, "ratifying_event", "cancel")
    recommendations.recommend(judges[0], cycle, "Consensus.")
    recommendation = decisions.current_recommendation(cycle)
    assert [decisions.cast_vote(member, recommendation, "approve") for member in _board()] == [None] * 3
    db.session.commit()
    assert cycle.state == "recommended" and decisions.final_decision(cycle) is None


def test_the_board_page_lists_the_cycles_whose_recommendation_awaits_it(deliberating):
    cycle, judges, _noms = deliberating
    assert cycle not in decisions.awaiting_board()
    recommendations.recommend(judges[0], cycle, "Consensus.")
    db.session.commit()
    assert decisions.awaiting_board() == [cycle]


def test_a_cycle_stored_without_a_board_quorum_needs_three_votes(deliberating):
    # board_quorum once fell back to 1 in the guard and to 3 in every award's
    # defaults; 3 is what every stored cycle got, and it stands.
    cycle, judges, _noms = deliberating
    cycle.settings = {k: v for k, v in cycle.settings.items() if k != "board_quorum"}
    db.session.commit()
    recommendations.recommend(judges[0], cycle, "Consensus.")
    recommendation = decisions.current_recommendation(cycle)
    first, second, third = _board()
    assert decisions.cast_vote(first, recommendation, "approve") is None
    assert decisions.cast_vote(second, recommendation, "approve") is None
    assert decisions.cast_vote(third, recommendation, "approve") == "ratified"


def test_a_board_member_who_nominated_a_laureate_may_only_recuse_on_that_decision(deliberating, client, auth):
    """The board on *this* decision: one who nominated a recommended laureate
    (or is one, or has a conflict with one) recuses; the vote counts nothing."""
    from awards_app.models import BoardVote
    from awards_app.services import Forbidden, users
    from tests.factories import TESTS_ACTOR

    cycle, judges, noms = deliberating
    recommendations.recommend(judges[0], cycle, "Consensus.")
    recommendation = decisions.current_recommendation(cycle)
    laureate = db.session.get(type(noms[0]), recommendation.laureate_nomination_ids[0])
    nominator = laureate.nominator
    users.set_roles(TESTS_ACTOR, nominator, ("nominator", "board"))
    db.session.commit()
    with pytest.raises(Forbidden) as refused:
        decisions.cast_vote(nominator, recommendation, "approve")
    assert refused.value.rule == "board.conflicted" and refused.value.status == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BoardVote)) == 0
    assert decisions.cast_vote(nominator, recommendation, "recused") is None
    db.session.commit()
    # Through the page too: the refusal names its rule and nothing is recorded.
    other = _board(1)[0]
    users.set_roles(TESTS_ACTOR, other, ("board",))
    other_nomination = db.session.get(type(noms[0]), recommendation.laureate_nomination_ids[0])
    other_nomination.nominator_id = other.id
    db.session.commit()
    auth.login(other.email)
    page = client.post(f"/board/cycles/{cycle.id}", data={"vote": "approve", "confirmed": "1"})
    assert page.status_code == 403 and b"board.conflicted" in page.data
    assert db.session.scalar(select(func.count()).select_from(BoardVote).where(BoardVote.user_id == other.id)) == 0
