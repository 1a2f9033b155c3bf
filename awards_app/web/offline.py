"""What lets a judge score without a connection (static/js/offline-scoring.js,
static/js/sw.js): the service worker served from /judge/ so that it may keep
the judge's pages, the page shown offline for a page never kept, and the
words the script shows, in the judge's language."""

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import gettext as _

from awards_app.services import N_

bp = Blueprint("offline", __name__, url_prefix="/judge")

# The refusals a save may meet when it reaches the server, in the words the
# services use (translated with the same catalogue entries).
REFUSALS = {
    "scoring.locked": N_("These scores are submitted and locked; only the chair can reopen them."),
    "scoring.cycle_judging": N_("Scoring is open only while the cycle is judging."),
    "scoring.conflict_unresolved": N_("You have an unresolved conflict of interest with this nomination."),
    "scoring.attestation_required": N_("Declare your conflicts, or state you have none, before scoring."),
    "scoring.invalid": N_("Some scores need attention."),
    "not_found": N_("This score sheet is no longer yours to score."),
    "http.404": N_("This score sheet is no longer yours to score."),
}


def texts() -> dict:
    """The script's words for the page being rendered."""
    return {
        "online": _("Online"),
        "offline": _("Offline: your scores stay on this phone and are sent when the connection returns."),
        "waiting": _("%(n)s save(s) waiting to be sent", n="{n}"),
        "saved": _("Draft saved."),
        "refused": _("Not saved when the connection returned:"),
        "login": _("Log in again to send the saves waiting on this phone; they are kept."),
        "later": _("The server could not take the saves now; they are kept and sent again shortly."),
        "dismiss": _("I have read this: forget this save"),
        "typed": _("What you typed"),
        "logout": _("%(n)s save(s) still wait on this phone to be sent; logging out deletes them. Log out anyway?",
                    n="{n}"),
        "rules": {rule: _(message) for rule, message in REFUSALS.items()},
    }


@bp.route("/sw.js")
def service_worker():
    """Served from /judge/ (not /static/) so that its scope covers the judge's pages."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    """What the service worker shows for a page it never kept."""
    return render_template("judging/offline.html")
