"""The sheet of an ESI's QR codes as PDF (A4), from the same template body as the page."""

from pathlib import Path

from flask import current_app, render_template


def render(sheet) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF route needs it

    css_dir = Path(current_app.static_folder) / "css"
    css = "\n".join((css_dir / name).read_text(encoding="utf-8") for name in ("print.css", "codes.css"))
    # No base_url: the codes are inline SVG; nothing is loaded from outside or from disk.
    return HTML(string=render_template("codes/sheet_pdf.html", sheet=sheet, css=css)).write_pdf()
