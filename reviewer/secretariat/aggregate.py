"""Aggregating the counted sheets of a session: per candidate, per category, per reviewer.

Input is an ``ImportResult`` (see ``aggregate_import``); output a frozen
``AggregateResult`` that the reports and the GUI show as they are. Rules:

* A candidate's *scores* are the exact weighted totals (``Fraction``) of its counted
  sheets that are neither recusals nor vetoes. ``count`` is the number of counted
  sheets other than recusals (a veto is a valid sheet); the quorum is checked on it.
* Trimmed mean drops one highest and one lowest score when there are at least
  ``trim_min`` scores (default 5); with fewer, it is the plain mean and ``trimmed``
  is False. Median is the middle value (mean of the two middle ones for an even count).
  Standard deviation is the *sample* one (n − 1).
* A veto (一票否决) by any reviewer excludes the candidate from the ranking; the
  candidate is listed, marked, with who vetoed, which check and the note.
* Ranks are per category, "1, 2, 2, 4", and compare the values *as shown* (two
  decimals, rounded half up): what looks like a tie is a tie. Candidates without any
  score, or vetoed, are not ranked. A candidate whose rank differs between the mean,
  the trimmed mean and the median is flagged ``method_dependent``.
* Disagreement: the range (max − min) of the scores above ``disagreement`` points.
* Calibration (optional): each reviewer with at least ``calibration_min`` scores and
  some spread has their scores replaced by z-scores rescaled to the pooled mean and
  sample standard deviation of all scores, clamped to [0, 100]; the chosen method is
  applied to these, and the ranks compared with the uncalibrated ones.
* Agreement per category on the largest complete block of (candidate × reviewer)
  scores: ICC(2,1) and Kendall's W; and per reviewer, Pearson's r between their scores
  and the mean of the others', lowest first.
* Completeness: reviewers × candidates − recusals − counted sheets = missing; the
  reviewers are those the packs were built for when known, else the active roster, and
  each is expected to review only the candidates their packs hold (the assignment).
  Candidates are those of the candidate list when given, else those named by the sheets that
  count (a candidate nobody sent a valid sheet for is then unknown to the secretariat).
* For the decision body, per candidate: each counted sheet's opinion (评审意见) and
  recommendation, and every check recorded as 有疑虑 or 不通过 with its note, by whom;
  recusals give neither, and a held candidate's sheets give nothing. Affiliation,
  region and the tilt flags come from the candidate list only (``listed``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from reviewer.base.i18n import N_, _
from reviewer.people.session import Session
from reviewer.rubric.model import CheckKind, CheckResult, Rubric
from reviewer.secretariat.candidates import ListedCandidate
from reviewer.secretariat.intake import ImportResult, SheetRecord, SheetStatus, exact_total
from reviewer.secretariat.stats import (
    competition_ranks,
    complete_block,
    icc_2_1,
    kendalls_w,
    mean,
    median,
    pearson,
    sample_sd,
    shown,
    trimmed_mean,
)
from reviewer.sheet.data import SheetData

SCALE_MAX = Fraction(100)


class Method(Enum):
    TRIMMED = "trimmed"
    MEAN = "mean"
    MEDIAN = "median"

    def label(self) -> str:
        return _(_METHOD_LABELS[self])


_METHOD_LABELS = {
    Method.TRIMMED: N_("Trimmed mean"),
    Method.MEAN: N_("Mean"),
    Method.MEDIAN: N_("Median"),
}


@dataclass(frozen=True)
class AggregateOptions:
    method: Method = Method.TRIMMED
    quorum: int = 3  # minimum valid (non-recused) sheets per candidate
    trim_min: int = 5  # trim only from this many scores on
    disagreement: Decimal = Decimal(20)  # flag a range (max − min) above this, in points
    calibrate: bool = False
    calibration_min: int = 5  # a reviewer is calibrated only with this many scores


@dataclass(frozen=True)
class Veto:
    reviewer: str
    check: CheckKind
    note: str


@dataclass(frozen=True)
class Recusal:
    reviewer: str
    reason: str


@dataclass(frozen=True)
class Opinion:
    """What one reviewer wrote of a candidate (评审意见) and recommended."""

    reviewer: str
    cert_sha256: str
    recommendation: str | None  # the rubric's recommendation id
    text: str


@dataclass(frozen=True)
class FlaggedCheck:
    """An ethics or political-quality check a reviewer recorded as 有疑虑 or 不通过."""

    reviewer: str
    cert_sha256: str
    check: CheckKind
    result: CheckResult
    note: str


@dataclass(frozen=True)
class ReviewerSheet:
    """One counted sheet of a candidate, as the candidate's detail shows it."""

    reviewer: str
    record: SheetRecord
    total: Fraction | None  # exact; None for a recusal or a veto
    calibrated: Fraction | None = None


