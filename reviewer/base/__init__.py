"""Foundations every subsystem stands on: the gettext catalogue, bundled resources,
atomic file writes, the fonts embedded in every PDF and the error root with its problems.

Imports nothing else of ``reviewer``.
"""

__all__ = ["atomic_file", "errors", "i18n", "pdf_fonts", "resources"]
