"""The secretariat's registry of past laureates: per award, one entry at a
time or a CSV file of them."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from awards_app.extensions import db
from awards_app.models import AwardType, Country, Organisation, PastLaureate
from awards_app.models.awards import LAUREATE_KINDS
from awards_app.permissions import role_required
from awards_app.services import csv_import
from awards_app.services import laureates as service
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("laureates", __name__, url_prefix="/admin/laureates")

KINDS = {"individual": _l("Individual"), "organisation": _l("Organisation"), "delegation": _l("Delegation")}


class LaureateForm(Form):
    award = SelectField(_l("Award"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("Give the year, as 2019."))])
    kind = SelectField(_l("Kind of laureate"), validators=[DataRequired()])
    name = StringField(_l("Name (a person, an organisation or a delegation)"),
                       validators=[DataRequired(), Length(max=service.NAME_MAX)])
    country = SelectField(_l("Country"), coerce=int, validators=[Optional()])
    organisation = SelectField(_l("Organisation (whose delegation, or the organisation itself)"),
                               coerce=int, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=service.NOTE_MAX)])


class RemoveForm(Form):
    reason = TextAreaField(_l("Why remove this entry?"), validators=[DataRequired(), Length(max=service.REASON_MAX)])


class ImportForm(Form):
    file = FileField(_l("Past laureates (CSV with the columns year, award, kind, name, country)"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])


def _award(code: str) -> AwardType:
    award = db.session.scalar(select(AwardType).where(AwardType.code == code))
    if award is None:
        abort(404)
    return award


def _award_name(award: AwardType) -> str:
    return award.name(str(get_locale()))


def _with_choices(form: LaureateForm, keep: PastLaureate | None = None) -> LaureateForm:
    form.award.choices = [(a.code, _award_name(a))
                          for a in db.session.scalars(select(AwardType).order_by(AwardType.id))]
    form.kind.choices = [(k, KINDS[k]) for k in LAUREATE_KINDS]
    form.country.choices = [(0, "–")] + [(c.id, c.name) for c in db.session.scalars(
        select(Country).order_by(Country.name))]
    kept = keep.organisation_id if keep else None
    form.organisation.choices = [(0, "–")] + [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where((Organisation.active) | (Organisation.id == kept)).order_by(Organisation.name))]
    return form


def _values(form: LaureateForm) -> dict:
    return {"award": _award(form.award.data), "year": form.year.data, "kind": form.kind.data,
            "name": form.name.data, "note": form.note.data,
            "country": db.session.get(Country, form.country.data) if form.country.data else None,
            "organisation": db.session.get(Organisation, form.organisation.data) if form.organisation.data else None}


@bp.route("/")
@role_required("admin")
def index():
    return _render_index(ImportForm())


@bp.route("/import", methods=["POST"])
@role_required("admin")
def import_csv():
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_index(form, status=400)
    data = form.file.data.read(csv_import.MAX_BYTES + 1)
    ok, imported = carry_out(lambda: service.import_csv(current_user, service.read_upload(data)), show=False)
    if not ok:  # refused whole: the page lists each bad row
        return _render_index(form, problems=imported.errors, status=400)
    flash(ngettext("%(num)d laureate imported.", "%(num)d laureates imported.", imported), "success")
    return redirect(url_for("laureates.index"), 303)


def _render_index(form, *, problems=(), status=200):
    awards = db.session.scalars(select(AwardType).order_by(AwardType.id)).all()
    return render_template("laureates/index.html", awards=awards, counts=service.counts_by_award(),
                           form=form, problems=problems), status


@bp.route("/<code>")
@role_required("admin")
def award(code: str):
    award = _award(code)
    return render_template("laureates/award.html", award=award, entries=service.registry(award), kinds=KINDS)


@bp.route("/<code>/new", methods=["GET", "POST"])
@role_required("admin")
def new(code: str):
    award = _award(code)
    form = _with_choices(LaureateForm(award=award.code, kind=award.candidate_kind))
    if form.validate_on_submit():
        values = _values(form)
        ok, entry = carry_out(lambda: service.add(current_user, values.pop("award"), **values), form)
        if ok:
            flash(_("%(name)s added to the laureates of %(award)s.", name=entry.name,
                    award=_award_name(entry.award_type)), "success")
            return redirect(url_for("laureates.award", code=entry.award_type.code), 303)
    return render_template("laureates/edit.html", award=award, form=form, entry=None), (
        400 if form.errors else 200)


@bp.route("/entries/<int:laureate_id>", methods=["GET", "POST"])
@role_required("admin")
def edit(laureate_id: int):
    entry = db.get_or_404(PastLaureate, laureate_id)
    form = _entry_form(entry)
    if form.validate_on_submit():
        ok, _entry = carry_out(lambda: service.update(current_user, entry, **_values(form)), form)
        if ok:
            flash(_("Entry saved."), "success")
            return redirect(url_for("laureates.award", code=entry.award_type.code), 303)
    return _render_edit(entry, form, RemoveForm(formdata=None))


@bp.route("/entries/<int:laureate_id>/remove", methods=["POST"])
@role_required("admin")
def remove(laureate_id: int):
    entry = db.get_or_404(PastLaureate, laureate_id)
    form = RemoveForm()
    if form.validate_on_submit():
        code = entry.award_type.code
        if carry_out(lambda: service.remove(current_user, entry, form.reason.data), form, field="reason")[0]:
            flash(_("Entry removed."), "success")
            return redirect(url_for("laureates.award", code=code), 303)
    return _render_edit(entry, _entry_form(entry, formdata=None), form)


def _entry_form(entry: PastLaureate, **kwargs) -> LaureateForm:
    """The form holding the entry as stored (what the request sent, if any, wins)."""
    return _with_choices(LaureateForm(
        award=entry.award_type.code, year=entry.year, kind=entry.kind, name=entry.name, note=entry.note,
        country=entry.country_id or 0, organisation=entry.organisation_id or 0, **kwargs), keep=entry)


def _render_edit(entry, form, remove_form):
    status = 400 if form.errors or remove_form.errors else 200
    return render_template("laureates/edit.html", award=entry.award_type, form=form, entry=entry,
                           remove_form=remove_form), status
