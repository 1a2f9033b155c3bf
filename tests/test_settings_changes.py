"""Changes of a cycle's rules after they froze (issue 20, item 2): refused
directly, proposed with a reason, voted by the board at the cycle's quorum
and majority, applied and audited with the whole rules after them, and the
report's replay ranking with the rules in force when the panel recommended."""

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AuditEvent, Cycle, SettingsChange
from awards_app.services import Refusal, ServiceError, decisions, rules_history, settings_changes
from awards_app.services import cycles as cycle_service
from awards_app.services import rubric as rubric_service
from awards_app.services.cycles import SettingsRefused
from tests import builders
from tests.factories import UserFactory


@pytest.fixture
def people(ctx):
    admin = UserFactory(roles=("admin",))
    board = [UserFactory(roles=("board",)) for _ in range(4)]
    db.session.commit()
    return admin, board


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_the_method_freezes_when_judging_opens_and_a_direct_change_names_the_board(people):
    admin, _ = people
    cycle, _, _ = builders.judging_cycle(nominations=1)
    with pytest.raises(SettingsRefused) as refused:
        cycle_service.update_settings(admin, cycle, {"aggregation": {"method": "zscore"}})
    assert refused.value.rule == "settings.frozen" and "board" in refused.value.message
    assert refused.value.field == "aggregation"


def test_a_proposal_needs_a_reason_and_a_change_and_is_checked_like_a_direct_change(people):
    admin, board = people
    cycle = builders.open_cycle("derek_gray_medal")
    rows = [rubric_service.as_row(c) for c in cycle.criteria]
    with pytest.raises(SettingsRefused) as refused:
        settings_changes.propose(admin, cycle, reason="  ", criteria=[{**rows[0], "weight": 0}, rows[1]],
                                 settings={"aggregation": {"method": "coin_toss"}})
    assert {(p.field, p.rule) for p in refused.value.problems} == {
        ("reason", "settings_change.reason_required"), ("criteria.0.weight", "rubric.weight"),
        ("aggregation_method", "settings.aggregation.method")}
    with pytest.raises(SettingsRefused) as nothing:
        settings_changes.propose(admin, cycle, reason="Why not.", criteria=rows)
    assert nothing.value.rule == "settings_change.nothing"
    with pytest.raises(ServiceError) as not_admin:
        settings_changes.propose(board[0], cycle, reason="Mine.", settings={"board_quorum": 2})
    assert not_admin.value.status == 403
    assert db.session.scalar(select(SettingsChange)) is None


def test_the_board_approves_at_quorum_and_majority_and_the_change_applies_with_its_reason(people):
    admin, board = people
    cycle = builders.open_cycle("derek_gray_medal")
    rows = [rubric_service.as_row(c) for c in cycle.criteria]
    rows[0] |= {"weight": 3, "descriptors": [{"min": 1, "max": 2, "fr": "Faible"}, {"min": 3, "max": 5, "fr": "Fort"}]}
    change = settings_changes.propose(admin, cycle, reason="The first criterion matters most this year.",
                                      criteria=rows, settings={"aggregation": {"method": "zscore"}})
    db.session.commit()
    assert settings_changes.pending() == [change]
    assert cycle.criteria[0].weight == 1  # nothing applies before the board approves
    quorum = cycle.setting("board_quorum")
    assert quorum == 3
    assert settings_changes.vote(board[0], change, "for") is None
    assert settings_changes.vote(board[1], change, "abstain") is None
    with pytest.raises(Refusal) as twice:
        settings_changes.vote(board[0], change, "against")
    assert twice.value.rule == "settings_change.already_voted"
    assert settings_changes.vote(board[2], change, "for") == "approved"
    db.session.commit()
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert cycle.criteria[0].weight == 3 and cycle.criteria[0].descriptors[1]["fr"] == "Fort"
    assert cycle.setting("aggregation") == {"method": "zscore"}
    assert db.session.get(SettingsChange, change.id).status == "approved"
    [settings_event] = _events("cycle.settings_changed")
    assert settings_event.payload["change_id"] == change.id
    assert settings_event.payload["reason"] == "The first criterion matters most this year."
    assert settings_event.payload["settings"]["aggregation"] == {"method": "zscore"}  # the whole settings after
    [rubric_event] = _events("rubric.changed")
    assert rubric_event.payload["after"][0]["weight"] == 3 and rubric_event.payload["before"][0]["weight"] == 1
    [approved] = _events("settings_change.approved")
    assert approved.payload["votes"] == {"for": 2, "against": 0, "abstain": 1}
    with pytest.raises(Refusal) as closed:
        settings_changes.vote(board[3], change, "for")
    assert closed.value.rule == "settings_change.not_pending"


def test_a_majority_against_rejects_and_nothing_applies(people):
    admin, board = people
    cycle = builders.open_cycle("derek_gray_medal")
    change = settings_changes.propose(admin, cycle, reason="Fewer votes.", settings={"board_quorum": 2})
    for member, vote in zip(board[:3], ("against", "for", "against"), strict=True):
        fate = settings_changes.vote(member, change, vote)
    assert fate == "rejected"
    db.session.commit()
    assert db.session.get(Cycle, cycle.id).setting("board_quorum") == 3
    assert not _events("cycle.settings_changed")