@dataclass(frozen=True)
class CandidateAggregate:
    candidate_id: str
    name: str
    rubric_id: str
    category: str
    sheets: tuple[ReviewerSheet, ...]
    count: int  # counted sheets other than recusals
    scores: tuple[Fraction, ...]  # the exact totals, reviewer order
    mean: Fraction | None
    trimmed_mean: Fraction | None
    trimmed: bool
    median: Fraction | None
    sd: float | None  # sample standard deviation
    minimum: Fraction | None
    maximum: Fraction | None
    criterion_means: tuple[tuple[str, Fraction], ...]  # rubric order, raw criterion scale
    vetoes: tuple[Veto, ...]
    recusals: tuple[Recusal, ...]
    levels: Mapping[str, int]  # Level value → number of sheets
    recommendations: Mapping[str, int]  # recommendation id → number of sheets
    missing: tuple[str, ...]  # reviewers without a counted sheet or recusal
    below_quorum: bool
    disagreement: bool
    calibrated: Fraction | None = None  # the chosen method on calibrated scores
    # Two sheets for this candidate conflict (one version signed twice, or two rubrics):
    # nothing of its sheets is counted until the secretariat resolves it, and only its
    # result waits; every other candidate's result stands.
    held: bool = False
    # The candidate list's row (affiliation, region, tilt flags); None without a list.
    listed: ListedCandidate | None = None
    opinions: tuple[Opinion, ...] = ()  # reviewer order
    flagged_checks: tuple[FlaggedCheck, ...] = ()  # reviewer order, then check

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    @property
    def spread(self) -> Fraction | None:
        if self.minimum is None or self.maximum is None:
            return None
        return self.maximum - self.minimum

    def value(self, method: Method) -> Fraction | None:
        return {
            Method.TRIMMED: self.trimmed_mean,
            Method.MEAN: self.mean,
            Method.MEDIAN: self.median,
        }[method]


@dataclass(frozen=True)
class RankRow:
    candidate_id: str
    ranks: Mapping[Method, int | None]  # every method; None when not ranked
    tied: bool  # shares its rank under the chosen method
    method_dependent: bool
    excluded: str | None  # "conflict", "vetoed" or "no_scores"
    calibrated_rank: int | None = None


@dataclass(frozen=True)
class ReviewerAgreement:
    reviewer: str
    correlation: float | None  # Pearson r with the mean of the other reviewers
    common: int  # candidates it was computed on


@dataclass(frozen=True)
class CategoryResult:
    rubric_id: str
    category: str
    rows: tuple[RankRow, ...]  # by rank under the chosen method, then id
    icc: Fraction | None
    kendall_w: Fraction | None
    block: tuple[int, int]  # (candidates, reviewers) of the complete block used
    agreement: tuple[ReviewerAgreement, ...]  # lowest correlation first

    @property
    def least_agreeing(self) -> tuple[ReviewerAgreement, ...]:
        known = [a for a in self.agreement if a.correlation is not None]
        return tuple(known[:2])


