"""The audit report as PDF, from the same template body as the page."""

from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template


def render(report) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF route needs it

    css = (Path(current_app.static_folder) / "css" / "print.css").read_text(encoding="utf-8")
    html = render_template("reports/cycle_pdf.html", r=report, css=css,
                           generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    # No base_url: the report loads nothing from outside, and nothing from disk.
    return HTML(string=html).write_pdf()