def test_only_board_members_vote_and_the_secretariat_may_withdraw(people):
    admin, board = people
    cycle = builders.open_cycle("derek_gray_medal")
    change = settings_changes.propose(admin, cycle, reason="Fewer votes.", settings={"board_quorum": 2})
    with pytest.raises(ServiceError) as not_board:
        settings_changes.vote(admin, change, "for")
    assert not_board.value.rule == "settings_change.board_only"
    settings_changes.withdraw(admin, change)
    assert change.status == "withdrawn" and settings_changes.pending() == []
    with pytest.raises(Refusal):
        settings_changes.vote(board[0], change, "for")


def test_the_replay_ranks_with_the_method_in_force_when_the_panel_recommended(people):
    """A method changed by the board after the recommendation does not
    rewrite the ranking the board ratified: the replay reads the rules in
    force at the recommendation from the audit trail."""
    from awards_app.reports import cycle_report

    admin, board = people
    cycle, _ = builders.recommended_cycle()
    change = settings_changes.propose(admin, cycle, reason="Median from now on.",
                                      settings={"aggregation": {"method": "median", "resamples": 7}})
    for member in board[:3]:
        settings_changes.vote(member, change, "for")
    db.session.commit()
    assert cycle.setting("aggregation")["method"] == "median"
    recommended_at = _events("recommendation.made")[-1].seq
    stored, rows = rules_history.in_force_before(cycle, recommended_at)
    assert stored.get("aggregation", {}).get("method", "weighted_mean") == "weighted_mean"
    assert [r["code"] for r in rows] == [c.code for c in cycle.criteria]
    recommendation = decisions.current_recommendation(cycle)
    for member in board[:3]:
        decisions.cast_vote(member, recommendation, "approve")
    db.session.commit()
    report = cycle_report.build(db.session.get(Cycle, cycle.id))
    assert report.replay["matches"] and report.replay["stored_rules_match"], report.replay
    # A weight changed behind the application's back: the rules stored differ from the trail's.
    db.session.get(Cycle, cycle.id).criteria[0].weight = 9
    db.session.commit()
    assert not cycle_report.build(db.session.get(Cycle, cycle.id)).replay["stored_rules_match"]


# --- the pages ------------------------------------------------------------------------------

def _login(client, user):
    from tests.factories import PASSWORD

    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_proposed_through_the_settings_page_and_voted_on_the_boards_pages(client, people):
    admin, board = people
    cycle, _, _ = builders.judging_cycle(nominations=1)
    _login(client, admin)
    settings_page = client.get(f"/cycles/{cycle.id}/settings").get_data(as_text=True)
    assert f"/cycles/{cycle.id}/settings/propose" in settings_page
    page = client.get(f"/cycles/{cycle.id}/settings/propose")
    assert page.status_code == 200 and 'name="aggregation_method"' in page.get_data(as_text=True)
    form = _proposal_form(client, cycle)
    form.update(aggregation_method="zscore", reason="")
    refused = client.post(f"/cycles/{cycle.id}/settings/propose", data=form)
    assert refused.status_code == 400 and "[settings_change.reason_required]" in refused.get_data(as_text=True)
    assert '<option selected value="zscore">' in refused.get_data(as_text=True)  # what was chosen stays
    form.update(reason="The judges' severities differ widely this year.")
    sent = client.post(f"/cycles/{cycle.id}/settings/propose", data=form)
    assert sent.status_code == 303
    change = db.session.scalar(select(SettingsChange))
    assert change.changes["settings"] == {"aggregation": {"method": "zscore"}}
    assert sent.headers["Location"].endswith(f"/changes/{change.id}")
    # The secretariat follows it, and may not vote.
    assert client.get(f"/changes/{change.id}").status_code == 200
    assert client.post(f"/changes/{change.id}", data={"vote": "for"}).status_code == 403
    for n, member in enumerate(board[:3]):
        _login(client, member)
        if n == 0:
            index = client.get("/board/").get_data(as_text=True)
            assert f"/changes/{change.id}" in index
            shown = client.get(f"/changes/{change.id}").get_data(as_text=True)
            assert "The judges&#39; severities differ widely this year." in shown and "Standardised scores" in shown
        assert client.post(f"/changes/{change.id}", data={"vote": "for"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).setting("aggregation")["method"] == "zscore"
    assert "Approved by the board" in client.get(f"/changes/{change.id}").get_data(as_text=True)


def test_others_get_404_for_a_proposal(client, people, make_user):
    admin, _ = people
    cycle = builders.open_cycle("derek_gray_medal")
    change = settings_changes.propose(admin, cycle, reason="Fewer votes.", settings={"board_quorum": 2})
    db.session.commit()
    judge = builders.judge("judge@example.org")
    _login(client, judge)
    assert client.get(f"/changes/{change.id}").status_code == 404
    assert client.post(f"/changes/{change.id}", data={"vote": "for"}).status_code == 404
    assert client.post(f"/changes/{change.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(SettingsChange, change.id).votes == []


def _proposal_form(client, cycle) -> dict:
    from html.parser import HTMLParser

    found: dict = {}

    class Reader(HTMLParser):
        select = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and "disabled" not in a:
                if a.get("type") in ("radio", "checkbox"):
                    if "checked" in a:
                        found.setdefault(a["name"], []).append(a.get("value"))
                else:
                    found[a["name"]] = a.get("value") or ""
            elif tag == "select":
                self.select = a.get("name")
                found.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in a:
                found[self.select] = a.get("value")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    Reader().feed(client.get(f"/cycles/{cycle.id}/settings/propose").get_data(as_text=True))
    return found