@dataclass(frozen=True)
class ReviewerSummary:
    reviewer: str
    counted: int  # counted sheets, recusals included
    recusals: int
    vetoes: int
    scores: tuple[Fraction, ...]
    mean: Fraction | None
    sd: float | None
    calibrated: bool  # their scores were calibrated


@dataclass(frozen=True)
class MissingSheet:
    reviewer: str
    candidate_id: str
    candidate_name: str
    refused: bool  # a sheet for this pair was sent but refused


@dataclass(frozen=True)
class AggregateResult:
    session_id: str
    session_name: str
    options: AggregateOptions
    imported: ImportResult
    candidates: tuple[CandidateAggregate, ...]  # by category, then id
    categories: tuple[CategoryResult, ...]
    reviewers: tuple[ReviewerSummary, ...]  # roster order
    missing: tuple[MissingSheet, ...]
    candidates_from_list: bool
    category_conflicts: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    # Reviewer name → SHA-256 of their certificate (the roster's), a stable id for scripts.
    reviewer_certificates: Mapping[str, str] = field(default_factory=dict)

    @property
    def held(self) -> tuple[str, ...]:
        """The candidates whose result waits for a conflict between sheets to be resolved."""
        return tuple(a.candidate_id for a in self.candidates if a.held)

    @property
    def has_conflicts(self) -> bool:
        return bool(self.imported.conflicts or self.category_conflicts)

    def candidate(self, candidate_id: str) -> CandidateAggregate | None:
        return next((c for c in self.candidates if c.candidate_id == candidate_id), None)

    def missing_by_reviewer(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = defaultdict(list)
        for m in self.missing:
            out[m.reviewer].append(m.candidate_id)
        return {k: tuple(v) for k, v in out.items()}

    def missing_by_candidate(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = defaultdict(list)
        for m in self.missing:
            out[m.candidate_id].append(m.reviewer)
        return {k: tuple(v) for k, v in out.items()}


def aggregate(
    session: Session,
    imported: ImportResult,
    options: AggregateOptions | None = None,
    candidate_list: Sequence[ListedCandidate] | None = None,
) -> AggregateResult:
    """Everything the reports show, from the sheets that count. Pure and quick (no I/O)."""
    opts = options or AggregateOptions()
    roster = expected_reviewers(session, imported)
    order = {name: i for i, name in enumerate(roster)}
    rubrics: Mapping[str, Rubric] = imported.rubrics

    by_candidate: dict[str, list[_Counted]] = defaultdict(list)
    for record in imported.counted:
        counted = _Counted.of(record)
        by_candidate[counted.data.candidate_id].append(counted)
    refused_pairs = {
        (r.reviewer, r.data.candidate_id)
        for r in imported.refused
        if r.data is not None and r.reviewer is not None
    }
    in_conflict = {
        (r.reviewer, r.data.candidate_id)
        for r in imported.with_status(SheetStatus.CONFLICT)
        if r.data is not None
    }

    # Who the candidates are, what they are called and which rubric they are judged by.
    info: dict[str, tuple[str, str]] = {}
    category_conflicts: list[tuple[str, tuple[str, ...]]] = []
    listed = {c.candidate_id: c for c in candidate_list or ()}
    if candidate_list is not None:
        info = {c.candidate_id: (c.name, c.category) for c in candidate_list}
    for cid, records in sorted(by_candidate.items()):
        used = sorted({r.data.rubric_id for r in records})
        if len(used) > 1:
            category_conflicts.append((cid, tuple(used)))
        if cid not in info:
            first = records[0].data
            info[cid] = (first.candidate_name, first.rubric_id)
    # A candidate whose only sheets are the conflicting ones is still listed, as held.
    for clash in imported.with_status(SheetStatus.CONFLICT):
        if clash.data is not None and clash.data.candidate_id not in info:
            info[clash.data.candidate_id] = (clash.data.candidate_name, clash.data.rubric_id)
    held = {c.candidate_id for c in imported.conflicts} | {cid for cid, _ids in category_conflicts}

    # Calibration needs every reviewer's scores first.
    raw_scores: dict[tuple[str, str], Fraction] = {}
    for cid, records in by_candidate.items():
        if cid in held:
            continue  # neither its ranking nor anyone's calibration uses its scores
        for r in records:
            total = exact_total(rubrics.get(r.data.rubric_id), r.data)
            if total is not None and not r.data.recused:
                raw_scores[(cid, r.reviewer)] = total
    calibrated_scores, calibrated_reviewers = (
        _calibrate(raw_scores, opts.calibration_min) if opts.calibrate else ({}, set())
    )

    aggregates: list[CandidateAggregate] = []
    missing: list[MissingSheet] = []
    for cid, (name, rubric_id) in info.items():
        records = sorted(by_candidate.get(cid, []), key=lambda r: order.get(r.reviewer, 1 << 30))
        rubric = rubrics.get(rubric_id)
        category = _category_name(rubric, records, rubric_id)
        sheets: list[ReviewerSheet] = []
        scores: list[Fraction] = []
        calibrated: list[Fraction] = []
        vetoes: list[Veto] = []
        recusals: list[Recusal] = []
        levels: Counter[str] = Counter()
        recommendations: Counter[str] = Counter()
        criteria: dict[str, list[Fraction]] = defaultdict(list)
        opinions: list[Opinion] = []
        flagged: list[FlaggedCheck] = []
        for r in records:
            data = r.data
            total = raw_scores.get((cid, r.reviewer))
            cal = calibrated_scores.get((cid, r.reviewer), total) if opts.calibrate else None
            sheets.append(ReviewerSheet(r.reviewer, r.record, total, cal))
            if cid in held:
                continue
            if data.recused:
                recusals.append(Recusal(r.reviewer, data.recusal_reason or ""))
                continue
            if data.review.recommendation:
                recommendations[data.review.recommendation] += 1
            cert = data.reviewer_cert_sha256
            opinions.append(
                Opinion(r.reviewer, cert, data.review.recommendation, data.review.opinion)
            )
            for kind in CheckKind:
                check = data.review.checks.get(kind)
                if check is not None and check.result in (CheckResult.CONCERN, CheckResult.FAIL):
                    flagged.append(FlaggedCheck(r.reviewer, cert, kind, check.result, check.note))
            for kind in data.vetoes:
                entry = data.review.checks.get(kind)
                vetoes.append(Veto(r.reviewer, kind, entry.note if entry else ""))
            if total is not None:
                scores.append(total)
                if cal is not None:
                    calibrated.append(cal)
                if data.level is not None:
                    levels[data.level.value] += 1
                for criterion_id, score in data.review.scores.items():
                    criteria[criterion_id].append(Fraction(score))
        present = {r.reviewer for r in records} | {
            reviewer for reviewer, c in in_conflict if c == cid
        }
        absent = tuple(
            name_ for name_ in roster if name_ not in present and imported.expects(name_, cid)
        )
        for reviewer in absent:
            missing.append(MissingSheet(reviewer, cid, name, (reviewer, cid) in refused_pairs))
        trimmed_value, trimmed = trimmed_mean(scores, opts.trim_min)
        criterion_order = [c.id for c in rubric.criteria] if rubric else sorted(criteria)
        count = 0 if cid in held else sum(1 for r in records if not r.data.recused)
        low, high = (min(scores), max(scores)) if scores else (None, None)
        aggregates.append(
            CandidateAggregate(
                candidate_id=cid,
                name=name,
                rubric_id=rubric_id,
                category=category,
                sheets=tuple(sheets),
                count=count,
                scores=tuple(scores),
                mean=mean(scores),
                trimmed_mean=trimmed_value,
                trimmed=trimmed,
                median=median(scores),
                sd=sample_sd(scores),
                minimum=low,
                maximum=high,
                criterion_means=tuple(
                    (c, criterion_mean)
                    for c in criterion_order
                    if (criterion_mean := mean(criteria.get(c, []))) is not None
                ),
                vetoes=tuple(vetoes),
                recusals=tuple(recusals),
                levels=dict(levels),
                recommendations=dict(recommendations),
                missing=absent,
                below_quorum=cid not in held and count < opts.quorum,
                disagreement=low is not None
                and high is not None
                and high - low > Fraction(opts.disagreement),
                calibrated=_apply(opts.method, calibrated, opts.trim_min)
                if opts.calibrate
                else None,
                held=cid in held,
                listed=listed.get(cid),
                opinions=tuple(opinions),
                flagged_checks=tuple(flagged),
            )
        )
    aggregates.sort(key=lambda a: (a.rubric_id, a.candidate_id))
    categories = tuple(
        _category(rubric_id, [a for a in aggregates if a.rubric_id == rubric_id], raw_scores, opts)
        for rubric_id in sorted({a.rubric_id for a in aggregates})
    )
    reviewers = tuple(
        _reviewer_summary(name, imported, raw_scores, name in calibrated_reviewers)
        for name in roster
    )
    return AggregateResult(
        session_id=session.id,
        session_name=session.name,
        options=opts,
        imported=imported,
        candidates=tuple(aggregates),
        categories=categories,
        reviewers=reviewers,
        missing=tuple(sorted(missing, key=lambda m: (order.get(m.reviewer, 0), m.candidate_id))),
        candidates_from_list=candidate_list is not None,
        category_conflicts=tuple(category_conflicts),
        reviewer_certificates=_certificates(session),
    )


def _certificates(session: Session) -> dict[str, str]:
    # A reviewer re-keyed after a lost laptop has a withdrawn entry and a new one under
    # the same name: the active certificate names them.
    out = {e.name: e.certificate_fingerprint for e in session.roster if e.withdrawn}
    out |= {e.name: e.certificate_fingerprint for e in session.active}
    return out


def expected_reviewers(session: Session, imported: ImportResult) -> list[str]:
    """From whom sheets are expected: the packs' recipients, else the active roster."""
    if imported.reviewers is not None:
        return list(imported.reviewers)
    return list(dict.fromkeys(e.name for e in session.active))


def _category_name(rubric: Rubric | None, records: list[_Counted], rubric_id: str) -> str:
    if rubric is not None:
        return rubric.category.get()
    return records[0].data.category if records else rubric_id


@dataclass(frozen=True)
class _Counted:
    """A counted sheet with what counting guarantees it: its review data and its reviewer."""

    record: SheetRecord
    data: SheetData
    reviewer: str

    @staticmethod
    def of(record: SheetRecord) -> _Counted:
        if record.data is None or record.reviewer is None:
            raise ValueError(f"{record.path}: a counted sheet without data or reviewer")
        return _Counted(record, record.data, record.reviewer)


def _apply(method: Method, values: Sequence[Fraction], trim_min: int) -> Fraction | None:
    if method is Method.TRIMMED:
        return trimmed_mean(values, trim_min)[0]
    if method is Method.MEDIAN:
        return median(values)
    return mean(values)


def _calibrate(
    raw: Mapping[tuple[str, str], Fraction], minimum: int
) -> tuple[dict[tuple[str, str], Fraction], set[str]]:
    """z-scores per reviewer, rescaled to the pooled mean and sample SD, in [0, 100]."""
    pooled = list(raw.values())
    grand_mean, grand_sd = mean(pooled), sample_sd(pooled)
    if grand_mean is None or not grand_sd:
        return {}, set()
    by_reviewer: dict[str, list[tuple[str, Fraction]]] = defaultdict(list)
    for (cid, reviewer), score in raw.items():
        by_reviewer[reviewer].append((cid, score))
    out: dict[tuple[str, str], Fraction] = {}
    done: set[str] = set()
    for reviewer, items in by_reviewer.items():
        values = [s for _c, s in items]
        m, sd = mean(values), sample_sd(values)
        if len(values) < minimum or not sd or m is None:
            continue
        done.add(reviewer)
        for cid, score in items:
            z = float(score - m) / sd
            value = float(grand_mean) + z * grand_sd
            # Rounded to 1e-6 so that float noise never decides a tie.
            exact = Fraction(round(value * 1_000_000), 1_000_000)
            out[(cid, reviewer)] = min(SCALE_MAX, max(Fraction(0), exact))
    return out, done


def _category(
    rubric_id: str,
    members: list[CandidateAggregate],
    raw: Mapping[tuple[str, str], Fraction],
    opts: AggregateOptions,
) -> CategoryResult:
    eligible = {a.candidate_id: a for a in members if not a.vetoed and a.scores}
    ranks: dict[Method, dict[str, int]] = {
        m: competition_ranks({cid: shown(a.value(m)) for cid, a in eligible.items()})  # type: ignore[misc]
        for m in Method
    }
    chosen = ranks[opts.method]
    chosen_counts = Counter(chosen.values())
    calibrated_ranks = (
        competition_ranks(
            {cid: shown(a.calibrated) for cid, a in eligible.items() if a.calibrated is not None}  # type: ignore[misc]
        )
        if opts.calibrate
        else {}
    )
    rows = []
    for a in members:
        cid = a.candidate_id
        excluded = (
            "conflict"
            if a.held
            else "vetoed"
            if a.vetoed
            else ("no_scores" if not a.scores else None)
        )
        row_ranks = {m: ranks[m].get(cid) for m in Method}
        rows.append(
            RankRow(
                candidate_id=cid,
                ranks=row_ranks,
                tied=cid in chosen and chosen_counts[chosen[cid]] > 1,
                method_dependent=excluded is None and len(set(row_ranks.values())) > 1,
                excluded=excluded,
                calibrated_rank=calibrated_ranks.get(cid),
            )
        )
    rows.sort(
        key=lambda r: (r.ranks[opts.method] is None, r.ranks[opts.method] or 0, r.candidate_id)
    )

    ids = {a.candidate_id for a in members}
    cells = {(c, r): s for (c, r), s in raw.items() if c in ids}
    subjects, raters = complete_block(cells)
    matrix = [[cells[(s, r)] for r in raters] for s in subjects]
    agreement = []
    for reviewer in sorted({r for _c, r in cells}):
        xs, ys = [], []
        for cid in sorted(ids):
            if (cid, reviewer) not in cells:
                continue
            others = [s for (c, r), s in cells.items() if c == cid and r != reviewer]
            if others:
                xs.append(cells[(cid, reviewer)])
                ys.append(sum(others, Fraction(0)) / len(others))
        agreement.append(ReviewerAgreement(reviewer, pearson(xs, ys), len(xs)))
    agreement.sort(key=lambda a: (a.correlation is None, a.correlation or 0.0, a.reviewer))
    return CategoryResult(
        rubric_id=rubric_id,
        category=members[0].category if members else rubric_id,
        rows=tuple(rows),
        icc=icc_2_1(matrix) if matrix else None,
        kendall_w=kendalls_w(matrix) if matrix else None,
        block=(len(subjects), len(raters)),
        agreement=tuple(agreement),
    )


def _reviewer_summary(
    name: str, imported: ImportResult, raw: Mapping[tuple[str, str], Fraction], calibrated: bool
) -> ReviewerSummary:
    mine = [r for r in imported.counted if r.reviewer == name]
    scores = tuple(s for (_c, r), s in sorted(raw.items()) if r == name)
    return ReviewerSummary(
        reviewer=name,
        counted=len(mine),
        recusals=sum(1 for r in mine if r.data is not None and r.data.recused),
        vetoes=sum(1 for r in mine if r.data is not None and r.data.vetoes),
        scores=scores,
        mean=mean(scores),
        sd=sample_sd(scores),
        calibrated=calibrated,
    )
