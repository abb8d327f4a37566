"""Writing an aggregation result: CSV files, the XLSX workbook and the signed summary.

Files (in the output folder)::

    summary.pdf     the summary for the decision body, signed (PAdES) by the secretariat
    results.xlsx    every table, one worksheet each
    candidates.csv  one row per candidate with every aggregate
    refused.csv     every refused sheet with its reason
    missing.csv     (reviewer, candidate) pairs without a sheet or recusal
    conflicts.csv   only when sheets conflict: the held candidates and why

CSV files are UTF-8 with a byte-order mark and CRLF line ends, which Excel and WPS in
China open correctly. Text that a spreadsheet would take for a formula (= + - @ at the
start) is prefixed with an apostrophe: names and notes come from sheets, hostile input.

Everything is written into a staging folder beside the output folder, then moved into
place file by file with ``os.replace``: a crash leaves the old files or the new ones,
never half a file, and a file the new result does not write (``conflicts.csv`` once the
conflicts are resolved) is removed. Conflicting sheets hold back only their candidate:
it is listed as held, without scores or rank, and every other result is written and
signed as usual.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.secretariat.aggregate import AggregateResult
from reviewer.secretariat.tables import (
    Cell,
    Table,
    agreement_table,
    calibration_table,
    candidates_table,
    conflicts_table,
    criterion_means_table,
    info_rows,
    methods_table,
    missing_table,
    other_sheets_table,
    refused_table,
    reviewer_scores_table,
    reviewers_table,
)
from reviewer.sheet.sign import SheetSigner

SUMMARY_PDF = "summary.pdf"
RESULTS_XLSX = "results.xlsx"
CANDIDATES_CSV = "candidates.csv"
REFUSED_CSV = "refused.csv"
MISSING_CSV = "missing.csv"
CONFLICTS_CSV = "conflicts.csv"
ALL_OUTPUTS = (SUMMARY_PDF, RESULTS_XLSX, CANDIDATES_CSV, REFUSED_CSV, MISSING_CSV, CONFLICTS_CSV)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ReportError(ReviewerError):
    """The reports could not be written; the message is for people."""


@dataclass(frozen=True)
class WrittenReports:
    folder: Path
    files: tuple[str, ...]
    signed: bool


def _text_cell(value: str) -> str:
    value = _XML_ILLEGAL.sub("\ufffd", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(value)
    return str(value)


def csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _sheet_title(title: str, used: set[str]) -> str:
    # Worksheet names: at most 31 characters, none of []:*?/\ and unique.
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
    name, n = base, 2
    while name in used:
        suffix = f" {n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def xlsx_bytes(result: AggregateResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    used: set[str] = set()
    bold = Font(bold=True)
    flagged = PatternFill("solid", fgColor="FFF2CC")

    info = book.active
    assert isinstance(info, Worksheet)  # a new workbook has one worksheet, active
    info.title = _sheet_title(_("Information"), used)
    for label, value in info_rows(result):
        info.append([_text_cell(label), _xlsx_value(value)])
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 80

    tables = [
        candidates_table(result),
        reviewer_scores_table(result),
        criterion_means_table(result),
        methods_table(result),
        missing_table(result),
        refused_table(result),
        other_sheets_table(result),
        agreement_table(result),
        reviewers_table(result),
    ]
    if result.options.calibrate:
        tables.append(calibration_table(result))
    if result.has_conflicts:
        tables.append(conflicts_table(result))
    method_dependent_col = _("Rank depends on method")
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([_text_cell(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        flag_at = (
            table.headers.index(method_dependent_col)
            if method_dependent_col in table.headers
            else None
        )
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in row])
            if flag_at is not None and row[flag_at]:
                for cell in sheet[sheet.max_row]:
                    cell.fill = flagged
        for cell in (c for r in sheet.iter_rows(min_row=2) for c in r):
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
        for i, header in enumerate(table.headers, start=1):
            letter = sheet.cell(row=1, column=i).column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, len(header) * 2 + 2))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_xlsx_bytes(table: Table) -> bytes:
    """One table as a workbook of one worksheet, cells guarded like ``xlsx_bytes``'s."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet, active
    sheet.title = _sheet_title(table.title, set())
    sheet.append([_text_cell(h) for h in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_value(v) for v in row])
    for i, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(header) * 3 + 4))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xlsx_value(value: Cell) -> object:
    if isinstance(value, Decimal):
        # Already rounded to what is shown; a float of a 2-decimal value reads back equal.
        return float(value)
    if isinstance(value, str):
        return _text_cell(value)
    return value


def write_reports(
    result: AggregateResult,
    out_dir: Path,
    *,
    signer: SheetSigner | None,
    progress: Callable[[str], None] | None = None,
) -> WrittenReports:
    """Write the reports (see the module docstring). ``signer`` signs the summary with
    the secretariat's certificate; without one the summary is left unsigned (a preview)."""
    from reviewer.secretariat.summary_pdf import render_summary, sign_summary

    say = progress or (lambda _m: None)
    out_dir = Path(out_dir)
    files: dict[str, bytes] = {REFUSED_CSV: csv_bytes(refused_table(result))}
    if result.has_conflicts:
        files[CONFLICTS_CSV] = csv_bytes(conflicts_table(result))
    files[CANDIDATES_CSV] = csv_bytes(candidates_table(result))
    files[MISSING_CSV] = csv_bytes(missing_table(result))
    say(_("writing the workbook"))
    files[RESULTS_XLSX] = xlsx_bytes(result)
    say(_("writing the summary"))
    pdf = render_summary(result)
    if signer is not None:
        say(_("signing the summary"))
        pdf = sign_summary(pdf, signer)
    files[SUMMARY_PDF] = pdf
    _install(out_dir, files)
    return WrittenReports(out_dir, tuple(sorted(files)), signer is not None)


def _install(out_dir: Path, files: dict[str, bytes]) -> None:
    staging = out_dir.parent / f".{out_dir.name}.{uuid.uuid4().hex}.tmp"
    try:
        staging.mkdir(parents=True)
        for name, data in files.items():
            with (staging / name).open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if not out_dir.exists():
            os.replace(staging, out_dir)
            return
        if not out_dir.is_dir():
            raise ReportError(_("{folder} is not a folder").format(folder=out_dir))
        for name in ALL_OUTPUTS:
            if name not in files:
                (out_dir / name).unlink(missing_ok=True)
        for name in files:
            os.replace(staging / name, out_dir / name)
    except OSError as exc:
        raise ReportError(
            _("cannot write {folder}: {error}").format(folder=out_dir, error=exc.strerror or exc)
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
