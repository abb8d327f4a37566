"""The secretariat's side after the review: importing and verifying sheets,
statistics, rankings and the reports for the decision body.
"""

__all__ = ["aggregate", "candidates", "intake", "report", "stats", "summary_pdf", "tables"]
