"""The count of one round: the ⅔ rule at its boundary, the 同意 cap, duplicates,
and totals recomputed here from the raw marks."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from reviewer.committee.tally import CastBallot, Choice, TallyError, pass_threshold, tally

CANDIDATES = ("C01", "C02", "C03")


def _ballots(marks: list[dict[str, Choice]]) -> list[CastBallot]:
    return [CastBallot(f"k{i:02d}", m) for i, m in enumerate(marks)]


def _all(choice: Choice) -> dict[str, Choice]:
    return dict.fromkeys(CANDIDATES, choice)


def test_two_thirds_of_nine_present_is_six():
    assert pass_threshold(9) == 6
    assert pass_threshold(10) == 7
    assert pass_threshold(5, Fraction(4, 5)) == 4
    marks = [_all(Choice.YES)] * 6 + [_all(Choice.NO)] * 3
    marks = [dict(m) for m in marks]
    for m in marks[5:6]:
        m["C02"] = Choice.ABSTAIN  # C02 gets 5 同意: fails; C01 and C03 get 6: pass
    result = tally(
        session_id="s",
        round_id="r",
        candidates=CANDIDATES,
        present=9,
        issued=9,
        ballots=_ballots(marks),
    )
    assert result.threshold == 6
    assert result.passed == ("C01", "C03")
    c02 = result.candidates[1]
    assert (c02.yes, c02.no, c02.abstain, c02.passed) == (5, 3, 1, False)


def test_absent_ballots_count_as_no_approval():
    # 9 present, only 6 ballots returned, all 同意: still ⅔ of 9 = 6, passes; 5 would not.
    result = tally(
        session_id="s",
        round_id="r",
        candidates=CANDIDATES,
        present=9,
        issued=9,
        ballots=_ballots([_all(Choice.YES)] * 5),
    )
    assert result.passed == ()


def test_random_tallies_match_an_independent_count():
    rng = random.Random(16)
    for _ in range(50):
        present = rng.randint(1, 15)
        marks = [
            {c: rng.choice(list(Choice)) for c in CANDIDATES}
            for _ in range(rng.randint(0, present))
        ]
        result = tally(
            session_id="s",
            round_id="r",
            candidates=CANDIDATES,
            present=present,
            issued=present,
            ballots=_ballots(marks),
        )
        for row in result.candidates:
            yes = sum(1 for m in marks if m[row.candidate] is Choice.YES)
            no = sum(1 for m in marks if m[row.candidate] is Choice.NO)
            assert (row.yes, row.no, row.abstain) == (yes, no, len(marks) - yes - no)
            # 3 × yes ≥ 2 × present is the ⅔ rule without any division at all.
            assert row.passed == (3 * yes >= 2 * present)


def test_the_approval_cap_refuses_a_ballot_with_too_many():
    over = _ballots([_all(Choice.YES)])
    with pytest.raises(TallyError) as err:
        tally(
            session_id="s",
            round_id="r",
            candidates=CANDIDATES,
            present=3,
            issued=3,
            ballots=over,
            places=2,
        )
    assert "2" in err.value.report()
    ok = {"C01": Choice.YES, "C02": Choice.YES, "C03": Choice.NO}
    result = tally(
        session_id="s",
        round_id="r",
        candidates=CANDIDATES,
        present=3,
        issued=3,
        ballots=_ballots([ok]),
        places=2,
    )
    assert result.ballots == 1


def test_duplicates_unknown_candidates_and_overissue_are_refused():
    good = _all(Choice.YES)
    dup = [CastBallot("same", good), CastBallot("same", good)]
    with pytest.raises(TallyError) as err:
        tally(session_id="s", round_id="r", candidates=CANDIDATES, present=3, issued=3, ballots=dup)
    assert [p.where for p in err.value.problems] == ["same"]
    foreign = [CastBallot("a", {**good, "X99": Choice.YES})]
    with pytest.raises(TallyError):
        tally(
            session_id="s",
            round_id="r",
            candidates=CANDIDATES,
            present=3,
            issued=3,
            ballots=foreign,
        )
    missing = [CastBallot("a", {"C01": Choice.YES})]
    with pytest.raises(TallyError):
        tally(
            session_id="s",
            round_id="r",
            candidates=CANDIDATES,
            present=3,
            issued=3,
            ballots=missing,
        )
    with pytest.raises(TallyError):
        tally(
            session_id="s",
            round_id="r",
            candidates=CANDIDATES,
            present=3,
            issued=1,
            ballots=_ballots([good, good]),
        )
