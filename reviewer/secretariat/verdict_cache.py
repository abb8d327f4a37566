"""The sheet import's cache of verdicts, kept in the session folder.

A verdict is stored by the file's SHA-256 and is only as good as what it was reached
with: the whole cache is keyed by the CA, the roster, the session and the program
version (``trust_key``), so a changed trust setting never reuses an old verdict.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from reviewer import __version__
from reviewer.base.atomic_file import write_atomically
from reviewer.base.i18n import _, language
from reviewer.people.session import Session

CACHE_FILE = "aggregate-cache.json"
CACHE_FORMAT = "reviewer-aggregate-cache"
CACHE_VERSION = 1
MAX_CACHE_BYTES = 512 * 1024 * 1024


def trust_key(session: Session) -> str:
    """What a cached verdict depends on besides the file: the CA, the roster, the code."""
    h = hashlib.sha256()
    h.update(session.ca_certificate.public_bytes(serialization.Encoding.DER))
    for entry in sorted(session.roster, key=lambda e: e.certificate_fingerprint):
        h.update(f"\n{entry.certificate_fingerprint}\t{entry.name}".encode())
    h.update(f"\n{session.id}\n{__version__}\n{CACHE_VERSION}".encode())
    return h.hexdigest()


class VerdictCache:
    """Verdicts by file SHA-256. A cache reached with another trust key, or unreadable,
    starts empty; ``note`` says why when people should know."""

    def __init__(self, path: Path | None, trust_key: str):
        self.path = path
        self.trust_key = trust_key
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: set[str] = set()
        self.dirty = False
        self.note: str | None = None
        if path is not None:
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            if not self.path.exists():
                return
            if self.path.stat().st_size > MAX_CACHE_BYTES:
                raise ValueError("too large")
            doc = json.loads(self.path.read_bytes().decode("utf-8"))
            if (
                doc.get("format") != CACHE_FORMAT
                or doc.get("version") != CACHE_VERSION
                or doc.get("trust") != self.trust_key
            ):
                # Another CA, roster or program version: every verdict is stale.
                self.dirty = True
                return
            entries = doc["entries"]
            if not isinstance(entries, dict):
                raise ValueError("entries")
            self.entries = entries
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            self.entries = {}
            self.dirty = True
            self.note = _("the verification cache was unreadable and is rebuilt")

    def get(self, sha256: str) -> dict[str, Any] | None:
        entry = self.entries.get(sha256)
        if entry is None or not _well_formed(entry):
            return None
        if entry.get("codes") and entry.get("lang") != language():
            # Reasons are stored translated; verify again rather than show another language.
            return None
        self.used.add(sha256)
        return entry

    def put(self, sha256: str, entry: dict[str, Any]) -> None:
        self.entries[sha256] = {**entry, "lang": language()}
        self.used.add(sha256)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        doc = {
            "format": CACHE_FORMAT,
            "version": CACHE_VERSION,
            "trust": self.trust_key,
            "entries": self.entries,
        }
        try:
            write_atomically(self.path, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            self.note = _("the verification cache could not be saved: {error}").format(
                error=exc.strerror or exc
            )


def _well_formed(entry: Any) -> bool:
    """A cache entry of the shape ``verify_pool.verify_bytes`` makes (the file may have
    been edited)."""
    if not isinstance(entry, dict):
        return False
    codes, reasons = entry.get("codes"), entry.get("reasons", [])
    if not isinstance(codes, list) or not isinstance(reasons, list):
        return False
    if not all(isinstance(x, str) for x in (*codes, *reasons)):
        return False
    for key in ("signer_name", "signer_cert_sha256", "data", "signing_time"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return False
    if entry.get("signing_time"):
        try:
            datetime.fromisoformat(entry["signing_time"])
        except ValueError:
            return False
    return bool(codes) or entry.get("data") is not None


__all__ = ["CACHE_FILE", "VerdictCache", "trust_key"]
