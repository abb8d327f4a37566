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
    H_AFFILIATION,
    H_CATEGORY,
    H_ID,
    H_NAME,
    MAX_CANDIDATES,
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
_COLUMNS = (H_ID, H_NAME, H_CATEGORY, H_AFFILIATION)


@dataclass(frozen=True)
class ListedCandidate:
    candidate_id: str
    name: str
    category: str  # the rubric id
    affiliation: str = ""  # 工作单位, optional in the list


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
            if column in _COLUMNS and column not in columns:
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
