"""Foundations every subsystem stands on: the gettext catalogue, bundled resources,
atomic file writes, owner-only folders and files, the fonts embedded in every PDF, the
error root with its problems, the strict reader of untrusted documents and the log file
for unexpected errors.

Imports nothing else of ``reviewer``.
"""

__all__ = [
    "atomic_file",
    "crash_log",
    "errors",
    "i18n",
    "pdf_fonts",
    "private_paths",
    "resources",
    "strict",
]
