"""The log file: where an error nobody expected is written, without what it was about.

A ``ReviewerError`` is a refusal and is shown to the user as it is. Anything else
reaching the top (the CLI's ``main``, the GUI's worker and windows) is a bug: it is
written here with its traceback, and the user is told only that an internal error
happened and where the details are (``internal_error_message``). The same file takes
what libraries log (pyHanko's warnings and the like), at WARNING and above, instead of
the terminal.

The file is ``reviewer.log`` in the user log folder (``platformdirs.user_log_dir``, or
``$REVIEWER_LOG_DIR``, which the tests set), rotated at 1 MiB with three old copies.

What is written, and what never is. A reviewer works on confidential dossiers and a
log is the kind of file that gets attached to an e-mail asking for help, so the log
must be safe to send:

- for an exception: its type and, for every frame, the file, line and function,
  for the whole chain of causes. Never ``str(exc)`` or its arguments (a ``KeyError``
  names the key, a ``ValueError`` quotes the value: candidate names, scores, comments),
  never the local variables (``traceback`` does not capture them unless asked), and not
  even the source lines, so nothing but the code's shape is in the file;
- for a log record: the logger's name, the level and the message *template*. Its
  arguments are dropped (``"cannot parse %s"`` stays as it is), because libraries pass
  the data they were given as arguments. A library record without arguments may have
  its data formatted into the text itself (pyHanko writes the signer's name so), so for
  those only the call site (module, function, line) is written; only WARNING and above
  is kept at all.

The paths in the frames name where the program is installed, which is no secret.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from reviewer.base.i18n import _

APP_NAME = "reviewer-workstation"  # as reviewer.people.home names the user data folder
LOG_DIR_ENV_VAR = "REVIEWER_LOG_DIR"
LOG_FILE = "reviewer.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3

_crash_logger = logging.getLogger("reviewer.crash")


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_FILE


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def safe_traceback(exc: BaseException) -> str:
    """The exception's type and the frames it went through, with its causes; never its
    message, its arguments or any variable."""
    chain: list[tuple[BaseException, str]] = []  # from the last raised to the first
    current: BaseException | None = exc
    link = ""
    while current is not None and all(current is not seen for seen, _link in chain):
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above, another occurred:"
        else:
            current = None
    lines: list[str] = []
    following = ""
    for earlier, link in reversed(chain):
        if following:
            lines += ["", following, ""]
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(earlier.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        lines.append(_type_name(earlier))
        following = link
    return "\n".join(lines)


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # logger.warning(exc) passes an object, whose str() would be its message.
        template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
        ours = record.name == "reviewer" or record.name.startswith("reviewer.")
        if not ours and not record.args:
            # No arguments: the library may have formatted its data into the text itself
            # (pyHanko puts the signer's name there), so only the call site is written.
            template = f"(message withheld; {record.module}.{record.funcName}:{record.lineno})"
        head = f"{self.formatTime(record)} {record.levelname} {record.name}: {template}"
        if record.exc_info and record.exc_info[1] is not None:
            return f"{head}\n{safe_traceback(record.exc_info[1])}"
        return head


class _LogFile(logging.Handler):
    """A rotating file at ``log_path()``, looked up at each record (the tests move it),
    opened on the first record so that a run without trouble leaves no file."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(_SafeFormatter())
        self._path: Path | None = None
        self._file: RotatingFileHandler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        path = log_path()
        try:
            if path != self._path or self._file is None:
                if self._file is not None:
                    self._file.close()
                self._file, self._path = None, path
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = RotatingFileHandler(
                    path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
                )
                self._file.setFormatter(self.formatter)
                # Its own handleError would print the failure and the record on stderr.
                self._file.handleError = lambda record: None  # type: ignore[method-assign]
            self._file.emit(record)
        except OSError:
            # A log that cannot be written must not turn one error into two, nor print
            # the record on the terminal instead.
            pass

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass  # as above: nothing about a record goes to stderr

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


_installed: _LogFile | None = None
_install_lock = threading.Lock()


def install() -> None:
    """Send every log record at WARNING and above (ours and libraries') to the log file
    instead of the terminal. Idempotent; the CLI and the GUI call it at start."""
    global _installed
    with _install_lock:
        if _installed is None:
            _installed = _LogFile()
            logging.getLogger().addHandler(_installed)


def record_crash(exc: BaseException) -> Path:
    """Write ``exc``'s safe traceback to the log file; return the file's path."""
    install()
    _crash_logger.error("internal error", exc_info=(type(exc), exc, exc.__traceback__))
    return log_path()


def internal_error_message(path: Path) -> str:
    return _(
        "Internal error: this is a fault in the program, not in your data. "
        "The details were written to {path}"
    ).format(path=path)
