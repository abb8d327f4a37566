"""Reviewer Workstation core: rubrics, scoring, crypto, packs, sheets, aggregation.

This package never imports Qt; the `ui` package is the only front end that does.
"""

__version__ = "0.1.0"
