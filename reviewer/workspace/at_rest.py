"""Integrity of the workspace at rest, against someone holding a copy of the disk.

Three things, all keyed with sub-keys of the workspace key (so they can be made and
checked only with the passphrase):

- **Row MACs.** Every row of ``packs`` and ``reviews`` carries HMAC-SHA256 over its table,
  its clear columns (ids, version, status, flag, time), the write counter it was written
  at (``wseq``) and the SHA-256 of its sealed payload. Flipping a status from signed to
  complete, a version or a time, or pairing clear columns with another payload, is
  detected when the row is read.
- **The row set.** The sealed ``meta/state`` holds the XOR of a second, never-stored MAC
  of every row (``leaf``); each write updates it by XOR-ing the old row's leaf out and the
  new one in. Restoring one row from an older copy (its own MAC is genuine), deleting or
  adding one, changes the XOR; since the leaves are never on disk, no combination of old
  rows can be chosen to match it.
- **The write counter.** ``meta/state`` also holds a counter that every write transaction
  moves up by one. A copy of it is kept outside the database: in ``workspace.counter``
  beside it (authenticated, rewritten after every commit) and, where there is an OS
  keyring, in the keyring (at unlock and lock). A database whose counter is below either
  copy is an older database and is refused on unlock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.base.atomic_file import write_atomically
from reviewer.crypto.secret_store import SecretStore

STATE_FORMAT = 2
ROW_KEY = "workspace rows/2"
LEAF_KEY = "workspace row set/2"
COUNTER_KEY = "workspace counter/1"
COUNTER_FILE = "workspace.counter"
COUNTER_FORMAT = "reviewer-workspace-counter"
COUNTER_FORMAT_VERSION = 1
COUNTER_MAX_BYTES = 4096
EMPTY_ROOT = bytes(32)

REVIEW_COLUMNS = (
    "session_id",
    "candidate_id",
    "pack_id",
    "version",
    "status",
    "flagged",
    "updated_at",
)
PACK_COLUMNS = ("pack_id", "session_id", "manifest_sha256", "imported_at")


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_mac(key: bytes, table: str, columns: tuple, wseq: int, payload: bytes) -> str:
    message = _canonical([table, *columns, wseq, hashlib.sha256(payload).hexdigest()])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def leaf(key: bytes, table: str, row_key: tuple, mac: str | None) -> bytes:
    """A row's contribution to the row set (zero for a row that is not there)."""
    if mac is None:
        return EMPTY_ROOT
    return hmac.new(key, _canonical([table, *row_key, mac]), hashlib.sha256).digest()


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


@dataclass
class State:
    """The sealed ``meta/state``: which workspace, how many writes, which rows."""

    workspace_id: str
    counter: int
    root: bytes
    audit: tuple[int, str]

    def to_doc(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "workspace_id": self.workspace_id,
            "counter": self.counter,
            "root": self.root.hex(),
            "audit": list(self.audit),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> State:
        return cls(
            str(doc["workspace_id"]),
            int(doc["counter"]),
            bytes.fromhex(doc["root"]),
            (int(doc["audit"][0]), str(doc["audit"][1])),
        )

    @classmethod
    def new(cls, audit: tuple[int, str]) -> State:
        return cls(str(uuid.uuid4()), 0, EMPTY_ROOT, audit)


def _counter_mac(key: bytes, workspace_id: str, counter: int) -> str:
    message = _canonical([COUNTER_FORMAT, COUNTER_FORMAT_VERSION, workspace_id, counter])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Outside:
    """What a copy of the counter outside the database says."""

    counter: int | None  # None: nothing usable there
    problem: str = ""  # "missing", "unreadable", "foreign" (not this workspace's MAC)


def read_counter_file(path: Path, key: bytes, workspace_id: str) -> Outside:
    try:
        with open(path, "rb") as fh:
            data = fh.read(COUNTER_MAX_BYTES + 1)
    except FileNotFoundError:
        return Outside(None, "missing")
    except OSError:
        return Outside(None, "unreadable")
    try:
        doc = json.loads(data)
        if len(data) > COUNTER_MAX_BYTES or doc["format"] != COUNTER_FORMAT:
            raise ValueError("format")
        if doc["format_version"] != COUNTER_FORMAT_VERSION:
            raise ValueError("version")
        counter, mac, found_id = doc["counter"], doc["mac"], doc["workspace_id"]
        if not isinstance(counter, int) or not isinstance(mac, str):
            raise ValueError("types")
    except (ValueError, KeyError, TypeError):
        return Outside(None, "unreadable")
    if found_id != workspace_id or not hmac.compare_digest(
        _counter_mac(key, workspace_id, counter), mac
    ):
        return Outside(None, "foreign")
    return Outside(counter)


COUNTER_FILE_BYTES = 512  # padded, so that an in-place rewrite never changes its size


def write_counter_file(
    path: Path, key: bytes, workspace_id: str, counter: int, *, durable: bool
) -> None:
    """After every commit (``durable=False``): overwritten in place, one write of a
    fixed-size block into the page cache, no fsync (a rename per edit would cost more
    than the edit). The database is committed and durable first, so a crash can only
    leave the file older (harmless: only a counter *above* the database's is refused)
    or torn (then unreadable: recorded, and rewritten at unlock). At unlock and lock
    (``durable=True``): written beside, fsynced and renamed over it."""
    doc = {
        "format": COUNTER_FORMAT,
        "format_version": COUNTER_FORMAT_VERSION,
        "workspace_id": workspace_id,
        "counter": counter,
        "mac": _counter_mac(key, workspace_id, counter),
    }
    data = (_canonical(doc) + b"\n").ljust(COUNTER_FILE_BYTES, b" ")
    if not durable:
        try:
            fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            pass  # written whole below
        else:
            try:
                os.write(fd, data)  # at offset 0, the same size as before
            finally:
                os.close(fd)
            return
    write_atomically(path, data, private=True)


def _store_name(workspace_id: str) -> str:
    return f"workspace-counter:{workspace_id}"


def read_stored_counter(store: SecretStore, key: bytes, workspace_id: str) -> Outside:
    value = store.get(_store_name(workspace_id))
    if value is None:
        return Outside(None, "missing")
    counter_text, _sep, mac = value.partition(":")
    try:
        counter = int(counter_text)
    except ValueError:
        return Outside(None, "unreadable")
    if not hmac.compare_digest(_counter_mac(key, workspace_id, counter), mac):
        return Outside(None, "foreign")
    return Outside(counter)


def store_counter(store: SecretStore, key: bytes, workspace_id: str, counter: int) -> None:
    store.set(_store_name(workspace_id), f"{counter}:{_counter_mac(key, workspace_id, counter)}")
