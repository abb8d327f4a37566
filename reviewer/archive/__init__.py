"""The session's archive package: everything the committee's work left (session
records, sheets, ballots, minutes, reports, logs) gathered into one folder or ZIP with
a manifest of every file's size and SHA-256, signed (CMS) by the secretariat, and its
verification end to end (docs/formats.md, "Archive package").
"""

__all__ = ["build", "contents", "manifest", "source", "verify"]
