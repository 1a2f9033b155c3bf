"""The nominator's portal: open calls, drafts, files, endorsements, submission."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Attachment, Country, Cycle, Delegation, Nomination, Organisation
from awards_app.permissions import (
    may_edit_nomination,
    may_read_declared_relations,
    may_read_dossier,
    may_see_nomination,
    reads_nomination_whole,
    role_required,
)
from awards_app.services import attachments as attachment_service
from awards_app.services import endorsements as endorsement_service
from awards_app.services import nominations as nomination_service
from awards_app.services import organisations as organisation_service
from awards_app.web import carry_out, forms

bp = Blueprint("nominate", __name__)

# The states in which the nomination's page offers each step to its nominator.
OFFERED = {"submit": ("draft",), "withdraw": ("draft", "submitted", "eligible")}

FORM_BY_KIND = {
    "individual": forms.IndividualNominationForm,
    "delegation": forms.DelegationNominationForm,
    "organisation": forms.OrganisationNominationForm,
}


def _nomination_or_404(nomination_id: int) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not may_see_nomination(current_user, nomination):
        abort(404)
    return nomination


def _fill_choices(form, cycle: Cycle, nomination: Nomination | None = None) -> None:
    """The choices of the candidate's form. A deactivated organisation is
    offered only to the draft that already names it."""
    keep = []
    if nomination is not None:
        person = nomination.candidate_person
        keep = [nomination.candidate_organisation_id, person.organisation_id if person else None]
    if isinstance(form, forms.IndividualNominationForm):
        none = [(0, "—")]
        form.country_id.choices = none + [
            (c.id, c.name) for c in db.session.scalars(select(Country).order_by(Country.name))]
        form.organisation_id.choices = none + [(o.id, o.name) for o in organisation_service.choosable(keep)]
    elif isinstance(form, forms.DelegationNominationForm):
        form.delegation.choices = [
            (d.id, d.name) for d in db.session.scalars(
                select(Delegation).where(Delegation.event_id == cycle.event_id).order_by(Delegation.name))]
    else:
        form.organisation.choices = [(o.id, o.name) for o in organisation_service.choosable(keep)]


def _candidate_from(form, kind: str):
    if kind == "individual":
        return nomination_service.IndividualCandidate(
            name=form.name.data or "", email=form.email.data,
            country_id=form.country_id.data or None, organisation_id=form.organisation_id.data or None,
            date_of_birth=form.date_of_birth.data)
    if kind == "delegation":
        return db.session.get(Delegation, form.delegation.data)
    return db.session.get(Organisation, form.organisation.data)


@bp.route("/nominate/")
@role_required("nominator")
def index():
    return render_template("nominate/index.html", cycles=nomination_service.open_cycles(),
                           nominations=nomination_service.my_nominations(current_user))


@bp.route("/nominate/cycles/<int:cycle_id>/new", methods=["GET", "POST"])
@role_required("nominator")
def new(cycle_id: int):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.state != "call_open":
        abort(404)
    kind = cycle.award_type.candidate_kind
    form = FORM_BY_KIND[kind]()
    _fill_choices(form, cycle)
    if form.validate_on_submit():
        extra = {}
        if kind == "individual":
            extra = {"volunteer_years": float(form.volunteer_years.data)
                     if form.volunteer_years.data is not None else None,
                     "volunteer_places": form.volunteer_places.data or None}
        ok, nomination = carry_out(lambda: nomination_service.create_draft(
            current_user, cycle, candidate=_candidate_from(form, kind), statement=form.statement.data,
            declared_relations=form.declared_relations.data, **extra), form)
        if ok:
            flash(_("Draft saved. Add files and endorsements, then submit."), "success")
            return redirect(url_for("nominate.show", nomination_id=nomination.id), 303)
    status = 400 if request.method == "POST" else 200
    form.offer_relation_rows()
    return render_template("nominate/new.html", form=form, cycle=cycle, kind=kind), status


@bp.route("/nominations/<int:nomination_id>", methods=["GET", "POST"])
@login_required
def show(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    editable = may_edit_nomination(current_user, nomination)
    form = None
    if editable:
        kind = nomination.candidate_kind
        form = FORM_BY_KIND[kind](obj=_form_source(nomination))
        _fill_choices(form, nomination.cycle, nomination)
        if request.method == "POST":
            if form.validate_on_submit():
                if carry_out(lambda: nomination_service.update_draft(
                        current_user, nomination, expected_version=request.form.get("version", type=int),
                        **_draft_fields(form, kind)), form)[0]:
                    flash(_("Draft saved."), "success")
                    return redirect(url_for("nominate.show", nomination_id=nomination.id), 303)
    elif request.method == "POST":
        abort(403)
    return _render_show(nomination, form, status=400 if form is not None and forms.problems(form) else 200)


def _render_show(nomination, form=None, *, attachment_form=None, endorsement_form=None, status=200):
    """A judge or chair who has not attested no conflict with the nomination
    sees the candidate and the cycle, not the dossier (permissions.may_read_dossier)."""
    if form is not None:
        form.offer_relation_rows()
    return render_template(
        "nominate/show.html", nomination=nomination, form=form,
        editable=may_edit_nomination(current_user, nomination),
        dossier=may_read_dossier(current_user, nomination),
        whole=reads_nomination_whole(current_user, nomination),
        relations=may_read_declared_relations(current_user, nomination),
        attachment_form=attachment_form or forms.AttachmentForm(),
        endorsement_form=endorsement_form or forms.EndorsementRequestForm(),
    ), status


def _form_source(nomination):
    """The values the edit form starts from: the candidate's and the nomination's."""
    person = nomination.candidate_person
    source = {"statement": nomination.statement, "volunteer_years": nomination.volunteer_years,
              "volunteer_places": nomination.volunteer_places,
              "delegation": nomination.candidate_delegation_id,
              "organisation": nomination.candidate_organisation_id,
              "declared_relations": nomination.declared_relations or []}
    if person is not None:
        source.update(name=person.name, email=person.email, country_id=person.country_id or 0,
                      organisation_id=person.organisation_id or 0, date_of_birth=person.date_of_birth)
    return type("Source", (), source)()


def _draft_fields(form, kind):
    fields = {"statement": form.statement.data or "", "declared_relations": form.declared_relations.data}
    if kind == "individual":
        fields.update(name=form.name.data, email=form.email.data or None,
                      country_id=form.country_id.data or None,
                      organisation_id=form.organisation_id.data or None,
                      date_of_birth=form.date_of_birth.data,
                      volunteer_years=float(form.volunteer_years.data)
                      if form.volunteer_years.data is not None else None,
                      volunteer_places=form.volunteer_places.data or None)
    return fields


@bp.route("/nominations/<int:nomination_id>/attachments", methods=["POST"])
@login_required
def add_attachment(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    if not may_edit_nomination(current_user, nomination):
        abort(403)
    form = forms.AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if carry_out(lambda: attachment_service.add(current_user, nomination, upload.filename, upload.stream),
                     form, field="file")[0]:
            flash(_("File added."), "success")
            return redirect(url_for("nominate.show", nomination_id=nomination.id), 303)
    return _render_show(nomination, _edit_form(nomination), attachment_form=form, status=400)


def _edit_form(nomination):
    form = FORM_BY_KIND[nomination.candidate_kind](formdata=None, obj=_form_source(nomination))
    _fill_choices(form, nomination.cycle, nomination)
    return form


@bp.route("/nominations/<int:nomination_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(nomination_id: int, attachment_id: int):
    nomination = _nomination_or_404(nomination_id)
    if not may_read_dossier(current_user, nomination):
        abort(403)  # before the file is looked up: the answer tells nothing of which files exist
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        abort(404)
    response = send_file(attachment_service.path_of(attachment), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment_service.download_name(attachment))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/nominations/<int:nomination_id>/attachments/<int:attachment_id>/delete",
          methods=["POST"])
@login_required
def remove_attachment(nomination_id: int, attachment_id: int):
    nomination = _nomination_or_404(nomination_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        abort(404)
    if not may_edit_nomination(current_user, nomination):
        abort(403)
    if carry_out(lambda: attachment_service.remove(current_user, attachment))[0]:
        flash(_("File removed."), "success")
    return redirect(url_for("nominate.show", nomination_id=nomination.id), 303)


@bp.route("/nominations/<int:nomination_id>/endorsements", methods=["POST"])
@login_required
def request_endorsement(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    if not may_edit_nomination(current_user, nomination):
        abort(403)
    form = forms.EndorsementRequestForm()
    if form.validate_on_submit():
        if carry_out(lambda: endorsement_service.request(
                current_user, nomination, form.email.data, locale=form.locale.data or None), form, field="email")[0]:
            flash(_("Endorsement requested: the endorser will receive a link by email."), "success")
            return redirect(url_for("nominate.show", nomination_id=nomination.id), 303)
    return _render_show(nomination, _edit_form(nomination), endorsement_form=form, status=400)


# GET shows what the step will do; its form POSTs the step (no JavaScript needed).
CONFIRM = {
    "submit": (_l("Submit the nomination"),
               _l("Once submitted, the nomination can no longer be edited: its statement, files and "
                  "endorsements are sent to the secretariat for screening as they are now.")),
    "withdraw": (_l("Withdraw"),
                 _l("The nomination leaves the cycle for good: it cannot be submitted again, and judges "
                    "will not consider it.")),
}


@bp.route("/nominations/<int:nomination_id>/submit", methods=["GET", "POST"])
@login_required
def submit(nomination_id: int):
    return _nomination_event(nomination_id, "submit", nomination_service.submit,
                             _("Submitted. The secretariat will screen your nomination."))


@bp.route("/nominations/<int:nomination_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(nomination_id: int):
    return _nomination_event(nomination_id, "withdraw", nomination_service.withdraw, _("Nomination withdrawn."))


def _nomination_event(nomination_id, step, action, done_message):
    nomination = _nomination_or_404(nomination_id)
    if nomination.nominator_id != current_user.id:
        abort(403)
    if request.method == "GET":
        if nomination.state not in OFFERED[step]:
            return redirect(url_for("nominate.show", nomination_id=nomination_id), 303)  # nothing to confirm
        button, consequence = CONFIRM[step]
        return render_template(
            "confirm.html", heading=f"{button} · {nomination.candidate}", context=str(nomination.candidate),
            consequences=[consequence], action=url_for(f"nominate.{step}", nomination_id=nomination_id),
            hidden=[("version", nomination.version)], button=button,
            back=url_for("nominate.show", nomination_id=nomination_id))
    if carry_out(lambda: action(current_user, nomination, expected_version=request.form.get("version", type=int)))[0]:
        flash(done_message, "success")
    return redirect(url_for("nominate.show", nomination_id=nomination_id), 303)
