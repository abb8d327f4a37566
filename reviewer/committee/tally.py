"""Counting one round's ballots: the ⅔ rule, the 同意 cap, and the frozen result.

Every number is an ``int`` or a ``fractions.Fraction``: a threshold such as "⅔ of the
members present" must never depend on how a float rounds (9 present needs exactly 6
同意). This module knows nothing of tokens or paper: the readers (``ballot``,
``paper_ballot``) hand it ``CastBallot`` values whose origin they already checked; the
tally refuses what is wrong with the votes themselves (a candidate of no round, a
missing choice, too many 同意, one ballot counted twice, more ballots than issued).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _

RESULT_FORMAT = "reviewer-round-result"
RESULT_VERSION = 1
# A candidate passes with 同意 from at least this share of the members present.
DEFAULT_PASS_FRACTION = Fraction(2, 3)


class TallyError(ReviewerError):
    """The ballots cannot be counted as they are; ``problems`` name each ballot."""


class Choice(Enum):
    """One mark on a ballot for one candidate; the value is what files carry."""

    YES = "yes"  # 同意
    NO = "no"  # 不同意
    ABSTAIN = "abstain"  # 弃权

    @property
    def label(self) -> str:
        return {
            Choice.YES: _("approve"),
            Choice.NO: _("disapprove"),
            Choice.ABSTAIN: _("abstain"),
        }[self]


@dataclass(frozen=True)
class CastBallot:
    """One ballot as counted: ``key`` identifies it for the bulletin and for refusing
    duplicates (the hash of an electronic ballot's token, a paper ballot's serial), and
    ``choices`` maps every candidate of the round to a mark."""

    key: str
    choices: Mapping[str, Choice]


@dataclass(frozen=True)
class CandidateTally:
    candidate: str
    yes: int
    no: int
    abstain: int
    passed: bool


@dataclass(frozen=True)
class RoundResult:
    """What a round decided, as the minutes record it. ``threshold`` is the number of
    同意 a candidate needed (ceil of ``pass_fraction`` × ``present``); ``bulletin`` is
    every counted ballot's key, sorted, so each member can find theirs."""

    session_id: str
    round_id: str
    present: int
    issued: int
    ballots: int
    pass_fraction: Fraction
    threshold: int
    places: int | None
    candidates: tuple[CandidateTally, ...]
    bulletin: tuple[str, ...]

    @property
    def passed(self) -> tuple[str, ...]:
        return tuple(c.candidate for c in self.candidates if c.passed)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RESULT_FORMAT,
            "version": RESULT_VERSION,
            "session": self.session_id,
            "round": self.round_id,
            "present": self.present,
            "issued": self.issued,
            "ballots": self.ballots,
            "pass_fraction": f"{self.pass_fraction.numerator}/{self.pass_fraction.denominator}",
            "threshold": self.threshold,
            "places": self.places,
            "candidates": [
                {
                    "id": c.candidate,
                    "yes": c.yes,
                    "no": c.no,
                    "abstain": c.abstain,
                    "passed": c.passed,
                }
                for c in self.candidates
            ],
            "bulletin": list(self.bulletin),
        }


def pass_threshold(present: int, fraction: Fraction = DEFAULT_PASS_FRACTION) -> int:
    """The fewest 同意 that pass a candidate: ceil(fraction × present), exactly."""
    if present < 0 or not 0 < fraction <= 1:
        raise ValueError("present must be >= 0 and fraction in (0, 1]")
    return math.ceil(fraction * present)


def tally(
    *,
    session_id: str,
    round_id: str,
    candidates: Sequence[str],
    present: int,
    issued: int,
    ballots: Iterable[CastBallot],
    places: int | None = None,
    pass_fraction: Fraction = DEFAULT_PASS_FRACTION,
) -> RoundResult:
    """Count ``ballots`` for ``candidates``; ``TallyError`` names every bad ballot.

    ``present`` is the number of members at the meeting (the ⅔ is of them, not of the
    ballots: an unreturned ballot counts as no 同意), ``issued`` how many ballots were
    handed out (tokens signed, paper ballots printed): more ballots than that means one
    was forged. ``places`` caps the 同意 one ballot may hold."""
    problems: list[Problem] = []
    known = set(candidates)
    seen: set[str] = set()
    counted: list[CastBallot] = []
    for ballot in ballots:
        where = ballot.key
        if ballot.key in seen:
            problems.append(Problem(where, _("this ballot was already counted")))
            continue
        seen.add(ballot.key)
        foreign = sorted(set(ballot.choices) - known)
        missing = [c for c in candidates if c not in ballot.choices]
        if foreign:
            problems.append(
                Problem(
                    where,
                    _("marks for candidates not in this round: {ids}").format(
                        ids=", ".join(foreign)
                    ),
                )
            )
        if missing:
            problems.append(
                Problem(
                    where,
                    _("no mark for candidates: {ids}").format(ids=", ".join(missing)),
                )
            )
        yes = sum(1 for c in ballot.choices.values() if c is Choice.YES)
        if places is not None and yes > places:
            problems.append(
                Problem(
                    where,
                    _("{yes} approvals on a ballot allowing at most {places}").format(
                        yes=yes, places=places
                    ),
                )
            )
        if not foreign and not missing:
            counted.append(ballot)
    if len(seen) > issued:
        problems.append(
            Problem(
                "",
                _("{n} ballots but only {issued} were issued").format(n=len(seen), issued=issued),
            )
        )
    if len(seen) > present:
        problems.append(
            Problem(
                "",
                _("{n} ballots but only {present} members are present").format(
                    n=len(seen), present=present
                ),
            )
        )
    if problems:
        raise TallyError(_("the ballots cannot be counted"), problems)
    threshold = pass_threshold(present, pass_fraction)
    rows = []
    for candidate in candidates:
        marks = [b.choices[candidate] for b in counted]
        yes = marks.count(Choice.YES)
        rows.append(
            CandidateTally(
                candidate=candidate,
                yes=yes,
                no=marks.count(Choice.NO),
                abstain=marks.count(Choice.ABSTAIN),
                # A round with nobody present passes nobody, whatever ceil(0) says.
                passed=present > 0 and yes >= threshold,
            )
        )
    return RoundResult(
        session_id=session_id,
        round_id=round_id,
        present=present,
        issued=issued,
        ballots=len(counted),
        pass_fraction=pass_fraction,
        threshold=threshold,
        places=places,
        candidates=tuple(rows),
        bulletin=tuple(sorted(seen)),
    )
