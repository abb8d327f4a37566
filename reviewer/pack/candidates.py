"""The secretariat's candidate list: a CSV or XLSX sheet with Chinese headers.

Secretaries fill it in Excel or WPS, or export it from an office's own system, so the
reader is forgiving about form (the encoding and sheet, ``candidate_sheet``; a title
above the header, header order, full-width brackets, the office's own columns, blank
rows, numbers typed as numbers, a category's name for its id) and strict about
content: every problem in the file is collected, with its line and column, and reported
at once, so one round of corrections is enough. Materials are files in one folder,
referenced by relative path; nothing may point outside that folder. Each is identified
by its content (``sniff.identify``), which must be a kind the viewer shows and agree
with the file's extension.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.pack import sniff
from reviewer.pack.candidate_sheet import read_rows
from reviewer.pack.errors import MaterialRefusedError

if TYPE_CHECKING:
    from reviewer.rubric.model import Rubric

MAX_WORKS = 5
MAX_CANDIDATES = 5000
MAX_OTHER_MATERIALS = 20
# Three pack members are not attachments; the container allows 10,000.
MAX_ATTACHMENTS = 9_000
MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_MATERIAL_BYTES = 2 * 1024**3
MAX_TEXT = 500
MIN_YEAR = 1900
# The XLSX template's hidden sheet of category names, and the defined name its 类别
# drop-down refers to (ASCII: every spreadsheet program takes it).
TEMPLATE_CATEGORY_SHEET = "类别列表"
TEMPLATE_CATEGORY_NAME = "CategoryNames"

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# What each accepted extension (``sniff.EXTENSIONS``) usually holds. The content decides
# what a pack's manifest says (``sniff.identify``); this is what the name promises.
MEDIA_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".ts": "video/mp2t",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}


def media_type_for(path: Path | str) -> str | None:
    return MEDIA_TYPES.get(PurePosixPath(str(path).replace("\\", "/")).suffix.lower())


# -- the columns ----------------------------------------------------------------------

H_ID, H_NAME, H_CATEGORY = "编号", "姓名", "类别"
H_PROGRAMME, H_AFFILIATION, H_REGION = "人才计划/项目", "工作单位", "地区"
H_REGION_FLAG = "中西部/边疆/民族地区（是/否）"
H_NEW_ARTS = "新文艺群体（是/否）"
H_OTHERS = "其他材料"
WORK_FIELDS = ("标题", "类型", "年份", "文件")


def work_header(n: int, field: str) -> str:
    return f"代表作{n}{field}"


HEADERS: tuple[str, ...] = (
    H_ID,
    H_NAME,
    H_CATEGORY,
    H_PROGRAMME,
    H_AFFILIATION,
    H_REGION,
    H_REGION_FLAG,
    H_NEW_ARTS,
    *(work_header(n, f) for n in range(1, MAX_WORKS + 1) for f in WORK_FIELDS),
    H_OTHERS,
)
REQUIRED_HEADERS = (H_ID, H_NAME, H_CATEGORY)

# English column names are accepted too, for secretariats working in the English UI.
_ENGLISH = {
    "id": H_ID,
    "name": H_NAME,
    "category": H_CATEGORY,
    "programme": H_PROGRAMME,
    "affiliation": H_AFFILIATION,
    "region": H_REGION,
    "central_western_border_ethnic": H_REGION_FLAG,
    "new_arts_group": H_NEW_ARTS,
    "other_materials": H_OTHERS,
    **{
        f"work{n}_{en}": work_header(n, zh)
        for n in range(1, MAX_WORKS + 1)
        for en, zh in zip(("title", "kind", "year", "file"), WORK_FIELDS, strict=True)
    },
}


def _header_key(text: str) -> str:
    # NFKC folds full-width brackets and slashes; the (是/否) hint is optional.
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return key.removesuffix("(是/否)").lower()


_HEADER_KEYS = {_header_key(h): h for h in HEADERS} | {
    _header_key(k): v for k, v in _ENGLISH.items()
}

_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", ""}


# -- the rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialFile:
    relative: str
    path: Path
    display_name: str
    media_type: str  # from the content (``sniff.identify``)
    size: int
    duration_ms: int | None = None  # audio and video, where the container states it


@dataclass(frozen=True)
class WorkRow:
    title: str
    kind: str
    year: int
    file: MaterialFile | None


@dataclass(frozen=True)
class CandidateRow:
    line: int
    id: str
    name: str
    category: str
    programme: str
    affiliation: str
    region: str
    central_western_border_ethnic: bool
    new_arts_group: bool
    works: tuple[WorkRow, ...]
    other_materials: tuple[MaterialFile, ...]

    def materials(self) -> Iterator[MaterialFile]:
        for work in self.works:
            if work.file is not None:
                yield work.file
        yield from self.other_materials


def cell_problem(line: int | None, column: str | None, message: str) -> Problem:
    """A problem at a line of the list and a column (either may be unknown)."""
    where = []
    if line is not None:
        where.append(_("line {n}").format(n=line))
    if column:
        where.append(column)
    return Problem(", ".join(where), message)


class CandidatesError(ReviewerError):
    """A candidate list that cannot be used; carries every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        super().__init__(
            _("{source}: the candidate list cannot be used").format(source=source), problems
        )

    def report(self) -> str:
        # One line a problem, each naming the file, as compilers do.
        return "\n".join(f"{self.source}: {p}" for p in self.problems)


