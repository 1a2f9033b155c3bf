"""Delegations at an ESI and their participants, imported from a CSV file.

A participants file is all or nothing: every bad row is reported with the
line number a spreadsheet shows (the header is line 1), and a file with any
bad row adds no one.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Delegation, Event, Organisation, Participant
from awards_app.models.events import PARTICIPANT_ROLES
from awards_app.services import N_, Message, ServiceError, audit, csv_import
from judging.names import normalise_name
from workflows.ages import age_on, ages_at_event_start, event_start  # noqa: F401 - re-exported

REQUIRED_COLUMNS = ("name", "birth_date", "role")
MAX_ROWS = 500
MAX_BYTES = 1_000_000  # 500 rows need a few dozen kilobytes
MIN_AGE, MAX_AGE = 5, 100
NAME_MAX = 200  # Participant.name's column width

__all__ = [
    "ImportRefused", "RowError", "age_on", "ages_at_event_start", "event_start",
    "import_participants", "parse_participants_csv", "read_upload", "register_delegation",
]


@dataclass(frozen=True)
class RowError:
    """One refused row: its line as a spreadsheet counts it, the column at
    fault (None for the whole row or file), a rule id and a message."""

    line: int
    field: str | None
    rule: str
    message: str


class ImportRefused(ServiceError):
    """A participants file with bad rows; nothing from it was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__("delegation.csv_invalid",
                         f"The file was refused: {len(errors)} problem(s). Nothing was imported.",
                         field="file")
        self.errors = errors


def register_delegation(actor, event: Event, organisation: Organisation,
                        name: str | None = None) -> Delegation:
    """An organisation's delegation to an event; one per organisation and event."""
    existing = db.session.scalar(select(Delegation.id).where(
        Delegation.event_id == event.id, Delegation.organisation_id == organisation.id))
    if existing is not None:
        raise ServiceError("delegation.duplicate",
                           Message(N_("%(organisation)s already has a delegation at %(event)s."),
                                   organisation=organisation.name, event=event.title),
                           field="organisation")
    name = (name or "").strip() or f"Delegation of {organisation.name}"
    delegation = Delegation(event=event, organisation=organisation, name=name)
    db.session.add(delegation)
    db.session.flush()
    audit.record(actor, "delegation.registered", delegation,
                 {"event_id": event.id, "organisation_id": organisation.id, "name": name})
    return delegation


def read_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([RowError(1, None, "delegation.csv_too_large",
                                      f"The file is larger than {MAX_BYTES // 1000} kB.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportRefused([RowError(line, None, "delegation.csv_not_utf8",
                                      "The file is not UTF-8 text. Save it as \"CSV UTF-8\".")]) from None


def parse_participants_csv(text: str, *, today: date | None = None) -> tuple[list[dict], list[RowError]]:
    """Rows as {"line", "name", "birth_date", "role"} and every problem found.

    The header names the columns in any order and any case (extra columns are
    ignored). Commas or semicolons separate fields, whichever the header uses
    more. Blank rows are skipped but still counted, as a spreadsheet counts them.
    """
    today = today or date.today()
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [RowError(1, None, "delegation.csv_empty", "The file is empty.")]
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # One record per spreadsheet row, even when a quoted cell spans lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        return [], [RowError(reader.line_num, None, "delegation.csv_unreadable",
                             f"The file cannot be read as CSV: {exc}.")]

    header = [csv_import.column_key(cell) for cell in records[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        return [], [RowError(1, None, "delegation.csv_missing_columns",
                             f"The header must name the columns {', '.join(REQUIRED_COLUMNS)}; "
                             f"missing: {', '.join(missing)}.")]
    index = {column: header.index(column) for column in REQUIRED_COLUMNS}

    body = [(line, cells) for line, cells in enumerate(records[1:], start=2)
            if any(cell.strip() for cell in cells)]
    if len(body) > MAX_ROWS:
        return [], [RowError(body[MAX_ROWS][0], None, "delegation.csv_too_many_rows",
                             f"A file may list at most {MAX_ROWS} participants; this one lists "
                             f"{len(body)}. Split it into several files.")]
    if not body:
        return [], [RowError(1, None, "delegation.csv_no_rows", "The file lists no participants.")]

    rows, errors, first_seen = [], [], {}
    for line, cells in body:
        value = {column: (cells[i].strip() if i < len(cells) else "") for column, i in index.items()}
        row_errors = _check_row(line, value, today)
        errors.extend(row_errors)
        if row_errors:
            continue
        row = {"line": line, "name": value["name"], "birth_date": csv_import.parse_date(value["birth_date"]),
               "role": value["role"].lower()}
        key = (normalise_name(row["name"]), row["birth_date"])
        if key in first_seen:
            errors.append(RowError(line, "name", "delegation.csv_duplicate_person",
                                   f"{row['name']}, born {row['birth_date']:%Y-%m-%d}, "
                                   f"is already on line {first_seen[key]}."))
            continue
        first_seen[key] = line
        rows.append(row)
    return rows, errors


def _check_row(line: int, value: dict, today: date) -> list[RowError]:
    errors = []
    if not value["name"]:
        errors.append(RowError(line, "name", "delegation.csv_name_missing", "The name is empty."))
    elif len(value["name"]) > NAME_MAX:
        errors.append(RowError(line, "name", "delegation.csv_name_too_long",
                               f"The name is longer than {NAME_MAX} characters."))
    born = csv_import.parse_date(value["birth_date"])
    if born is None:
        errors.append(RowError(line, "birth_date", "delegation.csv_bad_date",
                               f"\"{value['birth_date']}\" is not a date; write YYYY-MM-DD or DD/MM/YYYY."))
    elif born > today:
        errors.append(RowError(line, "birth_date", "delegation.csv_born_in_future",
                               f"The birth date {born:%Y-%m-%d} is in the future."))
    elif not MIN_AGE <= age_on(born, today) <= MAX_AGE:
        errors.append(RowError(line, "birth_date", "delegation.csv_age_out_of_range",
                               f"Born {born:%Y-%m-%d}, the person would be {age_on(born, today)}; "
                               f"participants are {MIN_AGE} to {MAX_AGE} years old."))
    if value["role"].lower() not in PARTICIPANT_ROLES:
        errors.append(RowError(line, "role", "delegation.csv_unknown_role",
                               f"\"{value['role']}\" is not a role; "
                               f"use one of {', '.join(PARTICIPANT_ROLES)}."))
    return errors


def import_participants(actor, delegation: Delegation, text: str, *, today: date | None = None) -> int:
    """Add every participant of the file to the delegation, or none.

    Besides the file's own problems, a person already registered in the
    delegation (same name and birth date) is refused, so importing the same
    file twice does not list everyone twice.
    """
    rows, errors = parse_participants_csv(text, today=today)
    registered = {(normalise_name(p.name), p.birth_date): p for p in delegation.participants}
    for row in rows:
        if (normalise_name(row["name"]), row["birth_date"]) in registered:
            errors.append(RowError(row["line"], "name", "delegation.csv_already_registered",
                                   f"{row['name']}, born {row['birth_date']:%Y-%m-%d}, "
                                   "is already in this delegation."))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    for row in rows:
        delegation.participants.append(
            Participant(name=row["name"], birth_date=row["birth_date"], role=row["role"]))
    db.session.flush()
    audit.record(actor, "delegation.participants_imported", delegation,
                 {"count": len(rows), "event_id": delegation.event_id})
    return len(rows)
