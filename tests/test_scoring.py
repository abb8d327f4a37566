"""The scoring core: arithmetic and validation, by example and by property."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.review.scoring import Conflict, Outcome, Review, evaluate, round_display
from reviewer.rubric.file import bundled_rubrics, find_rubric
from reviewer.rubric.model import CheckKind, CheckResult, Level

RUBRICS = bundled_rubrics()
NEWS = find_rubric("news")


def passed(review: Review) -> Review:
    return review.with_check(CheckKind.ETHICS, CheckResult.PASS).with_check(
        CheckKind.POLITICAL, CheckResult.PASS
    )


def base(rubric=NEWS) -> Review:
    return passed(Review("c1", rubric.id).with_conflict(Conflict.NONE))


@st.composite
def rubric_and_scores(draw):
    rubric = draw(st.sampled_from(RUBRICS))
    scores = {
        c.id: c.step * draw(st.integers(0, int(c.max_score / c.step))) for c in rubric.criteria
    }
    return rubric, scores


def independent_total(rubric, scores) -> Fraction:
    # Written apart from the code under test: weight × share of the maximum.
    return sum(
        (Fraction(str(c.weight)) * Fraction(str(scores[c.id])) / Fraction(str(c.max_score)))
        for c in rubric.criteria
    )


def test_full_marks_are_100_and_zero_is_0():
    top = base()
    bottom = base()
    for c in NEWS.criteria:
        top = top.with_score(c.id, c.max_score)
        bottom = bottom.with_score(c.id, Decimal(0))
    assert evaluate(NEWS, top).total == 100
    assert evaluate(NEWS, top).level is Level.EXCELLENT
    assert evaluate(NEWS, bottom).total == 0
    assert evaluate(NEWS, bottom).level is Level.POOR


def test_known_total_and_rounding():
    review = base()
    for c, s in zip(NEWS.criteria, ["8.5", "7", "9", "6.5"], strict=True):
        review = review.with_score(c.id, Decimal(s))
    ev = evaluate(NEWS, review)
    # 30×0.85 + 25×0.7 + 25×0.9 + 20×0.65 = 25.5 + 17.5 + 22.5 + 13 = 78.5
    assert ev.total == Fraction(157, 2)
    assert ev.total_display == Decimal("78.50")
    assert ev.level is Level.GOOD
    assert ev.criterion_levels[NEWS.criteria[2].id] is Level.EXCELLENT


def test_round_half_up():
    assert round_display(Fraction(12345, 1000)) == Decimal("12.35")
    assert round_display(Fraction(1, 3)) == Decimal("0.33")


@given(rubric_and_scores())
def test_total_matches_independent_computation(data):
    rubric, scores = data
    review = Review("c", rubric.id).with_conflict(Conflict.NONE)
    for k, v in scores.items():
        review = review.with_score(k, v)
    ev = evaluate(rubric, passed(review))
    assert ev.total == independent_total(rubric, scores)
    assert 0 <= ev.total <= 100
    assert ev.level is not None
    assert not ev.problems


@given(rubric_and_scores(), st.data())
def test_total_is_monotonic_in_each_score(data, more):
    rubric, scores = data
    c = more.draw(st.sampled_from(rubric.criteria))
    if scores[c.id] + c.step > c.max_score:
        return
    higher = dict(scores, **{c.id: scores[c.id] + c.step})
    assert independent_total(rubric, higher) > independent_total(rubric, scores)

    def total(s):
        r = base(rubric)
        for k, v in s.items():
            r = r.with_score(k, v)
        return evaluate(rubric, r).total

    assert total(higher) > total(scores)


@given(st.sampled_from(RUBRICS), st.data())
def test_every_step_score_has_exactly_one_band(rubric, data):
    c = data.draw(st.sampled_from(rubric.criteria))
    score = c.step * data.draw(st.integers(0, int(c.max_score / c.step)))
    matching = [b for i, b in enumerate(c.bands) if b.contains(score, top=i == len(c.bands) - 1)]
    assert len(matching) == 1


@given(
    st.sampled_from(RUBRICS),
    st.data(),
    st.decimals(min_value=-100, max_value=100, places=3, allow_nan=False),
)
def test_out_of_range_or_off_step_scores_are_problems(rubric, data, score):
    c = data.draw(st.sampled_from(rubric.criteria))
    ev = evaluate(rubric, base(rubric).with_score(c.id, score))
    valid = Decimal(0) <= score <= c.max_score and (score / c.step) == int(score / c.step)
    flagged = any(p.subject == c.id for p in ev.problems)
    assert flagged != valid
    if not valid:
        assert ev.total is None and not ev.complete


@given(
    rubric_and_scores(),
    st.sampled_from(list(CheckKind)),
    st.text(min_size=1, max_size=30).filter(str.strip),
)
def test_veto_makes_scores_irrelevant(data, kind, note):
    rubric, scores = data
    review = base(rubric).with_check(kind, CheckResult.FAIL, note)
    for k, v in scores.items():
        review = review.with_score(k, v)
    ev = evaluate(rubric, review)
    assert ev.outcome is Outcome.VETOED
    assert ev.total is None and not ev.scores_relevant
    assert kind in ev.vetoes
    assert any(n.code == "veto" for n in ev.notes)
    # A veto needs an opinion and forbids a positive recommendation.
    assert any(m.code == "opinion" for m in ev.missing)
    positive = next(r for r in rubric.recommendations if not r.negative)
    ev2 = evaluate(rubric, review.with_opinion("x").with_recommendation(positive.id))
    assert any(p.code == "recommendation_veto" for p in ev2.problems)
    negative = next(r for r in rubric.recommendations if r.negative)
    assert evaluate(rubric, review.with_opinion("x").with_recommendation(negative.id)).complete


@given(rubric_and_scores(), st.text(max_size=40))
def test_recusal_needs_a_reason_and_ignores_scores(data, reason):
    rubric, scores = data
    review = Review("c", rubric.id).with_conflict(Conflict.RECUSED, reason)
    for k, v in scores.items():
        review = review.with_score(k, v)
    ev = evaluate(rubric, review)
    assert ev.outcome is Outcome.RECUSED and not ev.scores_relevant and ev.total is None
    assert ev.complete == bool(reason.strip())


def test_conflict_must_be_declared_first():
    ev = evaluate(NEWS, Review("c", "news"))
    assert ev.missing[0].code == "conflict"
    assert not ev.complete


def test_missing_items_are_said_in_words(english):
    ev = evaluate(NEWS, Review("c", "news").with_conflict(Conflict.NONE))
    words = [str(m) for m in ev.missing]
    assert "record the result of the Ethics check" in words
    assert "score “Social impact of the representative works”" in words
    assert "choose a recommendation" in words


def test_missing_items_are_chinese_by_default():
    ev = evaluate(NEWS, Review("c", "news").with_conflict(Conflict.NONE))
    assert any("品德考核" in str(m) for m in ev.missing)


def _complete_mid(review):
    for c in NEWS.criteria:
        review = review.with_score(c.id, Decimal(8))
    return review.with_recommendation("recommend")


def test_opinion_not_needed_for_middle_scores():
    assert evaluate(NEWS, _complete_mid(base())).complete


@pytest.mark.parametrize("score", ["10", "9", "0", "5.5"])
def test_top_or_bottom_band_requires_opinion(score):
    review = _complete_mid(base()).with_score(NEWS.criteria[0].id, Decimal(score))
    ev = evaluate(NEWS, review)
    assert any(m.code == "opinion" for m in ev.missing)
    assert evaluate(NEWS, review.with_opinion("理由充分")).complete


def test_concern_needs_note_and_opinion():
    review = _complete_mid(base()).with_check(CheckKind.ETHICS, CheckResult.CONCERN)
    codes = {m.code for m in evaluate(NEWS, review).missing}
    assert codes == {"check_note", "opinion"}
    review = review.with_check(CheckKind.ETHICS, CheckResult.CONCERN, "有举报待核实")
    review = review.with_opinion("意见")
    assert evaluate(NEWS, review).complete


def test_unknown_criterion_and_recommendation_are_problems():
    review = _complete_mid(base()).with_score("nonsense", Decimal(1))
    review = review.with_recommendation("maybe")
    codes = {p.code for p in evaluate(NEWS, review).problems}
    assert codes == {"unknown_criterion", "recommendation"}


def test_review_is_immutable():
    review = base()
    with pytest.raises(TypeError):
        review.scores["x"] = Decimal(1)  # type: ignore[index]
