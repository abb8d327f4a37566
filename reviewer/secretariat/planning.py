"""Forming the panels of a session before its packs are built: the expert draw, the
conflicts of interest and who reviews whom. One service for ``reviewer session
draw|conflicts`` and the secretariat window's 专家与分组, so that both run the same checks
and give the same messages; ``setup.plan_packs`` then turns the saved assignment into
one pack per reviewer.

API:
    session_categories(session) -> list[str]          # the session's rubric ids
    planning_candidates(session, file) -> [PanelCandidate]   # PanelFileError
    draw_experts(session, pool, per_category, categories=None, seed=None) -> DrawDone
        .draw .record (SESSION/draws/<time>.json) .rerun (the command that re-runs it)
    record_affiliations(session, {reviewer: 工作单位}) -> Session   # SessionError
    review_conflicts(session, candidates, relations_file=None) -> ConflictReview
        .flags .earlier (the signed decision for each flag, or None)
    sign_conflicts(session, passphrase, flags, decisions) -> SignedConflicts
        # ConflictError (undecided, override without a reason), WrongPassphrase
    confirmed_pairs(session, candidates) -> frozenset[(candidate id, reviewer)]
    by_category(candidates, reviewers, categories, excluded) -> {candidate id: reviewers}
    auto_assign(candidates, reviewers, per_candidate, excluded, groups=None) -> {…}
    save_assignment(session, plan, candidates, reviewers) -> Path   # AssignmentError
    saved_assignment(session) -> Path | None         # SESSION/assignment.csv
    read_saved_assignment(session, candidates) -> {…} | None   # PanelFileError
    loads(plan, reviewers) -> {reviewer: candidates assigned}

The assignment is saved as the hand-made file ``pack build --assignment`` reads (rows of
编号, 评审专家), so the command line builds from what the window saved and the other way
round; it holds who reviews whom, which session.json records for every pack anyway.
"""

from __future__ import annotations

import csv
import io
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.atomic_file import write_atomically
from reviewer.base.i18n import _
from reviewer.panel import assignment, conflicts
from reviewer.panel import draw as drawing
from reviewer.panel.candidates import PanelCandidate, read_panel_candidates
from reviewer.people import ca
from reviewer.people.session import Session, open_session, set_affiliation

ASSIGNMENT_FILE = "assignment.csv"

Plan = Mapping[str, tuple[str, ...]]  # candidate id → reviewers


def session_categories(session: Session) -> list[str]:
    return [r.id for r in session.rubrics]


def planning_candidates(session: Session, file: Path) -> list[PanelCandidate]:
    """The candidate list's planning columns (id, name, category, 工作单位)."""
    return read_panel_candidates(Path(file), session_categories(session))


# --- the draw -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawDone:
    draw: drawing.Draw
    record: Path
    rerun: str  # the command anyone can type to draw again from the same pool and seed


def draw_experts(
    session: Session,
    pool_file: Path,
    per_category: int,
    categories: Sequence[str] | None = None,
    seed: str | None = None,
) -> DrawDone:
    """Draw ``per_category`` experts for each category (default: every category in the
    pool) and record the draw in the session; a new seed when none was announced."""
    pool, pool_sha256 = drawing.read_pool(Path(pool_file), session_categories(session))
    chosen = list(categories) if categories else sorted({c for e in pool for c in e.categories})
    seed = seed if seed is not None else drawing.new_seed()
    result = drawing.draw(pool, pool_sha256, seed, per_category, chosen)
    record = drawing.record_draw(session.folder, result)
    argv = ["reviewer", "session", "draw", str(session.folder), "--pool", str(pool_file)]
    argv += ["--per-category", str(per_category)]
    for c in result.categories:
        argv += ["--category", c.category]
    argv += ["--seed", seed]
    return DrawDone(result, record, shlex.join(argv))


# --- conflicts ------------------------------------------------------------------------


def record_affiliations(session: Session, affiliations: Mapping[str, str]) -> Session:
    """Record the reviewers' 工作单位 that changed (as ``session affiliation``; an empty
    text clears one) and return the session read again."""
    current = {e.name: e.affiliation or "" for e in session.active}
    for name, text in affiliations.items():
        if text.strip() != current.get(name, "").strip():
            set_affiliation(session, name, text)
    return open_session(session.folder)


def _signed(session: Session) -> conflicts.ConflictRecord | None:
    return conflicts.load_conflicts(
        session.folder,
        session.id,
        session.ca_certificate,
        ca.certificate_fingerprint(session.secretariat_certificate),
    )


@dataclass(frozen=True)
class ConflictReview:
    flags: tuple[conflicts.Flag, ...]
    earlier: tuple[conflicts.Decision | None, ...]  # signed before, for the same rules


