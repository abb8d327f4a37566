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
    ws.record(EventKind, **data); ws.events(); ws.verify_log()

The records it hands out are in ``workspace_model``; the audit events of a review edit
are worked out in ``review_changes``.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto.vault import (
    KdfParams,
    Vault,
    VaultError,
    WrongPassphrase,
    unwrap_key,
    wrap_key,
)
from reviewer.review.review_json import review_from_dict, review_to_dict
from reviewer.review.scoring import Evaluation, Review, evaluate
from reviewer.rubric.file import RubricError, rubric_from_canonical
from reviewer.rubric.model import Rubric
from reviewer.workspace.audit import GENESIS, AuditEvent, ChainReport, EventKind, link, verify_chain
from reviewer.workspace.changes import review_changes
from reviewer.workspace.db import DB_NAME, WorkspaceDbError, checkpoint, connect
from reviewer.workspace.model import (
    CandidateEntry,
    CandidateInfo,
    ImportResult,
    PackInfo,
    PackSummary,
    SignedSheet,
    Status,
    signed_sheets_in,
    status_of,
)


class WorkspaceError(ReviewerError):
    pass


class WorkspaceLocked(WorkspaceError):
    def __init__(self) -> None:
        super().__init__(_("the workspace is locked; unlock it with your passphrase"))


