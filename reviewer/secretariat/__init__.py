"""The secretariat's side: before the review, setting up the session (``setup``: the
session, its reviewers' enrolment, the packs); after it, importing and verifying sheets,
statistics, rankings and the reports for the decision body. ``service.Secretariat`` is
the pipeline from a session folder to the reports. The CLI and the window use both.
"""

__all__ = [
    "aggregate",
    "candidates",
    "intake",
    "report",
    "service",
    "setup",
    "stats",
    "summary_pdf",
    "tables",
    "verdict_cache",
]
