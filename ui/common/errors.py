"""Showing an error: the one way both windows, the worker's callbacks and the wizard do.

- A ``ReviewerError`` is a refusal the user can act on: its message, and under it its
  problems, one a line (the first ``MAX_PROBLEMS_SHOWN``, then how many more).
- An ``OSError`` that got this far is the computer's, not the program's (a full disk,
  a folder without permission): shown as the system words it.
- Anything else is a bug: written to the log file (``reviewer.base.crash_log``, which
  keeps the traceback but not what the error was about) and shown as an internal error
  naming that file.

``install_excepthook`` sends an exception escaping a Qt slot the same way, instead of a
traceback on a terminal nobody is looking at.
"""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from reviewer.base import crash_log
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

MAX_PROBLEMS_SHOWN = 20


def is_refusal(exc: BaseException) -> bool:
    """True for an error with a message for people; False for a bug."""
    return isinstance(exc, ReviewerError | OSError)


def error_text(exc: BaseException) -> str:
    """What to tell the user about ``exc``; a bug is logged first (once per call)."""
    if isinstance(exc, ReviewerError):
        lines = [exc.message]
        shown = exc.problems[:MAX_PROBLEMS_SHOWN]
        if shown:
            lines.append("")
            lines += [f"• {p}" for p in shown]
        if len(exc.problems) > len(shown):
            lines.append(_("… and {n} more").format(n=len(exc.problems) - len(shown)))
        return "\n".join(lines)
    if isinstance(exc, OSError):
        return str(exc)
    return crash_log.internal_error_message(crash_log.record_crash(exc))


def show_error(
    parent: QWidget | None, exc: BaseException, title: str | None = None, *, fatal: bool = False
) -> str:
    """Tell the user about ``exc`` in a message box titled ``title`` (a bug's box says
    "Internal error" instead); return the text shown. ``fatal``: the window cannot go
    on, so even a refusal gets a critical box."""
    text = error_text(exc)
    if not is_refusal(exc):
        QMessageBox.critical(parent, _("Internal error"), text)
    elif fatal:
        QMessageBox.critical(parent, title or _("Reviewer Workstation"), text)
    else:
        QMessageBox.warning(parent, title or _("Reviewer Workstation"), text)
    return text


def _hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    show_error(QApplication.activeWindow(), exc)


def install_excepthook() -> None:
    """An exception escaping a slot (Qt calls ``sys.excepthook``) is shown and logged."""
    crash_log.install()
    sys.excepthook = _hook
