"""Importing a folder of signed review sheets for aggregation: verify every one, decide
which count.

Each ``*.pdf`` under the folder (recursively) is verified as ``reviewer sheet verify``
does (``sheet_verify.verify_sheet`` with the session CA and session id), then checked
against what the secretariat knows:

* the signer's certificate is on the session's roster (a certificate the CA issued to
  someone later removed, or never enrolled, does not count) and was not withdrawn;
* the sheet names a pack the secretariat built for the session (when packs are given;
  otherwise ``packs_checked`` is False and the reports say so);
* its rubric is one of the session's, with the same fingerprint; when a candidate list
  is given, it is the rubric of the candidate's category and the candidate is on it;
* its weighted total agrees with its own criterion scores (recomputed exactly).

Then, per (reviewer, candidate): identical files count once (the copies are listed as
duplicates); the highest version counts and the earlier ones are listed as superseded;
two different files claiming the same version are a conflict that holds back that
candidate's result (see ``aggregate``).

Verification runs in worker processes (``verify_pool``), its verdicts are cached in the
session folder (``verdict_cache``), and the refusals added here have their codes and
messages in ``refusals``. ``*.pdf.age`` (sealed sheets) are decrypted in memory with the
secretariat's sealing identity when it is given, then verified like any sheet; without
it they are refused.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives import serialization
from pyrage import x25519

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _, language
from reviewer.people.session import RosterEntry, Session
from reviewer.review.scoring import Outcome, evaluate, round_display
from reviewer.rubric.file import RubricError, bundled_rubrics
from reviewer.rubric.model import Rubric
from reviewer.secretariat.refusals import refusal_message
from reviewer.secretariat.verdict_cache import CACHE_FILE, VerdictCache, trust_key
from reviewer.secretariat.verify_pool import init_worker, verify_bytes, verify_parallel
from reviewer.sheet.data import SheetData, SheetError
from reviewer.sheet.verify import (
    MAX_SHEET_BYTES,
    SheetTrustError,
    load_trust_anchor,
    signed_review_json,
)

SHEET_SUFFIX = ".pdf"
SEALED_SUFFIX = ".pdf.age"
DEFAULT_WORKERS = 2
# Below this many sheets to verify, starting worker processes (each imports pyHanko,
# about a second) costs more than it saves.
MIN_PARALLEL = 12


class AggregateError(ReviewerError):
    """The import cannot start or go on (bad session, unreadable folder); for people."""


class ImportCancelled(Exception):
    """The caller's ``cancelled()`` returned True; nothing is returned."""


class SheetStatus(Enum):
    COUNTED = "counted"
    SUPERSEDED = "superseded"  # an earlier version; a later one counts
    DUPLICATE = "duplicate"  # an identical copy of a file that counts or is superseded
    REFUSED = "refused"
    CONFLICT = "conflict"  # two different files claim one version: the candidate is held


@dataclass(frozen=True)
class SheetRecord:
    """One file of the folder and what became of it."""

    path: str  # relative to the sheets folder, with "/" separators
    sha256: str | None  # None when the file could not be read
    status: SheetStatus
    codes: tuple[str, ...] = ()  # stable, one per reason
    reasons: tuple[str, ...] = ()  # translated, for people
    signer_name: str | None = None
    signer_cert_sha256: str | None = None
    signing_time: datetime | None = None
    data: SheetData | None = None
    reviewer: str | None = None  # the roster name of the signer
    duplicate_of: str | None = None  # path of the file this one is a copy of
    superseded_by: str | None = None  # path of the later version that counts
    # Remarks that do not refuse the sheet (its certificate has expired since signing).
    notes: tuple[str, ...] = ()
    # SHA-256 of what the signature covers: two files with the same one are copies of
    # one signed sheet (they can differ only in how the signature is stored).
    signed_sha256: str | None = None

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class VersionConflict:
    reviewer: str
    candidate_id: str
    version: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class ImportProgress:
    done: int
    total: int
    from_cache: int


