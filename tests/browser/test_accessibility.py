"""axe-core on the pages the journeys do not pass through: the public pages,
the secretariat's other pages, and the finished 2025 Volunteer Award as each
role sees it (locked score sheets, results, the ratified decision, the audit
report with its charts). The journeys check the pages of a cycle in progress.

A serious or critical violation fails; every count goes to the summary table.
"""

import pytest
from sqlalchemy import select

from awards_app.models import Nomination
from tests.browser.helpers import horizontal_overflow, login

pytestmark = pytest.mark.browser


def _volunteer_2025(site):
    cycle_id = site.cycle_id("volunteer_award", 2025)
    nomination_id = site.read(lambda s: s.scalar(
        select(Nomination.id).where(Nomination.cycle_id == cycle_id).order_by(Nomination.id)))
    return cycle_id, nomination_id


PAGES = {
    None: ["/login", "/laureates"],
    "admin": ["/awards/", "/awards/volunteer_award", "/cycles/new", "/admin/users", "/delegations/",
              "/cycles/{cycle}/panel", "/screening/"],
    "nominator": ["/nominate/"],
    "judge": ["/judge/", "/judge/nominations/{nomination}", "/profile/judge"],
    "chair": ["/chair/cycles/{cycle}", "/cycles/{cycle}/panel", "/cycles/{cycle}"],
    "board": ["/board/", "/board/cycles/{cycle}", "/reports/", "/reports/cycles/{cycle}"],
    "auditor": ["/reports/", "/reports/cycles/{cycle}", "/awards/"],
}


@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r or "anonymous")
def test_no_serious_or_critical_axe_violation(role, pages, shared_site, axe_log, subtests):
    cycle, nomination = _volunteer_2025(shared_site)
    page = pages.open(shared_site, label=role or "anonymous")
    if role:
        login(page, role)
    for template in PAGES[role]:
        path = template.format(cycle=cycle, nomination=nomination)
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status} to {role}"
        blocking = axe_log.check(page, path.replace(str(cycle), "2025"), role or "anonymous")
        with subtests.test(msg=f"axe: {path} ({role})"):
            assert not blocking, "\n".join(blocking)


@pytest.mark.parametrize("path", ["/login", "/home", "/judge/", "/judge/nominations/{nomination}"])
def test_judge_pages_fit_a_phone(path, pages, shared_site):
    """A locked 2025 score sheet and the judge's other pages, 360 px wide."""
    _cycle, nomination = _volunteer_2025(shared_site)
    page = pages.open(shared_site, phone=True, label="phone")
    if path != "/login":
        login(page, "judge")
    page.goto(path.format(nomination=nomination))
    assert page.evaluate("() => innerWidth") == 360
    assert horizontal_overflow(page) == 0, f"{path} scrolls sideways on a 360 px phone"


def test_axe_really_runs_and_reports_a_planted_violation(pages, shared_site):
    """Guards the zero counts above: axe loads under the app's CSP and sees a
    nameless button and grey-on-white text planted in the login page."""
    from tests.browser import axe

    page = pages.open(shared_site, label="axe-canary")
    page.goto("/login")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<button id="planted"></button><p id="faint">faint</p>');
        // CSSOM, not a style attribute: the CSP (style-src 'self') blocks those.
        Object.assign(document.getElementById('faint').style, {color: '#ccc', background: '#fff'});
    }""")
    found = {v["id"]: v["impact"] for v in axe.run(page)}
    assert found.get("button-name") == "critical", found
    assert found.get("color-contrast") == "serious", found


def test_the_chairs_view_fits_a_phone(pages, shared_site):
    """The chair's whole cycle (progress, matrix, results by method, the
    severity chart, notes) on a 360 px phone: wide tables scroll in their own box."""
    cycle, _nomination = _volunteer_2025(shared_site)
    page = pages.open(shared_site, phone=True, label="chair-phone")
    login(page, "chair")
    assert page.goto(f"/chair/cycles/{cycle}").status == 200
    assert page.evaluate("() => innerWidth") == 360
    assert horizontal_overflow(page) == 0, f"the chair's view is {horizontal_overflow(page)} px too wide"
