"""The reviewer's workspace: where scoring lives between opening a pack and signing.

Every change is saved as it is made, as one transaction holding the new review and its
audit event. Confidential values (candidate details, rubrics, reviews, events) are
sealed with the workspace key (see ``vault``); the key exists in memory only while the
workspace is unlocked, and ``lock()`` forgets it together with everything decrypted.

API (all methods raise ``WorkspaceError`` subclasses with a translated message):
    ws = Workspace.open(home)                  # opens the database, locked
    ws.initialise(passphrase)                  # first use only
    ws.unlock(passphrase); ws.lock(); ws.close()
    ws.import_pack(PackInfo) -> ImportResult   # new pack, resumed pack, or newer pack
    ws.pack(pack_id) -> PackInfo; ws.packs() -> list[PackSummary]
    ws.candidates(pack_id) -> list[CandidateEntry]; ws.candidate_entry(pack_id, cid)
    ws.review(pack_id, candidate_id) -> Review
    ws.save_review(pack_id, review) -> Evaluation   # validated by the scoring core
    ws.record_viewing(pack_id, cid, sha, start_ms, end_ms, duration_ms) -> ViewingRecord
    ws.viewing_record(pack_id, cid, sha); ws.candidate_viewing(pack_id, cid)
    ws.record(EventKind, **data); ws.events(); ws.verify_log()

The records it hands out are in ``workspace_model``; the audit events of a review edit
are worked out in ``review_changes``. What protects the database at rest beyond sealing
(row MACs, the row set, the write counter and its copies outside the database) is in
``at_rest``: every write goes through ``_write()``, which moves the counter, and every
row read is checked against its MAC.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewer.base.i18n import _
from reviewer.base.private_paths import make_private_dir
from reviewer.crypto.secret_store import SecretStore
from reviewer.crypto.vault import (
    MAX_MEMORY_KIB,
    MAX_PARALLELISM,
    MAX_TIME_COST,
    KdfParams,
    Vault,
    VaultError,
    WrongPassphrase,
    unwrap_key,
    wrap_key,
)
from reviewer.review.review_json import review_from_dict, review_to_dict
from reviewer.review.scoring import Evaluation, Review, evaluate
from reviewer.review.viewing import (
    AudiovisualWork,
    CandidateViewing,
    ViewingDataError,
    ViewingError,
    ViewingRecord,
    scores_needing_viewing,
    viewing_refusal,
)
from reviewer.rubric.file import RubricError, rubric_from_canonical
from reviewer.rubric.model import Rubric
from reviewer.workspace import at_rest, viewings
from reviewer.workspace.at_rest import (
    COUNTER_FILE,
    PACK_COLUMNS,
    REVIEW_COLUMNS,
    Outside,
    State,
    leaf,
    row_mac,
    xor,
)
from reviewer.workspace.audit import GENESIS, AuditEvent, ChainReport, EventKind, link, verify_chain
from reviewer.workspace.changes import review_changes
from reviewer.workspace.db import (
    DB_NAME,
    SCHEMA_VERSION,
    WorkspaceDbError,
    checkpoint,
    connect,
    repair_modes,
)
from reviewer.workspace.errors import (
    WorkspaceDiskFull,
    WorkspaceError,
    WorkspaceIOError,
    WorkspaceReadOnly,
    WorkspaceWriteError,
    write_error,
)
from reviewer.workspace.instance_lock import InstanceLock, WorkspaceInUse
from reviewer.workspace.model import (
    CandidateEntry,
    CandidateInfo,
    ImportResult,
    PackInfo,
    PackSummary,
    ReservedSheet,
    ReviewHistory,
    SignedSheet,
    Status,
    reserved_sheet_in,
    signed_sheets_in,
    status_of,
)

__all__ = [
    "ReviewRejected",
    "ViewingRequired",
    "Workspace",
    "WorkspaceDiskFull",
    "WorkspaceError",
    "WorkspaceIOError",
    "WorkspaceInUse",
    "WorkspaceLocked",
    "WorkspaceReadOnly",
    "WorkspaceRolledBack",
    "WorkspaceTampered",
    "WorkspaceWriteError",
]


class WorkspaceLocked(WorkspaceError):
    def __init__(self) -> None:
        super().__init__(_("the workspace is locked; unlock it with your passphrase"))


class ReviewRejected(WorkspaceError):
    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        super().__init__("; ".join(str(p) for p in evaluation.problems))


class ViewingRequired(WorkspaceError):
    """A score on representative works set before the session's minimum share of each
    audiovisual work was watched; the message names the works and what was watched."""


class WorkspaceTampered(WorkspaceError):
    """A row, the row set or the workspace's state was changed outside the app."""


class WorkspaceRolledBack(WorkspaceError):
    """The database is older than a copy of its write counter kept outside it."""


# The workspace has always been written with these (KdfParams' defaults); stored ones
# below them would weaken the next key wrapped with them.
_KDF_FLOOR = KdfParams(salt=b"")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _ReviewRow:
    """A review's row, its MAC checked: the opened payload and the clear columns."""

    doc: dict[str, Any]
    version: int
    status: str
    clear: tuple
    mac: str


@dataclass
class _Txn:
    """One write transaction: the state it started from, moved on by one write."""

    state: State
    leaf_key: bytes

    @property
    def wseq(self) -> int:
        return self.state.counter

    def replace(self, table: str, row_key: tuple, old_mac: str | None, new_mac: str) -> None:
        """Move the row set from a row's old MAC (None: no row) to its new one."""
        old = leaf(self.leaf_key, table, row_key, old_mac)
        new = leaf(self.leaf_key, table, row_key, new_mac)
        self.state.root = xor(self.state.root, xor(old, new))


