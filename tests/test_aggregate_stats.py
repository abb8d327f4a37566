"""Properties of the aggregation statistics (hypothesis), and a few known values."""

from __future__ import annotations

import statistics
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from reviewer.secretariat.stats import (
    average_ranks,
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

# Totals on 100 points with two decimals, as sheets carry them.
score = st.integers(min_value=0, max_value=10000).map(lambda n: Fraction(n, 100))
scores = st.lists(score, min_size=1, max_size=30)


@given(scores, st.integers(min_value=1, max_value=10))
def test_trimmed_mean_lies_within_min_and_max(values, trim_min):
    value, trimmed = trimmed_mean(values, trim_min)
    assert min(values) <= value <= max(values)
    assert trimmed == (len(values) >= max(trim_min, 3))


@given(score, st.integers(min_value=1, max_value=30))
def test_constant_data_every_method_agrees(value, n):
    values = [value] * n
    assert trimmed_mean(values)[0] == mean(values) == median(values) == value
    if n > 1:
        assert sample_sd(values) == 0


@given(st.lists(score, min_size=5, max_size=30))
def test_trimmed_mean_drops_exactly_one_highest_and_one_lowest(values):
    ordered = sorted(values)
    assert trimmed_mean(values, 5) == (Fraction(sum(ordered[1:-1])) / (len(values) - 2), True)


@given(scores)
def test_mean_median_sd_match_the_standard_library(values):
    assert mean(values) == statistics.mean(values)
    assert median(values) == statistics.median(values)
    if len(values) > 1:
        expected = statistics.stdev(float(v) for v in values)
        assert abs(sample_sd(values) - expected) <= 1e-9 * max(1.0, expected)
    else:
        assert sample_sd(values) is None


def test_trimmed_mean_below_the_minimum_count_is_the_mean():
    assert trimmed_mean([Fraction(1), Fraction(2), Fraction(9)], 5) == (Fraction(4), False)
    assert trimmed_mean([Fraction(1), Fraction(2), Fraction(9), Fraction(4), Fraction(5)], 5) == (
        Fraction(11, 3),
        True,
    )


@given(st.dictionaries(st.text(min_size=1, max_size=3), score, min_size=1, max_size=20))
def test_competition_ranks_share_ties_and_skip(values):
    ranks = competition_ranks(values)
    for a in values:
        higher = sum(1 for b in values if values[b] > values[a])
        assert ranks[a] == higher + 1
        for b in values:
            if values[a] == values[b]:
                assert ranks[a] == ranks[b]


def test_competition_ranks_example():
    ranks = competition_ranks(
        {"a": Decimal("90.00"), "b": Decimal("85.50"), "c": Decimal("85.50"), "d": 80}
    )
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_shown_rounds_half_up():
    assert shown(Fraction(8125, 100) / 1) == Decimal("81.25")
    assert shown(Fraction(81245, 1000)) == Decimal("81.25")  # half up, not to even
    assert shown(Fraction(1, 3)) == Decimal("0.33")
    assert shown(None) is None


matrices = st.integers(min_value=2, max_value=8).flatmap(
    lambda k: st.lists(st.lists(score, min_size=k, max_size=k), min_size=2, max_size=12)
)


@given(matrices)
def test_icc_is_at_most_one_and_w_within_zero_and_one(matrix):
    icc = icc_2_1(matrix)
    if icc is not None:
        assert icc <= 1
    w = kendalls_w(matrix)
    if w is not None:
        assert 0 <= w <= 1


@given(st.lists(score, min_size=2, max_size=12, unique=True), st.integers(2, 6))
def test_perfect_agreement_gives_one(subjects, k):
    matrix = [[s] * k for s in subjects]
    assert icc_2_1(matrix) == 1
    assert kendalls_w(matrix) == 1


def test_known_icc_value():
    # Shrout & Fleiss (1979), table 2: ICC(2,1) = 0.29.
    data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    matrix = [[Fraction(x) for x in row] for row in data]
    assert round(float(icc_2_1(matrix)), 2) == 0.29


def test_kendalls_w_with_opposite_raters_is_zero():
    matrix = [[Fraction(i), Fraction(-i)] for i in range(5)]
    assert kendalls_w(matrix) == 0


def test_undefined_agreement_is_none():
    assert icc_2_1([[Fraction(1), Fraction(1)], [Fraction(1), Fraction(1)]]) is None
    assert kendalls_w([[Fraction(1), Fraction(1)]]) is None
    assert icc_2_1([[Fraction(1)], [Fraction(2)]]) is None


@given(scores)
def test_average_ranks_sum_like_plain_ranks(values):
    n = len(values)
    assert sum(average_ranks(values)) == Fraction(n * (n + 1), 2)


@given(st.lists(st.tuples(score, score), min_size=3, max_size=20))
def test_pearson_is_within_minus_one_and_one(pairs):
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    r = pearson(xs, ys)
    assume(r is not None)
    assert -1.0 <= r <= 1.0


@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCDEFG"), st.sampled_from("uvwxyz")), score, max_size=42
    )
)
def test_complete_block_is_complete(cells):
    subjects, raters = complete_block(cells)
    for s in subjects:
        for r in raters:
            assert (s, r) in cells
