"""The secretariat's side: before the review, setting up the session (``setup``: the
session, its reviewers' enrolment, the packs; ``planning``: the expert draw, the
conflicts of interest and who reviews whom); after it, importing and verifying sheets,
statistics, rankings and the reports for the decision body. ``service.Secretariat`` is
the pipeline from a session folder to the reports. The CLI and the window use both.
"""

__all__ = [
    "aggregate",
    "candidates",
    "intake",
    "planning",
    "report",
    "service",
    "setup",
    "stats",
    "summary_pdf",
    "tables",
    "verdict_cache",
]
