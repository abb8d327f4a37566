"""Signing and exporting a reviewer's sheets: one candidate, or every finished one.

File names sort by candidate, then reviewer, then version, and survive FAT32 USB sticks:
``<candidate id>_<reviewer>_v<NN>.pdf`` (e.g. ``C001_张明华_v01.pdf``). Where the
session seals sheets (the secretariat's age recipient is in the signed manifest), the
signed PDF is written age-encrypted to the secretariat only, as ``….pdf.age``: signed
first, then sealed, so a decrypted sheet validates anywhere. A later change makes
version N+1, whose sheet names the one it supersedes. A sheet whose file was lost is
written again (``export_again``) as the same version with the same review.json, signed
anew; aggregation counts the two as one.

A crash (a kill, a power cut) at any moment never leads to two different sheets of the
same version. The order is:

1. **reserve**: the signed bytes, their hash and the file name are kept in the
   workspace (sealed, in the review's row); the version is taken from then on;
2. **write**: the file, under a temporary name, fsynced and renamed;
3. **mark done**: the workspace records the sheet as signed and exported.

A version reserved but not marked done (a crash after 1 or 2, a full USB stick at 2, a
full disk at 3) is completed by the next export of that candidate from what was
reserved: the same bytes are written (or found already there) and recorded, before
anything new is signed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.rubric.model import Rubric
from reviewer.sheet.data import SheetData, SheetError, Supersedes, make_sheet_data
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import embed_and_sign
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.model import ReservedSheet, Status
from reviewer.workspace.store import Workspace, WorkspaceError

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


class ExportError(ReviewerError):
    pass


@dataclass(frozen=True)
class ExportedSheet:
    candidate_id: str
    version: int
    path: Path
    sha256: str


def sheet_file_name(candidate_id: str, reviewer: str, version: int, sealed: bool = False) -> str:
    safe = _UNSAFE.sub("_", unicodedata.normalize("NFC", reviewer)).strip(" .") or "reviewer"
    return f"{candidate_id}_{safe}_v{version:02d}.pdf" + (".age" if sealed else "")


def export_sheet(
    station: Workstation, pack_id: str, candidate_id: str, out_dir: Path
) -> ExportedSheet:
    """Sign the candidate's current review (or recusal) and write the sheet."""
    workspace = station.workspace
    try:
        pack = workspace.pack(pack_id)
        candidate, rubric = _candidate_and_rubric(pack, candidate_id)
        review = workspace.review(pack_id, candidate_id)
        version = workspace.sheet_version(pack_id, candidate_id)
        signed = workspace.signed_sheets(pack_id, candidate_id)
        reserved = workspace.reserved_sheet(pack_id, candidate_id)
        viewing = workspace.candidate_viewing(pack_id, candidate_id)
        manifest_candidate = station.candidate(pack_id, candidate_id)
        seal_recipient = station.manifest(pack_id).seal_recipient
        signer = station.sheet_signer(pack.session_id)
    except (WorkspaceError, WorkstationError) as exc:
        raise ExportError(str(exc)) from None
    if reserved is not None:  # signed before, its file not known to be written
        done = _deliver(workspace, pack_id, candidate_id, reserved, Path(out_dir))
        if reserved.version >= version:
            return done
        try:  # changed since it was signed: a new version is signed below
            signed = workspace.signed_sheets(pack_id, candidate_id)
        except WorkspaceError as exc:
            raise ExportError(str(exc)) from None
    if signed and signed[-1].version == version:
        raise ExportError(
            _("version {v} of this sheet is already signed ({file})").format(
                v=version, file=signed[-1].file
            )
        )
    previous = next((s for s in reversed(signed) if s.version < version), None)
    try:
        data = make_sheet_data(
            rubric=rubric,
            review=review,
            session_id=pack.session_id,
            session_name=pack.session_name,
            programme=manifest_candidate.programme,
            pack_id=pack_id,
            manifest_sha256=pack.manifest_sha256,
            candidate_name=candidate.name,
            representative_works=[w.title for w in manifest_candidate.works],
            reviewer_name=signer.name,
            reviewer_cert_sha256=signer.cert_sha256,
            version=version,
            supersedes=Supersedes(previous.version, previous.sha256) if previous else None,
            viewing=viewing,
        )
        pdf = embed_and_sign(render_sheet(data, rubric), data, signer)
    except SheetError as exc:
        raise ExportError(str(exc)) from None
    name = sheet_file_name(candidate_id, signer.name, version, sealed=seal_recipient is not None)
    written = _sealed(pdf, seal_recipient)
    sheet = ReservedSheet(
        version, hashlib.sha256(pdf).hexdigest(), name, written, data.to_json_bytes()
    )
    try:
        workspace.reserve_sheet(pack_id, candidate_id, sheet)
    except WorkspaceError as exc:  # nothing written: this signature is dropped
        raise ExportError(str(exc)) from None
    return _deliver(workspace, pack_id, candidate_id, sheet, Path(out_dir))


