"""QR codes at an ESI: the short routes a code opens (a nomination's, a
delegation's stand) and the sheet of codes the secretariat prints.

A code's route decides when it is opened (services.qr_codes): a judge
lands on their sheet, the secretariat or the chair on the page they
manage, anyone else on the 404 a missing id gets; someone not logged in
on the login page, and back to the code after it."""

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from awards_app.permissions import role_required
from awards_app.services import NotFound, qr_codes
from workflows.base import SHORTLIST

bp = Blueprint("codes", __name__)


def _to(target: qr_codes.Target) -> str:
    if target.round is None:
        return url_for("nominate.show", nomination_id=target.nomination.id)
    return url_for("judging.sheet", nomination_id=target.nomination.id,
                   round=SHORTLIST if target.round == SHORTLIST else None)


@bp.route("/go/n/<int:nomination_id>")
@login_required
def nomination(nomination_id: int):
    try:
        return redirect(_to(qr_codes.follow_nomination(current_user, nomination_id)))
    except NotFound:
        abort(404)


@bp.route("/go/d/<int:delegation_id>")
@login_required
def delegation(delegation_id: int):
    try:
        targets = qr_codes.follow_delegation(current_user, delegation_id)
    except NotFound:
        abort(404)
    if not targets:  # the secretariat: the delegation's own page
        return redirect(url_for("delegations.show", delegation_id=delegation_id))
    if len(targets) == 1:
        return redirect(_to(targets[0]))
    return render_template("codes/choose.html", delegation=targets[0].nomination.candidate_delegation,
                           targets=[(t, _to(t)) for t in targets])


def _sheet_or_404(event_id: int) -> qr_codes.CodeSheet:
    try:
        return qr_codes.code_sheet(current_user, event_id, locale=str(get_locale()))
    except NotFound:
        abort(404)


@bp.route("/reference/events/<int:event_id>/codes")
@role_required("admin")
def sheet(event_id: int):
    return render_template("codes/sheet.html", sheet=_sheet_or_404(event_id))


@bp.route("/reference/events/<int:event_id>/codes.pdf")
@role_required("admin")
def sheet_pdf(event_id: int):
    from awards_app.reports import code_sheet

    sheet = _sheet_or_404(event_id)
    return Response(code_sheet.render(sheet), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="qr-codes-esi-{sheet.event.year}-{sheet.event.id}.pdf"'})
