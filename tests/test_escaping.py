"""Text people typed is shown as text everywhere: pages, the PDF report and
CSV exports (where a leading = + - @ would otherwise run as a formula)."""

import csv
import io

from awards_app.extensions import db
from awards_app.models import Delegation
from awards_app.services import decisions, recommendations, scoring, transitions
from tests import builders, factories

HOSTILE = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>'


def _ratified_cycle_with_a_hostile_name():
    cycle, judges, noms = builders.judging_cycle(nominations=2)
    delegation = db.session.get(Delegation, noms[0].candidate_delegation_id)
    delegation.name = HOSTILE
    db.session.commit()
    for judge in judges:
        for n in noms:
            sheet = scoring.sheet_for(judge, n.id).assignment
            scoring.submit(judge, sheet, {c.code: ("4", "") for c in cycle.criteria})
    transitions.fire_cycle_event(judges[0], cycle, "close_scoring")
    recommendations.recommend(judges[0], cycle, "<b>bold claim</b>", laureate_ids=[noms[0].id])
    rec = decisions.current_recommendation(cycle)
    for member in [factories.UserFactory(roles=("board",)) for _ in range(3)]:
        decisions.cast_vote(member, rec, "approve")
    db.session.commit()
    return cycle


def test_pages_csv_and_pdf_treat_typed_text_as_text(ctx, client, auth, make_user):
    cycle = _ratified_cycle_with_a_hostile_name()
    make_user("auditor@example.org", roles=("auditor",))
    auth.login("auditor@example.org")
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold claim</b>" not in page and "&lt;b&gt;bold claim&lt;/b&gt;" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/cycles/{cycle.id}/scores.csv").get_data(as_text=True))))
    candidates = {row[1] for row in rows[1:]}
    assert "'" + HOSTILE in candidates and HOSTILE not in candidates
    pdf = client.get(f"/reports/cycles/{cycle.id}/report.pdf")
    assert pdf.status_code == 200 and b"<script>" not in pdf.data
