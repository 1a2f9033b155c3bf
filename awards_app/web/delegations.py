"""The secretariat's delegation pages: who comes to each ESI, and their participants."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from awards_app.extensions import db
from awards_app.models import Delegation, Event, Organisation, Participant
from awards_app.permissions import role_required
from awards_app.services import delegations as delegation_service
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("delegations", __name__, url_prefix="/delegations")


class DelegationForm(Form):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Delegation name (leave empty for \"Delegation of\" the organisation)"),
                       validators=[Optional(), Length(max=200)])


class ParticipantsUploadForm(Form):
    file = FileField(_l("Participants (CSV with the columns name, birth_date, role)"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])


@bp.route("/")
@role_required("admin")
def index():
    events = db.session.scalars(select(Event).order_by(Event.year.desc(), Event.number.desc())).all()
    return render_template("delegations/index.html", events=events)


@bp.route("/events/<int:event_id>")
@role_required("admin")
def event(event_id: int):
    event = db.get_or_404(Event, event_id)
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.event_id == event.id)
        .options(selectinload(Delegation.participants), selectinload(Delegation.organisation))
        .order_by(Delegation.name)
    ).all()
    rows = [(d, delegation_service.ages_at_event_start(d)) for d in delegations]
    return render_template("delegations/event.html", event=event, rows=rows,
                           start=delegation_service.event_start(event))


@bp.route("/events/<int:event_id>/new", methods=["GET", "POST"])
@role_required("admin")
def new(event_id: int):
    event = db.get_or_404(Event, event_id)
    registered = select(Delegation.organisation_id).where(Delegation.event_id == event.id)
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.not_in(registered), Organisation.active.is_(True))
        .order_by(Organisation.name)
    ).all()
    form = DelegationForm()
    form.organisation.choices = [(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data)
        ok, delegation = carry_out(lambda: delegation_service.register_delegation(
            current_user, event, organisation, name=form.name.data), form, field="organisation")
        if ok:
            flash(_("Delegation registered. Import its participants next."), "success")
            return redirect(url_for("delegations.show", delegation_id=delegation.id), 303)
    return render_template("delegations/new.html", event=event, form=form), (400 if form.errors else 200)


@bp.route("/<int:delegation_id>")
@role_required("admin")
def show(delegation_id: int):
    return _render_show(db.get_or_404(Delegation, delegation_id), ParticipantsUploadForm())


@bp.route("/<int:delegation_id>/participants", methods=["POST"])
@role_required("admin")
def import_participants(delegation_id: int):
    delegation = db.get_or_404(Delegation, delegation_id)
    form = ParticipantsUploadForm()
    if not form.validate_on_submit():
        return _render_show(delegation, form, status=400)
    data = form.file.data.read(delegation_service.MAX_BYTES + 1)
    ok, imported = carry_out(lambda: delegation_service.import_participants(
        current_user, delegation, delegation_service.read_upload(data)), show=False)
    if not ok:  # refused whole (ImportRefused): the page lists each bad row
        return _render_show(delegation, form, problems=imported.errors, status=400)
    flash(ngettext("%(num)d participant imported.", "%(num)d participants imported.", imported), "success")
    return redirect(url_for("delegations.show", delegation_id=delegation.id), 303)


def _render_show(delegation: Delegation, form: ParticipantsUploadForm, *, problems=(), status=200):
    start = delegation_service.event_start(delegation.event)
    participants = db.session.scalars(
        select(Participant).where(Participant.delegation_id == delegation.id).order_by(Participant.id)
    ).all()
    rows = [(p, delegation_service.age_on(p.birth_date, start)) for p in participants]
    return render_template("delegations/show.html", delegation=delegation, rows=rows, start=start,
                           form=form, problems=problems), status
