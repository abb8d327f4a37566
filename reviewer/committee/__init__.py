"""The committee's meeting after scoring: attendance and quorum, secret ballots in
rounds, the count (issue #16), and what a counted round gives the decision body: the
signed minutes and the 公示 list, both built on ``tally.RoundResult``. Plain Python."""

__all__ = [
    "ballot",
    "count",
    "meeting",
    "member",
    "minutes",
    "overview",
    "paper_ballot",
    "publicity",
    "rounds",
    "signed_pdf",
    "tally",
]