class Workspace:
    def __init__(self, home: Path, secrets: SecretStore | None = None):
        self.home = home
        self._lock = threading.RLock()
        self._instance: InstanceLock | None = None
        try:
            self._repaired = make_private_dir(home)
            self._instance = InstanceLock.acquire(home)  # one process at a time
            self._db = connect(home / DB_NAME)
            self._repaired += repair_modes(home / DB_NAME)
        except BaseException as exc:
            if self._instance is not None:
                self._instance.release()
            if isinstance(exc, WorkspaceDbError):
                raise WorkspaceError(str(exc)) from None
            if isinstance(exc, OSError):
                raise WorkspaceError(
                    _("cannot open the workspace in {path}: {error}").format(
                        path=home, error=exc.strerror
                    )
                ) from None
            raise
        self._secrets = secrets
        self._vault: Vault | None = None
        self._sub_keys: dict[str, bytes] = {}
        self._packs: dict[str, PackInfo] = {}
        self._closed = False

    @classmethod
    def open(cls, home: Path, secrets: SecretStore | None = None) -> Workspace:
        """``secrets``: where a copy of the write counter is kept (the OS keyring), if
        anywhere; the counter file beside the database is kept either way."""
        return cls(home, secrets)

    # --- keys ------------------------------------------------------------------------

    def _meta(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    @property
    def initialised(self) -> bool:
        return self._meta("wrapped_key") is not None

    @property
    def unlocked(self) -> bool:
        return self._vault is not None

    def initialise(self, passphrase: str) -> None:
        with self._lock:
            if self.initialised:
                raise WorkspaceError(_("the workspace already exists"))
            params = KdfParams.new()
            key = Vault.new_key()
            self._vault = Vault(key)
            try:
                with self._write(State.new((0, GENESIS))):
                    self._db.execute(
                        "INSERT INTO meta VALUES ('kdf', ?)",
                        [json.dumps(params.to_dict()).encode()],
                    )
                    self._db.execute(
                        "INSERT INTO meta VALUES ('wrapped_key', ?)",
                        [wrap_key(params, passphrase, key)],
                    )
                    self._append_event(EventKind.WORKSPACE_CREATED)
            except BaseException:
                self._forget()
                raise
            self._remember_counter()

    def _kdf_params(self, blob: bytes) -> KdfParams:
        """The stored Argon2id parameters, refused unless within bounds (they are read
        before anything can be authenticated, and an attacker may have set them)."""
        try:
            params = KdfParams.from_dict(json.loads(blob))
        except VaultError as exc:
            raise WorkspaceTampered(str(exc)) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise WorkspaceTampered(
                _("the workspace's key derivation parameters are damaged")
            ) from None
        if not params.within_bounds(_KDF_FLOOR.time_cost, _KDF_FLOOR.memory_kib):
            raise WorkspaceTampered(
                _(
                    "the workspace asks for key derivation costs outside the allowed range "
                    "({time} passes, {memory} MiB, {lanes} lanes, {salt}-byte salt; allowed: "
                    "{tmin}–{tmax} passes, {mmin}–{mmax} MiB, 1–{lmax} lanes, a salt of at "
                    "least 16 bytes); it was altered outside the app and is not opened"
                ).format(
                    time=params.time_cost,
                    memory=params.memory_kib // 1024,
                    lanes=params.parallelism,
                    salt=len(params.salt),
                    tmin=_KDF_FLOOR.time_cost,
                    tmax=MAX_TIME_COST,
                    mmin=_KDF_FLOOR.memory_kib // 1024,
                    mmax=MAX_MEMORY_KIB // 1024,
                    lmax=MAX_PARALLELISM,
                )
            )
        return params

    def unlock(self, passphrase: str) -> None:
        with self._lock:
            wrapped, kdf = self._meta("wrapped_key"), self._meta("kdf")
            if wrapped is None or kdf is None:
                raise WorkspaceError(_("there is no workspace here yet"))
            try:
                key = unwrap_key(self._kdf_params(kdf), passphrase, wrapped)
            except WrongPassphrase:
                raise WorkspaceError(_("wrong passphrase")) from None
            self._vault = Vault(key)
            try:
                unchecked = self._check_at_rest()
            except BaseException:
                self._forget()
                raise
            try:
                with self._write():
                    self._append_event(EventKind.UNLOCKED)
                    for problem in unchecked:
                        self._append_event(EventKind.ROLLBACK_UNCHECKED, state=problem)
                    if self._repaired:
                        self._append_event(
                            EventKind.PERMISSIONS_REPAIRED, paths=", ".join(self._repaired)
                        )
            except BaseException:  # e.g. a full disk: not unlocked without its record
                self._forget()
                raise
            self._repaired = []
            self._remember_counter()

    def _v(self) -> Vault:
        if self._vault is None:
            raise WorkspaceLocked()
        return self._vault

    def flush(self) -> None:
        """Every save is already committed; this makes sure the WAL is on disk too."""
        with self._lock, self._writing():
            checkpoint(self._db)

    def _mac_key(self, purpose: str) -> bytes:
        """A sub-key of the workspace key (HKDF), derived once per unlock."""
        key = self._sub_keys.get(purpose)
        if key is None:
            key = self._sub_keys[purpose] = self._v().mac_key(purpose)
        return key

    def _forget(self) -> None:
        self._sub_keys.clear()
        if self._vault is not None:
            self._vault.drop()
        self._vault = None
        self._packs.clear()

    def lock(self) -> None:
        with self._lock:
            if self._vault is None:
                return
            try:
                self.record(EventKind.LOCKED)
                with self._writing():
                    checkpoint(self._db)
                    self._remember_counter()
            finally:  # the key goes even when the lock cannot be recorded
                self._forget()

    def close(self) -> None:
        """Lock, fold the WAL in and close; the database is closed even when the lock
        cannot be recorded (that error is raised after)."""
        with self._lock:
            if self._closed:
                return
            try:
                self.lock()
                with self._writing():
                    checkpoint(self._db)
            finally:
                self._db.conn.close()
                self._closed = True
                if self._instance is not None:
                    self._instance.release()

    # --- integrity at rest (see at_rest) ---------------------------------------------

    def _state(self) -> State | None:
        blob = self._meta("state")
        if blob is None:
            return None
        try:
            return State.from_doc(self._v().unseal_json(blob, "meta/state"))
        except VaultError:
            raise WorkspaceTampered(
                _("the workspace's state (write counter and row set) was altered outside the app")
            ) from None
        except (ValueError, KeyError, TypeError, IndexError):
            raise WorkspaceTampered(_("the workspace's state is damaged")) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn the computer's refusal to write (a full disk, a read-only folder, an I/O
        error) into a ``WorkspaceWriteError``, rolling back what was begun."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            error = write_error(exc, self.home)
            if error is None:
                raise
            conn = self._db.conn
            if conn.in_transaction:  # SQLite may have rolled back already
                with suppress(sqlite3.Error):
                    conn.rollback()
            raise error from None

    @contextmanager
    def _write(self, start: State | None = None) -> Iterator[_Txn]:
        """One write transaction: moves the write counter on by one, keeps the row set
        and the audit head in the sealed state, then updates the counter file. If the
        computer refuses the write, nothing of it is saved (``WorkspaceWriteError``)."""
        with self._lock, self._writing():
            vault = self._v()
            with self._db.conn:
                self._db.execute("BEGIN IMMEDIATE")
                state = start or self._state()
                if state is None:
                    raise WorkspaceTampered(_("the workspace's state is missing"))
                state.counter += 1
                txn = _Txn(state, self._mac_key(at_rest.LEAF_KEY))
                yield txn
                state.audit = self._head()
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('state', ?)",
                    [vault.seal_json(state.to_doc(), "meta/state")],
                )
            self._write_counter_file(state, durable=False)

    def _write_counter_file(self, state: State, *, durable: bool) -> None:
        # The database is committed; a stale copy only weakens the next check.
        with suppress(OSError):
            at_rest.write_counter_file(
                self.home / COUNTER_FILE,
                self._mac_key(at_rest.COUNTER_KEY),
                state.workspace_id,
                state.counter,
                durable=durable,
            )

    def _remember_counter(self) -> None:
        """The counter file, durably, and the keyring copy, at unlock and lock."""
        state = self._state()
        if state is None:
            return
        self._write_counter_file(state, durable=True)
        if self._secrets is not None and self._secrets.available:
            at_rest.store_counter(
                self._secrets,
                self._mac_key(at_rest.COUNTER_KEY),
                state.workspace_id,
                state.counter,
            )

    def _review_mac(self, row: tuple, wseq: int, payload: bytes) -> str:
        return row_mac(self._mac_key(at_rest.ROW_KEY), "reviews", row, wseq, payload)

    def _pack_mac(self, row: tuple, wseq: int, payload: bytes) -> str:
        return row_mac(self._mac_key(at_rest.ROW_KEY), "packs", row, wseq, payload)

    def _check_review_row(self, row: tuple) -> None:
        """``row``: REVIEW_COLUMNS, payload, wseq, mac."""
        *clear, payload, wseq, mac = row
        if mac is None or wseq is None or self._review_mac(tuple(clear), wseq, payload) != mac:
            raise WorkspaceTampered(
                _(
                    "the saved review of candidate {candidate} (session {session}) was altered "
                    "outside the app: its status, version, time, flag or sealed contents do not "
                    "match its authentication code"
                ).format(candidate=clear[1], session=clear[0])
            )

    def _check_pack_row(self, row: tuple) -> None:
        """``row``: PACK_COLUMNS, payload, wseq, mac."""
        *clear, payload, wseq, mac = row
        if mac is None or wseq is None or self._pack_mac(tuple(clear), wseq, payload) != mac:
            raise WorkspaceTampered(
                _(
                    "pack {id} in the workspace was altered outside the app: its session, "
                    "manifest fingerprint, import time or sealed contents do not match its "
                    "authentication code"
                ).format(id=clear[0])
            )

    def _viewing_mac(self, vid: str, wseq: int, payload: bytes) -> str:
        return row_mac(self._mac_key(at_rest.ROW_KEY), viewings.TABLE, (vid,), wseq, payload)

    def _check_viewing_row(self, row: tuple) -> None:
        """``row``: vid, payload, wseq, mac."""
        vid, payload, wseq, mac = row
        if mac is None or wseq is None or self._viewing_mac(vid, wseq, payload) != mac:
            raise WorkspaceTampered(
                _(
                    "a saved record of what was watched was altered outside the app: its "
                    "sealed contents do not match its authentication code"
                )
            )

    _REVIEW_SELECT = f"SELECT {', '.join(REVIEW_COLUMNS)}, payload, wseq, mac FROM reviews"
    _PACK_SELECT = f"SELECT {', '.join(PACK_COLUMNS)}, payload, wseq, mac FROM packs"

    def _put_review(self, txn: _Txn, clear: tuple, payload: bytes, old_mac: str | None) -> None:
        mac = self._review_mac(clear, txn.wseq, payload)
        self._db.execute(
            f"INSERT OR REPLACE INTO reviews ({', '.join(REVIEW_COLUMNS)}, payload, wseq, mac)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*clear, payload, txn.wseq, mac],
        )
        txn.replace("reviews", clear[:2], old_mac, mac)

    def _put_pack(
        self, txn: _Txn, clear: tuple, payload: bytes, old_mac: str | None = None
    ) -> None:
        """A new pack's row, or (``old_mac``: the row there) the same pack's row again."""
        mac = self._pack_mac(clear, txn.wseq, payload)
        verb = "INSERT" if old_mac is None else "INSERT OR REPLACE"
        self._db.execute(
            f"{verb} INTO packs ({', '.join(PACK_COLUMNS)}, payload, wseq, mac)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [*clear, payload, txn.wseq, mac],
        )
        txn.replace("packs", clear[:1], old_mac, mac)

    def _put_viewing(self, txn: _Txn, vid: str, payload: bytes, old_mac: str | None) -> None:
        mac = self._viewing_mac(vid, txn.wseq, payload)
        self._db.execute(
            "INSERT OR REPLACE INTO viewings (vid, payload, wseq, mac) VALUES (?, ?, ?, ?)",
            [vid, payload, txn.wseq, mac],
        )
        txn.replace(viewings.TABLE, (vid,), old_mac, mac)

    def _check_at_rest(self) -> list[str]:
        """At unlock: upgrade a workspace of format 1; check every row, the row set, the
        audit head and the counter against its copies outside the database. Returns the
        copies that could not be used (for the audit log)."""
        counter_key = self._mac_key(at_rest.COUNTER_KEY)
        state = self._state()
        if state is None:
            self._upgrade()
            state = self._state()
            assert state is not None
        leaf_key = self._mac_key(at_rest.LEAF_KEY)
        root = at_rest.EMPTY_ROOT
        for row in self._db.execute(self._PACK_SELECT).fetchall():
            self._check_pack_row(row)
            root = xor(root, leaf(leaf_key, "packs", (row[0],), row[-1]))
        for row in self._db.execute(self._REVIEW_SELECT).fetchall():
            self._check_review_row(row)
            root = xor(root, leaf(leaf_key, "reviews", (row[0], row[1]), row[-1]))
        for row in self._db.execute(viewings.SELECT).fetchall():
            self._check_viewing_row(row)
            root = xor(root, leaf(leaf_key, viewings.TABLE, (row[0],), row[-1]))
        if root != state.root:
            raise WorkspaceTampered(
                _(
                    "the workspace was altered outside the app: a saved pack, review or "
                    "viewing record was removed, added, or put back from an older copy of "
                    "the database"
                )
            )
        try:
            head = self._head()
        except VaultError:
            head = (-1, "")
        if head != state.audit:
            raise WorkspaceTampered(
                _("the workspace's audit log head was altered or put back from an older copy")
            )
        copies: list[tuple[str, Outside]] = [
            (
                _("the counter file {file}").format(file=self.home / COUNTER_FILE),
                at_rest.read_counter_file(
                    self.home / COUNTER_FILE, counter_key, state.workspace_id
                ),
            )
        ]
        if self._secrets is not None and self._secrets.available:
            copies.append(
                (
                    _("the OS keyring"),
                    at_rest.read_stored_counter(self._secrets, counter_key, state.workspace_id),
                )
            )
        unchecked = []
        for where, outside in copies:
            if outside.problem == "foreign":
                raise WorkspaceRolledBack(
                    _(
                        "{where} holds the write counter of another workspace or was altered: "
                        "this database may have been replaced by another copy; it is not opened"
                    ).format(where=where)
                )
            if outside.counter is None:
                unchecked.append(f"{outside.problem}: {where}")
            elif outside.counter > state.counter:
                raise WorkspaceRolledBack(
                    _(
                        "the workspace database is older than the one this laptop last saw "
                        "(write {found}, but {where} records write {expected}): it was rolled "
                        "back or replaced by an older copy, and work saved since may be "
                        "missing; it is not opened; tell the secretariat"
                    ).format(found=state.counter, where=where, expected=outside.counter)
                )
        return unchecked

    def _upgrade(self) -> None:
        """Format 1 to 2, at the first unlock after the schema migration: authenticate
        the rows as they are and start the counter. Refused if a counter file says this
        workspace was already upgraded (its state was removed)."""
        if (self.home / COUNTER_FILE).exists():
            raise WorkspaceTampered(
                _(
                    "the workspace's state is missing although {file} shows it had one: the "
                    "database was altered outside the app"
                ).format(file=self.home / COUNTER_FILE)
            )
        with self._write(State.new(self._head())) as txn:
            for row in self._db.execute(self._PACK_SELECT).fetchall():
                clear, payload = tuple(row[: len(PACK_COLUMNS)]), row[len(PACK_COLUMNS)]
                mac = self._pack_mac(clear, txn.wseq, payload)
                self._db.execute(
                    "UPDATE packs SET wseq = ?, mac = ? WHERE pack_id = ?",
                    [txn.wseq, mac, clear[0]],
                )
                txn.replace("packs", clear[:1], None, mac)
            for row in self._db.execute(self._REVIEW_SELECT).fetchall():
                clear, payload = tuple(row[: len(REVIEW_COLUMNS)]), row[len(REVIEW_COLUMNS)]
                mac = self._review_mac(clear, txn.wseq, payload)
                self._db.execute(
                    "UPDATE reviews SET wseq = ?, mac = ? WHERE session_id = ? AND"
                    " candidate_id = ?",
                    [txn.wseq, mac, clear[0], clear[1]],
                )
                txn.replace("reviews", clear[:2], None, mac)
            self._append_event(EventKind.WORKSPACE_UPGRADED, old=1, new=SCHEMA_VERSION)

    # --- audit -----------------------------------------------------------------------

    def _head(self) -> tuple[int, str]:
        blob = self._meta("audit_head")
        if blob is None:
            return 0, GENESIS
        doc = self._v().unseal_json(blob, "meta/audit_head")
        return int(doc["seq"]), str(doc["mac"])

    def _append_event(self, kind: EventKind, **data: Any) -> None:
        """Inside a transaction: add one event and move the sealed head."""
        vault = self._v()
        seq, previous = self._head()
        event = AuditEvent(seq + 1, _now(), kind, data)
        mac = link(vault.mac_key("audit"), previous, event)
        payload = vault.seal_json({"kind": kind.value, "data": data}, f"events/{event.seq}")
        self._db.execute(
            "INSERT INTO events (seq, at, payload, mac) VALUES (?, ?, ?, ?)",
            [event.seq, event.at, payload, mac],
        )
        head = vault.seal_json({"seq": event.seq, "mac": mac}, "meta/audit_head")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)", [head])

    def record(self, kind: EventKind, **data: Any) -> None:
        with self._write():
            self._append_event(kind, **data)

    def _rows(self) -> list[tuple[AuditEvent | None, str]]:
        vault = self._v()
        rows: list[tuple[AuditEvent | None, str]] = []
        for seq, at, payload, mac in self._db.execute(
            "SELECT seq, at, payload, mac FROM events ORDER BY rowid"
        ):
            try:
                doc = vault.unseal_json(payload, f"events/{seq}")
                rows.append((AuditEvent(seq, at, EventKind(doc["kind"]), doc["data"]), mac))
            except (VaultError, KeyError, ValueError):
                rows.append((None, mac))
        return rows

    def events(self) -> list[AuditEvent]:
        with self._lock:
            return [e for e, _mac in self._rows() if e is not None]

    def verify_log(self) -> ChainReport:
        with self._lock:
            vault = self._v()
            try:
                head = self._head()
            except VaultError:
                head = (-1, "")
            return verify_chain(vault.mac_key("audit"), self._rows(), head)

    # --- packs -----------------------------------------------------------------------

    def _seal_pack(self, pack: PackInfo) -> bytes:
        doc = {
            "session_name": pack.session_name,
            "rubrics": [r.canonical() for r in pack.rubrics],
            "candidates": [
                {
                    "id": c.candidate_id,
                    "rubric_id": c.rubric_id,
                    "name": c.name,
                    "details": dict(c.details),
                    "audiovisual": [
                        {
                            "number": w.number,
                            "title": w.title,
                            "sha256": w.sha256,
                            "stated_duration_ms": w.stated_duration_ms,
                        }
                        for w in c.audiovisual
                    ],
                }
                for c in pack.candidates
            ],
            "min_watched_percent": pack.min_watched_percent,
        }
        return self._v().seal_json(doc, f"packs/{pack.pack_id}")

    def pack(self, pack_id: str) -> PackInfo:
        with self._lock:
            if pack_id in self._packs:
                return self._packs[pack_id]
            row = self._pack_row(pack_id)
            if row is None:
                raise WorkspaceError(_("no pack {id} in this workspace").format(id=pack_id))
            doc = self._v().unseal_json(row[4], f"packs/{pack_id}")
            try:
                rubrics = tuple(rubric_from_canonical(r) for r in doc["rubrics"])
            except RubricError as exc:
                raise WorkspaceError(exc.report()) from None
            info = PackInfo(
                pack_id=pack_id,
                session_id=row[1],
                session_name=doc["session_name"],
                manifest_sha256=row[2],
                rubrics=rubrics,
                candidates=tuple(
                    CandidateInfo(
                        c["id"],
                        c["rubric_id"],
                        c["name"],
                        c["details"],
                        # Kept since schema 3; a pack kept before has them again once
                        # it is opened (``import_pack``).
                        tuple(
                            AudiovisualWork(
                                w["number"], w["title"], w["sha256"], w["stated_duration_ms"]
                            )
                            for w in c.get("audiovisual", ())
                        ),
                    )
                    for c in doc["candidates"]
                ),
                min_watched_percent=doc.get("min_watched_percent"),
            )
            self._packs[pack_id] = info
            return info

    def _pack_row(self, pack_id: str) -> tuple | None:
        """PACK_COLUMNS, payload, wseq, mac of one pack, its MAC checked."""
        row = self._db.execute(self._PACK_SELECT + " WHERE pack_id = ?", [pack_id]).fetchone()
        if row is not None:
            self._check_pack_row(row)
        return row

    def packs(self) -> list[PackSummary]:
        with self._lock:
            self._v()
            rows = self._db.execute(self._PACK_SELECT + " ORDER BY imported_at").fetchall()
            for row in rows:
                self._check_pack_row(row)
            return [PackSummary(row[0], row[1], row[3]) for row in rows]

    def import_pack(self, pack: PackInfo) -> ImportResult:
        """Register a pack. The same pack again resumes; a newer pack of the same session
        carries each review over where the candidate and its rubric are unchanged and
        flags the rest for the reviewer, never dropping any."""
        with self._lock:
            self._v()
            known = self._pack_row(pack.pack_id)
            if known is not None:
                if known[2] != pack.manifest_sha256:
                    raise WorkspaceError(
                        _(
                            "pack {id} was imported before with different contents; "
                            "ask the secretariat which one is valid"
                        ).format(id=pack.pack_id)
                    )
                # Kept by a build before viewing records: the same manifest's audiovisual
                # works and minimum are kept now.
                refresh = self.pack(pack.pack_id).viewing_terms() != pack.viewing_terms()
                with self._write() as txn:
                    if refresh:
                        clear = tuple(known[: len(PACK_COLUMNS)])
                        self._put_pack(txn, clear, self._seal_pack(pack), known[-1])
                    self._append_event(EventKind.PACK_OPENED, pack_id=pack.pack_id)
                if refresh:
                    self._packs[pack.pack_id] = pack
                return ImportResult(pack.pack_id, resumed=True)
            carried, flagged = [], []
            with self._write() as txn:
                self._put_pack(
                    txn,
                    (pack.pack_id, pack.session_id, pack.manifest_sha256, _now()),
                    self._seal_pack(pack),
                )
                self._append_event(
                    EventKind.PACK_IMPORTED, pack_id=pack.pack_id, session_id=pack.session_id
                )
                rows = self._db.execute(
                    self._REVIEW_SELECT + " WHERE session_id = ?", [pack.session_id]
                ).fetchall()
                for row in rows:
                    self._check_review_row(row)
                    clear, blob, old_mac = row[: len(REVIEW_COLUMNS)], row[-3], row[-1]
                    candidate_id = clear[1]
                    where = f"reviews/{pack.session_id}/{candidate_id}"
                    doc = self._v().unseal_json(blob, where)
                    candidate = pack.candidate(candidate_id)
                    rubric = pack.rubric(candidate.rubric_id) if candidate else None
                    if candidate is None:
                        reason = _("the candidate is not in the new pack")
                    elif rubric is None or rubric.fingerprint != doc["rubric_fingerprint"]:
                        reason = _("the rubric for this candidate changed in the new pack")
                    else:
                        reason = None
                    if reason is None:
                        carried.append(candidate_id)
                        moved = (*clear[:2], pack.pack_id, *clear[3:])
                        self._put_review(txn, moved, blob, old_mac)
                        self._append_event(
                            EventKind.REVIEW_CARRIED_OVER,
                            candidate_id=candidate_id,
                            pack_id=pack.pack_id,
                        )
                    else:
                        flagged.append(candidate_id)
                        doc["flag"] = reason
                        marked = (*clear[:5], 1, clear[6])
                        self._put_review(txn, marked, self._v().seal_json(doc, where), old_mac)
                        self._append_event(
                            EventKind.REVIEW_FLAGGED, candidate_id=candidate_id, reason=reason
                        )
            self._packs[pack.pack_id] = pack
            return ImportResult(pack.pack_id, False, tuple(carried), tuple(flagged))

    # --- reviews ---------------------------------------------------------------------

    def _review_row(self, session_id: str, candidate_id: str) -> _ReviewRow | None:
        row = self._db.execute(
            self._REVIEW_SELECT + " WHERE session_id = ? AND candidate_id = ?",
            [session_id, candidate_id],
        ).fetchone()
        if row is None:
            return None
        self._check_review_row(row)
        doc = self._v().unseal_json(row[-3], f"reviews/{session_id}/{candidate_id}")
        return _ReviewRow(doc, row[3], row[4], tuple(row[: len(REVIEW_COLUMNS)]), row[-1])

    def _rubric_for(self, pack: PackInfo, candidate_id: str) -> tuple[CandidateInfo, Rubric]:
        candidate = pack.candidate(candidate_id)
        if candidate is None:
            raise WorkspaceError(
                _("no candidate {id} in pack {pack}").format(id=candidate_id, pack=pack.pack_id)
            )
        rubric = pack.rubric(candidate.rubric_id)
        if rubric is None:
            raise WorkspaceError(_("the pack has no rubric {id}").format(id=candidate.rubric_id))
        return candidate, rubric

    def review(self, pack_id: str, candidate_id: str) -> Review:
        with self._lock:
            pack = self.pack(pack_id)
            candidate, rubric = self._rubric_for(pack, candidate_id)
            row = self._review_row(pack.session_id, candidate_id)
            if row is None:
                return Review(candidate_id, rubric.id)
            return review_from_dict(row.doc["review"])

    def evaluation(self, pack_id: str, candidate_id: str) -> Evaluation:
        with self._lock:
            pack = self.pack(pack_id)
            _candidate, rubric = self._rubric_for(pack, candidate_id)
            return evaluate(rubric, self.review(pack_id, candidate_id))

    def candidates(self, pack_id: str) -> list[CandidateEntry]:
        with self._lock:
            pack = self.pack(pack_id)
            return [self._entry(pack, c) for c in pack.candidates]

    def candidate_entry(self, pack_id: str, candidate_id: str) -> CandidateEntry:
        """One candidate's list entry (after an edit, without re-reading every review)."""
        with self._lock:
            pack = self.pack(pack_id)
            candidate = pack.candidate(candidate_id)
            if candidate is None:
                raise WorkspaceError(
                    _("no candidate {id} in pack {pack}").format(id=candidate_id, pack=pack_id)
                )
            return self._entry(pack, candidate)

    def _entry(self, pack: PackInfo, c: CandidateInfo) -> CandidateEntry:
        row = self._review_row(pack.session_id, c.candidate_id)
        rubric = pack.rubric(c.rubric_id)
        if row is None or rubric is None:
            return CandidateEntry(
                c.candidate_id, c.name, c.rubric_id, Status.NOT_STARTED, 1, None, None
            )
        doc, version, status = row.doc, row.version, row.status
        ev = evaluate(rubric, review_from_dict(doc["review"]))
        return CandidateEntry(
            c.candidate_id,
            c.name,
            c.rubric_id,
            Status(status),
            version,
            doc.get("flag"),
            ev.total_display,
        )

    def signed_sheets(self, pack_id: str, candidate_id: str) -> list[SignedSheet]:
        """The sheets signed for this candidate so far, oldest first."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            return [] if row is None else signed_sheets_in(row.doc)

    def sheet_version(self, pack_id: str, candidate_id: str) -> int:
        """The version a sheet signed now would carry."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            return 1 if row is None else row.version

    def reserved_sheet(self, pack_id: str, candidate_id: str) -> ReservedSheet | None:
        """The sheet signed for this candidate whose file is not yet known to be written."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            return None if row is None else reserved_sheet_in(row.doc)

    def reserve_sheet(self, pack_id: str, candidate_id: str, sheet: ReservedSheet) -> None:
        """Keep a sheet just signed, sealed, before its file is written: its version is
        taken from then on (a later change makes version + 1), and until
        ``mark_signed`` every export writes these same bytes again."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            if row is None or row.version != sheet.version:
                raise WorkspaceError(
                    _("the review changed while it was being signed; sign it again")
                )
            if reserved_sheet_in(row.doc) is not None:
                raise WorkspaceError(
                    _("another sheet of this candidate is waiting to be written; export it first")
                )
            if any(s.version == sheet.version for s in signed_sheets_in(row.doc)):
                raise WorkspaceError(
                    _("version {v} of this sheet is already signed").format(v=sheet.version)
                )
            doc = dict(row.doc)
            doc["reserved"] = sheet.to_doc()
            where = f"reviews/{pack.session_id}/{candidate_id}"
            with self._write() as txn:
                clear = (*row.clear[:6], _now())
                self._put_review(txn, clear, self._v().seal_json(doc, where), row.mac)
                self._append_event(
                    EventKind.SHEET_SIGNED, candidate_id=candidate_id, version=sheet.version
                )

    def mark_signed(
        self, pack_id: str, candidate_id: str, version: int, sha256: str, file: str
    ) -> None:
        """The reserved sheet's file is written: record it as signed. If the review has
        not changed since, its status becomes signed."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            reserved = None if row is None else reserved_sheet_in(row.doc)
            if (
                row is None
                or reserved is None
                or (reserved.version, reserved.sha256)
                != (
                    version,
                    sha256,
                )
            ):
                raise WorkspaceError(
                    _("no sheet of version {v} is waiting to be recorded").format(v=version)
                )
            doc = dict(row.doc)
            reserved_doc = doc.pop("reserved")
            doc["signed_version"] = max(version, doc.get("signed_version") or 0)
            entry = {"version": version, "sha256": sha256, "file": file}
            if "review_json" in reserved_doc:
                entry["review_json"] = reserved_doc["review_json"]
            doc["signed"] = [*doc.get("signed", []), entry]
            where = f"reviews/{pack.session_id}/{candidate_id}"
            status = Status.SIGNED.value if row.version == version else row.status
            with self._write() as txn:
                clear = (*row.clear[:4], status, row.clear[5], _now())
                self._put_review(txn, clear, self._v().seal_json(doc, where), row.mac)
                self._append_event(EventKind.SHEET_EXPORTED, candidate_id=candidate_id, file=file)

    def note_exported_again(self, pack_id: str, candidate_id: str, file: str) -> None:
        """A signed version's file written again (the first was lost): in the audit log."""
        with self._lock:
            self.pack(pack_id)
            with self._write():
                self._append_event(EventKind.SHEET_EXPORTED, candidate_id=candidate_id, file=file)

    def seal_unsaved(self, pack_id: str, reviews: list[Review]) -> bytes:
        """Edits the computer refused to write, sealed under the workspace key so that
        the GUI can keep them in memory across a lock (when the key is gone) and write
        them after the next unlock (``open_unsaved``)."""
        with self._lock:
            doc = {"pack_id": pack_id, "reviews": [review_to_dict(r) for r in reviews]}
            return self._v().seal_json(doc, "unsaved")

    def open_unsaved(self, blob: bytes) -> tuple[str, list[Review]]:
        with self._lock:
            doc = self._v().unseal_json(blob, "unsaved")
            return doc["pack_id"], [review_from_dict(r) for r in doc["reviews"]]

    def seal_screen(
        self, pack_id: str, current: str | None, histories: Sequence[ReviewHistory]
    ) -> bytes:
        """The chosen candidate and the undo histories, sealed like ``seal_unsaved``: kept
        in memory across a lock without a readable review in it."""
        with self._lock:
            doc = {
                "pack_id": pack_id,
                "current": current,
                "histories": [
                    {
                        "candidate_id": h.candidate_id,
                        "index": h.index,
                        "edits": [[review_to_dict(b), review_to_dict(a)] for b, a in h.edits],
                    }
                    for h in histories
                ],
            }
            return self._v().seal_json(doc, "screen")

    def open_screen(self, blob: bytes) -> tuple[str, str | None, list[ReviewHistory]]:
        with self._lock:
            doc = self._v().unseal_json(blob, "screen")
            histories = [
                ReviewHistory(
                    h["candidate_id"],
                    tuple((review_from_dict(b), review_from_dict(a)) for b, a in h["edits"]),
                    h["index"],
                )
                for h in doc["histories"]
            ]
            return doc["pack_id"], doc["current"], histories

    def save_review(self, pack_id: str, review: Review) -> Evaluation:
        """Validate with the scoring core and save, with its audit events, in one
        transaction. Invalid values are refused (nothing saved); missing ones are fine."""
        with self._lock:
            pack = self.pack(pack_id)
            _candidate, rubric = self._rubric_for(pack, review.candidate_id)
            ev = evaluate(rubric, review)
            if ev.problems:
                raise ReviewRejected(ev)
            row = self._review_row(pack.session_id, review.candidate_id)
            old = (
                review_from_dict(row.doc["review"])
                if row
                else Review(review.candidate_id, rubric.id)
            )
            if row is not None and old == review:
                return ev
            self._check_viewing_rule(pack, rubric, old, review)
            doc = dict(row.doc) if row else {}
            version = row.version if row else 1
            reserved = reserved_sheet_in(doc)
            taken = max(doc.get("signed_version") or 0, reserved.version if reserved else 0)
            if taken >= version:
                version = taken + 1  # a change after signing makes a new version
            doc.update({"review": review_to_dict(review), "rubric_fingerprint": rubric.fingerprint})
            doc.pop("flag", None)
            status = status_of(ev, review, signed=False)
            where = f"reviews/{pack.session_id}/{review.candidate_id}"
            with self._write() as txn:
                clear = (
                    pack.session_id,
                    review.candidate_id,
                    pack_id,
                    version,
                    status.value,
                    0,
                    _now(),
                )
                self._put_review(
                    txn, clear, self._v().seal_json(doc, where), row.mac if row else None
                )
                for kind, data in review_changes(old, review):
                    self._append_event(kind, candidate_id=review.candidate_id, **data)
            return ev

    def _check_viewing_rule(self, pack: PackInfo, rubric: Rubric, old: Review, new: Review) -> None:
        """Refuse a score on representative works set before the session's minimum share
        of each audiovisual work was watched (``review.viewing``)."""
        if pack.min_watched_percent is None:
            return
        criteria = scores_needing_viewing(rubric, old, new)
        candidate = pack.candidate(new.candidate_id)
        if not criteria or candidate is None:
            return
        message = viewing_refusal(self._candidate_viewing(pack, candidate), criteria)
        if message is not None:
            raise ViewingRequired(message)

    # --- what was watched (see viewings) ---------------------------------------------

    def _viewing_row(
        self, session_id: str, candidate_id: str, sha256: str
    ) -> tuple[str, ViewingRecord | None, str | None]:
        """The row's key, its record and MAC (None, None: no record yet), MAC checked."""
        key = self._mac_key(viewings.ID_KEY)
        vid = viewings.viewing_id(key, session_id, candidate_id, sha256)
        row = self._db.execute(viewings.SELECT + " WHERE vid = ?", [vid]).fetchone()
        if row is None:
            return vid, None, None
        self._check_viewing_row(row)
        doc = self._v().unseal_json(row[1], viewings.place(vid))
        try:
            record = viewings.record_in(doc, session_id, candidate_id, sha256)
        except ViewingDataError:
            raise WorkspaceTampered(
                _("a saved record of what was watched is damaged or belongs to another work")
            ) from None
        return vid, record, row[3]

    def viewing_record(self, pack_id: str, candidate_id: str, sha256: str) -> ViewingRecord | None:
        """What was watched of one work (None: nothing yet)."""
        with self._lock:
            pack = self.pack(pack_id)
            return self._viewing_row(pack.session_id, candidate_id, sha256)[1]

    def record_viewing(
        self,
        pack_id: str,
        candidate_id: str,
        sha256: str,
        start_ms: int,
        end_ms: int,
        duration_ms: int,
    ) -> ViewingRecord:
        """Add a span played (``[start_ms, end_ms)`` of a work ``duration_ms`` long) to
        the work's record, in one transaction; returns the record. Whether the reviewer
        may play the work is the station's business; a span that adds nothing writes
        nothing."""
        with self._lock:
            pack = self.pack(pack_id)
            if pack.candidate(candidate_id) is None:
                raise WorkspaceError(
                    _("no candidate {id} in pack {pack}").format(id=candidate_id, pack=pack_id)
                )
            vid, old, old_mac = self._viewing_row(pack.session_id, candidate_id, sha256)
            try:
                start = old or ViewingRecord.new(sha256, duration_ms)
                new = start.add(start_ms, end_ms, duration_ms)
            except (ViewingError, ViewingDataError) as exc:
                raise WorkspaceError(str(exc)) from None
            if new == old:
                return new
            doc = viewings.payload_doc(pack.session_id, candidate_id, new)
            with self._write() as txn:
                self._put_viewing(txn, vid, self._v().seal_json(doc, viewings.place(vid)), old_mac)
            return new

    def _candidate_viewing(self, pack: PackInfo, candidate: CandidateInfo) -> CandidateViewing:
        records = {}
        for work in candidate.audiovisual:
            record = self._viewing_row(pack.session_id, candidate.candidate_id, work.sha256)[1]
            if record is not None:
                records[work.sha256] = record
        return CandidateViewing.of(pack.min_watched_percent, candidate.audiovisual, records)

    def candidate_viewing(self, pack_id: str, candidate_id: str) -> CandidateViewing:
        """What was watched of the candidate's audiovisual works, and the minimum."""
        with self._lock:
            pack = self.pack(pack_id)
            candidate = pack.candidate(candidate_id)
            if candidate is None:
                raise WorkspaceError(
                    _("no candidate {id} in pack {pack}").format(id=candidate_id, pack=pack_id)
                )
            return self._candidate_viewing(pack, candidate)
