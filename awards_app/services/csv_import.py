"""Reading a CSV file the secretariat uploads, for imports that are all or
nothing: each problem carries the line a spreadsheet shows (the header is
line 1), and a file with any problem changes nothing.

The organisation, ESI edition and past-laureate imports use it; the
participants import keeps its own, older copy (English-only messages).
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from awards_app.services import N_, Message, ServiceError

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class RowError:
    """One problem: its line, the column at fault (None for the whole row or
    file), a rule id and a message."""

    line: int
    field: str | None
    rule: str
    message: str


class ImportRefused(ServiceError):
    """A file with problems; nothing from it was imported."""

    def __init__(self, rule: str, errors: list[RowError]):
        super().__init__(rule, Message(N_("The file was refused: %(count)s problem(s). Nothing was imported."),
                                       count=len(errors)), field="file")
        self.errors = sorted(errors, key=lambda e: e.line)


def decode(data: bytes, rule: str) -> str:
    """The text of an uploaded file: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(rule, [RowError(1, None, "csv.too_large", Message(
            N_("The file is larger than %(kb)s kB."), kb=MAX_BYTES // 1000))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportRefused(rule, [RowError(line, None, "csv.not_utf8", N_(
            "The file is not UTF-8 text. Save it as \"CSV UTF-8\"."))]) from None


def column_key(cell: str) -> str:
    """A header cell as a column name: "Birth date" and "birth-date" are birth_date."""
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(text: str, required: tuple, optional: tuple = ()) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """(line, {column: stripped value}) for every non-blank row, and the
    file's own problems (empty, unreadable, a column missing, too long).

    The header names the columns in any order and case; other columns are
    ignored. Commas or semicolons separate fields, whichever the header uses
    more.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [RowError(1, None, "csv.empty", N_("The file is empty."))]
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        return [], [RowError(reader.line_num, None, "csv.unreadable", Message(
            N_("The file cannot be read as CSV: %(error)s."), error=str(exc)))]
    header = [column_key(cell) for cell in records[0]]
    missing = [column for column in required if column not in header]
    if missing:
        return [], [RowError(1, None, "csv.missing_columns", Message(
            N_("The first line must name the columns %(columns)s; missing: %(missing)s."),
            columns=", ".join(required), missing=", ".join(missing)))]
    index = {column: header.index(column) for column in (*required, *optional) if column in header}
    body = [(line, {column: (cells[i].strip() if i < len(cells) else "") for column, i in index.items()})
            for line, cells in enumerate(records[1:], start=2) if any(cell.strip() for cell in cells)]
    if not body:
        return [], [RowError(1, None, "csv.no_rows", N_("The file has no rows after its first line."))]
    if len(body) > MAX_ROWS:
        return [], [RowError(body[MAX_ROWS][0], None, "csv.too_many_rows", Message(
            N_("A file may have at most %(max)s rows; split it into several files."), max=MAX_ROWS))]
    for _line, value in body:
        for column in optional:
            value.setdefault(column, "")
    return body, []


def parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None
