"""The reviewer's own scores at a glance: per category, candidates × criteria, with how
they are spread, so that a reviewer can see whether they judged alike cases alike before
signing. Pure: it reads the workspace and computes; nothing is stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reviewer.review.scoring import Outcome, evaluate, round_display
from reviewer.rubric.model import Level, Rubric
from reviewer.workspace.model import Status
from reviewer.workspace.store import Workspace


@dataclass(frozen=True)
class Spread:
    """How one column's scores are spread (None where there is nothing to spread)."""

    count: int
    mean: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None

    @staticmethod
    def of(values: list[Fraction]) -> Spread:
        if not values:
            return Spread(0, None, None, None)
        return Spread(
            len(values),
            round_display(sum(values, Fraction(0)) / len(values)),
            round_display(min(values)),
            round_display(max(values)),
        )


@dataclass(frozen=True)
class OverviewRow:
    candidate_id: str
    name: str
    status: Status
    scores: tuple[Decimal | None, ...]  # in the rubric's criterion order
    total: Decimal | None
    level: Level | None
    vetoed: bool
    recused: bool
    recommendation: str | None  # the option's name in the current language
    opinion: str


@dataclass(frozen=True)
class CategoryOverview:
    rubric: Rubric
    rows: tuple[OverviewRow, ...]  # by total, highest first; unscored last, by id
    criteria: tuple[Spread, ...]  # one per criterion
    total: Spread
    levels: tuple[tuple[Level, int], ...]  # totals per level, highest level first


def overview(workspace: Workspace, pack_id: str) -> tuple[CategoryOverview, ...]:
    """One overview per rubric of the pack that has candidates, in the pack's order."""
    pack = workspace.pack(pack_id)
    entries = {e.candidate_id: e for e in workspace.candidates(pack_id)}
    out = []
    for rubric in pack.rubrics:
        rows: list[OverviewRow] = []
        per_criterion: list[list[Fraction]] = [[] for _c in rubric.criteria]
        totals: list[Fraction] = []
        levels: Counter[Level] = Counter()
        names = {o.id: o.name.get() for o in rubric.recommendations}
        for c in pack.candidates:
            if c.rubric_id != rubric.id:
                continue
            review = workspace.review(pack_id, c.candidate_id)
            ev = evaluate(rubric, review)
            scored = ev.outcome is Outcome.SCORED
            scores = tuple(
                review.scores.get(k.id) if k.id in ev.criterion_levels else None
                for k in rubric.criteria
            )
            if scored:
                for i, s in enumerate(scores):
                    if s is not None:
                        per_criterion[i].append(Fraction(s))
                if ev.total is not None:
                    totals.append(ev.total)
                    if ev.level is not None:
                        levels[ev.level] += 1
            rows.append(
                OverviewRow(
                    candidate_id=c.candidate_id,
                    name=c.name,
                    status=entries[c.candidate_id].status,
                    scores=scores if scored else tuple(None for _s in scores),
                    total=ev.total_display if scored else None,
                    level=ev.level if scored else None,
                    vetoed=ev.outcome is Outcome.VETOED,
                    recused=ev.outcome is Outcome.RECUSED,
                    recommendation=names.get(review.recommendation or ""),
                    opinion=review.opinion,
                )
            )
        if not rows:
            continue
        rows.sort(key=lambda r: (r.total is None, -(r.total or 0), r.candidate_id))
        out.append(
            CategoryOverview(
                rubric=rubric,
                rows=tuple(rows),
                criteria=tuple(Spread.of(v) for v in per_criterion),
                total=Spread.of(totals),
                levels=tuple((lv, levels[lv]) for lv in reversed(Level)),
            )
        )
    return tuple(out)
