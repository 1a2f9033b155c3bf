"""A cycle's page, the events its users may fire, and the secretariat's cycle form."""

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import AwardType, Cycle, Event
from awards_app.permissions import role_required
from awards_app.services import cycles as cycle_service
from awards_app.services import events as event_service
from awards_app.services import nominations as nomination_service
from awards_app.services import steps
from awards_app.web import carry_out
from awards_app.web.forms import Form
from judging import expertise
from workflows.settings import DECLARED

bp = Blueprint("cycles", __name__, url_prefix="/cycles")


class CycleForm(Form):
    award = SelectField(_l("Award"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(1987, 2200)])
    event = SelectField(_l("Expo-Sciences International"), coerce=int)
    deadline = DateField(_l("Nomination deadline (end of day, UTC)"), validators=[Optional()])
    max_laureates = IntegerField(_l("Laureates allowed"), validators=[Optional(), NumberRange(1, 50)])


@bp.route("/<int:cycle_id>")
@login_required
def show(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    events, waiting = steps.on_the_page(current_user, cycle)
    from awards_app.services.panels import is_chair

    return render_template("cycles/show.html", cycle=cycle, events=events, rules=_rules_in_force(cycle),
                           waiting=waiting,
                           confirm=CONFIRM, unscreened=_unscreened_before_judging(cycle, "open_judging"),
                           is_chair=is_chair(current_user, cycle),
                           refused=request.args.getlist("refused"))


def _rules_in_force(cycle: Cycle) -> list[tuple[str, str]]:
    """The cycle's settings as (label, value) in the reader's words; bookkeeping left out."""
    rules = []
    for name, value in sorted(cycle.settings.items()):
        if name in DECLARED and DECLARED[name].internal:
            continue
        if name == "required_fields" and value:
            text = ", ".join(expertise.label(f, str(get_locale())) for f in value)
        else:
            text = labels.readable(value)
        rules.append((labels.setting_label(name), text))
    return rules


# The steps that cannot be undone: their button leads to a page that says
# what will happen, whose form fires the event (no JavaScript needed).
CONFIRM = {
    "publish_criteria": _l("The criteria and their weights become public and fixed: they cannot be changed for "
                           "this cycle once nominations are judged on them."),
    "open_call": _l("Nominations open to every nominator until the deadline; the criteria and the rules in force "
                    "are shown to them as they stand now."),
    "cancel": _l("The cycle ends here, with no laureate; no step can reopen it."),
    "close_call": _l("No nomination can be submitted or changed after this, even before the deadline. "
                     "The secretariat's screening begins."),
    "open_judging": _l("The panel starts scoring the eligible nominations; no nomination can be screened "
                       "or added any more."),
    "close_scoring": _l("No judge can submit or change a score sheet after this; the results are computed "
                        "from the sheets submitted."),
    "open_shortlist": _l("The shortlist round's panel starts scoring every eligible nomination on the shortlist "
                         "criteria; no nomination can be screened or added any more."),
    "close_shortlist": _l("No judge can submit or change a shortlist sheet after this; the chair then draws the "
                          "shortlist from the round's ranking."),
    "announce": _l("The laureates are published on the public laureates page."),
}


def _confirm_page(cycle: Cycle, event: str, unscreened: list | None = None):
    """What firing ``event`` will do, and the form that fires it; for
    opening judging with nominations still unscreened, those nominations,
    each with a link to screen it, and no button yet."""
    consequences = [CONFIRM.get(event, _l("The cycle moves on to its next step."))]
    listing = None
    if unscreened:
        consequences.append(_("%(n)s submitted nomination(s) still wait for screening: record a verdict for each "
                              "before judging opens.", n=len(unscreened)))
        may_screen = current_user.has_role("admin")
        listing = [(name, url_for("screening.show", nomination_id=n) if may_screen
                    else url_for("nominate.show", nomination_id=n), _("Screen") if may_screen else _("View"))
                   for n, name in unscreened]
    if event == "close_call" and cycle.deadline and cycle.deadline > datetime.now(UTC):
        consequences.append(_("The deadline announced to nominators is %(deadline)s.",
                              deadline=format_datetime(cycle.deadline)))
    name = f"{cycle.award_type.name(str(get_locale()))} {cycle.year}"
    return render_template(
        "confirm.html", heading=labels.event_label(event) + " · " + name, context=name,
        consequences=consequences, action=url_for("cycles.fire", cycle_id=cycle.id, event=event),
        hidden=[("version", cycle.version)], button=labels.event_label(event),
        back=url_for("cycles.show", cycle_id=cycle.id),
        listing=listing, listing_heading=_("Nominations waiting for screening"), blocked=bool(unscreened))


def _unscreened_before_judging(cycle: Cycle, event: str) -> list:
    """The nominations that keep judging from opening, for whoever opens it
    (the secretariat, the cycle's chair); [] otherwise."""
    from awards_app.services.panels import is_chair

    if event != "open_judging" or cycle.state != "screening":
        return []
    if not (current_user.has_role("admin") or is_chair(current_user, cycle)):
        return []
    return nomination_service.unscreened(cycle)


@bp.route("/<int:cycle_id>/events/<event>", methods=["GET", "POST"])
@login_required
def fire(cycle_id: int, event: str):
    """GET: the confirmation page; POST: fire the event."""
    cycle = db.get_or_404(Cycle, cycle_id)
    if request.method == "GET":
        if event not in steps.offered(current_user, cycle):
            waiting = _unscreened_before_judging(cycle, event)
            if waiting:
                return _confirm_page(cycle, event, unscreened=waiting)
            return redirect(url_for("cycles.show", cycle_id=cycle_id), 303)  # nothing to confirm
        return _confirm_page(cycle, event)
    version = request.form.get("version", type=int)
    ok, new_state = carry_out(lambda: steps.fire(
        current_user, cycle, event, expected_version=version, reason=request.form.get("reason") or None))
    if ok:
        flash(_("Done: the cycle is now %(state)s.", state=labels.state_label(new_state)), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle_id), 303)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    form = CycleForm()
    awards = db.session.scalars(select(AwardType).order_by(AwardType.id)).all()
    events = event_service.choosable()  # a deactivated edition is offered no new cycle
    form.award.choices = [(a.code, a.name_en) for a in awards]
    form.event.choices = [(0, _("None (not tied to an ESI)"))] + [(e.id, e.title) for e in events]
    if form.validate_on_submit():
        award = next(a for a in awards if a.code == form.award.data)
        deadline = (datetime.combine(form.deadline.data, time(23, 59, 59), tzinfo=UTC)
                    if form.deadline.data else None)
        event = db.session.get(Event, form.event.data) if form.event.data else None
        ok, cycle = carry_out(lambda: cycle_service.create_cycle(
            current_user, award, form.year.data, event=event, deadline=deadline,
            max_laureates=form.max_laureates.data), form, field="year")
        if ok:
            flash(_("Cycle created. Review its criteria, then publish them."), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id), 303)
    return render_template("cycles/new.html", form=form), (400 if form.errors else 200)