@dataclass(frozen=True)
class ImportResult:
    session_id: str
    sheets_dir: Path
    records: tuple[SheetRecord, ...]
    conflicts: tuple[VersionConflict, ...]
    packs_checked: bool
    pack_ids: tuple[str, ...]
    candidates_checked: bool
    verified: int  # verified now
    from_cache: int  # taken from the cache
    cache_note: str | None = None  # why the cache could not be used or saved, if so
    rubrics: Mapping[str, Rubric] = field(default_factory=dict)  # by rubric id
    # Whom the given packs were built for (names); None: not known, the active roster.
    reviewers: tuple[str, ...] | None = None
    # Name → the candidates their packs hold (None: every one); None: not known.
    assigned: Mapping[str, frozenset[str] | None] | None = None

    def expects(self, reviewer: str, candidate_id: str) -> bool:
        """Whether a sheet from ``reviewer`` on the candidate is expected at all."""
        if self.assigned is None or reviewer not in self.assigned:
            return True
        held = self.assigned[reviewer]
        return held is None or candidate_id in held

    def with_status(self, status: SheetStatus) -> tuple[SheetRecord, ...]:
        return tuple(r for r in self.records if r.status is status)

    @property
    def counted(self) -> tuple[SheetRecord, ...]:
        return self.with_status(SheetStatus.COUNTED)

    @property
    def refused(self) -> tuple[SheetRecord, ...]:
        return self.with_status(SheetStatus.REFUSED)

    @property
    def superseded(self) -> tuple[SheetRecord, ...]:
        return self.with_status(SheetStatus.SUPERSEDED)

    @property
    def duplicates(self) -> tuple[SheetRecord, ...]:
        return self.with_status(SheetStatus.DUPLICATE)


# -- finding and reading files ---------------------------------------------------------


def find_sheet_files(folder: Path) -> list[Path]:
    """Every ``*.pdf`` and ``*.pdf.age`` file below the folder, sorted for a stable order
    (symbolic links and special files left out: see ``scan_sheet_folder``)."""
    return scan_sheet_folder(folder)[0]


def _is_sheet_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(SHEET_SUFFIX) or lower.endswith(SEALED_SUFFIX)


