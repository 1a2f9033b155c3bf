"""The board's report sized for 2,000 nominations (issue 11): one row per
nomination instead of one per sheet, the replay without the bootstrap, the
scores read once. These tests check that what made it fast kept what it
proves; bench/ measures the time at scale."""

import csv
import io
import random
import re

import pytest
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Assignment
from awards_app.reports import cycle_report
from awards_app.services import audit, decisions, recommendations, scoring, transitions
from judging import aggregation
from judging.aggregation import bootstrap
from tests import builders, factories


def _ratified(values=(3, 5, 4), ratify=True):
    """Three nominations x three judges; every judge gives values[i] on every
    criterion of nomination i, except the second judge, one point lower
    (so that totals differ per judge)."""
    cycle, judges, noms = builders.judging_cycle(nominations=len(values))
    for j, judge in enumerate(judges):
        for i, nomination in enumerate(noms):
            sheet = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                               Assignment.nomination_id == nomination.id))
            value = values[i] - (1 if j == 1 else 0)
            scoring.submit(judge, sheet, {c.code: (str(value), "") for c in cycle.criteria})
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendation = recommendations.recommend(judges[0], cycle, "Consensus.")
    if ratify:
        for member in [factories.UserFactory(roles=("board",)) for _ in range(3)]:
            decisions.cast_vote(member, recommendation, "approve")
    db.session.commit()
    return cycle, judges, noms


