"""Signing and exporting a reviewer's sheets: one candidate, or every finished one.

File names sort by candidate, then reviewer, then version, and survive FAT32 USB sticks:
``<candidate id>_<reviewer>_v<NN>.pdf`` (e.g. ``C001_张明华_v01.pdf``). Where the
session seals sheets (the secretariat's age recipient is in the signed manifest), the
signed PDF is written age-encrypted to the secretariat only, as ``….pdf.age``: signed
first, then sealed, so a decrypted sheet validates anywhere. A sheet is written
under a temporary name and renamed when complete, then its version is locked in the
workspace; a later change makes version N+1, whose sheet names the one it supersedes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyrage
from pyrage import x25519

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.sheet.data import SheetError, Supersedes, make_sheet_data
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import embed_and_sign
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.model import Status
from reviewer.workspace.store import WorkspaceError

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
        candidate = pack.candidate(candidate_id)
        if candidate is None:
            raise ExportError(_("no candidate {id} in this pack").format(id=candidate_id))
        rubric = pack.rubric(candidate.rubric_id)
        if rubric is None:
            raise ExportError(_("the pack has no rubric {id}").format(id=candidate.rubric_id))
        review = workspace.review(pack_id, candidate_id)
        version = workspace.sheet_version(pack_id, candidate_id)
        signed = workspace.signed_sheets(pack_id, candidate_id)
        manifest_candidate = station.candidate(pack_id, candidate_id)
        seal_recipient = station.manifest(pack_id).seal_recipient
        signer = station.sheet_signer(pack.session_id)
    except (WorkspaceError, WorkstationError) as exc:
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
        )
        pdf = embed_and_sign(render_sheet(data, rubric), data, signer)
    except SheetError as exc:
        raise ExportError(str(exc)) from None
    name = sheet_file_name(candidate_id, signer.name, version, sealed=seal_recipient is not None)
    path = Path(out_dir) / name
    written = pdf
    if seal_recipient is not None:
        written = pyrage.encrypt(pdf, [x25519.Recipient.from_str(seal_recipient)])
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_atomically(path, written)
    except OSError as exc:
        raise ExportError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        workspace.mark_signed(pack_id, candidate_id, version, digest, name)
    except WorkspaceError as exc:
        path.unlink(missing_ok=True)
        raise ExportError(str(exc)) from None
    return ExportedSheet(candidate_id, version, path, digest)


def exportable(station: Workstation, pack_id: str) -> list[str]:
    """Candidates whose review is complete (or recused) and not yet signed as it is."""
    return [
        e.candidate_id
        for e in station.workspace.candidates(pack_id)
        if e.status in (Status.COMPLETE, Status.RECUSED)
    ]


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