class ReviewRejected(WorkspaceError):
    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        super().__init__("; ".join(str(p) for p in evaluation.problems))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Workspace:
    def __init__(self, home: Path):
        self.home = home
        self._lock = threading.RLock()
        try:
            home.mkdir(parents=True, exist_ok=True)
            self._db = connect(home / DB_NAME)
        except WorkspaceDbError as exc:
            raise WorkspaceError(str(exc)) from None
        except OSError as exc:
            raise WorkspaceError(
                _("cannot open the workspace in {path}: {error}").format(
                    path=home, error=exc.strerror
                )
            ) from None
        self._vault: Vault | None = None
        self._packs: dict[str, PackInfo] = {}
        self._closed = False

    @classmethod
    def open(cls, home: Path) -> Workspace:
        return cls(home)

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
            with self._db.conn:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO meta VALUES ('kdf', ?)", [json.dumps(params.to_dict()).encode()]
                )
                self._db.execute(
                    "INSERT INTO meta VALUES ('wrapped_key', ?)",
                    [wrap_key(params, passphrase, key)],
                )
            self._vault = Vault(key)
            self.record(EventKind.WORKSPACE_CREATED)

    def unlock(self, passphrase: str) -> None:
        with self._lock:
            wrapped, kdf = self._meta("wrapped_key"), self._meta("kdf")
            if wrapped is None or kdf is None:
                raise WorkspaceError(_("there is no workspace here yet"))
            try:
                key = unwrap_key(KdfParams.from_dict(json.loads(kdf)), passphrase, wrapped)
            except WrongPassphrase:
                raise WorkspaceError(_("wrong passphrase")) from None
            self._vault = Vault(key)
            self.record(EventKind.UNLOCKED)

    def _v(self) -> Vault:
        if self._vault is None:
            raise WorkspaceLocked()
        return self._vault

    def flush(self) -> None:
        """Every save is already committed; this makes sure the WAL is on disk too."""
        with self._lock:
            checkpoint(self._db)

    def lock(self) -> None:
        with self._lock:
            if self._vault is None:
                return
            try:
                self.record(EventKind.LOCKED)
                checkpoint(self._db)
            finally:  # the key goes even when the lock cannot be recorded
                self._vault.drop()
                self._vault = None
                self._packs.clear()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.lock()
            checkpoint(self._db)
            self._db.conn.close()
            self._closed = True

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
        with self._lock, self._db.conn:
            self._db.execute("BEGIN IMMEDIATE")
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
                }
                for c in pack.candidates
            ],
        }
        return self._v().seal_json(doc, f"packs/{pack.pack_id}")

    def pack(self, pack_id: str) -> PackInfo:
        with self._lock:
            if pack_id in self._packs:
                return self._packs[pack_id]
            row = self._db.execute(
                "SELECT session_id, manifest_sha256, payload FROM packs WHERE pack_id = ?",
                [pack_id],
            ).fetchone()
            if row is None:
                raise WorkspaceError(_("no pack {id} in this workspace").format(id=pack_id))
            doc = self._v().unseal_json(row[2], f"packs/{pack_id}")
            try:
                rubrics = tuple(rubric_from_canonical(r) for r in doc["rubrics"])
            except RubricError as exc:
                raise WorkspaceError(exc.report()) from None
            info = PackInfo(
                pack_id=pack_id,
                session_id=row[0],
                session_name=doc["session_name"],
                manifest_sha256=row[1],
                rubrics=rubrics,
                candidates=tuple(
                    CandidateInfo(c["id"], c["rubric_id"], c["name"], c["details"])
                    for c in doc["candidates"]
                ),
            )
            self._packs[pack_id] = info
            return info

    def packs(self) -> list[PackSummary]:
        with self._lock:
            return [
                PackSummary(*row)
                for row in self._db.execute(
                    "SELECT pack_id, session_id, imported_at FROM packs ORDER BY imported_at"
                )
            ]

    def import_pack(self, pack: PackInfo) -> ImportResult:
        """Register a pack. The same pack again resumes; a newer pack of the same session
        carries each review over where the candidate and its rubric are unchanged and
        flags the rest for the reviewer, never dropping any."""
        with self._lock:
            self._v()
            known = self._db.execute(
                "SELECT manifest_sha256 FROM packs WHERE pack_id = ?", [pack.pack_id]
            ).fetchone()
            if known is not None:
                if known[0] != pack.manifest_sha256:
                    raise WorkspaceError(
                        _(
                            "pack {id} was imported before with different contents; "
                            "ask the secretariat which one is valid"
                        ).format(id=pack.pack_id)
                    )
                self.record(EventKind.PACK_OPENED, pack_id=pack.pack_id)
                return ImportResult(pack.pack_id, resumed=True)
            carried, flagged = [], []
            with self._db.conn:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO packs VALUES (?, ?, ?, ?, ?)",
                    [
                        pack.pack_id,
                        pack.session_id,
                        pack.manifest_sha256,
                        _now(),
                        self._seal_pack(pack),
                    ],
                )
                self._append_event(
                    EventKind.PACK_IMPORTED, pack_id=pack.pack_id, session_id=pack.session_id
                )
                rows = self._db.execute(
                    "SELECT candidate_id, payload FROM reviews WHERE session_id = ?",
                    [pack.session_id],
                ).fetchall()
                for candidate_id, blob in rows:
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
                        self._db.execute(
                            "UPDATE reviews SET pack_id = ? WHERE session_id = ? AND"
                            " candidate_id = ?",
                            [pack.pack_id, pack.session_id, candidate_id],
                        )
                        self._append_event(
                            EventKind.REVIEW_CARRIED_OVER,
                            candidate_id=candidate_id,
                            pack_id=pack.pack_id,
                        )
                    else:
                        flagged.append(candidate_id)
                        doc["flag"] = reason
                        self._db.execute(
                            "UPDATE reviews SET flagged = 1, payload = ? WHERE session_id = ?"
                            " AND candidate_id = ?",
                            [self._v().seal_json(doc, where), pack.session_id, candidate_id],
                        )
                        self._append_event(
                            EventKind.REVIEW_FLAGGED, candidate_id=candidate_id, reason=reason
                        )
            self._packs[pack.pack_id] = pack
            return ImportResult(pack.pack_id, False, tuple(carried), tuple(flagged))

    # --- reviews ---------------------------------------------------------------------

    def _review_row(self, session_id: str, candidate_id: str) -> tuple[dict, int, str] | None:
        row = self._db.execute(
            "SELECT payload, version, status FROM reviews WHERE session_id = ? AND"
            " candidate_id = ?",
            [session_id, candidate_id],
        ).fetchone()
        if row is None:
            return None
        doc = self._v().unseal_json(row[0], f"reviews/{session_id}/{candidate_id}")
        return doc, row[1], row[2]

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
            return review_from_dict(row[0]["review"])

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
        doc, version, status = row
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
            return [] if row is None else signed_sheets_in(row[0])

    def sheet_version(self, pack_id: str, candidate_id: str) -> int:
        """The version a sheet signed now would carry."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            return 1 if row is None else row[1]

    def mark_signed(
        self, pack_id: str, candidate_id: str, version: int, sha256: str, file: str
    ) -> None:
        """Lock the version just signed: a later change makes version + 1."""
        with self._lock:
            pack = self.pack(pack_id)
            row = self._review_row(pack.session_id, candidate_id)
            if row is None or row[1] != version:
                raise WorkspaceError(
                    _("the review changed while it was being signed; sign it again")
                )
            doc = dict(row[0])
            doc["signed_version"] = version
            doc["signed"] = [
                *doc.get("signed", []),
                {"version": version, "sha256": sha256, "file": file},
            ]
            where = f"reviews/{pack.session_id}/{candidate_id}"
            with self._db.conn:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "UPDATE reviews SET status = ?, updated_at = ?, payload = ? WHERE"
                    " session_id = ? AND candidate_id = ?",
                    [
                        Status.SIGNED.value,
                        _now(),
                        self._v().seal_json(doc, where),
                        pack.session_id,
                        candidate_id,
                    ],
                )
                self._append_event(
                    EventKind.SHEET_SIGNED, candidate_id=candidate_id, version=version
                )
                self._append_event(EventKind.SHEET_EXPORTED, candidate_id=candidate_id, file=file)

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
                review_from_dict(row[0]["review"])
                if row
                else Review(review.candidate_id, rubric.id)
            )
            if row is not None and old == review:
                return ev
            doc = dict(row[0]) if row else {}
            version = row[1] if row else 1
            signed_version = doc.get("signed_version")
            if signed_version is not None and signed_version >= version:
                version = signed_version + 1  # a change after signing makes a new version
            doc.update({"review": review_to_dict(review), "rubric_fingerprint": rubric.fingerprint})
            doc.pop("flag", None)
            status = status_of(ev, review, signed=False)
            where = f"reviews/{pack.session_id}/{review.candidate_id}"
            with self._db.conn:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    [
                        pack.session_id,
                        review.candidate_id,
                        pack_id,
                        version,
                        status.value,
                        _now(),
                        self._v().seal_json(doc, where),
                    ],
                )
                for kind, data in review_changes(old, review):
                    self._append_event(kind, candidate_id=review.candidate_id, **data)
            return ev