def scan_sheet_folder(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The sheet files below the folder, and what was skipped with the code of why.

    A USB stick is hostile: a symbolic link could point anywhere on the secretariat's
    machine (or make one sheet count twice), a FIFO or device would block the import
    on reading. They are never followed or opened; each is listed (``symlink``,
    ``not_a_file``), so the reports show it, and nothing is blocked."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for root, dirs, files in os.walk(folder):  # followlinks=False: links are not entered
        dirs.sort()
        for name in list(dirs):
            path = Path(root) / name
            if path.is_symlink():
                skipped.append((path, "symlink"))
        for name in sorted(files):
            path = Path(root) / name
            try:
                mode = path.lstat().st_mode
            except OSError:
                if _is_sheet_name(name):
                    skipped.append((path, "unreadable"))
                continue
            if stat.S_ISLNK(mode):
                skipped.append((path, "symlink"))
            elif not stat.S_ISREG(mode):
                skipped.append((path, "not_a_file"))
            elif _is_sheet_name(name):
                found.append(path)
    return found, skipped


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


def _refusal(path: str, sha256: str | None, *codes: str, **kw: Any) -> SheetRecord:
    return SheetRecord(
        path=path,
        sha256=sha256,
        status=SheetStatus.REFUSED,
        codes=codes,
        reasons=tuple(refusal_message(c) for c in codes),
        **kw,
    )


def _read(path: Path, sealing: x25519.Identity | None = None) -> bytes | str:
    """The sheet's PDF bytes (decrypted in memory if sealed), or the code of the reason
    they cannot be had."""
    try:
        # Not following a link, nor waiting on a FIFO, even if one replaced the file
        # since the folder was scanned.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError:
        return "symlink" if path.is_symlink() else "unreadable"
    try:
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                return "not_a_file"
            if info.st_size > MAX_SHEET_BYTES:
                return "too_large"
            data = fh.read(MAX_SHEET_BYTES + 1)
    except OSError:
        return "unreadable"
    if len(data) > MAX_SHEET_BYTES:
        return "too_large"
    if path.name.lower().endswith(SEALED_SUFFIX):
        if sealing is None:
            return "sealed"
        try:
            return pyrage.decrypt(data, [sealing])
        except pyrage.DecryptError:
            return "sealed_foreign"
    return data


def _with_data(cached: dict[str, Any] | None, pdf: bytes) -> dict[str, Any] | None:
    """A cached verdict with the review data read again from the sheet (the cache holds
    none); None, to verify the sheet again, if the data is not what was verified."""
    if cached is None or cached.get("codes"):
        return cached
    payload = signed_review_json(pdf)
    if payload is None:
        return None
    try:
        canonical = SheetData.from_json_bytes(payload).to_json_bytes()
    except SheetError:
        return None
    if hashlib.sha256(canonical).hexdigest() != cached.get("data_sha256"):
        return None
    return {**cached, "data": base64.b64encode(canonical).decode("ascii")}


# -- the import ------------------------------------------------------------------------


def session_rubrics(session: Session) -> dict[str, Rubric]:
    """The session's rubrics available here, by id (those whose fingerprint matches a
    bundled rubric); used to recompute totals exactly and to name criteria."""
    try:
        bundled = {r.fingerprint: r for r in bundled_rubrics()}
    except RubricError:
        return {}
    return {
        ref.id: bundled[ref.fingerprint] for ref in session.rubrics if ref.fingerprint in bundled
    }


def session_pack_ids(session: Session, packs: Iterable[Path]) -> list[str]:
    """The pack ids of ``packs`` (see ``session_packs``)."""
    return list(session_packs(session, packs))


def session_packs(session: Session, packs: Iterable[Path]) -> dict[str, str]:
    """Pack id → SHA-256 of its signed manifest, for each of ``packs`` (the ``*.rvpack``
    files the secretariat built), for ``import_sheets(pack_manifests=...)``;
    ``AggregateError`` if one cannot be read, is not signed under the session's CA, or
    was built for another session. No key is needed: the manifest's hash is the digest
    its signature vouches for."""
    from reviewer.pack.errors import PackError
    from reviewer.pack.reader import read_header, read_manifest_sha256  # not for verifiers

    found: dict[str, str] = {}
    for path in packs:
        try:
            header = read_header(Path(path))
            if header.session_id != session.id:
                raise AggregateError(
                    _("{file} was built for another session ({id})").format(
                        file=path, id=header.session_id
                    )
                )
            header, manifest_sha256 = read_manifest_sha256(Path(path), session.ca_certificate)
        except (PackError, OSError) as exc:
            raise AggregateError(
                _("{file}: not a readable pack: {error}").format(file=path, error=exc)
            ) from None
        found[header.pack_id] = manifest_sha256
    return found


def pack_reviewers(session: Session, pack_ids: Iterable[str]) -> tuple[str, ...] | None:
    """The names the packs were built for, from the session's own record of each build;
    None when a pack has none (built before the records were kept, or elsewhere)."""
    assigned = pack_assignment(session, pack_ids)
    return None if assigned is None else tuple(assigned)


def pack_assignment(
    session: Session, pack_ids: Iterable[str]
) -> dict[str, frozenset[str] | None] | None:
    """Each name the packs were built for → the candidate ids its packs hold (None:
    every candidate, a record older than assignments); None when a pack has no record."""
    from reviewer.people.session import SessionError, pack_record

    found: dict[str, frozenset[str] | None] = {}
    for pack_id in pack_ids:
        try:
            record = pack_record(session, pack_id)
        except SessionError as exc:
            raise AggregateError(str(exc)) from None
        if record is None:
            return None
        for name in record.names:
            held = found.get(name, frozenset())
            if record.candidates is None or held is None:
                found[name] = None
            else:
                found[name] = held | frozenset(record.candidates)
    return found


def import_sheets(
    session: Session,
    sheets_dir: Path,
    *,
    pack_ids: Iterable[str] | None = None,
    pack_manifests: Mapping[str, str] | None = None,
    candidate_categories: Mapping[str, str] | None = None,
    workers: int = DEFAULT_WORKERS,
    use_cache: bool = True,
    progress: Callable[[ImportProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    sealing: x25519.Identity | None = None,
    reviewers: Iterable[str] | None = None,
    assigned: Mapping[str, frozenset[str] | None] | None = None,
    cache_key: bytes | None = None,
) -> ImportResult:
    """Verify and sort every sheet under ``sheets_dir``.

    ``reviewers``: whom the packs were built for (``pack_reviewers``), from whom sheets
    are expected; kept in the result for the missing-sheet lists.
    ``assigned``: name → the candidates their packs hold (``pack_assignment``; None for
    a name: every candidate); a reviewer is not expected to review the others.
    ``cache_key``: the verdict cache's MAC key (``verdict_cache.cache_key``); without
    it the cache is neither read nor written (``use_cache`` needs both).

    ``sealing``: the secretariat's sealing identity, to open ``*.pdf.age`` sheets.
    ``pack_ids``: the packs the secretariat built for the session (None: not checked).
    ``pack_manifests``: pack id → SHA-256 of its signed manifest (``session_packs``);
    implies ``pack_ids`` (its keys) and refuses a sheet scored from another manifest.
    ``candidate_categories``: candidate id → rubric id from the candidate list (None: not
    checked). ``progress`` and ``cancelled`` are called from the calling thread between
    sheets; ``ImportCancelled`` is raised once ``cancelled()`` is true (what was
    verified by then is kept in the cache).
    """
    sheets_dir = Path(sheets_dir)
    if pack_manifests is not None:
        pack_ids = set(pack_ids or ()) | set(pack_manifests)
    if not sheets_dir.is_dir():
        raise AggregateError(_("{folder} is not a folder").format(folder=sheets_dir))
    try:
        load_trust_anchor(session.ca_certificate)
    except SheetTrustError as exc:
        raise AggregateError(str(exc)) from None
    try:
        files, skipped = scan_sheet_folder(sheets_dir)
    except OSError as exc:
        raise AggregateError(
            _("cannot read {folder}: {error}").format(folder=sheets_dir, error=exc.strerror or exc)
        ) from None
    report = progress or (lambda _p: None)
    stop = cancelled or (lambda: False)
    cache = VerdictCache(
        session.folder / CACHE_FILE if use_cache else None, trust_key(session), cache_key
    )
    total = len(files)
    verdicts: dict[int, dict[str, Any]] = {}
    early: dict[int, SheetRecord] = {}
    hashes: dict[int, str] = {}
    # Only indices are kept: the bytes are read again when their turn comes, so memory
    # stays flat however many sheets the folder holds.
    pending: list[int] = []
    done = from_cache = 0

    for index, path in enumerate(files):
        if stop():
            cache.save()
            raise ImportCancelled()
        rel = _relative(path, sheets_dir)
        data = _read(path, sealing)
        if isinstance(data, str):
            early[index] = _refusal(rel, None, data)
            done += 1
            continue
        digest = hashlib.sha256(data).hexdigest()
        hashes[index] = digest
        cached = _with_data(cache.get(digest), data)
        if cached is not None:
            verdicts[index] = cached
            done += 1
            from_cache += 1
        else:
            pending.append(index)
        del data
    report(ImportProgress(done, total, from_cache))

    lang = language()
    ca_der = session.ca_certificate.public_bytes(serialization.Encoding.DER)
    verified = 0

    def load(index: int) -> bytes | None:
        # The verdict is about the bytes verified: if the file changed since it was
        # hashed, it is hashed again; if it went away, it is refused as unreadable.
        data = _read(files[index], sealing)
        if isinstance(data, str):
            early[index] = _refusal(_relative(files[index], sheets_dir), None, data)
            return None
        hashes[index] = hashlib.sha256(data).hexdigest()
        return data

    def finished(index: int, verdict: dict[str, Any]) -> None:
        nonlocal done, verified
        verdicts[index] = verdict
        cache.put(hashes[index], verdict)
        done += 1
        verified += 1
        report(ImportProgress(done, total, from_cache))

    def check_cancelled() -> None:
        if stop():
            raise ImportCancelled()

    if len(pending) < MIN_PARALLEL or workers <= 1:
        init_worker(ca_der, session.id, lang)
        for index in pending:
            if stop():
                cache.save()
                raise ImportCancelled()
            loaded = load(index)
            if loaded is not None:
                finished(index, verify_bytes(loaded))
    else:
        verify_parallel(
            pending, load, workers, (ca_der, session.id, lang), finished, check_cancelled, cache
        )
    del pending

    rubrics = session_rubrics(session)
    roster = {e.certificate_fingerprint: e for e in session.roster}
    records: list[SheetRecord] = []
    for index, path in enumerate(files):
        if index in early:
            records.append(early[index])
            continue
        records.append(
            _check(
                _relative(path, sheets_dir),
                hashes[index],
                verdicts[index],
                session,
                roster,
                rubrics,
                set(pack_ids) if pack_ids is not None else None,
                candidate_categories,
                pack_manifests,
            )
        )
    records.extend(_refusal(_relative(p, sheets_dir), None, code) for p, code in skipped)
    records, conflicts = _resolve_versions(records)
    cache.save()
    return ImportResult(
        session_id=session.id,
        sheets_dir=sheets_dir,
        records=tuple(records),
        conflicts=tuple(conflicts),
        packs_checked=pack_ids is not None,
        pack_ids=tuple(sorted(set(pack_ids or ()))),
        candidates_checked=candidate_categories is not None,
        verified=verified,
        from_cache=from_cache,
        cache_note=cache.note,
        rubrics=rubrics,
        reviewers=tuple(dict.fromkeys(reviewers)) if reviewers is not None else None,
        assigned=dict(assigned) if assigned is not None else None,
    )


def _check(
    rel: str,
    sha256: str,
    verdict: dict[str, Any],
    session: Session,
    roster: Mapping[str, RosterEntry],
    rubrics: Mapping[str, Rubric],
    pack_ids: set[str] | None,
    candidate_categories: Mapping[str, str] | None,
    pack_manifests: Mapping[str, str] | None = None,
) -> SheetRecord:
    signing_time = verdict.get("signing_time")
    signer_cert_sha256: str | None = verdict.get("signer_cert_sha256")
    common: dict[str, Any] = {
        "signer_name": verdict.get("signer_name"),
        "signer_cert_sha256": signer_cert_sha256,
        "signing_time": datetime.fromisoformat(signing_time) if signing_time else None,
    }
    codes = tuple(verdict.get("codes") or ())
    if codes:
        return SheetRecord(
            rel, sha256, SheetStatus.REFUSED, codes, tuple(verdict.get("reasons") or ()), **common
        )
    try:
        data = SheetData.from_json_bytes(base64.b64decode(verdict["data"]))
    except (SheetError, KeyError, TypeError, ValueError):
        return _refusal(rel, sha256, "verify_error", **common)
    entry = roster.get(signer_cert_sha256 or "")
    found: list[str] = []
    if entry is None:
        found.append("not_on_roster")
    elif entry.withdrawn is not None:
        found.append("withdrawn")
    if pack_ids is not None and data.pack_id not in pack_ids:
        found.append("unknown_pack")
    elif (
        pack_manifests is not None
        and data.pack_id in pack_manifests
        and data.manifest_sha256 != pack_manifests[data.pack_id].lower()
    ):
        # The pack's id, but not its signed manifest: scored from other dossiers.
        found.append("other_manifest")
    refs = {r.id: r.fingerprint for r in session.rubrics}
    if data.rubric_id not in refs:
        found.append("unknown_rubric")
    elif refs[data.rubric_id] != data.rubric_fingerprint:
        found.append("rubric_mismatch")
    if candidate_categories is not None:
        expected = candidate_categories.get(data.candidate_id)
        if expected is None:
            found.append("unknown_candidate")
        elif expected != data.rubric_id:
            found.append("wrong_category")
    rubric = rubrics.get(data.rubric_id)
    if not found and rubric is not None and not _total_agrees(rubric, data):
        found.append("inconsistent_total")
    reviewer = entry.name if entry is not None else None
    signed = verdict.get("signed_sha256")
    if isinstance(signed, str) and signed:
        common["signed_sha256"] = signed
    notes = verdict.get("notes")
    if isinstance(notes, list) and all(isinstance(n, str) for n in notes):
        common["notes"] = tuple(notes)
    if found:
        return _refusal(rel, sha256, *found, data=data, reviewer=reviewer, **common)
    return SheetRecord(rel, sha256, SheetStatus.COUNTED, data=data, reviewer=reviewer, **common)


def _total_agrees(rubric: Rubric, data: SheetData) -> bool:
    """The signed total, level and vetoes are what the signed scores and checks give."""
    if rubric.fingerprint != data.rubric_fingerprint:
        return True  # not the same rubric here; nothing to recompute with
    ev = evaluate(rubric, data.review)
    if not ev.complete:
        return False
    if ev.outcome is Outcome.SCORED:
        return (
            ev.total is not None
            and round_display(ev.total) == data.total
            and (ev.level == data.level)
            and not data.vetoes
        )
    return data.total is None and tuple(ev.vetoes) == tuple(data.vetoes)


def exact_total(rubric: Rubric | None, data: SheetData) -> Fraction | None:
    """The exact weighted total (Fraction) when the rubric is known; else the signed one."""
    if data.total is None:
        return None
    if rubric is not None and rubric.fingerprint == data.rubric_fingerprint:
        ev = evaluate(rubric, data.review)
        if ev.total is not None:
            return ev.total
    return Fraction(data.total)


def _resolve_versions(
    records: list[SheetRecord],
) -> tuple[list[SheetRecord], list[VersionConflict]]:
    """Duplicates, superseded versions and conflicts, per (reviewer, candidate)."""
    out = list(records)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(out):
        if r.status is SheetStatus.COUNTED and r.data is not None and r.reviewer is not None:
            groups[(r.reviewer, r.data.candidate_id)].append(i)
    conflicts: list[VersionConflict] = []
    for (reviewer, candidate_id), indices in sorted(groups.items()):
        # Identical files, copies of one signed revision, or one sheet signed again with
        # the same review.json (a lost file exported again): the first (in path order)
        # stands for all of them. One version with two different review.json is a
        # conflict, below.
        first_by_hash: dict[str, int] = {}
        unique: list[int] = []
        for i in indices:
            data = out[i].data
            sha = data.data_hash if data is not None else out[i].signed_sha256 or ""
            if sha in first_by_hash:
                out[i] = replace(
                    out[i], status=SheetStatus.DUPLICATE, duplicate_of=out[first_by_hash[sha]].path
                )
            else:
                first_by_hash[sha] = i
                unique.append(i)
        by_version: dict[int, list[int]] = defaultdict(list)
        for i in unique:
            by_version[out[i].data.version].append(i)  # type: ignore[union-attr]
        clashing = sorted(v for v, items in by_version.items() if len(items) > 1)
        for version in clashing:
            conflicts.append(
                VersionConflict(
                    reviewer, candidate_id, version, tuple(out[i].path for i in by_version[version])
                )
            )
            for i in by_version[version]:
                out[i] = replace(out[i], status=SheetStatus.CONFLICT)
        top = max(by_version)
        # Below the top version everything is superseded, even when the top version
        # itself is in conflict (then nothing counts until the conflict is resolved).
        winner = out[by_version[top][0]].path if len(by_version[top]) == 1 else None
        for version, items in by_version.items():
            if version != top:
                for i in items:
                    if out[i].status is SheetStatus.COUNTED:
                        out[i] = replace(
                            out[i], status=SheetStatus.SUPERSEDED, superseded_by=winner
                        )
        # A duplicate follows what became of the file it copies.
        for i in indices:
            if out[i].status is SheetStatus.DUPLICATE:
                original = next(r for r in out if r.path == out[i].duplicate_of)
                if original.status is SheetStatus.SUPERSEDED:
                    out[i] = replace(out[i], superseded_by=original.superseded_by)
    return out, conflicts
