"""The keyboard alone: every stop of the Tab key shows where the focus is."""

import pytest

from tests.browser.helpers import assert_focus_visible, focused, keyboard_login, login, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_login_with_the_keyboard_alone_shows_the_focus_at_every_stop(pages, shared_site, locale):
    page = pages.open(shared_site, locale, label="keyboard-login")
    keyboard_login(page, "nominator")
    assert page.evaluate("() => document.documentElement.lang") == locale[:2]


def test_skip_link_is_the_first_stop_and_moves_the_focus_to_the_content(pages, shared_site):
    page = pages.open(shared_site, label="skip-link")
    keyboard_login(page, "judge")
    page.keyboard.press("Tab")
    state = assert_focus_visible(page)
    assert state["what"] == "a[href=#content]", state
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"


def test_logout_with_the_keyboard(pages, shared_site):
    page = pages.open(shared_site, label="keyboard-logout")
    keyboard_login(page, "auditor")
    tab_to(page, "form[action='/logout'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/login")


WALKS = [
    ("judge", "/profile/judge"),
    ("admin", "/cycles/{cycle}/panel"),
    ("admin", "/screening/"),
    ("nominator", "/nominate/"),
    ("board", "/board/cycles/{cycle}"),
    ("auditor", "/reports/cycles/{cycle}"),
]


@pytest.mark.parametrize(("role", "path"), WALKS)
def test_every_tab_stop_shows_its_focus(role, path, pages, shared_site):
    """Tab through the whole page (up to 80 stops): at each one the focus ring
    is drawn, is in the window, has 3:1 contrast and nothing covers it."""
    cycle = shared_site.cycle_id("volunteer_award", 2025)
    page = pages.open(shared_site, label=role)
    login(page, role)
    page.goto(path.format(cycle=cycle))
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        state = focused(page)
        if state["what"] == "nothing focused" or (seen and state["what"] == seen[0]):
            break  # back to the start (or out of the page): every stop was visited
        assert_focus_visible(page)
        seen.append(state["what"])
    assert len(seen) > 3, seen
