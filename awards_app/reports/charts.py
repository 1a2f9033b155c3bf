"""Small SVG charts drawn on the server, so the page and the PDF show the
same picture with no script. Labels are escaped: they are names people typed."""

from markupsafe import Markup, escape

ROW, LABEL, WIDTH = 22, 180, 420


def dot_plot(rows, title: str) -> Markup:
    """rows: [(label, [values on 0..100])]; one dot per judge's total."""
    height = ROW * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{LABEL + WIDTH + 20}" '
             f'height="{height}" viewBox="0 0 {LABEL + WIDTH + 20} {height}"><title>{escape(title)}</title>']
    for tick in (0, 25, 50, 75, 100):
        x = LABEL + WIDTH * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="#d5dae4"/>'
                     f'<text x="{x:.1f}" y="{height - 5}" font-size="10" text-anchor="middle">{tick}</text>')
    for i, (label, values) in enumerate(rows):
        y = ROW * i + 14
        parts.append(f'<text x="{LABEL - 6}" y="{y + 4}" font-size="11" text-anchor="end">'
                     f'{escape(str(label)[:28])}</text>')
        for v in values:
            parts.append(f'<circle cx="{LABEL + WIDTH * max(0, min(100, v)) / 100:.1f}" cy="{y}" r="4" '
                         f'fill="#0b4f8a" fill-opacity="0.7"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every piece of text in it went through escape()


def span_of(rows) -> float:
    """The offset a full half-width bar stands for: the longest bar takes 80%
    of its half, leaving room for its figure."""
    return max((abs(v) for _, v in rows), default=1.0) / 0.8 or 1.0


def offset_bars(rows, title: str, span: float | None = None) -> Markup:
    """rows: [(label, offset)]; bars left of the centre line are severe judges.
    Charts that continue one another pass the same ``span`` (see span_of)."""
    span = span or span_of(rows)
    height = ROW * len(rows) + 30
    centre = LABEL + WIDTH / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{LABEL + WIDTH + 20}" '
             f'height="{height}" viewBox="0 0 {LABEL + WIDTH + 20} {height}"><title>{escape(title)}</title>',
             f'<line x1="{centre}" y1="0" x2="{centre}" y2="{height - 20}" stroke="#55607a"/>']
    for i, (label, offset) in enumerate(rows):
        y = ROW * i + 6
        length = WIDTH / 2 * max(-1, min(1, offset / span))
        x = centre + min(0, length)
        colour = "#b91c1c" if offset < 0 else "#166534"
        parts.append(f'<text x="{LABEL - 6}" y="{y + 12}" font-size="11" text-anchor="end">'
                     f'{escape(str(label)[:28])}</text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{abs(length):.1f}" height="14" fill="{colour}"/>'
                     f'<text x="{centre + length + (4 if offset >= 0 else -4):.1f}" y="{y + 11}" font-size="10" '
                     f'text-anchor="{"start" if offset >= 0 else "end"}">{offset:+.1f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every piece of text in it went through escape()
