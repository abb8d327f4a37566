"""``archive-manifest.json``: what an archive holds, file by file, and its strict reader.

Canonical JSON (sorted keys, no spaces, UTF-8), so the bytes the secretariat signs are
the bytes any reader re-derives. Every path is relative, ``/``-separated, NFC, without
``.``/``..`` parts, backslashes, colons or control characters: a hostile manifest cannot
point a verifier outside the archive.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json

MANIFEST_FILE = "archive-manifest.json"
SIGNATURE_FILE = "archive-manifest.json.sig"
FORMAT = "reviewer-archive-manifest"
VERSION = 1
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_FILES = 200_000
MAX_PATH_CHARS = 400
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\:\ud800-\udfff]")


class ArchiveError(ReviewerError):
    """An archive that cannot be built or does not verify; ``problems`` name each file."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PackEntry:
    """A dossier pack the session sent out, named by its hash (the pack itself, large
    and encrypted to the reviewers, stays where it is)."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    session_id: str
    session_name: str
    created: str
    files: tuple[FileEntry, ...]
    packs: tuple[PackEntry, ...]

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "session": self.session_id,
            "session_name": self.session_name,
            "created": self.created,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
            "packs": [{"name": p.name, "size": p.size, "sha256": p.sha256} for p in self.packs],
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a file of an archive, or None."""
    parts = path.split("/")
    if not path or len(path) > MAX_PATH_CHARS:
        return _("the path is empty or too long")
    if unicodedata.normalize("NFC", path) != path:
        return _("the path is not in Unicode NFC form")
    if _BAD_CHARS.search(path) or any(p in ("", ".", "..") for p in parts):
        return _("the path is not a plain relative path")
    if path in (MANIFEST_FILE, SIGNATURE_FILE):
        return _("the path is the manifest's own")
    return None


def _entry(raw: Any, keys: tuple[str, str, str]) -> tuple[str, int, str] | None:
    if not isinstance(raw, dict) or set(raw) != set(keys):
        return None
    name, size, digest = (raw[k] for k in keys)
    if (
        not isinstance(name, str)
        or type(size) is not int
        or size < 0
        or not isinstance(digest, str)
        or not _SHA256.match(digest)
    ):
        return None
    return name, size, digest


def parse_manifest(data: bytes) -> Manifest:
    """The manifest read strictly; every bad entry is named."""
    try:
        doc = load_json(data, MAX_MANIFEST_BYTES)
    except StrictJsonError as exc:
        raise ArchiveError(
            _("the archive manifest is unreadable: {error}").format(error=exc)
        ) from None
    keys = {"format", "version", "session", "session_name", "created", "files", "packs"}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or set(doc) != keys:
        raise ArchiveError(_("this is not an archive manifest"))
    if doc["version"] != VERSION:
        raise ArchiveError(
            _("archive manifest version {v} is not supported").format(v=doc["version"])
        )
    if not all(isinstance(doc[k], str) for k in ("session", "session_name", "created")):
        raise ArchiveError(_("this is not an archive manifest"))
    if not isinstance(doc["files"], list) or not isinstance(doc["packs"], list):
        raise ArchiveError(_("this is not an archive manifest"))
    if len(doc["files"]) > MAX_FILES:
        raise ArchiveError(_("the archive manifest lists too many files"))
    problems: list[Problem] = []
    files: list[FileEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["files"]):
        entry = _entry(raw, ("path", "size", "sha256"))
        if entry is None:
            problems.append(Problem(f"files[{i}]", _("not a file entry")))
            continue
        why = path_problem(entry[0])
        if why:
            problems.append(Problem(entry[0], why))
        elif entry[0] in seen:
            problems.append(Problem(entry[0], _("listed twice")))
        else:
            seen.add(entry[0])
            files.append(FileEntry(*entry))
    packs: list[PackEntry] = []
    for i, raw in enumerate(doc["packs"]):
        entry = _entry(raw, ("name", "size", "sha256"))
        if entry is None:
            problems.append(Problem(f"packs[{i}]", _("not a pack entry")))
        else:
            packs.append(PackEntry(*entry))
    if problems:
        raise ArchiveError(_("the archive manifest is malformed"), problems)
    return Manifest(doc["session"], doc["session_name"], doc["created"], tuple(files), tuple(packs))
