"""The candidate list as panel planning needs it: id, name, category and 工作单位.

Planning comes before the materials are gathered, so this reads only these columns of
the same CSV/XLSX that ``pack build`` takes (the same header names, Chinese or English).

API:
    @dataclass PanelCandidate(id, name, category, affiliation)
    read_panel_candidates(path, categories) -> list[PanelCandidate]   # PanelFileError
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.errors import Problem
from reviewer.base.i18n import _
from reviewer.pack.candidates import H_AFFILIATION, H_CATEGORY, H_ID, H_NAME
from reviewer.panel.table import Column, PanelFileError, read_table

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COLUMNS = (
    Column("id", (H_ID, "id")),
    Column("name", (H_NAME, "name")),
    Column("category", (H_CATEGORY, "category")),
    Column("affiliation", (H_AFFILIATION, "affiliation")),
)


@dataclass(frozen=True)
class PanelCandidate:
    id: str
    name: str
    category: str
    affiliation: str = ""


def read_panel_candidates(path: Path, categories: Iterable[str]) -> list[PanelCandidate]:
    allowed = set(categories)
    problems: list[Problem] = []
    found: dict[str, PanelCandidate] = {}
    for line, row in read_table(Path(path), _COLUMNS, ("id", "name", "category")):
        where = _("line {n}").format(n=line)
        cid = row["id"]
        if not _ID.fullmatch(cid):
            problems.append(Problem(where, _("{value!r} is not a valid id").format(value=cid)))
        elif cid in found:
            problems.append(Problem(where, _("the id {id} appears twice").format(id=cid)))
        elif row["category"] not in allowed:
            problems.append(
                Problem(
                    where,
                    _("{value!r} is not a category of this session ({allowed})").format(
                        value=row["category"], allowed=", ".join(sorted(allowed))
                    ),
                )
            )
        else:
            found[cid] = PanelCandidate(
                cid, row["name"], row["category"], row.get("affiliation", "")
            )
    if problems:
        raise PanelFileError(str(path), problems)
    return list(found.values())


__all__ = ["PanelCandidate", "read_panel_candidates"]
