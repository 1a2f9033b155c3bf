"""Nominations: drafts, files, endorsement requests and their transitions.
Who sees what follows the nominator's pages: another nominator's draft is
404, a nomination one may see but not change is 403."""

from flask import send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from awards_app import permissions
from awards_app.api import schemas
from awards_app.api.core import SelectPage, abort_json, api_blueprint, forbidden, not_found, write
from awards_app.extensions import db
from awards_app.models import (
    Attachment,
    Cycle,
    Delegation,
    Endorsement,
    Nomination,
    Organisation,
)
from awards_app.services import attachments as attachment_service
from awards_app.services import endorsements as endorsement_service
from awards_app.services import nominations as nomination_service

bp = api_blueprint("api_nominations", "Nominations, their files, endorsements and transitions.")


def nomination_or_404(nomination_id: int) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not permissions.may_see_nomination(current_user, nomination):
        not_found()
    return nomination


def dossier_or_403(nomination: Nomination) -> None:
    """The files and endorsements are the dossier: a judge who may see the
    nomination reads them once they have attested no conflict with it
    (permissions.may_read_dossier). Asked before any file is looked up, so
    the answer says nothing of which files exist."""
    if not permissions.may_read_dossier(current_user, nomination):
        forbidden("dossier.attestation_required", DOSSIER_ATTESTATION_REQUIRED)


DOSSIER_ATTESTATION_REQUIRED = "State that you have no conflict with this nomination before reading its dossier."


def _editable_or_403(nomination: Nomination) -> None:
    if not permissions.may_edit_nomination(current_user, nomination):
        forbidden("nomination.not_editable", "Only the nominator changes a nomination, while it is a draft.")


@bp.route("/nominations", methods=["GET"])
@bp.arguments(schemas.NominationQuery, location="query")
@bp.response(200, schemas.Nomination(many=True))
@bp.paginate(SelectPage)
def list_nominations(query):
    """The nominations the user may see: their own, or those they screen, judge or ratify."""
    statement = select(Nomination).where(permissions.nominations_visible_to(current_user))
    if "cycle_id" in query:
        statement = statement.where(Nomination.cycle_id == query["cycle_id"])
    if "state" in query:
        statement = statement.where(Nomination.state == query["state"])
    return statement.order_by(Nomination.id)


def _candidate(cycle: Cycle, data: dict):
    kind = cycle.award_type.candidate_kind
    if kind == "individual":
        return nomination_service.IndividualCandidate(
            name=data.get("name") or "", email=data.get("email"), country_id=data.get("country_id"),
            organisation_id=data.get("organisation_id"), date_of_birth=data.get("date_of_birth"))
    if kind == "delegation":
        delegation = db.session.get(Delegation, data["delegation_id"]) if data.get("delegation_id") else None
        if delegation is None:
            abort_json(422, "nomination.delegation_required", "Choose a delegation registered at this ESI.",
                       {"delegation_id": ["Choose a delegation registered at this cycle's ESI."]})
        return delegation
    organisation = (db.session.get(Organisation, data["organisation_id"])
                    if data.get("organisation_id") else None)
    if organisation is None:
        abort_json(422, "nomination.organisation_required", "Choose the organisation nominated.",
                   {"organisation_id": ["Choose an existing organisation."]})
    return organisation


@bp.route("/nominations", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.NominationCreate)
@bp.response(201, schemas.Nomination)
def create_nomination(data):
    """A nominator starts a draft in an open call."""
    if not current_user.has_role("nominator"):
        forbidden("nomination.nominators_only", "Only nominators nominate.")
    cycle = db.session.get(Cycle, data["cycle_id"])
    if cycle is None:
        abort_json(422, "nomination.cycle_unknown", "No such cycle.", {"cycle_id": ["No such cycle."]})
    extra = {}
    if cycle.award_type.candidate_kind == "individual":
        extra = {"volunteer_years": data.get("volunteer_years"),
                 "volunteer_places": data.get("volunteer_places")}
    nomination = nomination_service.create_draft(current_user, cycle, candidate=_candidate(cycle, data),
                                                 statement=data.get("statement") or "",
                                                 declared_relations=data.get("declared_relations") or (), **extra)
    return nomination, 201, {"Location": url_for("api_nominations.get_nomination", nomination_id=nomination.id)}


@bp.route("/nominations/<int:nomination_id>", methods=["GET"])
@bp.response(200, schemas.Nomination)
def get_nomination(nomination_id: int):
    """The nomination; a judge or chair reads the fields their pages show
    (the dossier only once they attested no conflict: schemas.Nomination)."""
    return nomination_or_404(nomination_id)


