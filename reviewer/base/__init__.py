"""Foundations every subsystem stands on: the gettext catalogue, bundled resources,
atomic file writes, the fonts embedded in every PDF, the error root with its problems
and the strict reader of untrusted documents.

Imports nothing else of ``reviewer``.
"""

__all__ = ["atomic_file", "errors", "i18n", "pdf_fonts", "resources", "strict"]
