"""Folders and files only their owner may read: 0700 folders, 0600 files (POSIX).

Used for the reviewer's home folders, the workspace database (with its ``-wal`` and
``-shm``) and the key file: created with these modes, and repaired when found looser
(another tool, a copy, a restore from backup). On Windows, where modes mean little,
everything here does nothing and reports nothing repaired.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600


def _repair(path: Path, mode: int) -> str | None:
    """Set ``mode`` if the path has another one; a note of what was changed, or None."""
    if not POSIX:
        return None
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink() or current == mode:
            return None
        os.chmod(path, mode)
    except FileNotFoundError:
        return None
    return f"{path.name} {current:04o} → {mode:04o}"


def make_private_dir(path: Path) -> list[str]:
    """Create ``path`` (and any missing parents) as 0700 folders, or tighten it if it
    exists; returns what was repaired (for the audit log)."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        _repair(folder, DIR_MODE)  # the umask may have taken bits away, never added
    note = _repair(path, DIR_MODE)
    return [] if note is None or path in missing else [note]


def repair_private_file(path: Path) -> list[str]:
    """Tighten an existing file to 0600; returns what was repaired."""
    note = _repair(Path(path), FILE_MODE)
    return [] if note is None else [note]


def create_private_file(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600 before another library (SQLite) opens it,
    so that it never exists with a looser mode and files derived from it inherit 0600."""
    if not POSIX:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
