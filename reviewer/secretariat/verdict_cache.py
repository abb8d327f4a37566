"""The sheet import's cache of verdicts, kept in the session folder.

A verdict is stored by the file's SHA-256 and is only as good as what it was reached
with: the whole cache is keyed by the CA, the roster, the session and the program
version (``trust_key``), so a changed trust setting never reuses an old verdict.

The session folder is not a safe place: anyone who can write to it could plant or edit
verdicts, and a sealed session's reviews must not lie there in the clear. So the cache
holds **verdicts only** (codes, reasons, signer, signing time, the SHA-256 of the
review data; never the review itself: after a hit the data is read again from the sheet
and must have that hash), each entry authenticated with HMAC-SHA256 under a key derived
(HKDF) from the secretariat's private key (``cache_key``); the file is mode 0600. Without
the key (the secretariat not unlocked) the cache is neither read nor written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reviewer import __version__
from reviewer.base.atomic_file import write_atomically
from reviewer.base.i18n import _, language
from reviewer.people.session import Session

CACHE_FILE = "aggregate-cache.json"
CACHE_FORMAT = "reviewer-aggregate-cache"
CACHE_VERSION = 2
MAX_CACHE_BYTES = 64 * 1024 * 1024


def trust_key(session: Session) -> str:
    """What a cached verdict depends on besides the file: the CA, the roster, the code."""
    h = hashlib.sha256()
    h.update(session.ca_certificate.public_bytes(serialization.Encoding.DER))
    for entry in sorted(session.roster, key=lambda e: e.certificate_fingerprint):
        h.update(f"\n{entry.certificate_fingerprint}\t{entry.name}".encode())
    h.update(f"\n{session.id}\n{__version__}\n{CACHE_VERSION}".encode())
    return h.hexdigest()


def cache_key(secretariat_key: ec.EllipticCurvePrivateKey, session_id: str) -> bytes:
    """The cache's MAC key: HKDF-SHA256 from the secretariat's private key, so only
    whoever can open that key (the session passphrase) can write verdicts it trusts."""
    secret = secretariat_key.private_numbers().private_value.to_bytes(48, "big")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"reviewer-workstation aggregate-cache v{CACHE_VERSION} {session_id}".encode(),
    ).derive(secret)


# What an entry may hold: nothing confidential (no scores, no comments).
_FIELDS = (
    "codes",
    "reasons",
    "signer_name",
    "signer_cert_sha256",
    "signing_time",
    "signed_sha256",
    "notes",
    "data_sha256",
    "lang",
)


def _mac(key: bytes, trust: str, sha256: str, entry: dict[str, Any]) -> str:
    body = json.dumps(
        {"trust": trust, "file": sha256, "entry": {k: entry.get(k) for k in _FIELDS}},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return hmac.new(key, body, hashlib.sha256).hexdigest()


class VerdictCache:
    """Verdicts by file SHA-256. A cache reached with another trust key, or unreadable,
    starts empty; an entry whose MAC does not verify is ignored; ``note`` says why when
    people should know. ``path`` or ``key`` None: no cache at all."""

    def __init__(self, path: Path | None, trust_key: str, key: bytes | None = None):
        self.path = path if key is not None else None
        self.trust_key = trust_key
        self.key = key
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: set[str] = set()
        self.dirty = False
        self.note: str | None = None
        if self.path is not None:
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
                # Another CA, roster or program version (or a v1 cache holding reviews
                # in the clear): every verdict is stale, and the file is rewritten.
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
        """The verdict for the file, if one was stored and authenticates. A verdict
        that counts has no ``data``: the caller reads it from the file, checking
        ``data_sha256``."""
        if self.key is None:
            return None
        entry = self.entries.get(sha256)
        if entry is None or not _well_formed(entry):
            return None
        mac = entry.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(
            mac, _mac(self.key, self.trust_key, sha256, entry)
        ):
            return None  # planted or edited: verified again
        if entry.get("codes") and entry.get("lang") != language():
            # Reasons are stored translated; verify again rather than show another language.
            return None
        self.used.add(sha256)
        return {k: entry.get(k) for k in _FIELDS}

    def put(self, sha256: str, verdict: dict[str, Any]) -> None:
        if self.key is None:
            return
        data = verdict.get("data")
        entry: dict[str, Any] = {k: verdict.get(k) for k in _FIELDS}
        entry["lang"] = language()
        entry["data_sha256"] = (
            hashlib.sha256(_b64(data)).hexdigest() if isinstance(data, str) else None
        )
        entry["mac"] = _mac(self.key, self.trust_key, sha256, entry)
        self.entries[sha256] = entry
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
            write_atomically(
                self.path, json.dumps(doc, ensure_ascii=False).encode("utf-8"), private=True
            )
        except OSError as exc:
            self.note = _("the verification cache could not be saved: {error}").format(
                error=exc.strerror or exc
            )


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


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
    for key in ("signer_name", "signer_cert_sha256", "data_sha256", "signing_time"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return False
    if entry.get("signing_time"):
        try:
            datetime.fromisoformat(entry["signing_time"])
        except ValueError:
            return False
    return bool(codes) or entry.get("data_sha256") is not None


__all__ = ["CACHE_FILE", "VerdictCache", "cache_key", "trust_key"]
