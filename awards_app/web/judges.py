"""A judge's own profile, and the secretariat's vetting of profiles."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import Expertise, JudgeProfile, User
from awards_app.models.judging import CONFLICT_KINDS
from awards_app.permissions import role_required
from awards_app.services import judges as judge_service
from awards_app.web import carry_out
from awards_app.web.forms import Form
from judging import expertise

bp = Blueprint("judges", __name__)


class LanguagesForm(Form):
    languages = SelectMultipleField(_l("Languages you judge in"), widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())


class ExpertiseForm(Form):
    field = SelectField(_l("Field"), validators=[DataRequired()])
    evidence = TextAreaField(_l("Evidence (roles, work, publications)"),
                             validators=[DataRequired(), Length(max=5000)])
    years = IntegerField(_l("Years of experience"), validators=[DataRequired(), NumberRange(0, 80)])


class RelationForm(Form):
    name = StringField(_l("Person's name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Person's email (if known)"), validators=[Optional(), Email()])
    kind = SelectField(_l("Relation"), validators=[DataRequired()])


def _forms(profile, locale="en", expertise_form=None, relation_form=None):
    languages = LanguagesForm(data={"languages": profile.languages})
    languages.languages.choices = list(expertise.LANGUAGES.items())
    expertise_form = expertise_form or ExpertiseForm(formdata=None)
    expertise_form.field.choices = [(code, expertise.label(code, locale)) for code in expertise.FIELDS]
    relation_form = relation_form or RelationForm(formdata=None)
    relation_form.kind.choices = [(k, v) for k, v in labels.CONFLICT_KINDS.items() if k != "nominator"]
    return languages, expertise_form, relation_form


def _render(profile, status=200, **forms):
    from flask_babel import get_locale

    languages, expertise_form, relation_form = _forms(profile, str(get_locale()), **forms)
    return render_template("judges/profile.html", profile=profile, languages_form=languages,
                           expertise_form=expertise_form, relation_form=relation_form,
                           label=expertise.label), status


@bp.route("/profile/judge")
@role_required("judge", "chair")
def profile():
    return _render(judge_service.existing_or_blank(current_user))


@bp.route("/profile/judge/languages", methods=["POST"])
@role_required("judge", "chair")
def languages():
    profile = judge_service.profile_of(current_user)
    form = LanguagesForm()
    form.languages.choices = list(expertise.LANGUAGES.items())
    if form.validate_on_submit():
        if carry_out(lambda: judge_service.update_languages(current_user, profile, form.languages.data))[0]:
            flash(_("Languages saved."), "success")
    return redirect(url_for("judges.profile"), 303)


@bp.route("/profile/judge/expertise", methods=["POST"])
@role_required("judge", "chair")
def add_expertise():
    profile = judge_service.profile_of(current_user)
    form = ExpertiseForm()
    form.field.choices = [(code, code) for code in expertise.FIELDS]
    if form.validate_on_submit():
        if carry_out(lambda: judge_service.add_expertise(current_user, profile, form.field.data,
                                                          form.evidence.data, form.years.data),
                     form, field="field")[0]:
            flash(_("Expertise added. The secretariat will vet it."), "success")
            return redirect(url_for("judges.profile"), 303)
    return _render(profile, 400, expertise_form=form)


@bp.route("/profile/judge/expertise/<int:expertise_id>/delete", methods=["POST"])
@role_required("judge", "chair")
def remove_expertise(expertise_id: int):
    profile = judge_service.profile_of(current_user)
    row = db.session.get(Expertise, expertise_id)
    if row is None or row.profile_id != profile.id:
        abort(404)
    carry_out(lambda: judge_service.remove_expertise(current_user, profile, row))
    return redirect(url_for("judges.profile"), 303)


@bp.route("/profile/judge/relations", methods=["POST"])
@role_required("judge", "chair")
def add_relation():
    profile = judge_service.profile_of(current_user)
    form = RelationForm()
    form.kind.choices = [(k, k) for k in CONFLICT_KINDS]
    if form.validate_on_submit():
        if carry_out(lambda: judge_service.add_relation(current_user, profile, form.name.data, form.email.data,
                                                         form.kind.data), form)[0]:
            flash(_("Relation recorded; conflicts are checked again."), "success")
            return redirect(url_for("judges.profile"), 303)
    return _render(profile, 400, relation_form=form)


@bp.route("/judges/")
@role_required("admin")
def index():
    profiles = db.session.scalars(
        select(JudgeProfile).options(selectinload(JudgeProfile.expertise),
                                     selectinload(JudgeProfile.user).selectinload(User.person))
        .order_by(JudgeProfile.id)).all()
    return render_template("judges/index.html", profiles=profiles, label=expertise.label)


@bp.route("/judges/<int:profile_id>/vet", methods=["POST"])
@role_required("admin")
def vet(profile_id: int):
    profile = db.get_or_404(JudgeProfile, profile_id)
    if carry_out(lambda: judge_service.vet(current_user, profile))[0]:
        flash(_("Profile vetted."), "success")
    return redirect(url_for("judges.index"), 303)
