"""The committee's meeting after scoring: attendance and quorum, secret ballots in
rounds, and the count (issue #16). Plain Python; the minutes and the 公示 list build on
``tally.RoundResult``."""

__all__ = ["ballot", "count", "meeting", "member", "paper_ballot", "rounds", "tally"]
