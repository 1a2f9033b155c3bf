"""The secretariat's pages for a person's data: find them, see what is held,
download it (GDPR art. 15 and 20) or erase it (art. 17)."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from awards_app.extensions import db
from awards_app.models import Person
from awards_app.permissions import role_required
from awards_app.services import erasure, privacy
from awards_app.web import carry_out
from awards_app.web.admin import ActionForm
from awards_app.web.forms import Form

bp = Blueprint("people", __name__, url_prefix="/admin/people")


class EraseForm(Form):
    reason = TextAreaField(_l("Why (their request and its date, or the rule); not their name"),
                           validators=[DataRequired(), Length(max=1000)])
    understood = BooleanField(_l("I understand that this cannot be undone"),
                              validators=[DataRequired(_l("Tick the box to confirm."))])


@bp.route("")
@role_required("admin")
def index():
    query = request.args.get("q", "").strip()[:200]
    return render_template("people/index.html", query=query, found=privacy.find(current_user, query))


@bp.route("/<int:person_id>")
@role_required("admin")
def person(person_id: int):
    person = db.get_or_404(Person, person_id)
    return render_template("people/person.html", person=person, held=privacy.overview(current_user, person),
                           action_form=ActionForm())


@bp.route("/<int:person_id>/personal-data", methods=["POST"])
@role_required("admin")
def download(person_id: int):
    """Everything held about the person, as a JSON file; the export is audited."""
    person = db.get_or_404(Person, person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ok, document = carry_out(lambda: privacy.export(current_user, person))
    if not ok:
        return redirect(url_for("people.person", person_id=person.id), 303)
    return Response(json.dumps(document, ensure_ascii=False, indent=2, default=str), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="personal-data-{person.id}.json"'})


@bp.route("/<int:person_id>/erase", methods=["GET", "POST"])
@role_required("admin")
def erase(person_id: int):
    person = db.get_or_404(Person, person_id)
    held = privacy.overview(current_user, person)
    if held["erased"]:
        flash(_("This person's data has already been erased."), "info")
        return redirect(url_for("people.person", person_id=person.id), 303)
    form = EraseForm()
    if form.validate_on_submit():
        ok, _result = carry_out(lambda: erasure.erase(current_user, person, form.reason.data), form)
        if ok:
            flash(_("The person's data is erased: they are now %(name)s. Decisions and scores remain; the audit "
                    "log still verifies.", name=erasure.pseudonym(person.id)), "success")
            return redirect(url_for("people.person", person_id=person.id), 303)
    return render_template("people/erase.html", person=person, held=held, form=form,
                           pseudonym=erasure.pseudonym(person.id)), (400 if form.errors else 200)
