"""The planning files the secretariat writes by hand (expert pool, assignment, declared
relations, conflict decisions): CSV (as the candidate list: UTF-8, GB18030, UTF-16) or
XLSX, a header row whose columns are matched by name, Chinese or English, in any order.

The file-level reading (encodings GBK to UTF-16, XLSX caps, merges, formulas refused by
cell, size limit) is the candidate list's, so
that every table the secretariat prepares is read the same way.

API:
    class PanelFileError(ReviewerError)    # .report(): one line a problem, naming the file
    @dataclass Column(key, names)          # names: the header spellings accepted
    read_table(path, columns, required) -> list[tuple[int, dict[str, str]]]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.pack.candidate_sheet import read_rows
from reviewer.pack.candidates import CandidatesError, cell_problem, check_input_file

MAX_ROWS = 20_000


class PanelFileError(ReviewerError):
    """A planning file that cannot be used; carries every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        super().__init__(_("{source}: the file cannot be used").format(source=source), problems)

    def report(self) -> str:
        return "\n".join([self.message, *(f"{self.source}: {p}" for p in self.problems)])


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]  # the first is the one error messages use


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def read_table(
    path: Path, columns: Sequence[Column], required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of ``path`` (line number, column key → stripped cell; empty rows left
    out); ``PanelFileError`` with every problem when a required column is missing."""
    path = Path(path)
    try:
        check_input_file(path)
    except CandidatesError as exc:
        raise PanelFileError(str(path), exc.problems) from None
    by_name = {_key(name): c for c in columns for name in c.names}
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in read_rows(path, problems):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = {}
            for i, text in enumerate(cells):
                column = by_name.get(_key(text))
                if column is not None and column.key not in header:
                    header[column.key] = i
            for c in columns:
                if c.key in required and c.key not in header:
                    problems.append(cell_problem(line, c.names[0], _("required column is missing")))
            if problems:
                break
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(cell_problem(line, None, _("more than {n} rows").format(n=MAX_ROWS)))
            break
        rows.append(
            (line, {k: cells[i].strip() if i < len(cells) else "" for k, i in header.items()})
        )
    if header is None and not problems:
        problems.append(cell_problem(None, None, _("the file is empty")))
    if problems:
        raise PanelFileError(str(path), problems)
    return rows


__all__ = ["Column", "PanelFileError", "read_table"]