def _nomination_rows(page: str) -> list[str]:
    table = page.split('aria-labelledby="nom-h"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def test_sheet_totals_are_the_aggregations_to_the_bit():
    rng = random.Random(11)
    criteria = [aggregation.Criterion(code=f"c{i}", weight=rng.choice([0.5, 1.0, 1.5, 2.0, 3.0]),
                                      scale_min=rng.choice([0, 1]), scale_max=rng.choice([5, 7, 10]))
                for i in range(9)]
    sheets = [aggregation.Sheet(judge_id=j, nomination_id=n, scores={
        c.code: float(rng.randint(c.scale_min, c.scale_max)) for c in criteria}) for n in range(40) for j in range(3)]
    totals = aggregation.sheet_totals(criteria, sheets)
    assert totals == {(s.nomination_id, s.judge_id): aggregation.sheet_total(criteria, s.scores) for s in sheets}


def test_the_report_shows_one_row_per_nomination_with_its_judges_and_totals(ctx, client, auth, make_user):
    cycle, judges, noms = _ratified()
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    rows = _nomination_rows(page)
    assert len(rows) == 3  # not 9: the per-sheet matrix is the CSV's
    # In rank order: the second nomination (5 points) first, then the third, then the first.
    for row, nomination in zip(rows, (noms[1], noms[2], noms[0]), strict=True):
        assert nomination.candidate.name in row
        assert all(judge.name in row for judge in judges)
    criteria = recommendations.criteria_of(cycle)
    top = aggregation.sheet_total(criteria, {c.code: 5 for c in criteria})
    lower = aggregation.sheet_total(criteria, {c.code: 4 for c in criteria})
    assert f"{top:.1f}" in rows[0] and f"{lower:.1f}" in rows[0]
    assert "Score matrix" not in page and f"/reports/cycles/{cycle.id}/scores.csv" in page


def test_a_sheet_kept_out_by_a_confirmed_conflict_says_so(ctx):
    from awards_app.models import ConflictOfInterest

    cycle, judges, noms = _ratified()
    db.session.add(ConflictOfInterest(judge_id=judges[2].id, nomination_id=noms[0].id, kind="family",
                                      source="declared", status="confirmed"))
    db.session.commit()
    row = next(r for r in cycle_report.build(cycle).rows if r.nomination_id == noms[0].id)
    kept_out = [s for s in row.sheets if s.excluded]
    assert [s.judge for s in kept_out] == [judges[2].name] and kept_out[0].total is None
    assert all(s.total is not None for s in row.sheets if not s.excluded)


def test_no_judge_total_is_shown_before_ratification(ctx, client, auth, make_user):
    cycle, judges, noms = _ratified(ratify=False)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    rows = _nomination_rows(page)
    assert len(rows) == 3 and "Submitted" in rows[0]
    criteria = recommendations.criteria_of(cycle)
    total = aggregation.sheet_total(criteria, {c.code: 5 for c in criteria})
    assert f"{total:.1f}" not in page and "scores.csv" not in page


def test_the_replay_skips_the_bootstrap_but_compares_the_hash_of_the_declared_settings(ctx, monkeypatch):
    cycle, judges, noms = _ratified()

    def no_bootstrap(*args, **kwargs):
        raise AssertionError("the replay must not resample")

    monkeypatch.setattr(bootstrap, "_bootstrap", no_bootstrap)
    assert cycle_report.build(cycle).replay["matches"]
    # The ratified hash covers the declared settings, resamples included: a
    # setting changed after ratification shows as a different result.
    declared = dict(cycle.settings.get("aggregation") or {})
    cycle.settings = {**cycle.settings, "aggregation": {**declared, "resamples": 50}}
    db.session.commit()
    assert not cycle_report.build(cycle).replay["matches"]


def test_the_scores_csv_reads_only_the_scores(ctx, client, auth, make_user, monkeypatch):
    cycle, judges, noms = _ratified()

    def no_chain_check():
        raise AssertionError("the CSV does not need the chain check")

    monkeypatch.setattr(audit, "verify_chain", no_chain_check)
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/cycles/{cycle.id}/scores.csv").get_data(as_text=True))))
    codes = [c.code for c in cycle.criteria]
    assert rows[0] == ["nomination_id", "candidate", "judge", *codes]
    assert len(rows) == 1 + 9
    first = noms[0]
    assert rows[1][:3] == [str(first.id), first.candidate.name, judges[0].name]
    assert rows[1][3:] == ["3.0"] * len(codes)


def test_the_pdf_gets_print_css_as_written_and_a_line_per_judge(ctx, monkeypatch):
    import weasyprint

    from awards_app.reports import pdf

    cycle, judges, noms = _ratified()
    given = {}

    class Capture:
        def __init__(self, string):
            given["html"] = string

        def write_pdf(self):
            return b"%PDF-"

    monkeypatch.setattr(weasyprint, "HTML", Capture)
    with ctx.test_request_context():
        pdf.render(cycle_report.build(cycle))
    style = given["html"].split("<style>", 1)[1].split("</style>", 1)[0]
    assert '"DejaVu Sans"' in style and "&#34;" not in style  # the font and the page numbers need the quotes
    # Judges on lines of their own, as newlines (print.css: pre-line) rather than <br> elements.
    table = given["html"].split('aria-labelledby="nom-h"', 1)[1]
    assert "<br>" not in table and f"{judges[0].name} · " in table and f"\n{judges[1].name} · " in table


@pytest.mark.parametrize("judges", [3, 80])
def test_severity_charts_share_one_scale_and_fit_a_page(judges):
    from awards_app.reports import charts

    rows = [(f"Judge {i}", (i - judges / 2) / 4) for i in range(judges)]
    span = charts.span_of(rows)
    pieces = [charts.offset_bars(rows[i:i + cycle_report.SEVERITY_ROWS_PER_CHART], "Judge severity", span)
              for i in range(0, judges, cycle_report.SEVERITY_ROWS_PER_CHART)]
    assert len(pieces) == -(-judges // cycle_report.SEVERITY_ROWS_PER_CHART)
    heights = [int(re.search(r'height="(\d+)"', str(p)).group(1)) for p in pieces]
    assert max(heights) <= 900  # an A4 page less its margins holds about 980 CSS pixels
    widest = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', "".join(map(str, pieces)))
    assert max(float(w) for w in widest) == pytest.approx(charts.WIDTH / 2 * 0.8, abs=0.1)
