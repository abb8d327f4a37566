"""Which reviewers review which candidates: by hand (a file naming candidates or whole
categories) or automatically, balanced.

Automatic assignment is deterministic: candidates are taken in the order of the list;
each gets the ``per_candidate`` eligible reviewers with the fewest candidates so far,
ties going to the reviewer listed first. Eligible: in the candidate's group where groups
are given (category → reviewers, a 专业评议组), and not in a confirmed conflict with the
candidate. Taking the least loaded each time keeps every two loads within one of each
other whenever nothing but the groups restricts the choice (within each group); a
confirmed conflict can force a larger gap, which ``loads`` shows.

A confirmed conflict is never assigned: automatic assignment skips it and a hand-made
assignment that names it is refused.

API:
    Assignment = Mapping[candidate id, tuple[reviewer, ...]]
    read_assignment(path, candidates, reviewers) -> dict   # PanelFileError
    read_groups(path, categories, reviewers) -> dict[category, tuple[reviewer, ...]]
    auto_assign(candidates, reviewers, per_candidate, excluded=(), groups=None) -> dict
    check_assignment(assignment, candidates, excluded) -> None   # AssignmentError
    by_reviewer(assignment, reviewers) -> dict[reviewer, tuple[candidate id, ...]]
    loads(assignment, reviewers) -> dict[reviewer, int]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.panel.candidates import PanelCandidate
from reviewer.panel.table import Column, PanelFileError, read_table

Assignment = Mapping[str, tuple[str, ...]]

_COLUMNS = (
    Column("candidate", ("编号", "candidate", "id")),
    Column("category", ("类别", "category")),
    Column("reviewer", ("评审专家", "reviewer", "专家", "expert")),
)


class AssignmentError(ReviewerError):
    """An assignment that cannot be made or used."""


def _names(reviewers: Iterable[str]) -> dict[str, str]:
    return {unicodedata.normalize("NFKC", n): n for n in reviewers}


def _rows(path: Path, reviewers: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(where, candidate id, category, reviewer) of each row naming a known reviewer."""
    names = _names(reviewers)
    problems: list[Problem] = []
    found = []
    for line, row in read_table(Path(path), _COLUMNS, ("reviewer",)):
        where = _("line {n}").format(n=line)
        name = names.get(unicodedata.normalize("NFKC", row["reviewer"]))
        if name is None:
            problems.append(
                Problem(
                    where, _("no enrolled reviewer is named {name}").format(name=row["reviewer"])
                )
            )
            continue
        cid, category = row.get("candidate", ""), row.get("category", "")
        if bool(cid) == bool(category):
            problems.append(
                Problem(where, _("name either a candidate (编号) or a category (类别)"))
            )
            continue
        found.append((where, cid, category, name))
    if problems:
        raise PanelFileError(str(path), problems)
    return found


def read_assignment(
    path: Path, candidates: Sequence[PanelCandidate], reviewers: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """A hand-made assignment: a row (编号, 评审专家) gives one candidate to a reviewer,
    a row (类别, 评审专家) gives them every candidate of the category."""
    ids = {c.id for c in candidates}
    categories = {c.category for c in candidates}
    order = {n: i for i, n in enumerate(reviewers)}
    problems: list[Problem] = []
    chosen: dict[str, set[str]] = {c.id: set() for c in candidates}
    for where, cid, category, name in _rows(path, reviewers):
        if cid and cid not in ids:
            problems.append(Problem(where, _("no candidate has the id {id}").format(id=cid)))
        elif category and category not in categories:
            problems.append(
                Problem(where, _("no candidate is in the category {c}").format(c=category))
            )
        else:
            for c in candidates:
                if c.id == cid or c.category == category:
                    chosen[c.id].add(name)
    if problems:
        raise PanelFileError(str(path), problems)
    return {cid: tuple(sorted(names, key=order.__getitem__)) for cid, names in chosen.items()}


def read_groups(
    path: Path, categories: Iterable[str], reviewers: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The 专业评议组 for automatic assignment: rows (类别, 评审专家)."""
    allowed = set(categories)
    problems: list[Problem] = []
    groups: dict[str, list[str]] = {}
    for where, cid, category, name in _rows(path, reviewers):
        if cid or category not in allowed:
            problems.append(
                Problem(
                    where,
                    _("a group row names a category of this session ({allowed})").format(
                        allowed=", ".join(sorted(allowed))
                    ),
                )
            )
        elif name not in groups.setdefault(category, []):
            groups[category].append(name)
    if problems:
        raise PanelFileError(str(path), problems)
    return {c: tuple(names) for c, names in groups.items()}


def auto_assign(
    candidates: Sequence[PanelCandidate],
    reviewers: Sequence[str],
    per_candidate: int,
    excluded: Iterable[tuple[str, str]] = (),
    groups: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """``excluded``: (candidate id, reviewer) pairs never assigned (confirmed conflicts)."""
    if per_candidate < 1:
        raise AssignmentError(_("each candidate needs at least one reviewer"))
    banned = set(excluded)
    load = dict.fromkeys(reviewers, 0)
    order = {n: i for i, n in enumerate(reviewers)}
    problems: list[Problem] = []
    result: dict[str, tuple[str, ...]] = {}
    for c in candidates:
        pool = reviewers if groups is None else groups.get(c.category, ())
        eligible = [n for n in pool if n in load and (c.id, n) not in banned]
        if len(eligible) < per_candidate:
            problems.append(
                Problem(
                    c.id,
                    _("{found} eligible reviewers, fewer than the {wanted} needed").format(
                        found=len(eligible), wanted=per_candidate
                    ),
                )
            )
            continue
        chosen = sorted(eligible, key=lambda n: (load[n], order[n]))[:per_candidate]
        for n in chosen:
            load[n] += 1
        result[c.id] = tuple(sorted(chosen, key=order.__getitem__))
    if problems:
        raise AssignmentError(_("the candidates cannot all be assigned"), problems)
    return result


def check_assignment(
    assignment: Assignment,
    candidates: Sequence[PanelCandidate],
    excluded: Iterable[tuple[str, str]],
) -> None:
    """Refuse an assignment that gives a candidate nobody, or a reviewer a candidate
    they are in a confirmed conflict with."""
    banned = set(excluded)
    problems = [
        Problem(c.id, _("no reviewer is assigned")) for c in candidates if not assignment.get(c.id)
    ]
    problems += [
        Problem(cid, _("{name} is in a confirmed conflict with this candidate").format(name=name))
        for cid, names in assignment.items()
        for name in names
        if (cid, name) in banned
    ]
    if problems:
        raise AssignmentError(_("the assignment cannot be used"), problems)


def by_reviewer(assignment: Assignment, reviewers: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each reviewer's candidates, in the assignment's order (reviewers with none too)."""
    found: dict[str, list[str]] = {n: [] for n in reviewers}
    for cid, names in assignment.items():
        for n in names:
            found.setdefault(n, []).append(cid)
    return {n: tuple(cids) for n, cids in found.items()}


def loads(assignment: Assignment, reviewers: Sequence[str]) -> dict[str, int]:
    return {n: len(cids) for n, cids in by_reviewer(assignment, reviewers).items()}


__all__ = [
    "Assignment",
    "AssignmentError",
    "auto_assign",
    "by_reviewer",
    "check_assignment",
    "loads",
    "read_assignment",
    "read_groups",
]