def _deliver(
    workspace: Workspace, pack_id: str, candidate_id: str, sheet: ReservedSheet, out_dir: Path
) -> ExportedSheet:
    """Write a reserved sheet's bytes (unless they are there already) and record it."""
    path = out_dir / sheet.file
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            there: bytes | None = path.read_bytes()
        except FileNotFoundError:
            there = None
        if there is None:
            write_atomically(path, sheet.data)
        elif there != sheet.data:
            raise ExportError(
                _(
                    "{file} is already there but is not the sheet signed as version {v}; "
                    "move it away, then export again"
                ).format(file=path, v=sheet.version)
            )
    except OSError as exc:
        raise ExportError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    try:
        workspace.mark_signed(pack_id, candidate_id, sheet.version, sheet.sha256, sheet.file)
    except WorkspaceError as exc:  # the file is the reserved sheet: the next export records it
        raise ExportError(str(exc)) from None
    return ExportedSheet(candidate_id, sheet.version, path, sheet.sha256)


def export_again(
    station: Workstation, pack_id: str, candidate_id: str, out_dir: Path
) -> ExportedSheet:
    """Write the candidate's last signed sheet again, when its file was lost: the same
    version with the same review.json (the same content, time of the review included),
    signed again. The secretariat counts the two as one sheet: aggregation takes sheets
    whose review.json is the same as copies, never as a conflict. The review is not
    touched; the audit log records the export."""
    workspace = station.workspace
    try:
        pack = workspace.pack(pack_id)
        _candidate, rubric = _candidate_and_rubric(pack, candidate_id)
        signed = workspace.signed_sheets(pack_id, candidate_id)
        seal_recipient = station.manifest(pack_id).seal_recipient
        signer = station.sheet_signer(pack.session_id)
    except (WorkspaceError, WorkstationError) as exc:
        raise ExportError(str(exc)) from None
    if not signed:
        raise ExportError(_("no sheet of {id} is signed yet").format(id=candidate_id))
    last = signed[-1]
    if last.review_json is None:
        raise ExportError(
            _(
                "version {v} was signed by an earlier version of the app, which kept no "
                "copy; change the review to sign version {next}"
            ).format(v=last.version, next=last.version + 1)
        )
    path = Path(out_dir) / last.file
    if path.exists():
        raise ExportError(_("{file} is already there; the sheet is not lost").format(file=path))
    try:
        data = SheetData.from_json_bytes(last.review_json)
        pdf = embed_and_sign(render_sheet(data, rubric), data, signer)
    except SheetError as exc:
        raise ExportError(str(exc)) from None
    written = _sealed(pdf, seal_recipient)
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_atomically(path, written)
    except OSError as exc:
        raise ExportError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    try:
        workspace.note_exported_again(pack_id, candidate_id, last.file)
    except WorkspaceError as exc:
        raise ExportError(str(exc)) from None
    return ExportedSheet(candidate_id, last.version, path, hashlib.sha256(pdf).hexdigest())


def _candidate_and_rubric(pack: Any, candidate_id: str) -> tuple[Any, Rubric]:
    candidate = pack.candidate(candidate_id)
    if candidate is None:
        raise ExportError(_("no candidate {id} in this pack").format(id=candidate_id))
    rubric = pack.rubric(candidate.rubric_id)
    if rubric is None:
        raise ExportError(_("the pack has no rubric {id}").format(id=candidate.rubric_id))
    return candidate, rubric


def _sealed(pdf: bytes, seal_recipient: str | None) -> bytes:
    """The signed PDF as written: age-encrypted to the secretariat when the session seals."""
    if seal_recipient is None:
        return pdf
    return pyrage.encrypt(pdf, [x25519.Recipient.from_str(seal_recipient)])


def exportable(station: Workstation, pack_id: str) -> list[str]:
    """Candidates whose review is complete (or recused) and not yet signed as it is."""
    return [
        e.candidate_id
        for e in station.workspace.candidates(pack_id)
        if e.status in (Status.COMPLETE, Status.RECUSED)
    ]


def not_exportable(station: Workstation, pack_id: str, candidate_id: str) -> str | None:
    """Why the candidate's sheet cannot be signed now, in words, or None: asked before
    the reviewer is sent to choose a folder for nothing."""
    try:
        entry = station.workspace.candidate_entry(pack_id, candidate_id)
        if entry.status in (Status.COMPLETE, Status.RECUSED):
            return None
        if entry.status is Status.SIGNED:
            return _(
                "already signed as it is (version {v}); change the review to sign again"
            ).format(v=entry.version)
        ev = station.workspace.evaluation(pack_id, candidate_id)
    except WorkspaceError as exc:
        return str(exc)
    items = [str(f) for f in (*ev.problems, *ev.missing)]
    shown = "; ".join(items[:3]) + ("; …" if len(items) > 3 else "")
    return _("not complete: {missing}").format(missing=shown)


def skipped(station: Workstation, pack_id: str) -> list[tuple[str, str]]:
    """The candidates "sign all" leaves out, each with why (not complete, already signed)."""
    out = []
    for e in station.workspace.candidates(pack_id):
        reason = not_exportable(station, pack_id, e.candidate_id)
        if reason is not None:
            out.append((e.candidate_id, reason))
    return out


def export_all(
    station: Workstation,
    pack_id: str,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[list[ExportedSheet], list[tuple[str, str]]]:
    """Export every finished candidate; returns the sheets and (candidate, reason) refusals."""
    todo = exportable(station, pack_id)
    done: list[ExportedSheet] = []
    refused: list[tuple[str, str]] = []
    for i, candidate_id in enumerate(todo):
        if cancelled and cancelled():
            break
        try:
            done.append(export_sheet(station, pack_id, candidate_id, out_dir))
        except ExportError as exc:
            refused.append((candidate_id, str(exc)))
        if progress:
            progress(i + 1, len(todo))
    return done, refused
