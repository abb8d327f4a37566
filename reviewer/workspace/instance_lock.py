"""One program at a time on a workspace: an OS lock on ``workspace.lock`` beside it.

Two copies of the app (or the app and ``reviewer sheet export``) on the same home would
each keep their own view of the write counter and the open packs; the second is refused
with a clear message instead. The lock is the operating system's (``flock`` on POSIX,
``msvcrt.locking`` on Windows) on an open file, so it goes with the process: a lock file
left behind by a crashed or killed process holds no lock and is simply taken over. The
file holds the process id of its holder, for the message only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.base.private_paths import FILE_MODE
from reviewer.workspace.errors import WorkspaceError

LOCK_FILE = "workspace.lock"
_PID_AT = 16  # the pid is written past the byte that Windows locks


class WorkspaceInUse(WorkspaceError):
    """Another process has this workspace open."""

    def __init__(self, folder: Path, pid: int | None):
        if pid is None:
            message = _(
                "the workspace in {path} is already open in another Reviewer Workstation "
                "window or command; close that one first (or wait until it has finished)"
            ).format(path=folder)
        else:
            message = _(
                "the workspace in {path} is already open in another Reviewer Workstation "
                "window or command (process {pid}); close that one first (or wait until it "
                "has finished)"
            ).format(path=folder, pid=pid)
        super().__init__(message)
        self.pid = pid


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover (Windows)
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    else:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, _PID_AT) if hasattr(os, "pread") else b""
        return int(text.strip(b"\0 \n") or b"x")
    except (OSError, ValueError):
        return None


class InstanceLock:
    """Held from ``acquire`` until ``release`` (or the end of the process)."""

    def __init__(self, fd: int, path: Path):
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, folder: Path) -> InstanceLock:
        """Lock ``folder``'s workspace for this process, or raise ``WorkspaceInUse``."""
        path = Path(folder) / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE)
        try:
            if not _try_lock(fd):
                raise WorkspaceInUse(Path(folder), _holder(fd))
            os.ftruncate(fd, _PID_AT)
            os.lseek(fd, _PID_AT, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, path)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __del__(self) -> None:  # a workspace dropped without close(): the lock goes too
        self.release()

    def release(self) -> None:
        """Unlock (closing the file lets the OS drop the lock); the file stays."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
