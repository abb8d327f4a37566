"""What goes into an archive: the session folder and the folders or files the secretary
names, each under its place (``session/``, ``sheets/``, ``ballots/``, ``reports/``,
``logs/``).

Left out of the session folder: every sealed private key (``*.key``: the CA's, the
secretariat's, the sealing identity, each round's ballot key), which an archive must
not spread even sealed, the aggregation cache (verdicts derived from the sheets, which
are archived themselves) and half-written temporary files. A link anywhere is refused:
the archive holds what is there, not what a link points to.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.archive.manifest import ArchiveError, path_problem
from reviewer.base.errors import Problem
from reviewer.base.i18n import _
from reviewer.secretariat.verdict_cache import CACHE_FILE

SESSION_PLACE = "session"
PLACES = ("sheets", "ballots", "reports", "logs")


@dataclass(frozen=True)
class Item:
    path: str  # in the archive
    source: Path


def _left_out(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return (
        name.endswith(".key")
        or rel == CACHE_FILE
        or (name.startswith(".") and name.endswith(".tmp"))
    )


def _walk(root: Path, place: str, problems: list[Problem], skip_private: bool) -> list[Item]:
    info = root.lstat() if root.exists() or root.is_symlink() else None
    if info is None:
        problems.append(Problem(str(root), _("not found")))
        return []
    if stat.S_ISLNK(info.st_mode):
        problems.append(Problem(str(root), _("a link: give the folder or file itself")))
        return []
    if stat.S_ISREG(info.st_mode):
        return [Item(f"{place}/{root.name}", root)]
    items: list[Item] = []
    for top, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(dirs + names):
            full = Path(top) / name
            mode = full.lstat().st_mode
            rel = full.relative_to(root).as_posix()
            if stat.S_ISDIR(mode):
                continue
            if skip_private and _left_out(rel):
                continue
            if not stat.S_ISREG(mode):
                problems.append(Problem(str(full), _("not a regular file (a link or a device)")))
                continue
            items.append(Item(f"{place}/{rel}", full))
    return items


def collect(session_folder: Path, extra: Mapping[str, Sequence[Path]]) -> list[Item]:
    """Every file to archive, sorted by its archive path; ``extra`` maps a place of
    ``PLACES`` to folders or files, each kept under its own name there."""
    problems: list[Problem] = []
    items = _walk(session_folder, SESSION_PLACE, problems, skip_private=True)
    for place, paths in extra.items():
        if place not in PLACES:
            raise ValueError(place)
        names: set[str] = set()
        for path in paths:
            if path.name in names:
                problems.append(
                    Problem(
                        str(path),
                        _("two folders or files of this name under {place}/").format(place=place),
                    )
                )
                continue
            names.add(path.name)
            prefix = place if path.is_file() else f"{place}/{path.name}"
            items += _walk(path, prefix, problems, skip_private=False)
    for item in items:
        why = path_problem(item.path)
        if why:
            problems.append(Problem(str(item.source), why))
    if problems:
        raise ArchiveError(_("the archive cannot be built"), problems)
    return sorted(items, key=lambda i: i.path)