# -- reading --------------------------------------------------------------------------


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _RowReader:
    def __init__(self, materials: Path, categories: Mapping[str, str], problems: list[Problem]):
        self.materials = materials
        self.root = materials.resolve()
        self.categories = categories
        self.problems = problems
        self.line = 0
        self._resolved: dict[str, MaterialFile | None] = {}

    def fail(self, column: str | None, message: str) -> None:
        self.problems.append(cell_problem(self.line, column, message))

    def text(self, row: dict[str, str], column: str, required: bool = False) -> str:
        # Alt+Enter in a spreadsheet cell is formatting, not content.
        value = re.sub(r"\s*[\r\n\t]+\s*", " ", row.get(column, "")).strip()
        if required and not value:
            self.fail(column, _("must not be empty"))
        elif len(value) > MAX_TEXT:
            self.fail(column, _("longer than {n} characters").format(n=MAX_TEXT))
        elif _CONTROL.search(value):
            self.fail(column, _("contains control characters"))
        return value

    def flag(self, row: dict[str, str], column: str) -> bool:
        value = row.get(column, "").strip().lower()
        if value in _YES:
            return True
        if value not in _NO:
            self.fail(column, _("{value!r}: write 是 or 否").format(value=value))
        return False

    def year(self, raw: str, column: str) -> int:
        latest = dt.date.today().year + 1
        if not raw:
            self.fail(column, _("the year is missing"))
            return 0
        if not re.fullmatch(r"\d{4}", raw) or not MIN_YEAR <= int(raw) <= latest:
            self.fail(
                column,
                _("{value!r} is not a year between {low} and {high}").format(
                    value=raw, low=MIN_YEAR, high=latest
                ),
            )
            return 0
        return int(raw)

    def file(self, raw: str, column: str) -> MaterialFile | None:
        relative = raw.strip().replace("\\", "/")
        if relative in self._resolved:
            return self._resolved[relative]
        result = self._file(relative, column)
        self._resolved[relative] = result
        return result

    def _file(self, relative: str, column: str) -> MaterialFile | None:
        if _CONTROL.search(relative) or not _encodable(relative):
            # A NUL byte (or a lone surrogate) would make the path functions raise.
            self.fail(column, _("contains control characters"))
            return None
        pure = PurePosixPath(relative)
        if pure.is_absolute() or re.match(r"^[A-Za-z]:", relative) or relative.startswith("//"):
            self.fail(
                column,
                _("{path!r}: give the path relative to the materials folder").format(path=relative),
            )
            return None
        path = self.materials.joinpath(*pure.parts)
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            resolved = None
        if resolved is None or not resolved.is_relative_to(self.root):
            self.fail(
                column,
                _("{path!r} points outside the materials folder").format(path=relative),
            )
            return None
        try:
            exists, is_file = resolved.exists(), resolved.is_file()
            size = resolved.stat().st_size if is_file else 0
        except OSError as exc:
            # exists() raises for a name the file system refuses (too long, ...).
            self.fail(column, _("cannot read the file: {error}").format(error=exc.strerror or exc))
            return None
        if not exists:
            self.fail(column, _("file not found: {path}").format(path=relative))
            return None
        if not is_file:
            self.fail(column, _("{path!r} is not a file").format(path=relative))
            return None
        if size > MAX_MATERIAL_BYTES:
            self.fail(
                column,
                _("{path!r} is larger than 2 GiB").format(path=relative),
            )
            return None
        try:
            # The content, never the name, says what the file is; the name must agree.
            found = sniff.identify(resolved, pure.name)
        except MaterialRefusedError as exc:
            self.fail(column, f"{relative!r}: {exc.message}")
            return None
        return MaterialFile(
            relative, resolved, pure.name, found.media_type, size, found.duration_ms
        )

    def candidate(self, row: dict[str, str]) -> CandidateRow:
        cid = self.text(row, H_ID, required=True)
        if cid and not _ID.fullmatch(cid):
            self.fail(
                H_ID,
                _("{value!r}: use letters, digits, '.', '-' or '_' (at most 64)").format(value=cid),
            )
        name = self.text(row, H_NAME, required=True)
        written = self.text(row, H_CATEGORY, required=True)
        category = category_id(written, self.categories) or written
        if written and category_id(written, self.categories) is None:
            self.fail(
                H_CATEGORY,
                _("unknown category {value!r}; use one of {choices}").format(
                    value=written, choices=", ".join(sorted(set(self.categories.values())))
                ),
            )
        works = []
        for n in range(1, MAX_WORKS + 1):
            cols = [work_header(n, f) for f in WORK_FIELDS]
            title_col, kind_col, year_col, file_col = cols
            if not any(row.get(c) for c in cols):
                continue
            title = self.text(row, title_col, required=True)
            kind = self.text(row, kind_col, required=True)
            year = self.year(row.get(year_col, ""), year_col)
            raw_file = row.get(file_col, "")
            file = self.file(raw_file, file_col) if raw_file else None
            works.append(WorkRow(title, kind, year, file))
        if not works:
            self.fail(None, _("name at least one representative work (代表作)"))
        others = []
        raw_others = [p.strip() for p in re.split("[;；]", row.get(H_OTHERS, ""))]
        raw_others = [p for p in raw_others if p]
        if len(raw_others) > MAX_OTHER_MATERIALS:
            self.fail(H_OTHERS, _("at most {n} files").format(n=MAX_OTHER_MATERIALS))
        for raw in raw_others[:MAX_OTHER_MATERIALS]:
            material = self.file(raw, H_OTHERS)
            if material is not None:
                others.append(material)
        return CandidateRow(
            line=self.line,
            id=cid,
            name=name,
            category=category,
            programme=self.text(row, H_PROGRAMME),
            affiliation=self.text(row, H_AFFILIATION),
            region=self.text(row, H_REGION),
            central_western_border_ethnic=self.flag(row, H_REGION_FLAG),
            new_arts_group=self.flag(row, H_NEW_ARTS),
            works=tuple(works),
            other_materials=tuple(others),
        )