@bp.route("/nominations/<int:nomination_id>", methods=["PATCH"])
@write()
@bp.arguments(schemas.NominationUpdate)
@bp.response(200, schemas.Nomination)
def update_nomination(data, nomination_id: int):
    """Change a draft: the statement and the people close to the candidate,
    and the candidate's details for an individual award."""
    nomination = nomination_or_404(nomination_id)
    _editable_or_403(nomination)
    version = data.pop("version", None)
    if nomination.candidate_kind != "individual":
        data = {k: v for k, v in data.items() if k in ("statement", "declared_relations")}
    nomination_service.update_draft(current_user, nomination, expected_version=version, **data)
    return nomination


@bp.route("/nominations/<int:nomination_id>/transitions", methods=["POST"])
@write()
@bp.arguments(schemas.NominationTransition)
@bp.response(200, schemas.NominationTransitionResult)
def fire_nomination_event(data, nomination_id: int):
    """submit and withdraw (the nominator), mark_eligible and mark_ineligible
    (the secretariat, with a reason when ineligible); 409 names the rules."""
    nomination = nomination_or_404(nomination_id)
    event = data["event"]
    if event in ("submit", "withdraw"):
        if nomination.nominator_id != current_user.id:
            forbidden("nomination.nominator_only", "Only the nominator submits or withdraws.")
        action = nomination_service.submit if event == "submit" else nomination_service.withdraw
        action(current_user, nomination, expected_version=data["version"])
    else:
        if not current_user.has_role("admin"):
            forbidden("nomination.secretariat_only", "Only the secretariat screens nominations.")
        nomination_service.screen(current_user, nomination, eligible=event == "mark_eligible",
                                  reason=data["reason"], expected_version=data["version"])
    nomination = db.session.get(Nomination, nomination_id)
    return {"id": nomination.id, "event": event, "state": nomination.state, "version": nomination.version,
            "eligibility": nomination.eligibility or []}


# --- attachments ------------------------------------------------------------------

@bp.route("/nominations/<int:nomination_id>/attachments", methods=["GET"])
@bp.response(200, schemas.Attachment(many=True))
@bp.paginate(SelectPage)
def list_attachments(nomination_id: int):
    dossier_or_403(nomination_or_404(nomination_id))
    return select(Attachment).where(Attachment.nomination_id == nomination_id).order_by(Attachment.id)


@bp.route("/nominations/<int:nomination_id>/attachments", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.AttachmentUpload, location="files")
@bp.response(201, schemas.Attachment)
def upload_attachment(files, nomination_id: int):
    """Upload a PDF, PNG or JPEG (multipart/form-data, field "file"); the
    type is read from the content."""
    nomination = nomination_or_404(nomination_id)
    _editable_or_403(nomination)
    upload = files["file"]
    attachment = attachment_service.add(current_user, nomination, upload.filename, upload.stream)
    return attachment, 201, {"Location": url_for("api_nominations.download_attachment", nomination_id=nomination_id,
                                                 attachment_id=attachment.id)}


@bp.route("/nominations/<int:nomination_id>/attachments/<int:attachment_id>", methods=["GET"])
@bp.doc(responses={"200": {
    "description": "The file, with the content type read from its content.",
    "content": {t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("application/pdf", "image/png", "image/jpeg")}}})
def download_attachment(nomination_id: int, attachment_id: int):
    nomination = nomination_or_404(nomination_id)
    dossier_or_403(nomination)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        not_found()
    response = send_file(attachment_service.path_of(attachment), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- endorsements -----------------------------------------------------------------

@bp.route("/nominations/<int:nomination_id>/endorsements", methods=["GET"])
@bp.response(200, schemas.Endorsement(many=True))
@bp.paginate(SelectPage)
def list_endorsements(nomination_id: int):
    dossier_or_403(nomination_or_404(nomination_id))
    return select(Endorsement).where(Endorsement.nomination_id == nomination_id).order_by(Endorsement.id)


@bp.route("/nominations/<int:nomination_id>/endorsements", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.EndorsementRequest)
@bp.response(201, schemas.Endorsement)
def request_endorsement(data, nomination_id: int):
    """Ask an endorser: they receive a single-use link by email (never returned here)."""
    nomination = nomination_or_404(nomination_id)
    _editable_or_403(nomination)
    endorsement, _token = endorsement_service.request(
        current_user, nomination, data["email"], locale=data["locale"])
    return endorsement, 201
