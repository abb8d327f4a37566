"""The candidate list as aggregation needs it: id, name and category, and what the
decision body weighs beside the scores (affiliation, region, the plan's tilt flags).

Aggregation does not open the packs (that takes the secretariat's escrow key and its
passphrase, and decrypts every dossier), so the list of candidates a session should have
sheets for comes from the same CSV/XLSX the packs were built from.
``candidates.read_candidates`` also checks every material file, which the secretary may
no longer have beside the list at aggregation time; this reader takes only the columns
that matter here, with the same forgiving file handling (encodings, header row, XLSX)
and the same strictness about content.

The sheets do not carry affiliation, region or the tilt flags (中西部/边疆/民族地区,
新文艺群体): the pack's dossiers do. So the reports know them only from this list
(``--candidates``); a column the list lacks is ``None`` here, "not known" in the
reports, never a silent 否.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.errors import Problem
from reviewer.base.i18n import _

# The file-level readers (encodings, XLSX sheets, merges and formulas), the header row
# and the category names are the candidate modules'; reusing them keeps one definition
# of the list's format.
from reviewer.pack.candidate_sheet import read_rows
from reviewer.pack.candidates import (
    _CONTROL,
    _NO,
    _YES,
    H_AFFILIATION,
    H_CATEGORY,
    H_ID,
    H_NAME,
    H_NEW_ARTS,
    H_REGION,
    H_REGION_FLAG,
    MAX_CANDIDATES,
    MAX_TEXT,
    CandidatesError,
    category_aliases,
    category_id,
    category_lookup,
    cell_problem,
    check_input_file,
    find_header,
    known_column,
)
from reviewer.people.session import Session
from reviewer.rubric.file import find_rubric


def session_categories(session: Session) -> dict[str, str]:
    """What 类别 may say in a session's list: each rubric's id, and its category names
    where the rubric is the one the session was created with."""
    rubrics = []
    for ref in session.rubrics:
        rubric = find_rubric(ref.id)
        if rubric is not None and rubric.fingerprint == ref.fingerprint:
            rubrics.append(rubric)
    return category_aliases(rubrics) | {ref.id: ref.id for ref in session.rubrics}


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class ListedCandidate:
    candidate_id: str
    name: str
    category: str  # the rubric id
    affiliation: str = ""  # 工作单位
    region: str = ""  # 地区
    # The plan's tilt flags; None when the list has no such column (not known).
    central_western_border_ethnic: bool | None = None  # 中西部/边疆/民族地区
    new_arts_group: bool | None = None  # 新文艺群体


_OPTIONAL = (H_AFFILIATION, H_REGION, H_REGION_FLAG, H_NEW_ARTS)


def read_candidate_list(
    path: Path, categories: Iterable[str] | Mapping[str, str]
) -> list[ListedCandidate]:
    """Read id, name and category from the candidate list; raise ``CandidatesError``
    with every problem found. ``categories``: the session's rubric ids, or
    ``candidates.category_aliases`` of its rubrics; a listed category is the rubric id."""
    path = Path(path)
    source = str(path)
    lookup = category_lookup(categories)
    allowed = set(lookup.values())
    problems: list[Problem] = []
    check_input_file(path)
    columns: dict[str, int] | None = None
    found: list[ListedCandidate] = []
    seen: set[str] = set()
    header, rows = find_header(read_rows(path, problems))
    if header is not None:
        line, cells = header
        columns = {}
        for i, text in enumerate(cells):
            column = known_column(text)
            if column in (H_ID, H_NAME, H_CATEGORY, *_OPTIONAL) and column not in columns:
                columns[column] = i
        for required in (H_ID, H_NAME, H_CATEGORY):
            if required not in columns:
                problems.append(cell_problem(line, required, _("required column is missing")))
    for line, cells in rows:
        if columns is None or any(h not in columns for h in (H_ID, H_NAME, H_CATEGORY)):
            break
        if not any(cells):
            continue
        cid, name, written = (_cell(cells, columns[h]) for h in (H_ID, H_NAME, H_CATEGORY))
        category = category_id(written, lookup)
        if not _ID.fullmatch(cid):
            problems.append(
                cell_problem(line, H_ID, _("{value!r} is not a valid id").format(value=cid))
            )
            continue
        if cid in seen:
            problems.append(cell_problem(line, H_ID, _("the id {id} appears twice").format(id=cid)))
            continue
        if category is None:
            problems.append(
                cell_problem(
                    line,
                    H_CATEGORY,
                    _("unknown category {value!r}; use one of {choices}").format(
                        value=written, choices=", ".join(sorted(allowed))
                    ),
                )
            )
            continue
        before = len(problems)
        listed = ListedCandidate(
            cid,
            name or cid,
            category,
            affiliation=_text(cells, columns, H_AFFILIATION, line, problems),
            region=_text(cells, columns, H_REGION, line, problems),
            central_western_border_ethnic=_flag(cells, columns, H_REGION_FLAG, line, problems),
            new_arts_group=_flag(cells, columns, H_NEW_ARTS, line, problems),
        )
        if len(problems) > before:
            continue
        seen.add(cid)
        found.append(listed)
        if len(found) > MAX_CANDIDATES:
            problems.append(cell_problem(line, None, _("too many candidates")))
            break
    if columns is None and not problems:
        problems.append(cell_problem(None, None, _("the file has no header row")))
    if problems:
        raise CandidatesError(source, problems)
    return found


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _text(
    cells: list[str], columns: dict[str, int], header: str, line: int, problems: list[Problem]
) -> str:
    if header not in columns:
        return ""
    # Alt+Enter in a spreadsheet cell is formatting, not content.
    value = re.sub(r"\s*[\r\n\t]+\s*", " ", _cell(cells, columns[header]))
    if len(value) > MAX_TEXT:
        problems.append(
            cell_problem(line, header, _("longer than {n} characters").format(n=MAX_TEXT))
        )
    elif _CONTROL.search(value):
        problems.append(cell_problem(line, header, _("contains control characters")))
    return value


def _flag(
    cells: list[str], columns: dict[str, int], header: str, line: int, problems: list[Problem]
) -> bool | None:
    if header not in columns:
        return None
    value = _cell(cells, columns[header]).lower()
    if value not in _YES and value not in _NO:
        problems.append(
            cell_problem(line, header, _("{value!r}: write 是 or 否").format(value=value))
        )
    return value in _YES


def listed_by_id(session: Session, path: Path) -> dict[str, ListedCandidate]:
    """The session's candidate list by candidate id, as the minutes and the 公示 list
    look candidates up."""
    listed = read_candidate_list(path, [r.id for r in session.rubrics])
    return {c.candidate_id: c for c in listed}
