"""The scoring core: one reviewer's review of one candidate, and what follows from it.

A ``Review`` is plain data (frozen). ``evaluate(rubric, review)`` derives everything
else: the weighted total on a 100-point scale and its level, the level of each score,
what is still missing (in words), and what is invalid. Rules, in the plan's order:

* Conflict before content: the reviewer first affirms no conflict of interest, or
  recuses (回避) with a reason. A recusal makes every score irrelevant.
* Ethics first (以德为先): both checks (ethics, political quality) need a result; a note
  is required unless 通过; 不通过 is a veto (一票否决) that makes scores irrelevant and
  forbids a positive recommendation.
* Scores lie in [0, max] on the criterion's step.
* A written opinion (评审意见) is required where a check is not 通过, where any score
  falls in its criterion's top or bottom band, and on a veto.

Arithmetic is exact (fractions); only what is shown is rounded, half up, to 2 places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction
from types import MappingProxyType

from reviewer.base.i18n import _, join_list
from reviewer.rubric.model import (
    LEVEL_ORDER,
    CheckKind,
    CheckResult,
    Criterion,
    Level,
    Recommendation,
    Rubric,
)

MAX_OPINION_CHARS = 5000
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 2000


class Conflict(Enum):
    UNDECLARED = "undeclared"
    NONE = "none"  # the reviewer affirmed no conflict of interest
    RECUSED = "recused"  # 回避


@dataclass(frozen=True)
class CheckEntry:
    result: CheckResult | None = None
    note: str = ""


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Review:
    """What one reviewer recorded for one candidate. Immutable; use the ``with_*``
    methods to derive a changed copy."""

    candidate_id: str
    rubric_id: str
    conflict: Conflict = Conflict.UNDECLARED
    recusal_reason: str = ""
    checks: Mapping[CheckKind, CheckEntry] = field(default_factory=dict)
    scores: Mapping[str, Decimal] = field(default_factory=dict)
    opinion: str = ""
    recommendation: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", _frozen(self.checks))
        object.__setattr__(self, "scores", _frozen(self.scores))

    def with_conflict(self, conflict: Conflict, reason: str = "") -> Review:
        return replace(self, conflict=conflict, recusal_reason=reason)

    def with_check(self, kind: CheckKind, result: CheckResult | None, note: str = "") -> Review:
        return replace(self, checks={**self.checks, kind: CheckEntry(result, note)})

    def with_score(self, criterion_id: str, score: Decimal | None) -> Review:
        scores = dict(self.scores)
        if score is None:
            scores.pop(criterion_id, None)
        else:
            scores[criterion_id] = Decimal(score)
        return replace(self, scores=scores)

    def with_opinion(self, opinion: str) -> Review:
        return replace(self, opinion=opinion)

    def with_recommendation(self, recommendation: str | None) -> Review:
        return replace(self, recommendation=recommendation)


class Outcome(Enum):
    UNDECLARED = "undeclared"
    RECUSED = "recused"
    VETOED = "vetoed"
    SCORED = "scored"


@dataclass(frozen=True)
class Finding:
    """Something missing or wrong, said in words (in the language current when made)."""

    code: str
    message: str
    subject: str | None = None  # a criterion id or check kind, where one applies

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Evaluation:
    outcome: Outcome
    total: Fraction | None  # exact weighted total on 100 points, when every score is in
    level: Level | None
    partial_total: Fraction  # the weighted sum of the scores entered so far
    criterion_levels: Mapping[str, Level]
    vetoes: tuple[CheckKind, ...]
    missing: tuple[Finding, ...]
    problems: tuple[Finding, ...]
    notes: tuple[Finding, ...]

    @property
    def scores_relevant(self) -> bool:
        return self.outcome in (Outcome.SCORED, Outcome.UNDECLARED)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems

    @property
    def total_display(self) -> Decimal | None:
        return None if self.total is None else round_display(self.total)


def round_display(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weighted_total(rubric: Rubric, scores: Mapping[str, Decimal]) -> Fraction:
    """Σ weight × score / max over the criteria scored (weights add up to 100)."""
    total = Fraction(0)
    for c in rubric.criteria:
        if c.id in scores:
            total += Fraction(c.weight) * Fraction(scores[c.id]) / Fraction(c.max_score)
    return total


def _name(c: Criterion) -> str:
    return c.name.get()


def _check_name(rubric: Rubric, kind: CheckKind) -> str:
    return rubric.check(kind).name.get()


def recommendation_allowed(option: Recommendation, vetoed: bool) -> bool:
    """A vetoed candidate (a failed check) can only be given a negative recommendation."""
    return option.negative or not vetoed


def score_problem(c: Criterion, score: Decimal) -> Finding | None:
    """What is wrong with ``score`` for criterion ``c`` (out of range, off the step), or
    None. The one rule, for saving and for the form that says so as the score is typed."""
    if not score.is_finite() or not c.in_range(score):
        return Finding(
            "score_range",
            _("“{name}”: {score} is outside 0–{max}").format(
                name=_name(c), score=score, max=c.max_score
            ),
            c.id,
        )
    if not c.on_step(score):
        return Finding(
            "score_step",
            _("“{name}”: {score} is not a multiple of {step}").format(
                name=_name(c), score=score, step=c.step
            ),
            c.id,
        )
    return None


def evaluate(rubric: Rubric, review: Review) -> Evaluation:
    missing: list[Finding] = []
    problems: list[Finding] = []
    notes: list[Finding] = []
    opinion_reasons: list[str] = []

    if review.rubric_id != rubric.id:
        problems.append(
            Finding(
                "rubric",
                _("this review was made with rubric {a}, not {b}").format(
                    a=review.rubric_id, b=rubric.id
                ),
            )
        )

    if len(review.opinion) > MAX_OPINION_CHARS:
        problems.append(
            Finding(
                "opinion_length",
                _("the written opinion is longer than {n} characters").format(n=MAX_OPINION_CHARS),
            )
        )

    if review.conflict is Conflict.UNDECLARED:
        missing.append(
            Finding(
                "conflict",
                _("declare first whether you have a conflict of interest with this candidate"),
            )
        )
    elif review.conflict is Conflict.RECUSED:
        if not review.recusal_reason.strip():
            missing.append(Finding("recusal_reason", _("give the reason for the recusal (回避)")))
        elif len(review.recusal_reason) > MAX_REASON_CHARS:
            problems.append(
                Finding(
                    "recusal_reason",
                    _("the recusal reason is longer than {n} characters").format(
                        n=MAX_REASON_CHARS
                    ),
                )
            )
        notes.append(Finding("recused", _("recused (回避): this candidate is not scored by you")))
        return Evaluation(
            outcome=Outcome.RECUSED,
            total=None,
            level=None,
            partial_total=Fraction(0),
            criterion_levels=MappingProxyType({}),
            vetoes=(),
            missing=tuple(missing),
            problems=tuple(problems),
            notes=tuple(notes),
        )

    vetoes: list[CheckKind] = []
    for kind in CheckKind:
        entry = review.checks.get(kind, CheckEntry())
        name = _check_name(rubric, kind)
        if entry.result is None:
            missing.append(
                Finding(
                    "check", _("record the result of the {check}").format(check=name), kind.value
                )
            )
            continue
        if entry.result.needs_note and not entry.note.strip():
            missing.append(
                Finding(
                    "check_note",
                    _("the {check} is “{result}”: write a note saying why").format(
                        check=name, result=entry.result.label()
                    ),
                    kind.value,
                )
            )
        if len(entry.note) > MAX_NOTE_CHARS:
            problems.append(
                Finding(
                    "check_note_length",
                    _("the note on the {check} is longer than {n} characters").format(
                        check=name, n=MAX_NOTE_CHARS
                    ),
                    kind.value,
                )
            )
        if entry.result.is_veto:
            vetoes.append(kind)
        elif entry.result.needs_note:
            opinion_reasons.append(
                _("the {check} is “{result}”").format(check=name, result=entry.result.label())
            )

    for criterion_id in review.scores:
        if rubric.criterion(criterion_id) is None:
            problems.append(
                Finding(
                    "unknown_criterion",
                    _("a score for {id!r}, which is not a criterion of this rubric").format(
                        id=criterion_id
                    ),
                    criterion_id,
                )
            )

    valid_scores: dict[str, Decimal] = {}
    levels: dict[str, Level] = {}
    vetoed = bool(vetoes)
    if vetoed:
        names = join_list(_check_name(rubric, k) for k in vetoes)
        notes.append(
            Finding(
                "veto",
                _("veto (一票否决): {checks} not passed; the scores do not count").format(
                    checks=names
                ),
            )
        )
        opinion_reasons.append(_("a check was not passed (veto)"))
    else:
        for c in rubric.criteria:
            score = review.scores.get(c.id)
            if score is None:
                missing.append(Finding("score", _("score “{name}”").format(name=_name(c)), c.id))
                continue
            problem = score_problem(c, score)
            if problem is not None:
                problems.append(problem)
                continue
            valid_scores[c.id] = score
            band = c.band(score)
            if band is not None:
                levels[c.id] = band.level
                if band.level in (LEVEL_ORDER[0], LEVEL_ORDER[-1]):
                    opinion_reasons.append(
                        _("“{name}” is scored in the {level} band").format(
                            name=_name(c), level=band.level.label()
                        )
                    )

    if opinion_reasons and not review.opinion.strip():
        missing.append(
            Finding(
                "opinion",
                _("write the opinion (评审意见); it is required because {reasons}").format(
                    reasons=join_list(opinion_reasons)
                ),
            )
        )

    if review.recommendation is None:
        missing.append(Finding("recommendation", _("choose a recommendation")))
    else:
        option = rubric.recommendation(review.recommendation)
        if option is None:
            problems.append(
                Finding(
                    "recommendation",
                    _("{id!r} is not a recommendation of this rubric").format(
                        id=review.recommendation
                    ),
                )
            )
        elif not recommendation_allowed(option, vetoed):
            problems.append(
                Finding(
                    "recommendation_veto",
                    _("a candidate with a failed check (veto) cannot be recommended"),
                )
            )

    partial = weighted_total(rubric, valid_scores)
    complete_scores = not vetoed and len(valid_scores) == len(rubric.criteria)
    total = partial if complete_scores else None
    band = rubric.total_band(total) if total is not None else None
    return Evaluation(
        outcome=Outcome.VETOED
        if vetoed
        else Outcome.SCORED
        if review.conflict is Conflict.NONE
        else Outcome.UNDECLARED,
        total=total,
        level=band.level if band else None,
        partial_total=partial if not vetoed else Fraction(0),
        criterion_levels=MappingProxyType(levels),
        vetoes=tuple(vetoes),
        missing=tuple(missing),
        problems=tuple(problems),
        notes=tuple(notes),
    )
