"""The candidate list as aggregation needs it: id, name and category, and what the
decision body weighs beside the scores (affiliation, region, the plan's tilt flags).

The secretariat cannot decrypt its own packs (they are encrypted to the reviewers), so
the list of candidates a session should have sheets for comes from the same CSV/XLSX
the packs were built from. ``candidates.read_candidates`` also checks every material
file, which the secretary may no longer have beside the list at aggregation time;
this reader takes only the columns that matter here, with the same forgiving file
handling (BOM, header spelling, XLSX) and the same strictness about content.

The sheets do not carry affiliation, region or the tilt flags (中西部/边疆/民族地区,
新文艺群体): the pack's dossiers do, and the secretariat cannot open its packs. So the
reports know them only from this list (``--candidates``); a column the list lacks is
``None`` here, "not known" in the reports, never a silent 否.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.errors import Problem
from reviewer.base.i18n import _

# The file-level readers (CSV with BOM, XLSX with size caps) and the header matching are
# the candidate module's; reusing them keeps one definition of the list's format.
from reviewer.pack.candidates import (
    _CONTROL,
    _HEADER_KEYS,
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
    _header_key,
    _rows,
    cell_problem,
    check_input_file,
)

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


def read_candidate_list(path: Path, categories: Iterable[str]) -> list[ListedCandidate]:
    """Read id, name and category (a rubric id of the session) from the candidate list;
    raise ``CandidatesError`` with every problem found."""
    path = Path(path)
    source = str(path)
    allowed = set(categories)
    problems: list[Problem] = []
    check_input_file(path)
    columns: dict[str, int] | None = None
    found: list[ListedCandidate] = []
    seen: set[str] = set()
    for line, cells in _rows(path, problems):
        if not any(cells):
            continue
        if columns is None:
            columns = {}
            for i, text in enumerate(cells):
                column = _HEADER_KEYS.get(_header_key(text)) if text else None
                if column in (H_ID, H_NAME, H_CATEGORY, *_OPTIONAL) and column not in columns:
                    columns[column] = i
            for required in (H_ID, H_NAME, H_CATEGORY):
                if required not in columns:
                    problems.append(cell_problem(line, required, _("required column is missing")))
            if problems:
                break
            continue
        cid, name, category = (_cell(cells, columns[h]) for h in (H_ID, H_NAME, H_CATEGORY))
        if not _ID.fullmatch(cid):
            problems.append(
                cell_problem(line, H_ID, _("{value!r} is not a valid id").format(value=cid))
            )
            continue
        if cid in seen:
            problems.append(cell_problem(line, H_ID, _("the id {id} appears twice").format(id=cid)))
            continue
        if category not in allowed:
            problems.append(
                cell_problem(
                    line,
                    H_CATEGORY,
                    _("unknown category {value!r}; use one of {choices}").format(
                        value=category, choices=", ".join(sorted(allowed))
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
