"""Building an archive: every file copied and hashed in one pass (the manifest states
the bytes that were written, even if a source changes meanwhile), the manifest signed
by the secretariat (detached CMS, ``crypto.cms``), all into a folder or a ZIP.

The archive appears complete or not at all: a folder is built under a hidden name
beside ``out`` and renamed, a ZIP written to a hidden file and renamed; a build that
fails or is cancelled (``cancelled()`` is asked before each file) removes it. Both are
owner-only (0700 / 0600): they hold the sheets, whose scores are confidential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from reviewer.archive.contents import PLACES, Item, collect
from reviewer.archive.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    ArchiveError,
    FileEntry,
    Manifest,
    PackEntry,
)
from reviewer.archive.source import CHUNK, digest
from reviewer.base.i18n import _
from reviewer.base.private_paths import make_private_dir
from reviewer.crypto import cms
from reviewer.people.session import Session

_BIG = 1 << 30  # members over this get ZIP64 headers from the start
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class ArchiveCancelled(ArchiveError):
    """The secretary cancelled the build; nothing was written."""


@dataclass(frozen=True)
class BuiltArchive:
    path: Path
    manifest: Manifest


def _copy(src: IO[bytes], dst: IO[bytes]) -> FileEntry:
    sha = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        sha.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return FileEntry("", size, sha.hexdigest())


def _pack_entries(packs: Sequence[Path]) -> tuple[PackEntry, ...]:
    entries = []
    for path in packs:
        try:
            with path.open("rb") as fh:
                size, sha = digest(fh, path.stat().st_size)
        except OSError as exc:
            raise ArchiveError(
                _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
            ) from None
        entries.append(PackEntry(path.name, size, sha))
    return tuple(entries)


class _FolderWriter:
    def __init__(self, root: Path):
        self.root = root
        make_private_dir(root)

    def add(self, item: Item) -> FileEntry:
        target = self.root / item.path
        make_private_dir(target.parent)
        fd = os.open(target, _NEW_FILE, 0o600)
        with item.source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            entry = _copy(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        return FileEntry(item.path, entry.size, entry.sha256)

    def write(self, name: str, data: bytes) -> None:
        fd = os.open(self.root / name, _NEW_FILE, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        pass


class _ZipWriter:
    def __init__(self, path: Path):
        fd = os.open(path, _NEW_FILE, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._zip = zipfile.ZipFile(self._fh, "w", zipfile.ZIP_DEFLATED)

    def add(self, item: Item) -> FileEntry:
        big = item.source.stat().st_size > _BIG
        with item.source.open("rb") as src, self._zip.open(item.path, "w", force_zip64=big) as dst:
            entry = _copy(src, dst)
        return FileEntry(item.path, entry.size, entry.sha256)

    def write(self, name: str, data: bytes) -> None:
        self._zip.writestr(name, data)

    def close(self) -> None:
        self._zip.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()


def build_archive(
    session: Session,
    passphrase: str,
    out: Path,
    *,
    sheets: Sequence[Path] = (),
    ballots: Sequence[Path] = (),
    reports: Sequence[Path] = (),
    logs: Sequence[Path] = (),
    packs: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BuiltArchive:
    """Archive the session folder and the given folders or files into ``out`` (a ZIP
    when its name ends in ``.zip``, else a folder), with the signed manifest; the
    dossier packs are recorded by hash only."""
    out = Path(out)
    if out.exists() or out.is_symlink():
        raise ArchiveError(_("{file} already exists; choose a new name").format(file=out))
    extra = dict(zip(PLACES, (sheets, ballots, reports, logs), strict=True))
    items = collect(session.folder, extra)
    resolved_out = out.resolve()
    for root in (session.folder, *sheets, *ballots, *reports, *logs):
        if resolved_out.is_relative_to(root.resolve()):
            raise ArchiveError(
                _("the archive cannot be written inside {folder}, which it archives").format(
                    folder=root
                )
            )
    key = session.load_secretariat_key(passphrase)
    pack_entries = _pack_entries(packs)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.partial")
    writer = _ZipWriter(tmp) if out.suffix.lower() == ".zip" else _FolderWriter(tmp)
    try:
        entries = []
        for i, item in enumerate(items, start=1):
            if cancelled is not None and cancelled():
                raise ArchiveCancelled(
                    _("Building the archive was cancelled; nothing was written.")
                )
            try:
                entries.append(writer.add(item))
            except OSError as exc:
                raise ArchiveError(
                    _("cannot read {file}: {reason}").format(file=item.source, reason=exc.strerror)
                ) from None
            if progress:
                progress(i, len(items))
        manifest = Manifest(
            session.id,
            session.name,
            dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            tuple(entries),
            pack_entries,
        )
        data = manifest.to_bytes()
        writer.write(MANIFEST_FILE, data)
        writer.write(SIGNATURE_FILE, cms.sign_detached(data, key, session.secretariat_certificate))
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise
    return BuiltArchive(out, manifest)
