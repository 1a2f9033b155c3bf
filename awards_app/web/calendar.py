"""A cycle's dates page (the secretariat's), each person's calendar feed
and the account's button that makes (or replaces) the feed's address."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateTimeLocalField, HiddenField
from wtforms.validators import Optional

from awards_app.extensions import db
from awards_app.models import Cycle
from awards_app.permissions import role_required
from awards_app.services import calendar, links
from awards_app.web import carry_out, flash_refusal, form_field, refusal_text
from awards_app.web.forms import Form

bp = Blueprint("calendar", __name__)

MINUTE = "%Y-%m-%dT%H:%M"  # what a browser's date-and-time field sends


class DatesForm(Form):
    version = HiddenField()
    deadline = DateTimeLocalField(_l("The call for nominations closes"), format=MINUTE, validators=[Optional()])
    judging_deadline = DateTimeLocalField(_l("Judging closes"), format=MINUTE, validators=[Optional()])
    board_vote_deadline = DateTimeLocalField(_l("The board votes by"), format=MINUTE, validators=[Optional()])


# What happens at each date, said under its field.
HAPPENS = {
    "deadline": _l("At this moment the call closes by itself: drafts not submitted lapse and screening begins."),
    "judging_deadline": _l("At this moment scoring closes by itself if every sheet is in; otherwise the "
                           "secretariat and the chair are told. Judges with sheets still open are reminded "
                           "beforehand."),
    "board_vote_deadline": _l("Board members who have not voted are reminded beforehand. The vote itself "
                              "stays open until the board decides."),
}


def _zone() -> ZoneInfo:
    """The reader's time zone (their profile's), in which they read and type the dates."""
    try:
        return ZoneInfo(current_user.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored moment as the field shows it: the reader's wall clock, to the minute."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _typed(local: datetime | None, zone: ZoneInfo) -> datetime | None:
    return local.replace(tzinfo=zone) if local is not None else None


def _render(form, cycle: Cycle, zone: ZoneInfo, status: int = 200):
    return render_template("cycles/dates.html", form=form, cycle=cycle, zone=zone.key, happens=HAPPENS,
                           fields=[getattr(form, name) for name in calendar.EDITABLE],
                           reminder_days=cycle.setting("reminder_days_before")), status


@bp.route("/cycles/<int:cycle_id>/dates", methods=["GET", "POST"])
@role_required("admin")
def dates(cycle_id: int):
    """GET: the cycle's dates in the reader's time zone; POST: change them."""
    cycle = db.get_or_404(Cycle, cycle_id)
    zone = _zone()
    shown = {name: _local(getattr(cycle, name), zone) for name in calendar.EDITABLE}
    if request.method == "GET":
        return _render(DatesForm(data={**shown, "version": cycle.version}), cycle, zone)
    form = DatesForm()
    if not form.validate():
        return _render(form, cycle, zone, 400)
    # Only what the reader changed: a date saved to the second, shown to the
    # minute, is not moved by saving the page, nor refused for having passed.
    values = {name: _typed(getattr(form, name).data, zone) for name in calendar.EDITABLE
              if getattr(form, name).data != shown[name]}
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    ok, outcome = carry_out(lambda: calendar.set_dates(current_user, cycle, values, expected_version=version),
                            show=False)
    if not ok:
        for problem in getattr(outcome, "problems", [outcome]):
            target = form_field(form, problem.field) if problem.field else None
            if target is not None:
                target.errors = [*target.errors, refusal_text(problem)]
            else:
                flash_refusal(problem)
        return _render(form, cycle, zone, 409 if outcome.status == 409 else 400)
    flash(_("Dates saved.") if outcome else _("Nothing changed."), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id), 303)


# --- each person's feed ----------------------------------------------------------------

def feed_url(user) -> str | None:
    """The address of the user's feed, as the configured site names itself."""
    return links.public_url("calendar.feed", token=user.calendar_token) if user.calendar_token else None


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """The person's deadlines (iCalendar). No login: calendar programs have
    none, so the secret address is the key; an unknown or replaced one is 404."""
    user = calendar.user_by_feed_token(token)
    if user is None:
        abort(404)
    return Response(calendar.ics(user), mimetype="text/calendar",
                    headers={"Content-Disposition": "inline; filename=milset-deadlines.ics",
                             "Cache-Control": "private, max-age=900", "Referrer-Policy": "no-referrer"})


class LinkForm(Form):
    """Only the CSRF token."""


@bp.route("/account/calendar", methods=["POST"])
@login_required
def new_link():
    """Make the user's feed address, or replace it (the old one stops working)."""
    if not LinkForm().validate_on_submit():
        abort(400)
    replacing = current_user.calendar_token is not None
    ok, _token = carry_out(lambda: calendar.new_feed_token(current_user, current_user))
    if ok:
        flash(_("Your calendar link is replaced: the old one no longer works. Give your calendar program the "
                "new one.") if replacing else _("Your calendar link is ready: give it to your calendar program."),
              "success")
    return redirect(url_for("account.index") + "#calendar", 303)
