"""Carrying a shortlist from one round to the next (初评 → 复评 → 表决).

The candidates of round k+1 must be a subset of round k's: those that passed its vote,
or the top N of the aggregate ranking. ``meeting.open_round`` refuses any other.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewer.base.i18n import _
from reviewer.committee.count import load_result
from reviewer.committee.meeting import MeetingError, Round, load_round
from reviewer.committee.tally import RoundResult
from reviewer.people.session import Session


def passed_of(rnd: Round, result: RoundResult) -> tuple[str, ...]:
    """The shortlist of those who passed ``rnd``'s vote."""
    if (result.session_id, result.round_id) != (rnd.session_id, rnd.round_id):
        raise MeetingError(_("this result belongs to another round"))
    return result.passed


def top_of(ranking: Sequence[str], n: int, among: Sequence[str] | None = None) -> tuple[str, ...]:
    """The first ``n`` of a ranking (best first), optionally only those in ``among``
    (the previous round's candidates)."""
    if n < 1:
        raise MeetingError(_("a shortlist holds at least one candidate"))
    ranked = [c for c in ranking if among is None or c in among]
    return tuple(ranked[:n])


def carried_from(session: Session, round_id: str) -> tuple[Round, tuple[str, ...]]:
    """The previous round of a later one and the shortlist it carries forward (those
    who passed it); refused while it is not counted."""
    previous = load_round(session, round_id)
    return previous, passed_of(previous, load_result(previous))
