"""`make run` shows the demo's notices with no extra step: the secretariat
opens the Mailbox, reads the endorsement request the demo left waiting, and
the endorser follows its link to the form that answers it."""

import re

from tests.browser.helpers import login


def test_the_demos_endorsement_request_is_read_in_the_mailbox_and_its_link_opens(shared_site, pages):
    admin = pages.open(shared_site, label="admin")
    login(admin, "admin")
    admin.goto("/admin/mailbox/")
    request = admin.locator("main a", has_text=re.compile(r"Endorsement requested: Derek Gray Medal 2027"))
    assert request.count() == 1, admin.locator("main").inner_text()
    request.click()
    admin.wait_for_load_state()
    body = admin.locator("main pre").inner_text()
    assert "president@pt.example.org" in admin.locator("main").inner_text()
    link = admin.locator("main pre a[href*='/endorse/']")
    assert link.count() == 1, body
    path = "/endorse/" + link.get_attribute("href").split("/endorse/", 1)[1]

    endorser = pages.open(shared_site, label="endorser")  # no account, another browser
    endorser.goto(path)
    assert endorser.locator("main form[method=post] textarea").count() >= 1
    assert "Tomás Oliveira" in endorser.locator("main").inner_text()
