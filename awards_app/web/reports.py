"""The board's audit report of a cycle: HTML, CSV, the JSON bundle and its
standalone verifier. Board members and auditors may read it; nobody else."""

import csv
import io
import json
import zipfile
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_file
from flask_login import current_user
from sqlalchemy import select

from awards_app import audit_bundle, audit_chain, audit_tree
from awards_app.extensions import db
from awards_app.models import Cycle
from awards_app.permissions import judges_while_results_hidden, role_required
from awards_app.reports import cycle_report
from awards_app.services import audit_bundles

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _cycle_or_404(cycle_id: int) -> Cycle:
    """A board member or auditor who also judges the cycle reads its report
    only once its results are visible (as for the audit events API)."""
    cycle = db.get_or_404(Cycle, cycle_id)
    if judges_while_results_hidden(current_user, cycle):
        abort(404)
    return cycle


@bp.route("/")
@role_required("board", "auditor")
def index():
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id)).all()
    return render_template("reports/index.html", cycles=cycles)


@bp.route("/cycles/<int:cycle_id>")
@role_required("board", "auditor")
def cycle(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    with cycle_report.collector_paused():
        return render_template("reports/cycle.html", r=cycle_report.build(cycle))


@bp.route("/cycles/<int:cycle_id>/report.pdf")
@role_required("board", "auditor")
def pdf(cycle_id: int):
    from awards_app.reports import pdf as pdf_report

    cycle = _cycle_or_404(cycle_id)
    with cycle_report.collector_paused():
        body = pdf_report.render(cycle_report.build(cycle))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="audit-report-cycle-{cycle.id}.pdf"'})


@bp.route("/cycles/<int:cycle_id>/bundle.json")
@role_required("board", "auditor")
def bundle(cycle_id: int):
    """The Merkle bundle (that cycle's events, proved against a signed
    checkpoint) once the log has one; before that, the chain bundle."""
    cycle = _cycle_or_404(cycle_id)
    document = audit_bundles.current(cycle)
    body = json.dumps(document, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="audit-cycle-{cycle.id}.json"',
        "X-Content-Type-Options": "nosniff"})


@bp.route("/verifier.py")
@role_required("board", "auditor")
def verifier():
    """The same file the server hashes with: the board checks a bundle with it."""
    return send_file(Path(audit_chain.__file__), mimetype="text/x-python", as_attachment=True,
                     download_name="audit_chain.py")


@bp.route("/verifier.zip")
@role_required("board", "auditor")
def verifier_zip():
    """The Merkle bundle's standalone verifier: the three files the server
    itself hashes and proves with, side by side, standard library only."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for module in (audit_bundle, audit_tree, audit_chain):
            archive.write(Path(module.__file__), arcname=Path(module.__file__).name)
    return Response(out.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="milset-audit-verifier.zip"'})


def _safe_cell(value) -> str:
    """Text people typed must not run as a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/cycles/<int:cycle_id>/scores.csv")
@role_required("board", "auditor")
def scores_csv(cycle_id: int):
    # Only the matrix: the rest of the report (the chain check, the replay) is not needed here.
    matrix = cycle_report.score_rows(_cycle_or_404(cycle_id))
    if matrix is None:
        abort(404)  # the score matrix exists for readers only after ratification
    codes, rows = matrix
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nomination_id", "candidate", "judge", *codes])
    for nomination_id, candidate, judge, scores in rows:
        writer.writerow([nomination_id, _safe_cell(candidate), _safe_cell(judge), *scores])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="scores-cycle-{cycle_id}.csv"'})
