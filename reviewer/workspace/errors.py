"""The workspace's errors, and what a failed write on this computer becomes.

``WorkspaceError`` is the root of everything the workspace raises for people. A write
that the computer refused (SQLite's ``SQLITE_FULL``, ``SQLITE_READONLY``,
``SQLITE_IOERR`` …, or an ``OSError`` from a file beside the database) becomes a
``WorkspaceWriteError``: ``WorkspaceDiskFull``, ``WorkspaceReadOnly`` or
``WorkspaceIOError``, each with a translated message naming the folder. The transaction
it was part of is rolled back, so nothing of that change is saved; the GUI keeps the
change on screen and saves it again later. Errors that mean a bug (a constraint, a
syntax error) are not turned into any of these: they stay what they are.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _


class WorkspaceError(ReviewerError):
    pass


class WorkspaceWriteError(WorkspaceError):
    """A change could not be written on this computer; none of it was saved."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path


class WorkspaceDiskFull(WorkspaceWriteError):
    def __init__(self, path: Path):
        super().__init__(
            _(
                "the disk is full: the workspace in {path} has no room left and the change "
                "was not saved; free some space (empty the recycle bin, move large files "
                "away), then try again"
            ).format(path=path),
            path,
        )


class WorkspaceReadOnly(WorkspaceWriteError):
    def __init__(self, path: Path):
        super().__init__(
            _(
                "the workspace is read-only: {path} cannot be written (a write-protected "
                "disk, or a folder without permission) and the change was not saved; make it "
                "writable, then try again"
            ).format(path=path),
            path,
        )


class WorkspaceIOError(WorkspaceWriteError):
    def __init__(self, path: Path, error: str):
        super().__init__(
            _(
                "the workspace in {path} could not be written ({error}) and the change was "
                "not saved; try again, and if it keeps failing, check the disk"
            ).format(path=path, error=error),
            path,
        )


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM = 3, 5, 6, 7
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL = 8, 10, 11, 13
_SQLITE_CANTOPEN, _SQLITE_PROTOCOL, _SQLITE_NOTADB = 14, 15, 26
_OTHER_IO = {
    _SQLITE_BUSY,
    _SQLITE_LOCKED,
    _SQLITE_NOMEM,
    _SQLITE_IOERR,
    _SQLITE_CORRUPT,
    _SQLITE_CANTOPEN,
    _SQLITE_PROTOCOL,
    _SQLITE_NOTADB,
}
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def write_error(exc: BaseException, path: Path) -> WorkspaceWriteError | None:
    """What ``exc``, raised while writing the workspace in ``path``, means for people;
    None if it is not the computer's refusal (a bug, which must stay visible as one)."""
    if isinstance(exc, OSError):
        if exc.errno in _NO_SPACE:
            return WorkspaceDiskFull(path)
        if exc.errno in _NOT_WRITABLE:
            return WorkspaceReadOnly(path)
        return WorkspaceIOError(path, exc.strerror or str(exc))
    if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return None
        primary = code & 0xFF
        if primary == _SQLITE_FULL:
            return WorkspaceDiskFull(path)
        if primary in (_SQLITE_READONLY, _SQLITE_PERM):
            return WorkspaceReadOnly(path)
        if primary in _OTHER_IO:
            return WorkspaceIOError(path, str(exc))
    return None
