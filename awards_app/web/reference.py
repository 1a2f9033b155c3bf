"""The secretariat's reference data: organisations and ESI editions (list,
create, edit, deactivate, import from CSV), and organisations entered twice
(the possible duplicates, a merge confirmed on its own page)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from awards_app.extensions import db
from awards_app.models import Country, Event, Organisation, Region
from awards_app.models.organisations import ORGANISATION_STATUSES
from awards_app.permissions import role_required
from awards_app.services import NotFound, ServiceError, csv_import
from awards_app.services import certificates as certificate_service
from awards_app.services import events as event_service
from awards_app.services import organisation_merges as merge_service
from awards_app.services import organisations as organisation_service
from awards_app.web import carry_out, refusal_text
from awards_app.web.forms import Form

bp = Blueprint("reference", __name__, url_prefix="/reference")

STATUS_LABELS = {"member": _l("Member"), "associate": _l("Associate member"),
                 "accredited": _l("Accredited non-member"), "other": _l("Other body")}


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=organisation_service.NAME_MAX)])
    country = SelectField(_l("Country"), coerce=int, validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in ORGANISATION_STATUSES])
    aliases = TextAreaField(_l("Other names (acronyms, former names, translations), one per line"),
                            validators=[Optional(), Length(max=5000)])


class EventForm(Form):
    number = IntegerField(_l("Number (the 1st was Québec 1987)"), validators=[DataRequired(), NumberRange(1, 999)])
    year = IntegerField(_l("Year"), validators=[DataRequired(),
                                                NumberRange(event_service.FIRST_YEAR, event_service.LAST_YEAR)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=event_service.CITY_MAX)])
    country = SelectField(_l("Country"), coerce=int, validators=[DataRequired()])
    host = SelectField(_l("Host organisation"), coerce=int, validators=[Optional()])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])


class UploadForm(Form):
    file = FileField(_l("CSV file"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])


class MergeForm(Form):
    # Not a choice list: a record merged or deactivated since the page was
    # shown is refused by the service's rule, named, rather than "not a valid choice".
    into = HiddenField(validators=[Optional()])
    reason = TextAreaField(_l("Reason for the merge"), validators=[Optional(), Length(max=2000)])


class ActiveForm(Form):
    """Only the CSRF token and the wanted state, `active` = 1 or 0."""


def _countries() -> list[tuple[int, str]]:
    locale = str(get_locale() or "en")
    rows = db.session.scalars(select(Country)).all()
    return sorted(((c.id, c.name_in(locale)) for c in rows), key=lambda pair: pair[1].casefold())


def _aliases(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


# --- organisations ------------------------------------------------------------------------

def _render_organisations(upload: UploadForm, *, problems=(), status=200):
    args = request.args
    filters = {"q": args.get("q", "").strip(), "region": args.get("region", ""),
               "country_id": args.get("country", type=int), "status": args.get("status", ""),
               "active": args.get("active", "")}
    regions = db.session.scalars(select(Region).order_by(Region.id)).all()
    return render_template("reference/organisations.html", organisations=organisation_service.search(**filters),
                           filters=filters, regions=regions, countries=_countries(), statuses=STATUS_LABELS,
                           upload=upload, problems=problems, locale=str(get_locale() or "en")), status


@bp.route("/organisations")
@role_required("admin")
def organisations():
    return _render_organisations(UploadForm(formdata=None))


@bp.route("/organisations/import", methods=["POST"])
@role_required("admin")
def import_organisations():
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_organisations(form, status=400)
    data = form.file.data.read(csv_import.MAX_BYTES + 1)
    ok, result = carry_out(lambda: organisation_service.import_csv(
        current_user, csv_import.decode(data, "organisation.csv_invalid")), show=False)
    if not ok:
        return _render_organisations(form, problems=getattr(result, "errors", ()), status=400)
    flash(ngettext("%(num)d organisation imported.", "%(num)d organisations imported.", result), "success")
    return redirect(url_for("reference.organisations"), 303)


def _organisation_form(organisation: Organisation | None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    if organisation is not None and request.method == "GET":
        form.country.data = organisation.country_id
        form.aliases.data = "\n".join(a.name for a in organisation.aliases)
    form.country.choices = [(0, "—"), *_countries()]
    return form


@bp.route("/organisations/new", methods=["GET", "POST"])
@role_required("admin")
def new_organisation():
    form = _organisation_form(None)
    if form.validate_on_submit():
        ok, organisation = carry_out(lambda: organisation_service.create(
            current_user, form.name.data, db.session.get(Country, form.country.data), form.status.data,
            _aliases(form.aliases.data)), form, field="name")
        if ok:
            flash(_("%(name)s is registered.", name=organisation.name), "success")
            return redirect(url_for("reference.organisations"), 303)
    return render_template("reference/organisation_form.html", form=form, organisation=None), \
        (400 if form.errors else 200)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = _organisation_form(organisation)
    if form.validate_on_submit():
        ok, _row = carry_out(lambda: organisation_service.update(
            current_user, organisation, form.name.data, db.session.get(Country, form.country.data),
            form.status.data, _aliases(form.aliases.data)), form, field="name")
        if ok:
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("reference.organisations"), 303)
    return render_template("reference/organisation_form.html", form=form, organisation=organisation,
                           active_form=ActiveForm(), merge_choices=_merge_choices(organisation)), \
        (400 if form.errors else 200)


# --- one organisation entered twice -------------------------------------------------------

MATCH_TIERS = {"certain": _l("Certain"), "possible": _l("Possible")}


def _merge_choices(organisation: Organisation) -> list[Organisation]:
    """The records one may keep: active (a merged record is deactivated), not this one."""
    return [o for o in organisation_service.choosable() if o.id != organisation.id]


def _kept(value) -> Organisation | None:
    try:
        return db.session.get(Organisation, int(value)) if value else None
    except (TypeError, ValueError):
        return None


@bp.route("/organisations/duplicates")
@role_required("admin")
def organisation_duplicates():
    return render_template("reference/duplicates.html", duplicates=merge_service.duplicates(),
                           tiers=MATCH_TIERS, locale=str(get_locale() or "en"))


@bp.route("/organisations/<int:organisation_id>/merge", methods=["GET", "POST"])
@role_required("admin")
def merge_organisation(organisation_id: int):
    """GET: what the merge into `into` would move, to confirm (with no
    `into`, the choice of the record to keep). POST: the merge."""
    absorbed = db.get_or_404(Organisation, organisation_id)
    if request.method == "POST":
        form = MergeForm()
        if form.validate_on_submit():
            kept = _kept(form.into.data)
            ok, _row = carry_out(lambda: merge_service.merge(current_user, absorbed, kept, form.reason.data),
                                 form, field="into")
            if ok:
                flash(_("%(absorbed)s is merged into %(kept)s.", absorbed=absorbed.name, kept=kept.name),
                      "success")
                return redirect(url_for("reference.edit_organisation", organisation_id=kept.id), 303)
        status = 400
    else:
        form = MergeForm(formdata=None, into=request.args.get("into", ""), reason=request.args.get("reason", ""))
        status = 200
    kept = _kept(form.into.data)
    blocked = None
    if kept is not None and not form.into.errors:
        try:
            merge_service.check_pair(absorbed, kept)
        except ServiceError as exc:
            blocked = refusal_text(exc)
    return render_template("reference/organisation_merge.html", absorbed=absorbed, kept=kept, form=form,
                           blocked=blocked, moving=merge_service.references(absorbed) if kept else None,
                           merge_choices=_merge_choices(absorbed)), status


def _wanted_active() -> bool:
    if not ActiveForm().validate_on_submit() or request.form.get("active") not in ("0", "1"):
        abort(400)
    return request.form["active"] == "1"


@bp.route("/organisations/<int:organisation_id>/active", methods=["POST"])
@role_required("admin")
def organisation_active(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    active = _wanted_active()
    if carry_out(lambda: organisation_service.set_active(current_user, organisation, active))[0]:
        flash(_("%(name)s is active again.", name=organisation.name) if active else
              _("%(name)s is deactivated: no longer offered in forms; its history stays.", name=organisation.name),
              "success")
    return redirect(url_for("reference.edit_organisation", organisation_id=organisation.id), 303)


# --- ESI editions -------------------------------------------------------------------------

def _render_events(upload: UploadForm, *, problems=(), status=200):
    return render_template("reference/events.html", events=event_service.listing(), upload=upload,
                           problems=problems), status


@bp.route("/events")
@role_required("admin")
def events():
    return _render_events(UploadForm(formdata=None))


@bp.route("/events/import", methods=["POST"])
@role_required("admin")
def import_events():
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_events(form, status=400)
    data = form.file.data.read(csv_import.MAX_BYTES + 1)
    ok, result = carry_out(lambda: event_service.import_csv(
        current_user, csv_import.decode(data, "event.csv_invalid")), show=False)
    if not ok:
        return _render_events(form, problems=getattr(result, "errors", ()), status=400)
    flash(ngettext("%(num)d ESI edition imported.", "%(num)d ESI editions imported.", result), "success")
    return redirect(url_for("reference.events"), 303)


def _event_form(event: Event | None) -> EventForm:
    form = EventForm(obj=event)
    if event is not None and request.method == "GET":
        form.country.data, form.host.data = event.country_id, event.host_organisation_id or 0
    form.country.choices = [(0, "—"), *_countries()]
    keep = [event.host_organisation_id] if event is not None else []
    form.host.choices = [(0, _("None recorded"))] + [
        (o.id, o.name) for o in organisation_service.choosable(keep)]
    return form


def _event_values(form: EventForm) -> tuple:
    return (form.number.data, form.year.data, form.city.data, db.session.get(Country, form.country.data))


def _event_options(form: EventForm) -> dict:
    return {"host": db.session.get(Organisation, form.host.data) if form.host.data else None,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data}


@bp.route("/events/new", methods=["GET", "POST"])
@role_required("admin")
def new_event():
    form = _event_form(None)
    if form.validate_on_submit():
        ok, event = carry_out(lambda: event_service.create(
            current_user, *_event_values(form), **_event_options(form)), form, field="number")
        if ok:
            flash(_("%(event)s is registered.", event=event.title), "success")
            return redirect(url_for("reference.events"), 303)
    return render_template("reference/event_form.html", form=form, event=None), (400 if form.errors else 200)


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _event_form(event)
    if form.validate_on_submit():
        ok, _row = carry_out(lambda: event_service.update(
            current_user, event, *_event_values(form), **_event_options(form)), form, field="number")
        if ok:
            flash(_("%(event)s is saved.", event=event.title), "success")
            return redirect(url_for("reference.events"), 303)
    return render_template("reference/event_form.html", form=form, event=event, active_form=ActiveForm()), \
        (400 if form.errors else 200)


@bp.route("/events/<int:event_id>/active", methods=["POST"])
@role_required("admin")
def event_active(event_id: int):
    event = db.get_or_404(Event, event_id)
    active = _wanted_active()
    if carry_out(lambda: event_service.set_active(current_user, event, active))[0]:
        flash(_("%(event)s is active again.", event=event.title) if active else
              _("%(event)s is deactivated: no longer offered in forms; its history stays.", event=event.title),
              "success")
    return redirect(url_for("reference.edit_event", event_id=event.id), 303)


# --- certificates and letters of an ESI -------------------------------------------------

KIND_LABELS = {"participation": _l("Participation certificates, one PDF per delegation"),
               "laureate": _l("Laureate certificates, one PDF per laureate"),
               "letter": _l("Letters to candidates not selected or not eligible, one PDF per nomination")}
LANGUAGE_LABELS = {"en": "English", "fr": "Français", "es": "Español"}


class CertificateBatchForm(Form):
    kind = SelectField(_l("What to print"), choices=list(KIND_LABELS.items()))
    language = SelectField(_l("Language when the recipient's is not recorded"),
                           choices=list(LANGUAGE_LABELS.items()), default="en")


def _render_certificates(event: Event, form: CertificateBatchForm, status=200):
    batches = certificate_service.batches(current_user, event)
    files = certificate_service.files(current_user, [b.id for b in batches])
    working = any(b.status in ("queued", "running") for b in batches)
    return render_template("reference/certificates.html", event=event, form=form, batches=batches, files=files,
                           working=working, kind_labels=KIND_LABELS), status


@bp.route("/events/<int:event_id>/certificates")
@role_required("admin")
def certificates(event_id: int):
    return _render_certificates(db.get_or_404(Event, event_id), CertificateBatchForm(formdata=None))


@bp.route("/events/<int:event_id>/certificates", methods=["POST"])
@role_required("admin")
def start_certificates(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CertificateBatchForm()
    if form.validate():
        ok, _batch = carry_out(lambda: certificate_service.request_batch(
            current_user, event, form.kind.data, form.language.data), form, field="kind")
        if ok:
            flash(_("The batch is queued: this page follows its progress."), "success")
            return redirect(url_for("reference.certificates", event_id=event.id), 303)
    return _render_certificates(event, form, status=400)


@bp.route("/certificates/files/<int:file_id>")
@role_required("admin")
def certificate_file(file_id: int):
    try:
        row = certificate_service.get_file(current_user, file_id)
    except NotFound:
        abort(404)
    return current_app.response_class(row.content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{row.filename}"',
        "X-Content-Type-Options": "nosniff"})
