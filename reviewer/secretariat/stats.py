"""The statistics of aggregation, in plain Python: exact where ranks and ties depend on
the value, floating point only where a square root makes exactness impossible.

* ``mean``, ``trimmed_mean``, ``median``, ``icc_2_1`` and ``kendalls_w`` work on
  ``Fraction`` and return ``Fraction``: two candidates tie only if their values are
  equal, never because of binary rounding.
* ``sample_sd`` and ``pearson`` need a square root: they return ``float`` (standard
  deviation with n − 1 in the denominator, the *sample* standard deviation).
* ``competition_ranks`` ranks with ties shown as ties (1, 2, 2, 4: "standard
  competition ranking", the way committees number a shared place).

No numpy: the matrices are small (tens of reviewers, hundreds of candidates) and a
dependency of ~30 MB on low-spec laptops would buy nothing here.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

TWO_PLACES = Decimal("0.01")


def to_fraction(value: Fraction | Decimal | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def shown(value: Fraction | None, places: Decimal = TWO_PLACES) -> Decimal | None:
    """The value as shown: rounded half up (the way Chinese committees round), exactly."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(places, rounding=ROUND_HALF_UP)


def mean(values: Sequence[Fraction]) -> Fraction | None:
    if not values:
        return None
    return sum(values, Fraction(0)) / len(values)


def trimmed_mean(values: Sequence[Fraction], min_count: int = 5) -> tuple[Fraction | None, bool]:
    """Drop one highest and one lowest score (去掉一个最高分和一个最低分) when there are at
    least ``min_count`` scores; otherwise the plain mean. Returns (value, trimmed?)."""
    if not values:
        return None, False
    if len(values) < max(min_count, 3):
        # With fewer than 3 scores nothing would be left; below min_count the committee
        # rule says not to trim.
        return mean(values), False
    ordered = sorted(values)
    return mean(ordered[1:-1]), True


def median(values: Sequence[Fraction]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def sample_variance(values: Sequence[Fraction]) -> Fraction | None:
    if len(values) < 2:
        return None
    m = mean(values)
    assert m is not None
    return sum(((v - m) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def sample_sd(values: Sequence[Fraction]) -> float | None:
    """Sample standard deviation (n − 1); None for fewer than two values."""
    var = sample_variance(values)
    return None if var is None else math.sqrt(var)


def competition_ranks(
    values: Mapping[K, Fraction | Decimal], descending: bool = True
) -> dict[K, int]:
    """1, 2, 2, 4: equal values share a rank and the next rank skips."""
    ordered = sorted(values.items(), key=lambda kv: kv[1], reverse=descending)
    ranks: dict[K, int] = {}
    previous = None
    rank = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if previous is None or value != previous:
            rank = position
            previous = value
        ranks[key] = rank
    return ranks


def average_ranks(values: Sequence[Fraction]) -> list[Fraction]:
    """Ranks 1..n (ascending) with ties given their average rank, as Kendall's W wants."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [Fraction(0)] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = Fraction(i + 1 + j + 1, 2)
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    return ranks


def icc_2_1(matrix: Sequence[Sequence[Fraction]]) -> Fraction | None:
    """ICC(2,1), Shrout & Fleiss: two-way random effects, absolute agreement, one rater.

    ``matrix[i][j]`` is rater j's score for subject i; complete (no holes), n ≥ 2
    subjects and k ≥ 2 raters. None when undefined (too small, or no variance at all).
    """
    n = len(matrix)
    k = len(matrix[0]) if n else 0
    if n < 2 or k < 2 or any(len(row) != k for row in matrix):
        return None
    grand = sum((sum(row, Fraction(0)) for row in matrix), Fraction(0)) / (n * k)
    row_means = [sum(row, Fraction(0)) / k for row in matrix]
    col_means = [sum((matrix[i][j] for i in range(n)), Fraction(0)) / n for j in range(k)]
    ss_rows = k * sum(((m - grand) ** 2 for m in row_means), Fraction(0))
    ss_cols = n * sum(((m - grand) ** 2 for m in col_means), Fraction(0))
    ss_total = sum(((x - grand) ** 2 for row in matrix for x in row), Fraction(0))
    ss_error = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + Fraction(k, n) * (msc - mse)
    if denominator == 0:
        return None
    return (msr - mse) / denominator


def kendalls_w(matrix: Sequence[Sequence[Fraction]]) -> Fraction | None:
    """Kendall's coefficient of concordance W in [0, 1], corrected for ties.

    Same layout as ``icc_2_1``: rows are subjects, columns raters. None when undefined.
    """
    n = len(matrix)
    k = len(matrix[0]) if n else 0
    if n < 2 or k < 2 or any(len(row) != k for row in matrix):
        return None
    rank_sums = [Fraction(0)] * n
    tie_correction = 0
    for j in range(k):
        column = [matrix[i][j] for i in range(n)]
        for i, r in enumerate(average_ranks(column)):
            rank_sums[i] += r
        counts: dict[Fraction, int] = {}
        for v in column:
            counts[v] = counts.get(v, 0) + 1
        tie_correction += sum(t**3 - t for t in counts.values())
    mean_sum = Fraction(k * (n + 1), 2)
    s = sum(((r - mean_sum) ** 2 for r in rank_sums), Fraction(0))
    denominator = k * k * (n**3 - n) - k * tie_correction
    if denominator == 0:
        return None  # every rater tied every subject: there is no order to agree on
    return 12 * s / denominator


def pearson(xs: Sequence[Fraction], ys: Sequence[Fraction]) -> float | None:
    """Pearson's correlation; None if fewer than 3 pairs or either side is constant."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    mx, my = mean(xs), mean(ys)
    assert mx is not None and my is not None
    sxy = sum(((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    sxx = sum(((x - mx) ** 2 for x in xs), Fraction(0))
    syy = sum(((y - my) ** 2 for y in ys), Fraction(0))
    if sxx == 0 or syy == 0:
        return None
    r = float(sxy) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def complete_block(
    scores: Mapping[tuple[str, str], Fraction],
) -> tuple[list[str], list[str]]:
    """The subjects and raters of a complete sub-matrix of a matrix with holes.

    ICC and W need every rater to have scored every subject; recusals, vetoes and
    missing sheets leave holes. Greedily drop whichever subject or rater has the most
    holes (raters first on a draw, since a committee has fewer raters than subjects
    and each rater dropped loses less information per cell) until none are left.
    ``scores`` is keyed by (subject, rater).
    """
    subjects = sorted({s for s, _r in scores})
    raters = sorted({r for _s, r in scores})
    while subjects and raters:
        holes_s = {s: sum((s, r) not in scores for r in raters) for s in subjects}
        holes_r = {r: sum((s, r) not in scores for s in subjects) for r in raters}
        worst_s = max(subjects, key=lambda s: (holes_s[s] / len(raters), s))
        worst_r = max(raters, key=lambda r: (holes_r[r] / len(subjects), r))
        share_s = holes_s[worst_s] / len(raters)
        share_r = holes_r[worst_r] / len(subjects)
        if share_s == 0 and share_r == 0:
            break
        if share_r >= share_s:
            raters.remove(worst_r)
        else:
            subjects.remove(worst_s)
    return subjects, raters