# A title row (the list's name, the office, the date) often stands above the header.
HEADER_SEARCH_ROWS = 10
# Columns that look like a work's but are not one of ours (a sixth work, a typo) would
# drop a work without a word, so they are refused; any other column (备注, 序号, ...)
# is the office's own and ignored.
_WORK_LIKE = re.compile(r"(代表作|work)\d", re.IGNORECASE)


def known_column(text: str) -> str | None:
    """The column a header cell names (its Chinese name), or None."""
    return _HEADER_KEYS.get(_header_key(text)) if text else None


def _is_header(cells: list[str]) -> bool:
    named = {known_column(text) for text in cells}
    return all(h in named for h in REQUIRED_HEADERS)


def find_header(
    rows: Iterable[tuple[int, list[str]]],
) -> tuple[tuple[int, list[str]] | None, Iterator[tuple[int, list[str]]]]:
    """The header row and the rows after it. The header is the first of the first few
    non-empty rows that names the required columns; failing that, the first non-empty
    row, so that what is wrong with it is reported."""
    rest = iter(rows)
    before: list[tuple[int, list[str]]] = []
    for line, cells in rest:
        if not any(cells):
            continue
        if _is_header(cells):
            return (line, cells), rest
        before.append((line, cells))
        if len(before) >= HEADER_SEARCH_ROWS:
            break
    if not before:
        return None, rest
    return before[0], itertools.chain(before[1:], rest)


