"""The cells of a candidate list, read as Chinese offices save them.

A list comes from Excel, WPS or another office's system, so this module accepts what
they write rather than what a format guide asks for: CSV in UTF-8 (with or without a
BOM), UTF-16 with a BOM (Excel's "Unicode text", tab-separated) or GBK/GB18030 (Excel's
default "CSV" on Chinese Windows); XLSX with the list on a sheet named 候选人 (else the
first sheet), a title merged across the top, and a category merged down over the rows
it applies to. What it cannot read faithfully it refuses, naming the cell: a formula
(its cached value may be stale, or absent when another program wrote the file) and a
merge across columns in the rows that hold data (which column the value belongs to is
a guess).

``read_rows`` yields ``(line, cells)``: the line (CSV) or row (XLSX) number and the
cells as stripped NFC text; problems go into the list given, never raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.base.errors import Problem
from reviewer.base.i18n import _

MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_MERGED_RANGES = 10_000
SHEET_NAMES = ("候选人", "candidates")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text the list means by it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def read_rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, problems)
    if suffix == ".xlsx":
        return _xlsx_rows(path, problems)
    problems.append(
        Problem("", _("use a .csv or .xlsx file (found {suffix!r})").format(suffix=suffix))
    )
    return iter(())


# -- CSV ------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str | None:
    """The text of a CSV file in the encodings offices save it in, or None.

    UTF-8 first and strictly: GB18030 decodes most byte strings, so it comes last, and
    latin-1 (which decodes anything into the wrong characters) never."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if data.startswith(_UTF8_BOM):
            return None  # it says it is UTF-8, so it is no other encoding either
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # NUL decodes in GB18030 but is in no office's text: UTF-16 without its BOM, say.
    return None if "\x00" in text else text


def _delimiter(text: str) -> str:
    # Excel's "Unicode text" is tab-separated; offices still name the file .csv.
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if first.count("\t") > first.count(",") else ","


def _csv_rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv(path.read_bytes())
    if text is None:
        problems.append(
            Problem(
                "",
                _(
                    "the file is not text in UTF-8, UTF-16 or GBK/GB18030; "
                    'in Excel or WPS save it as "CSV UTF-8"'
                ),
            )
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1
    try:
        for record in reader:
            yield start, [cell_text(v) for v in record]
            start = reader.line_num + 1
    except csv.Error as exc:
        where = _("line {n}").format(n=start)
        problems.append(Problem(where, _("not valid CSV: {error}").format(error=exc)))


# -- XLSX -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Merge:
    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    @property
    def across_columns(self) -> bool:
        return self.max_col > self.min_col


def _bad_workbook(problems: list[Problem]) -> None:
    problems.append(Problem("", _("not a readable XLSX workbook")))


def _xlsx_rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(path) as archive:
            # openpyxl inflates shared strings whole; refuse a workbook that would
            # unpack to far more than any candidate list needs.
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                problems.append(Problem("", _("the workbook is implausibly large")))
                return
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        # NotImplementedError: a zip version or feature zipfile does not support.
        _bad_workbook(problems)
        return
    try:
        from openpyxl import load_workbook

        # data_only=False: a formula is seen as one, never replaced by its cached value.
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception:
        # openpyxl raises many types on a broken workbook (KeyError, InvalidFileException...)
        _bad_workbook(problems)
        return
    try:
        sheet = _candidate_sheet(book)
        merges = _merges(book, sheet, problems)
        if merges is None:
            return
        yield from _sheet_rows(sheet, merges, problems)
    except Exception:
        _bad_workbook(problems)
    finally:
        book.close()


def _candidate_sheet(book: Any) -> Any:
    wanted = {unicodedata.normalize("NFKC", n).strip().casefold() for n in SHEET_NAMES}
    for sheet in book.worksheets:
        if unicodedata.normalize("NFKC", sheet.title).strip().casefold() in wanted:
            return sheet
    return book.worksheets[0]


def _merges(book: Any, sheet: Any, problems: list[Problem]) -> list[_Merge] | None:
    """The sheet's merged ranges, read from its XML as a stream: openpyxl's read-only
    mode, which bounds memory for a hostile workbook, does not report them."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    tag = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
    found: list[_Merge] = []
    # The read-only sheet knows its part's name only privately; the archive is the
    # workbook's own.
    with book._archive.open(sheet._worksheet_path) as source:
        for _event, element in iterparse(source):
            if element.tag == tag:
                ref = str(element.get("ref", ""))
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if min_col is None or min_row is None or max_col is None or max_row is None:
                    raise ValueError(ref)  # a whole row or column: not a cell range
                found.append(_Merge(ref, min_col, min_row, max_col, max_row))
                if len(found) > MAX_MERGED_RANGES:
                    problems.append(Problem("", _("the sheet has implausibly many merged cells")))
                    return None
            element.clear()
    return found


def _sheet_rows(
    sheet: Any, merges: list[_Merge], problems: list[Problem]
) -> Iterator[tuple[int, list[str]]]:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    starting: dict[int, list[_Merge]] = {}  # merged down, by their first row
    for merge in merges:
        if not merge.across_columns and merge.max_row > merge.min_row:
            starting.setdefault(merge.min_row, []).append(merge)
    across = [m for m in merges if m.across_columns]
    reported: set[str] = set()
    carried: dict[int, tuple[_Merge, str]] = {}  # column index (0-based) -> merge, value
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells: list[str] = []
        for index, cell in enumerate(row):
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or isinstance(
                value, ArrayFormula | DataTableFormula
            ):
                ref = f"{get_column_letter(index + 1)}{number}"
                problems.append(Problem(ref, _("the cell holds a formula; paste values instead")))
                value = None
            cells.append(cell_text(value))
        for column, (merge, value) in list(carried.items()):
            if merge.max_row < number:
                del carried[column]
            else:
                # Excel shows the top cell's value over the whole merged range.
                cells.extend([""] * (column + 1 - len(cells)))
                cells[column] = value
        for merge in starting.pop(number, ()):
            column = merge.min_col - 1
            carried[column] = (merge, cells[column] if column < len(cells) else "")
        for merge in across:
            if merge.ref in reported or not merge.min_row <= number <= merge.max_row:
                continue
            if _outside(cells, merge):
                # A title merged over the top is fine (the row holds nothing else); a
                # merge across the columns of a data row leaves its value's column a guess.
                problems.append(
                    Problem(
                        merge.ref,
                        _(
                            "the cells are merged across columns; unmerge them and give "
                            "each column its value"
                        ),
                    )
                )
                reported.add(merge.ref)
        yield number, cells


def _outside(cells: list[str], merge: _Merge) -> bool:
    """Whether the row holds a value outside the merged range."""
    return any(
        value for i, value in enumerate(cells, start=1) if not merge.min_col <= i <= merge.max_col
    )
