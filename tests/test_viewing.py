"""What was watched of a work: the interval algebra, its bound, its JSON, and the rule."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.review.scoring import Conflict, Review
from reviewer.review.viewing import (
    MAX_INTERVALS,
    AudiovisualWork,
    CandidateViewing,
    ViewingDataError,
    ViewingError,
    ViewingRecord,
    WorkViewing,
    bound,
    clock,
    merge,
    record_from_dict,
    record_from_json,
    record_to_dict,
    record_to_json,
    scores_needing_viewing,
    viewing_refusal,
)
from reviewer.rubric.file import find_rubric

pytestmark = pytest.mark.usefixtures("english")

SHA = "ab" * 32
OTHER = "cd" * 32

spans = st.lists(
    st.tuples(st.integers(-5_000, 120_000), st.integers(0, 50_000)).map(
        lambda t: (t[0], t[0] + t[1])
    ),
    max_size=60,
)


def watched_set(intervals, duration):
    """The milliseconds covered, counted one by one (independent of the code under test)."""
    covered = set()
    for s, e in intervals:
        covered.update(range(max(0, s), min(e, duration)))
    return covered


def fill(record: ViewingRecord, played) -> ViewingRecord:
    for s, e in played:
        record = record.add(s, e)
    return record


@given(spans, st.integers(1, 100_000))
def test_the_union_is_what_was_played_and_never_more_than_the_work(played, duration):
    record = fill(ViewingRecord.new(SHA, duration), played)
    assert record.watched_ms <= duration
    assert 0 <= record.share <= 1
    if len(merge((max(0, s), min(e, duration)) for s, e in played)) <= MAX_INTERVALS:
        # Below the bound the record is exactly the union of the spans played.
        assert record.watched_ms == len(watched_set(played, duration))


@given(spans, st.integers(1, 100_000), st.randoms(use_true_random=False))
def test_the_order_spans_arrive_in_does_not_matter(played, duration, rnd):
    shuffled = list(played)
    rnd.shuffle(shuffled)
    a = fill(ViewingRecord.new(SHA, duration), played)
    b = fill(ViewingRecord.new(SHA, duration), shuffled)
    assert a == b


@given(
    st.lists(st.integers(0, 10_000_000), min_size=2, max_size=600, unique=True),
    st.integers(1, 40),
)
def test_the_bound_keeps_at_most_n_spans_and_only_fills_gaps(points, limit):
    points.sort()
    exact = merge((p, p + 1) for p in points)
    bounded = bound(exact, limit)
    assert len(bounded) <= limit
    assert bounded == merge(bounded)  # still sorted and disjoint
    # Every millisecond watched is still covered: joining can only overstate.
    assert all(any(s <= p < e for s, e in bounded) for p in points)
    assert bounded[0][0] == exact[0][0] and bounded[-1][1] == exact[-1][1]


def test_a_long_hostile_session_cannot_grow_the_record():
    record = ViewingRecord.new(SHA, 3_600_000)
    for second in range(0, 3_600, 2):  # 1,800 separate one-millisecond spans
        record = record.add(second * 1000, second * 1000 + 1)
    assert len(record.intervals) == MAX_INTERVALS
    assert record.intervals[0][0] == 0 and record.intervals[-1][1] == 3_598_001
    assert len(record_to_json(record)) < 4096


def test_bound_joins_the_closest_spans_first():
    assert bound(((0, 10), (20, 30), (31, 40), (100, 110)), 3) == ((0, 10), (20, 40), (100, 110))
    assert bound(((0, 10), (15, 20), (25, 30)), 2) == ((0, 20), (25, 30))  # equal gaps: earliest


def test_spans_are_cut_to_the_work_and_touching_ones_join():
    record = ViewingRecord.new(SHA, 10_000).add(-500, 2_000).add(2_000, 3_000).add(9_000, 12_000)
    assert record.intervals == ((0, 3_000), (9_000, 10_000))
    assert record.watched_ms == 4_000 and record.share == Fraction(2, 5) and record.percent == 40
    assert record.add(5_000, 5_000) == record  # nothing played


def test_percent_is_rounded_down():
    record = ViewingRecord.new(SHA, 1000).add(0, 799)
    assert record.percent == 79 and record.add(799, 800).percent == 80


def test_a_changed_length_replaces_the_old_and_cuts_the_spans():
    record = ViewingRecord.new(SHA, 10_000).add(0, 9_000)
    shorter = record.add(0, 0, duration_ms=8_000)
    assert shorter.duration_ms == 8_000 and shorter.intervals == ((0, 8_000),)
    assert shorter.percent == 100


@pytest.mark.parametrize(
    ("start", "end", "duration", "message"),
    [
        (10, 5, 1000, "ends \\(5 ms\\) before it starts \\(10 ms\\)"),
        (0.5, 5, 1000, "whole milliseconds"),
        (True, 5, 1000, "whole milliseconds"),
        (0, 5, 0, "from 1 to"),
        (0, 5, 10**12, "from 1 to"),
        (0, 5, "10", "from 1 to"),
    ],
)
def test_bad_input_from_the_player_is_refused(start, end, duration, message):
    with pytest.raises(ViewingError, match=message):
        ViewingRecord.new(SHA, 1000).add(start, end, duration_ms=duration)


def test_json_round_trip_is_canonical():
    record = ViewingRecord.new(SHA, 880_000).add(0, 723_000).add(800_000, 810_500)
    data = record_to_json(record)
    assert (
        data == json.dumps(record_to_dict(record), sort_keys=True, separators=(",", ":")).encode()
    )
    assert record_from_json(data) == record
    assert record_from_dict(json.loads(data)) == record


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.pop("intervals"), "intervals"),
        (lambda d: d.update(format=2), "format"),
        (lambda d: d.update(format=True), "format"),
        (lambda d: d.update(sha256="AB" * 32), "sha256"),
        (lambda d: d.update(duration_ms=0), "duration_ms"),
        (lambda d: d.update(duration_ms=1.5), "duration_ms"),
        (lambda d: d.update(intervals=[[0, 10], [5, 20]]), "intervals[1]"),
        (lambda d: d.update(intervals=[[10, 20], [0, 5]]), "intervals[1]"),
        (lambda d: d.update(intervals=[[0, 10], [10, 20]]), "intervals[1]"),
        (lambda d: d.update(intervals=[[5, 5]]), "intervals[0]"),
        (lambda d: d.update(intervals=[[0, 1001]]), "intervals[0]"),
        (lambda d: d.update(intervals=[[0, True]]), "intervals[0]"),
        (lambda d: d.update(intervals=[[0, 1, 2]]), "intervals[0]"),
        (lambda d: d.update(intervals={"0": 1}), "intervals"),
        (lambda d: d.update(intervals=[[i * 2, i * 2 + 1] for i in range(129)]), "intervals"),
    ],
)
def test_stored_records_are_read_strictly(change, path):
    doc = record_to_dict(ViewingRecord.new(SHA, 1000).add(0, 10))
    change(doc)
    with pytest.raises(ViewingDataError) as info:
        record_from_dict(doc)
    assert info.value.path == path


def test_hostile_json_bytes_are_refused():
    with pytest.raises(ViewingDataError, match="duplicate"):
        record_from_json(b'{"format":1,"format":1}')
    with pytest.raises(ViewingDataError):
        record_from_json(b"x" * 70_000)


def test_clock():
    assert clock(0) == "0:00" and clock(723_999) == "12:03" and clock(880_000) == "14:40"
    assert clock(3_723_000) == "1:02:03"


# -- a candidate's works and the rule --------------------------------------------------

NEWS = find_rubric("news")
WORKS = (
    AudiovisualWork(1, "新闻专题《山路》", SHA, 880_000),
    AudiovisualWork(3, "广播节目", OTHER, None),  # the manifest does not say how long
)


def scored(review: Review, value: str = "8") -> Review:
    for c in NEWS.criteria:
        review = review.with_score(c.id, Decimal(value))
    return review


def test_off_by_default_nothing_is_required():
    viewing = CandidateViewing.of(None, WORKS, {})
    assert viewing.short() == () and not any(w.required for w in viewing.works)
    assert viewing_refusal(viewing, NEWS.criteria) is None


def test_the_rule_names_the_work_and_the_share_watched():
    record = ViewingRecord.new(SHA, 880_000).add(0, 300_000)
    viewing = CandidateViewing.of(80, WORKS, {SHA: record})
    assert [w.number for w in viewing.short()] == [1]
    assert not viewing.works[1].required  # unknown length: cannot be measured, not required
    message = viewing_refusal(viewing, [c for c in NEWS.criteria if c.representative_works])
    assert message is not None
    assert "80%" in message and "work 1 “新闻专题《山路》”: 34% watched (5:00 / 14:40)" in message
    enough = CandidateViewing.of(80, WORKS, {SHA: record.add(300_000, 704_000)})
    assert enough.short() == () and enough.works[0].percent == 80


def test_brief_for_the_secretariats_table():
    record = ViewingRecord.new(SHA, 880_000).add(0, 300_000)
    assert CandidateViewing.of(80, WORKS, {SHA: record}).brief() == (
        "work 1: 34%, below the minimum of 80%; work 3: length unknown"
    )
    assert CandidateViewing.of(None, WORKS[:1], {SHA: record}).brief() == "work 1: 34%"
    assert CandidateViewing().brief() == ""


def test_a_work_never_played_counts_as_nothing_watched():
    viewing = CandidateViewing.of(50, WORKS, {})
    assert viewing.works[0].duration_ms == 880_000 and viewing.works[0].watched_ms == 0
    assert viewing.short() == (viewing.works[0],)


def test_only_setting_a_representative_score_needs_the_viewing():
    old = Review("c1", NEWS.id).with_conflict(Conflict.NONE)
    new = scored(old)
    needing = scores_needing_viewing(NEWS, old, new)
    assert needing and all(c.representative_works for c in needing)
    assert len(needing) == sum(c.representative_works for c in NEWS.criteria)
    # Unchanged, or cleared, or another criterion: nothing needed.
    assert scores_needing_viewing(NEWS, new, new.with_opinion("x")) == ()
    cleared = new.with_score(needing[0].id, None)
    assert scores_needing_viewing(NEWS, new, cleared) == ()
    other = next(c for c in NEWS.criteria if not c.representative_works)
    assert scores_needing_viewing(NEWS, new, new.with_score(other.id, Decimal(7))) == ()
    assert scores_needing_viewing(NEWS, new, new.with_score(needing[0].id, Decimal(7)))


def test_candidate_viewing_round_trip_and_strict_reading():
    record = ViewingRecord.new(SHA, 880_000).add(0, 723_000)
    viewing = CandidateViewing.of(80, WORKS, {SHA: record})
    doc = json.loads(json.dumps(viewing.to_dict()))
    assert CandidateViewing.from_dict(doc) == viewing
    assert doc["works"][0]["watched_ms"] == 723_000 and doc["works"][1]["duration_ms"] is None

    def refused(change, path):
        bad = json.loads(json.dumps(doc))
        change(bad)
        with pytest.raises(ViewingDataError) as info:
            CandidateViewing.from_dict(bad)
        assert info.value.path == path

    refused(lambda d: d["works"][0].update(watched_ms=800_000), "works[0].watched_ms")
    refused(lambda d: d["works"][1].update(required=True), "works[1].required")
    refused(lambda d: d["works"][1].update(intervals=[[0, 5]]), "works[1].intervals[0]")
    refused(lambda d: d.update(min_percent=0), "min_percent")
    refused(lambda d: d.update(min_percent=None), "works")  # a required work, no minimum
    refused(lambda d: d["works"].reverse(), "works")
    refused(lambda d: d["works"][0].update(number=0), "works[0].number")
    refused(lambda d: d["works"][0].pop("title"), "works[0].title")


def test_work_viewing_of_a_played_work_uses_the_players_length():
    record = ViewingRecord.new(OTHER, 60_000).add(0, 30_000)
    work = WorkViewing.of(WORKS[1], record, rule=True)
    # Played, so its length is now known, but the manifest did not state one: still not
    # required (playing a little must not make a work required).
    assert work.duration_ms == 60_000 and work.percent == 50 and not work.required