def _columns(header: list[str], problems: list[Problem], line: int) -> list[str | None] | None:
    columns: list[str | None] = []
    seen: set[str] = set()
    found = len(problems)
    for text in header:
        column = known_column(text)
        if column is None and _WORK_LIKE.match(_header_key(text)):
            problems.append(cell_problem(line, text, _("unknown column (check its spelling)")))
        elif column in seen:
            problems.append(cell_problem(line, text, _("the column appears twice")))
        elif column is not None:
            seen.add(column)
        columns.append(column)
    for required in REQUIRED_HEADERS:
        if required not in seen:
            problems.append(cell_problem(line, required, _("required column is missing")))
    return None if len(problems) > found else columns


def _category_key(text: str) -> str:
    # 新闻传播人才, 新闻传播类 and 新闻传播 name one category; so do NEWS and news.
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    return key.removesuffix("类").removesuffix("人才") or key


def category_aliases(rubrics: Iterable[Rubric]) -> dict[str, str]:
    """What a candidate's 类别 may say for each rubric, mapped to the rubric id: the id,
    the category's Chinese name and its English name. A name two rubrics share names
    neither (only their ids tell them apart)."""
    rubrics = list(rubrics)
    aliases: dict[str, str] = {}
    shared: set[str] = set()
    for rubric in rubrics:
        for text in (rubric.id, rubric.category.zh, rubric.category.en):
            key = _category_key(text)
            if aliases.get(key, rubric.id) != rubric.id:
                shared.add(key)
            aliases[key] = rubric.id
    for rubric in rubrics:  # an id always names its own rubric
        aliases[_category_key(rubric.id)] = rubric.id
        shared.discard(_category_key(rubric.id))
    return {k: v for k, v in aliases.items() if k not in shared}


def default_categories() -> dict[str, str]:
    from reviewer.rubric.file import bundled_rubrics

    return category_aliases(bundled_rubrics())


