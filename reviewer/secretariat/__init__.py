"""The secretariat's side after the review: importing and verifying sheets,
statistics, rankings and the reports for the decision body. ``service.Secretariat`` is
the pipeline from a session folder to the reports, as the CLI and the window use it.
"""

__all__ = [
    "aggregate",
    "candidates",
    "intake",
    "report",
    "service",
    "stats",
    "summary_pdf",
    "tables",
    "verdict_cache",
]
