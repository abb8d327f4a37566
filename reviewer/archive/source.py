"""An archive on disk, a folder or a ZIP, read the same way: which files it holds and
each file's bytes, as a stream.

Nothing is extracted and no link is followed: a folder is walked without following
symbolic links (a link, a device or a pipe is reported, never opened), a ZIP is read
member by member. Whatever cannot be a file of an archive (a bad name, a link, a
duplicate or encrypted member) is returned as an oddity for the verifier to report.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from reviewer.archive.manifest import (
    MANIFEST_FILE,
    MAX_FILES,
    SIGNATURE_FILE,
    ArchiveError,
    path_problem,
)
from reviewer.base.errors import Problem
from reviewer.base.i18n import _

CHUNK = 1024 * 1024
_OWN = (MANIFEST_FILE, SIGNATURE_FILE)


class ArchiveSource(Protocol):
    files: dict[str, int]  # archive path -> size, regular files only
    odd: list[Problem]  # what is there but cannot be an archive's file

    def open(self, path: str) -> IO[bytes]: ...

    def close(self) -> None: ...


def digest(stream: IO[bytes], limit: int) -> tuple[int, str]:
    """(size, SHA-256 hex) of ``stream``, reading at most ``limit`` + 1 bytes: a file
    longer than it should be is noticed without reading it all."""
    sha = hashlib.sha256()
    size = 0
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        sha.update(chunk)
        size += len(chunk)
    return size, sha.hexdigest()


def read_small(source: ArchiveSource, path: str, limit: int) -> bytes | None:
    """A small file of the archive (the manifest, its signature), None if absent."""
    if path not in source.files:
        return None
    with source.open(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(_("{file} in the archive is too large").format(file=path))
    return data


class FolderSource:
    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, int] = {}
        self.odd: list[Problem] = []
        for top, dirs, names in os.walk(root, followlinks=False):
            for name in sorted(dirs + names):
                full = Path(top) / name
                rel = full.relative_to(root).as_posix()
                info = full.lstat()
                if stat.S_ISDIR(info.st_mode):
                    continue
                if not stat.S_ISREG(info.st_mode):
                    self.odd.append(Problem(rel, _("not a regular file (a link or a device)")))
                    continue
                why = path_problem(rel) if rel not in _OWN else None
                if why:
                    self.odd.append(Problem(rel, why))
                else:
                    self.files[rel] = info.st_size
                if len(self.files) > MAX_FILES + 2:
                    raise ArchiveError(_("the archive holds too many files"))

    def open(self, path: str) -> IO[bytes]:
        # O_NOFOLLOW: a file swapped for a link after the walk is still not followed.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.root / path, flags)
        except OSError as exc:
            raise ArchiveError(
                _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
            ) from None
        return os.fdopen(fd, "rb")

    def close(self) -> None:
        pass


class ZipSource:
    def __init__(self, path: Path):
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise ArchiveError(
                _("{file} is not a readable ZIP archive: {reason}").format(file=path, reason=exc)
            ) from None
        self.files: dict[str, int] = {}
        self.odd: list[Problem] = []
        self._members: dict[str, zipfile.ZipInfo] = {}
        infos = self._zip.infolist()
        if len(infos) > MAX_FILES + 2:
            raise ArchiveError(_("the archive holds too many files"))
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            why = path_problem(name) if name not in _OWN else None
            if name in self.files or any(p.where == name for p in self.odd):
                why = _("the ZIP holds this name twice")
            elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: no type recorded
                why = _("not a regular file (a link or a device)")
            elif info.flag_bits & 0x1:
                why = _("an encrypted ZIP member")
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                why = _("an unsupported ZIP compression method")
            if why:
                self.files.pop(name, None)
                self.odd.append(Problem(name, why))
            else:
                self.files[name] = info.file_size
                self._members[name] = info

    def open(self, path: str) -> IO[bytes]:
        try:
            return self._zip.open(self._members[path])
        except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
            raise ArchiveError(
                _("cannot read {file}: {reason}").format(file=path, reason=exc)
            ) from None

    def close(self) -> None:
        self._zip.close()


@contextmanager
def open_source(path: Path) -> Iterator[ArchiveSource]:
    path = Path(path)
    source: ArchiveSource
    if path.is_dir() and not path.is_symlink():
        source = FolderSource(path)
    elif path.is_file():
        source = ZipSource(path)
    else:
        raise ArchiveError(_("{file} is neither an archive folder nor a ZIP").format(file=path))
    try:
        yield source
    finally:
        source.close()
