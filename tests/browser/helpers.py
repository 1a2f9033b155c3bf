"""What a person does in the browser, in a few verbs.

Selectors use what does not change with the language: URLs, form actions,
field names and values, roles. The French runs pass before and after the
French catalogue lands.
"""

# The demo accounts' shared password (the fixture sets DEMO_PASSWORD to it
# for `demo.load()`): long and not a common password, as the app requires.
DEMO_PASSWORD = "orchard lantern 5821 quill"
DEMO_DOMAIN = "demo.milset.org"


def email_of(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def login(page, local: str) -> None:
    """Log in with the mouse and the keyboard's typing, as most people do."""
    page.goto("/login")
    page.locator("main input[name=email]").fill(email_of(local))
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/home"), f"login of {local} ended at {page.url}"


def post(page, form_selector: str, button: str = "button[type=submit]") -> int:
    """Press the submit button of a form and wait for the page that answers;
    returns that page's HTTP status (after the POST's redirect, if any)."""
    form = page.locator(form_selector)
    assert form.count() == 1, f"expected one form {form_selector} on {page.url}, found {form.count()}"
    with page.expect_navigation() as navigation:
        form.locator(button).click()
    return navigation.value.status


def confirm_and_post(page, action: str) -> int:
    """A step that cannot be undone: follow its link to the confirmation
    page, then press the button of that page's form (both name ``action``)."""
    with page.expect_navigation():
        page.locator(f"main a[href='{action}']").first.click()
    assert page.locator("main form[method=post] button[type=submit]").count() >= 1
    return post(page, f"main form[action='{action}']")


def no_error_flash(page) -> None:
    errors = page.locator("main .flash-error[role=alert]")
    assert errors.count() == 0, f"error shown on {page.url}: {errors.all_inner_texts()}"


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.documentElement.clientWidth")


# --- the keyboard --------------------------------------------------------------------------------

FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {ok: false, what: 'nothing focused'};
    // A radio pill's input is visually hidden: its ring is drawn on the pill beside it.
    const shown = (el.matches('.pill input') && el.nextElementSibling) ? el.nextElementSibling : el;
    const style = getComputedStyle(shown);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const box = shown.getBoundingClientRect();
    const what = el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : '')
        + (el.value && el.tagName === 'INPUT' && el.type === 'radio' ? `[value=${el.value}]` : '')
        + (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '');
    // The ring's contrast with what lies just outside it (WCAG 1.4.11 asks 3:1).
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    let contrast = null, behind = null;
    if (outline && style.outlineStyle !== 'auto') {
        const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) + 1;
        const x = Math.max(0, box.left - reach), y = box.top + box.height / 2;
        for (const under of document.elementsFromPoint(x, y)) {
            if (under === shown || shown.contains(under)) continue;
            const bg = rgb(getComputedStyle(under).backgroundColor);
            if (bg.length === 3 || bg[3] > 0) { behind = bg; break; }
        }
        behind = behind || [255, 255, 255];
        const [a, b] = [lum(rgb(style.outlineColor)), lum(behind)].sort((p, q) => q - p);
        contrast = (a + 0.05) / (b + 0.05);
    }
    // Nothing may cover the focused element (WCAG 2.4.11/2.4.12): a sticky bar, a header...
    let coveredBy = null;
    const midX = box.left + box.width / 2;
    for (const [px, py] of [[midX, box.top + 2], [midX, box.top + box.height / 2], [midX, box.bottom - 2]]) {
        if (px < 0 || py < 0 || px >= innerWidth || py >= innerHeight) continue;
        const hit = document.elementFromPoint(px, py);
        if (hit && hit !== el && hit !== shown && !shown.contains(hit) && !hit.contains(shown)) {
            const classes = hit.className ? '.' + String(hit.className).split(' ').join('.') : '';
            const parent = hit.parentElement ? hit.parentElement.className || hit.parentElement.tagName : '?';
            coveredBy = `${hit.tagName.toLowerCase()}${classes} in ${parent}`;
            break;
        }
    }
    return {ok: (outline || shadow) && box.width > 0 && box.height > 0, what, contrast, coveredBy,
            outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
            behind: behind && `rgb(${behind.slice(0, 3).join(', ')})`,
            inView: box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS_JS)


def assert_focus_visible(page) -> dict:
    state = focused(page)
    assert state["ok"], f"focus is not visible on {state['what']} ({state.get('outline')}) at {page.url}"
    assert state["inView"], f"the focused {state['what']} is outside the window at {page.url}"
    assert state["coveredBy"] is None, f"the focused {state['what']} is hidden under {state['coveredBy']} at {page.url}"
    assert state["contrast"] is None or state["contrast"] >= 3, (
        f"the focus ring of {state['what']} ({state['outline']}) has a contrast of {state['contrast']:.2f} "
        f"with {state['behind']} behind it; WCAG 1.4.11 asks 3:1 ({page.url})")
    return state


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching selector has the focus, checking
    at every stop that the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} Tab presses on {page.url}")


def keyboard_activate(page, selector: str, key: str = "Enter") -> None:
    """Tab to a link or button and press Enter; wait for the page it opens."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def keyboard_login(page, local: str) -> None:
    page.goto("/login")
    tab_to(page, "input[name=email]")
    page.keyboard.type(email_of(local))
    tab_to(page, "input[name=password]")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/home"), f"keyboard login of {local} ended at {page.url}"
