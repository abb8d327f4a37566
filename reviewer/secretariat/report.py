"""Writing an aggregation result: CSV files, the XLSX workbook and the signed summary.

Files (in the output folder)::

    summary.pdf     the summary for the decision body, signed (PAdES) by the secretariat
    results.xlsx    every table, one worksheet each
    candidates.csv  one row per candidate with every aggregate
    opinions.csv    each counted sheet's opinion (评审意见) and recommendation
    checks.csv      every ethics or political-quality check recorded as 有疑虑 or 不通过
    counted.csv     the sheets that count, with their SHA-256
    refused.csv     every refused sheet with its reason
    missing.csv     (reviewer, candidate) pairs without a sheet or recusal
    conflicts.csv   only when sheets conflict: the held candidates and why

The other files are made first and the summary last: it states the SHA-256 of each of
them under the secretariat's signature, so that a decision body holding the signed
summary can tell that a workbook or CSV file is the one the secretariat wrote.

CSV files are UTF-8 with a byte-order mark and CRLF line ends, which Excel and WPS in
China open correctly; they lead with the tables' untranslated id columns. Text that a
spreadsheet would take for a formula (= + - @ at the start) is prefixed with an
apostrophe there: names and notes come from sheets, hostile input. The workbook needs no
such prefix (a cell written as a string is never a formula) and shows none: every text
cell is a string cell, so an id such as 001 stays 001.

Everything is written into a staging folder beside the output folder, then moved into
place file by file with ``os.replace``: a crash leaves the old files or the new ones,
never half a file, and a file the new result does not write (``conflicts.csv`` once the
conflicts are resolved) is removed. Conflicting sheets hold back only their candidate:
it is listed as held, without scores or rank, and every other result is written and
signed as usual.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

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
    counted_sheets_table,
    criterion_means_table,
    flagged_checks_table,
    info_rows,
    methods_table,
    missing_table,
    opinions_table,
    other_sheets_table,
    refused_table,
    reviewer_scores_table,
    reviewers_table,
)
from reviewer.sheet.sign import SheetSigner

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SUMMARY_PDF = "summary.pdf"
RESULTS_XLSX = "results.xlsx"
CANDIDATES_CSV = "candidates.csv"
OPINIONS_CSV = "opinions.csv"
CHECKS_CSV = "checks.csv"
COUNTED_CSV = "counted.csv"
REFUSED_CSV = "refused.csv"
MISSING_CSV = "missing.csv"
CONFLICTS_CSV = "conflicts.csv"
ALL_OUTPUTS = (
    SUMMARY_PDF,
    RESULTS_XLSX,
    CANDIDATES_CSV,
    OPINIONS_CSV,
    CHECKS_CSV,
    COUNTED_CSV,
    REFUSED_CSV,
    MISSING_CSV,
    CONFLICTS_CSV,
)
# Column widths in the workbook, in characters (a CJK character counts two).
MIN_WIDTH, MAX_WIDTH = 8, 60

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ReportError(ReviewerError):
    """The reports could not be written; the message is for people."""


@dataclass(frozen=True)
class OutputFile:
    """A report file the summary names: its name, SHA-256 and size in bytes."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class WrittenReports:
    folder: Path
    files: tuple[str, ...]
    signed: bool


def _xml_text(value: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", value)


def _csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = _xml_text(value)
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in (*table.id_headers, *table.headers)])
    ids = table.id_rows or ((),) * len(table.rows)
    for id_row, row in zip(ids, table.rows, strict=True):
        writer.writerow([_csv_value(v) for v in (*id_row, *row)])
    return buf.getvalue().encode("utf-8-sig")


def display_width(text: str) -> int:
    """How many columns a text takes in a spreadsheet: a wide (CJK) character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    used: set[str] = set()
    flagged = PatternFill("solid", fgColor="FFF2CC")
    short = PatternFill("solid", fgColor="FCE4D6")

    info = book.active
    assert isinstance(info, Worksheet)  # a new workbook has one worksheet, active
    info.title = _sheet_title(_("Information"), used)
    for label, value in info_rows(result):
        _append(info, [label, value])
    info["A1"].font = Font(bold=True)
    _fit_and_print(info, header=False)

    tables = [
        candidates_table(result),
        opinions_table(result),
        flagged_checks_table(result),
        reviewer_scores_table(result),
        criterion_means_table(result),
        methods_table(result),
        counted_sheets_table(result),
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
    below_quorum_col = _("Below quorum")
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        _append(sheet, table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        flag_at = _index(table.headers, method_dependent_col)
        quorum_at = _index(table.headers, below_quorum_col)
        for row in table.rows:
            _append(sheet, row)
            fill = (
                short
                if quorum_at is not None and row[quorum_at]
                else flagged
                if flag_at is not None and row[flag_at]
                else None
            )
            if fill is not None:
                for cell in sheet[sheet.max_row]:
                    cell.fill = fill
        sheet.freeze_panes = "A2"
        # Filter buttons on the header row, over every column and row of the table.
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(table.headers)))}{sheet.max_row}"
        _fit_and_print(sheet, header=True)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_xlsx_bytes(table: Table) -> bytes:
    """One table as a workbook of one worksheet, laid out like ``xlsx_bytes``'s."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet, active
    sheet.title = _sheet_title(table.title, set())
    _append(sheet, table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        _append(sheet, row)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(table.headers)))}{sheet.max_row}"
    _fit_and_print(sheet, header=True)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _index(headers: tuple[str, ...], header: str) -> int | None:
    return headers.index(header) if header in headers else None


def _append(sheet: Worksheet, values: Sequence[Cell]) -> None:
    sheet.append([_xml_text(v) if isinstance(v, str) else _number(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # openpyxl takes text starting with "=" for a formula; a string cell is shown
            # as written, with no apostrophe.
            cell.data_type = "s"
        elif isinstance(cell.value, float):
            cell.number_format = "0.00"


def _number(value: int | Decimal | None) -> int | float | None:
    # A Decimal is already rounded to what is shown; its float reads back equal.
    return float(value) if isinstance(value, Decimal) else value


def _fit_and_print(sheet: Worksheet, *, header: bool) -> None:
    """Columns as wide as their content (within bounds, longer text wrapped) and a page
    setup that prints every column on landscape A4, the header row on each page."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:.2f}" if isinstance(cell.value, float) else str(cell.value)
            width = max((display_width(line) for line in text.splitlines()), default=0)
            # A header wraps onto two lines rather than widen a column of short values.
            if header and cell.row == 1:
                width = (width + 1) // 2 + 1
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, width in widths.items():
        fitted = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
        sheet.column_dimensions[get_column_letter(column)].width = fitted
        if width + 2 > MAX_WIDTH or header:
            for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
                if cell.row == 1 and header or width + 2 > MAX_WIDTH:
                    cell.alignment = wrap
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if header:
        sheet.print_title_rows = "1:1"


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
    files[OPINIONS_CSV] = csv_bytes(opinions_table(result))
    files[CHECKS_CSV] = csv_bytes(flagged_checks_table(result))
    files[COUNTED_CSV] = csv_bytes(counted_sheets_table(result))
    files[MISSING_CSV] = csv_bytes(missing_table(result))
    say(_("writing the workbook"))
    files[RESULTS_XLSX] = xlsx_bytes(result)
    say(_("writing the summary"))
    # What the summary vouches for: the exact bytes installed beside it.
    hashes = tuple(
        OutputFile(name, hashlib.sha256(data).hexdigest(), len(data))
        for name, data in sorted(files.items())
    )
    pdf = render_summary(result, hashes)
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
