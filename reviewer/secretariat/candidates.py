"""The candidate list as the secretariat reads it: id, name, category and affiliation
(the 公示 list names it), nothing more.

The secretariat cannot decrypt its own packs (they are encrypted to the reviewers), so
the list of candidates a session should have sheets for comes from the same CSV/XLSX
the packs were built from. ``candidates.read_candidates`` also checks every material
file, which the secretary may no longer have beside the list at aggregation time;
this reader takes only the columns that matter here, with the same forgiving
file handling (BOM, header spelling, XLSX) and the same strictness about content.
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
    _HEADER_KEYS,
    H_AFFILIATION,
    H_CATEGORY,
    H_ID,
    H_NAME,
    MAX_CANDIDATES,
    CandidatesError,
    _header_key,
    _rows,
    cell_problem,
    check_input_file,
)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COLUMNS = (H_ID, H_NAME, H_CATEGORY, H_AFFILIATION)


@dataclass(frozen=True)
class ListedCandidate:
    candidate_id: str
    name: str
    category: str  # the rubric id
    affiliation: str = ""  # 工作单位, optional in the list


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
                if column in _COLUMNS and column not in columns:
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
        seen.add(cid)
        affiliation = _cell(cells, columns[H_AFFILIATION]) if H_AFFILIATION in columns else ""
        found.append(ListedCandidate(cid, name or cid, category, affiliation))
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