def category_lookup(categories: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``categories`` as the reader needs it: what 类别 may say (normalised) -> rubric id.
    Rubric ids alone, aliases from ``category_aliases``, or None for the bundled rubrics."""
    if categories is None:
        return default_categories()
    if isinstance(categories, Mapping):
        return {_category_key(k): v for k, v in categories.items()}
    return {_category_key(c): c for c in categories}


def category_id(text: str, lookup: Mapping[str, str]) -> str | None:
    return lookup.get(_category_key(text))


def check_input_file(path: Path) -> None:
    """Refuse, before reading it, a candidate list that cannot be read or is too large."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        reason = _("cannot read the file: {error}").format(error=exc.strerror or exc)
        raise CandidatesError(str(path), [cell_problem(None, None, reason)]) from None
    if size > MAX_INPUT_BYTES:
        reason = _("the file is larger than {n} MiB").format(n=MAX_INPUT_BYTES // 2**20)
        raise CandidatesError(str(path), [cell_problem(None, None, reason)])


def read_candidates(
    path: Path,
    materials_dir: Path,
    categories: Iterable[str] | Mapping[str, str] | None = None,
) -> list[CandidateRow]:
    """Read and check a candidate list; raise ``CandidatesError`` with every problem.

    ``categories``: the rubric ids a candidate may name, or ``category_aliases`` of the
    session's rubrics (ids and category names; the default, of the bundled rubrics).
    A row's ``category`` is always the rubric id.
    """
    path, materials_dir = Path(path), Path(materials_dir)
    source = str(path)
    check_input_file(path)
    if not materials_dir.is_dir():
        raise CandidatesError(
            source,
            [
                cell_problem(
                    None,
                    None,
                    _("the materials folder {folder} does not exist").format(folder=materials_dir),
                )
            ],
        )
    problems: list[Problem] = []
    reader = _RowReader(
        materials_dir,
        category_lookup(categories),
        problems,
    )
    columns: list[str | None] | None = None
    candidates: list[CandidateRow] = []
    first_line_of: dict[str, int] = {}
    header, rows = find_header(read_rows(path, problems))
    if header is not None:
        columns = _columns(header[1], problems, header[0])
    for line, cells in rows:
        if columns is None:
            break
        if not any(cells):
            continue
        if len(candidates) >= MAX_CANDIDATES:
            problems.append(
                cell_problem(
                    line,
                    None,
                    _("too many candidates; at most {n} per pack").format(n=MAX_CANDIDATES),
                )
            )
            break
        reader.line = line
        extra = [c for c in cells[len(columns) :] if c]
        if extra:
            reader.fail(None, _("values beyond the last column"))
        row = {col: cell for col, cell in zip(columns, cells, strict=False) if col}
        candidate = reader.candidate(row)
        if candidate.id in first_line_of:
            reader.fail(
                H_ID,
                _("duplicate id {id!r} (also on line {line})").format(
                    id=candidate.id, line=first_line_of[candidate.id]
                ),
            )
        elif candidate.id:
            first_line_of[candidate.id] = line
        candidates.append(candidate)
    if columns is None and not problems:
        problems.append(cell_problem(None, None, _("the file is empty; start from the template")))
    elif columns is not None and not candidates and not problems:
        problems.append(cell_problem(None, None, _("the file lists no candidates")))
    distinct = {m.path for c in candidates for m in c.materials()}
    if len(distinct) > MAX_ATTACHMENTS:
        problems.append(
            cell_problem(
                None,
                None,
                _("{n} material files; a pack holds at most {limit}").format(
                    n=len(distinct), limit=MAX_ATTACHMENTS
                ),
            )
        )
    if problems:
        raise CandidatesError(source, problems)
    return candidates


# -- the template ---------------------------------------------------------------------


def write_template(path: Path) -> Path:
    """An empty candidate list with the Chinese headers (.csv or .xlsx by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerow(HEADERS)
        # The BOM makes Excel on Chinese Windows read the file as UTF-8, not GBK.
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
        return path
    if suffix == ".xlsx":
        _write_xlsx_template(path)
        return path
    raise ValueError(_("use a .csv or .xlsx file name (found {suffix!r})").format(suffix=suffix))


def _write_xlsx_template(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    from reviewer.rubric.file import bundled_rubrics

    rubrics = bundled_rubrics()
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet, active
    sheet.title = "候选人"
    sheet.append(list(HEADERS))
    for i, header in enumerate(HEADERS, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "C2"
    last = MAX_CANDIDATES + 1
    category = DataValidation(type="list", formula1=TEMPLATE_CATEGORY_NAME, allow_blank=True)
    sheet.add_data_validation(category)
    col = get_column_letter(HEADERS.index(H_CATEGORY) + 1)
    category.add(f"{col}2:{col}{last}")
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    for header in (H_REGION_FLAG, H_NEW_ARTS):
        col = get_column_letter(HEADERS.index(header) + 1)
        yes_no.add(f"{col}2:{col}{last}")

    notes = book.create_sheet("说明")
    notes.append(["类别编号", "类别名称（“类别”列下拉选择；填名称或编号均可）"])
    for rubric in rubrics:
        notes.append([rubric.id, rubric.category.zh])
    notes.append([])
    notes.append(["代表作文件、其他材料", "相对于材料文件夹的路径；多个其他材料用分号（;）分隔"])
    notes.append(["支持的文件类型", sniff.accepted_extensions()])
    notes.append(
        [
            "不接受的文件",
            "Word、Excel、PowerPoint（doc/docx/xls/xlsx/ppt/pptx）、OFD 文件请先转换为 PDF；"
            "程序、脚本、SVG/HTML、压缩包、空文件不能放入评审包；"
            "扩展名须与文件内容一致。视频建议使用 MP4（H.264/AAC）",
        ]
    )
    notes.append(["是/否 列", "填写“是”或“否”，留空视为“否”"])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 60

    # The drop-down offers what a secretary reads, the categories' Chinese names (the
    # reader takes them as it takes ids). They stand on a hidden sheet, reached through
    # a defined name: an inline list may hold only 255 characters, which more or longer
    # names would pass, and Excel 2007 takes another sheet's cells only through a name.
    choices = book.create_sheet(TEMPLATE_CATEGORY_SHEET)
    for i, label in enumerate(template_categories(rubrics), start=1):
        choices.cell(row=i, column=1, value=label)
    choices.sheet_state = "hidden"
    book.defined_names[TEMPLATE_CATEGORY_NAME] = DefinedName(
        TEMPLATE_CATEGORY_NAME,
        attr_text=f"{quote_sheetname(TEMPLATE_CATEGORY_SHEET)}!$A$1:$A${len(rubrics)}",
    )
    book.save(path)


def template_categories(rubrics: Sequence[Rubric]) -> list[str]:
    """What the template's 类别 drop-down offers: each category's Chinese name, or its
    id where two rubrics share the name (the reader could not tell them apart)."""
    aliases = category_aliases(rubrics)
    return [
        r.category.zh if aliases.get(_category_key(r.category.zh)) == r.id else r.id
        for r in rubrics
    ]
