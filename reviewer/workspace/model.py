"""What the workspace hands out: frozen records of packs, candidates and their state.

The GUI and the CLI receive these from ``Workspace`` (see ``workspace``) and never see a
database row. ``status_of`` is the one rule for a review's status; ``signed_sheets_in``
reads the signed versions kept in a review's sealed payload, ``reserved_sheet_in`` the
one signed but not yet known to be written (see ``station.export``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from reviewer.base.i18n import N_, _, pick
from reviewer.review.scoring import Conflict, Evaluation, Review
from reviewer.review.viewing import AudiovisualWork
from reviewer.rubric.model import Rubric


class Status(Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    SIGNED = "signed"
    RECUSED = "recused"

    def label(self) -> str:
        return pick(_STATUS_ZH[self], _(_STATUS_EN[self]))


_STATUS_ZH = {
    Status.NOT_STARTED: "未开始",
    Status.IN_PROGRESS: "进行中",
    Status.COMPLETE: "已完成",
    Status.SIGNED: "已签署",
    Status.RECUSED: "回避",
}
_STATUS_EN = {
    Status.NOT_STARTED: N_("Not started"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.COMPLETE: N_("Complete"),
    Status.SIGNED: N_("Signed"),
    Status.RECUSED: N_("Recused"),
}


@dataclass(frozen=True)
class CandidateInfo:
    """A candidate as the pack's manifest describes them (details are confidential)."""

    candidate_id: str
    rubric_id: str
    name: str
    details: Mapping[str, Any] = field(default_factory=dict)
    # The works that are audio or video, as the manifest states them (titles, lengths).
    audiovisual: tuple[AudiovisualWork, ...] = ()


@dataclass(frozen=True)
class PackInfo:
    pack_id: str
    session_id: str
    session_name: str
    manifest_sha256: str
    rubrics: tuple[Rubric, ...]
    candidates: tuple[CandidateInfo, ...]
    # The manifest's minimum share to watch of each audiovisual work before a criterion
    # on representative works is scored (whole percent); None: no such rule.
    min_watched_percent: int | None = None

    def viewing_terms(self) -> tuple[int | None, tuple[tuple[AudiovisualWork, ...], ...]]:
        """What the viewing rule needs of this pack (an older build did not keep it)."""
        return self.min_watched_percent, tuple(c.audiovisual for c in self.candidates)

    def rubric(self, rubric_id: str) -> Rubric | None:
        return next((r for r in self.rubrics if r.id == rubric_id), None)

    def candidate(self, candidate_id: str) -> CandidateInfo | None:
        return next((c for c in self.candidates if c.candidate_id == candidate_id), None)


@dataclass(frozen=True)
class PackSummary:
    pack_id: str
    session_id: str
    imported_at: str


@dataclass(frozen=True)
class CandidateEntry:
    candidate_id: str
    name: str
    rubric_id: str
    status: Status
    version: int
    flagged: str | None  # why the reviewer must look at it again, if they must
    total: Decimal | None


@dataclass(frozen=True)
class ImportResult:
    pack_id: str
    resumed: bool
    carried_over: tuple[str, ...] = ()
    flagged: tuple[str, ...] = ()


def status_of(evaluation: Evaluation, review: Review, signed: bool) -> Status:
    if signed:
        return Status.SIGNED
    if review == Review(review.candidate_id, review.rubric_id):
        return Status.NOT_STARTED
    if evaluation.complete:
        return Status.RECUSED if review.conflict is Conflict.RECUSED else Status.COMPLETE
    return Status.IN_PROGRESS


@dataclass(frozen=True)
class SignedSheet:
    version: int
    sha256: str
    file: str
    # The sheet's review.json, to sign the same sheet again when its file is lost; None
    # for sheets signed before it was kept.
    review_json: bytes | None = field(default=None, repr=False)


def _bytes_or_none(raw: str | None) -> bytes | None:
    return None if raw is None else base64.b64decode(raw)


def signed_sheets_in(doc: dict[str, Any]) -> list[SignedSheet]:
    """The ``signed`` list of a review's sealed payload, oldest first."""
    return [
        SignedSheet(s["version"], s["sha256"], s["file"], _bytes_or_none(s.get("review_json")))
        for s in doc.get("signed", [])
    ]


@dataclass(frozen=True)
class ReservedSheet:
    """A version signed and kept in the workspace before its file is written: the
    exact bytes to write (the PDF, or the sealed ``.pdf.age``) and the PDF's hash. Until
    it is marked written, every export writes these bytes again, never a new signature."""

    version: int
    sha256: str
    file: str
    data: bytes = field(repr=False)
    review_json: bytes | None = field(default=None, repr=False)

    def to_doc(self) -> dict[str, Any]:
        doc = {
            "version": self.version,
            "sha256": self.sha256,
            "file": self.file,
            "data": base64.b64encode(self.data).decode("ascii"),
        }
        if self.review_json is not None:
            doc["review_json"] = base64.b64encode(self.review_json).decode("ascii")
        return doc


def reserved_sheet_in(doc: dict[str, Any]) -> ReservedSheet | None:
    """The ``reserved`` entry of a review's sealed payload, if a sheet is reserved."""
    r = doc.get("reserved")
    if r is None:
        return None
    return ReservedSheet(
        r["version"],
        r["sha256"],
        r["file"],
        base64.b64decode(r["data"]),
        _bytes_or_none(r.get("review_json")),
    )


@dataclass(frozen=True)
class ReviewHistory:
    """One candidate's undo history on screen: each edit as (before, after), and how many
    of them are done (the rest were undone and can be redone)."""

    candidate_id: str
    edits: tuple[tuple[Review, Review], ...]
    index: int