def review_conflicts(
    session: Session, candidates: Sequence[PanelCandidate], relations_file: Path | None = None
) -> ConflictReview:
    """Every pair the rules flag among the active reviewers, each with the decision
    signed before for it (None: still to decide)."""
    names = [e.name for e in session.active]
    relations = (
        conflicts.read_relations(Path(relations_file), [c.id for c in candidates], names)
        if relations_file is not None
        else []
    )
    flags = conflicts.find_flags(
        candidates, {e.name: e.affiliation for e in session.active}, relations
    )
    record = _signed(session)
    decided: dict[tuple[str, str], conflicts.Decision] = {}
    if record is not None:
        still = {f.pair for f in record.undecided(flags)}
        decided = {
            (d.candidate_id, d.reviewer): d
            for d in record.decisions
            if (d.candidate_id, d.reviewer) not in still
        }
    return ConflictReview(tuple(flags), tuple(decided.get(f.pair) for f in flags))


@dataclass(frozen=True)
class SignedConflicts:
    path: Path
    confirmed: int
    overridden: int


def sign_conflicts(
    session: Session,
    passphrase: str,
    flags: Sequence[conflicts.Flag],
    decisions: Iterable[conflicts.Decision],
) -> SignedConflicts:
    """Pair every flag with its decision and sign the lot into SESSION/conflicts.json."""
    record = conflicts.decide(session.id, flags, decisions)
    key = session.load_secretariat_key(passphrase)
    path = conflicts.write_conflicts(session.folder, record, key, session.secretariat_certificate)
    return SignedConflicts(
        path,
        sum(d.confirmed for d in record.decisions),
        sum(not d.confirmed for d in record.decisions),
    )


def confirmed_pairs(
    session: Session, candidates: Sequence[PanelCandidate]
) -> frozenset[tuple[str, str]]:
    """The confirmed conflicts among these candidates and the active reviewers: pairs
    never assigned."""
    record = _signed(session)
    if record is None:
        return frozenset()
    ids, names = {c.id for c in candidates}, {e.name for e in session.active}
    return frozenset((cid, n) for cid, n in record.confirmed if cid in ids and n in names)


# --- the assignment -------------------------------------------------------------------


def by_category(
    candidates: Sequence[PanelCandidate],
    reviewers: Sequence[str],
    categories: Mapping[str, Iterable[str]],
    excluded: Iterable[tuple[str, str]],
) -> dict[str, tuple[str, ...]]:
    """Each reviewer gets every candidate of the categories chosen for them (their
    专业评议组), except those they are in a confirmed conflict with."""
    banned = set(excluded)
    chosen = {n: set(categories.get(n, ())) for n in reviewers}
    return {
        c.id: tuple(n for n in reviewers if c.category in chosen[n] and (c.id, n) not in banned)
        for c in candidates
    }


def auto_assign(
    candidates: Sequence[PanelCandidate],
    reviewers: Sequence[str],
    per_candidate: int,
    excluded: Iterable[tuple[str, str]],
    groups: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """``assignment.auto_assign``: the loads balanced, confirmed conflicts skipped."""
    return assignment.auto_assign(candidates, reviewers, per_candidate, excluded, groups)


def loads(plan: Plan, reviewers: Sequence[str]) -> dict[str, int]:
    return assignment.loads(plan, reviewers)


def saved_assignment(session: Session) -> Path | None:
    path = session.folder / ASSIGNMENT_FILE
    return path if path.is_file() else None


def read_saved_assignment(
    session: Session, candidates: Sequence[PanelCandidate]
) -> dict[str, tuple[str, ...]] | None:
    """The assignment saved before, read as ``pack build`` reads it; None when none."""
    path = saved_assignment(session)
    if path is None:
        return None
    return assignment.read_assignment(path, candidates, [e.name for e in session.active])


def save_assignment(
    session: Session,
    plan: Plan,
    candidates: Sequence[PanelCandidate],
    reviewers: Sequence[str],
) -> Path:
    """Check the assignment (every candidate someone, no confirmed conflict, only
    active reviewers) and write it as SESSION/assignment.csv."""
    active = {e.name for e in session.active}
    strangers = sorted({n for names in plan.values() for n in names if n not in active})
    if strangers:
        raise assignment.AssignmentError(
            _("not on the roster: {names}").format(names=", ".join(strangers))
        )
    assignment.check_assignment(plan, candidates, confirmed_pairs(session, candidates))
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow(["编号", "评审专家"])
    order = {n: i for i, n in enumerate(reviewers)}
    for c in candidates:
        for name in sorted(plan.get(c.id, ()), key=lambda n: order.get(n, len(order))):
            rows.writerow([c.id, name])
    path = session.folder / ASSIGNMENT_FILE
    try:
        # With a BOM, as Excel writes UTF-8 CSV: the secretary may open it there.
        write_atomically(path, out.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise assignment.AssignmentError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    return path


__all__ = [
    "ASSIGNMENT_FILE",
    "ConflictReview",
    "DrawDone",
    "SignedConflicts",
    "auto_assign",
    "by_category",
    "confirmed_pairs",
    "draw_experts",
    "loads",
    "planning_candidates",
    "read_saved_assignment",
    "record_affiliations",
    "review_conflicts",
    "save_assignment",
    "saved_assignment",
    "session_categories",
    "sign_conflicts",
]
