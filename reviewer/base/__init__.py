"""Foundations every subsystem stands on: the gettext catalogue, bundled resources,
atomic file writes, owner-only folders and files, and the fonts embedded in every PDF.

Imports nothing else of ``reviewer``.
"""

__all__ = ["atomic_file", "i18n", "pdf_fonts", "private_paths", "resources"]
