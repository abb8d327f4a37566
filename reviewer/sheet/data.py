"""What a review sheet says, as data: the model and its ``review.json`` (format 2).

The JSON travels inside the signed PDF and is what the secretariat aggregates, so it
binds the review to the session, the pack (and its manifest's SHA-256), the exact rubric
(fingerprint), the candidate and the reviewer's certificate. Format 2 adds ``viewing``:
what the reviewer watched of each of the candidate's audiovisual works, and the
session's minimum (``review.viewing``). Format 1 sheets (signed before) are still read,
their ``viewing`` None, and written back as format 1. Reading treats the bytes as
hostile: size cap, strict UTF-8, no duplicate keys, no NaN, the JSON Schema of the
sheet's format in ``resources/schemas``, then the review itself; each failure names its
JSON path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _, join_list
from reviewer.base.resources import resources_dir
from reviewer.review.review_json import ReviewDataError, review_from_dict, review_to_dict
from reviewer.review.scoring import Conflict, Outcome, Review, evaluate
from reviewer.review.viewing import CandidateViewing, ViewingDataError
from reviewer.rubric.model import CheckKind, Level, Rubric

SHEET_FORMAT = 2
READABLE_FORMATS = (1, 2)
SHEET_FILE_NAME = "review.json"
SCHEMA_FILE_NAMES = {1: "review-sheet-1.schema.json", 2: "review-sheet-2.schema.json"}
MAX_SHEET_JSON_BYTES = 1024 * 1024


class SheetError(ReviewerError):
    """A sheet that cannot be made, read or trusted; the message is for people."""


class SheetDataError(SheetError):
    """``review.json`` that cannot be read; ``path`` names where (``$.candidate.name``)."""

    def __init__(self, path: str, detail: str):
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")


class SheetSchemaError(SheetDataError):
    """``review.json`` that does not match its JSON Schema."""


class SheetIncompleteError(SheetError):
    """A review that cannot be signed yet; ``missing`` says what is missing, in words."""

    def __init__(self, missing: Sequence[str]):
        self.missing = tuple(missing)
        super().__init__(
            _("the review cannot be signed yet: {missing}").format(missing=join_list(missing))
        )


@dataclass(frozen=True)
class Supersedes:
    """The earlier signed sheet a new version replaces: its version and file SHA-256."""

    version: int
    sha256: str


@dataclass(frozen=True)
class SheetData:
    session_id: str
    session_name: str
    programme: str
    pack_id: str
    manifest_sha256: str
    rubric_id: str
    rubric_version: str
    rubric_fingerprint: str
    candidate_id: str
    candidate_name: str
    category: str
    representative_works: tuple[str, ...]
    reviewer_name: str
    reviewer_cert_sha256: str
    review: Review
    total: Decimal | None  # weighted total on 100 points, 2 places; None unless scored
    level: Level | None
    vetoes: tuple[CheckKind, ...]
    version: int
    supersedes: Supersedes | None
    created: datetime  # UTC, whole seconds
    # What was watched of the audiovisual works; None only in a format 1 sheet.
    viewing: CandidateViewing | None = None

    @property
    def format(self) -> int:
        return 1 if self.viewing is None else SHEET_FORMAT

    @property
    def recused(self) -> bool:
        return self.review.conflict is Conflict.RECUSED

    @property
    def recusal_reason(self) -> str | None:
        return self.review.recusal_reason if self.recused else None

    def to_dict(self) -> dict[str, Any]:
        doc = self._to_dict()
        if self.viewing is not None:
            doc["viewing"] = self.viewing.to_dict()
        return doc

    def _to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "session": {
                "id": self.session_id,
                "name": self.session_name,
                "programme": self.programme,
            },
            "pack": {"id": self.pack_id, "manifest_sha256": self.manifest_sha256},
            "rubric": {
                "id": self.rubric_id,
                "version": self.rubric_version,
                "sha256": self.rubric_fingerprint,
            },
            "candidate": {
                "id": self.candidate_id,
                "name": self.candidate_name,
                "category": self.category,
                "representative_works": list(self.representative_works),
            },
            "reviewer": {"name": self.reviewer_name, "cert_sha256": self.reviewer_cert_sha256},
            "review": review_to_dict(self.review),
            "result": {
                "total": None if self.total is None else f"{self.total:.2f}",
                "level": self.level.value if self.level else None,
                "vetoes": [k.value for k in self.vetoes],
            },
            "recusal": {"reason": self.review.recusal_reason} if self.recused else None,
            "sheet": {
                "version": self.version,
                "supersedes": None
                if self.supersedes is None
                else {"version": self.supersedes.version, "sha256": self.supersedes.sha256},
                "created": _format_time(self.created),
            },
        }

    def to_json_bytes(self) -> bytes:
        """Canonical bytes: sorted keys, no white space, UTF-8; one byte string per sheet."""
        try:
            return json.dumps(
                self.to_dict(),
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
                allow_nan=False,
            ).encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates cannot be UTF-8; say where rather than fail deep in a writer.
            raise SheetDataError(
                _surrogate_path(self.to_dict(), "$") or "$", _("text is not valid Unicode")
            ) from None

    @property
    def data_hash(self) -> str:
        """SHA-256 (hex) of ``to_json_bytes()``: printed as a QR code on the sheet."""
        return hashlib.sha256(self.to_json_bytes()).hexdigest()

    @classmethod
    def from_json_bytes(cls, data: bytes) -> SheetData:
        return sheet_from_json_bytes(data)


def make_sheet_data(
    *,
    rubric: Rubric,
    review: Review,
    session_id: str,
    session_name: str,
    programme: str,
    pack_id: str,
    manifest_sha256: str,
    candidate_name: str,
    representative_works: Sequence[str],
    reviewer_name: str,
    reviewer_cert_sha256: str,
    version: int = 1,
    supersedes: Supersedes | None = None,
    created: datetime | None = None,
    viewing: CandidateViewing | None = None,
) -> SheetData:
    """The sheet for a complete review (or a recusal); refuses an incomplete one, saying
    what is missing, because a signature locks what it covers. ``viewing``: what was
    watched of the candidate's audiovisual works (None: they have none, no minimum)."""
    evaluation = evaluate(rubric, review)
    if not evaluation.complete:
        raise SheetIncompleteError([str(f) for f in (*evaluation.missing, *evaluation.problems)])
    if version < 1 or (version == 1) != (supersedes is None):
        raise SheetError(_("version 1 supersedes nothing; a later version names the one before"))
    moment = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    total = evaluation.total_display if evaluation.outcome is Outcome.SCORED else None
    return SheetData(
        session_id=session_id,
        session_name=session_name,
        programme=programme,
        pack_id=pack_id,
        manifest_sha256=manifest_sha256.lower(),
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        rubric_fingerprint=rubric.fingerprint,
        candidate_id=review.candidate_id,
        candidate_name=candidate_name,
        category=rubric.category.zh,
        representative_works=tuple(representative_works),
        reviewer_name=reviewer_name,
        reviewer_cert_sha256=reviewer_cert_sha256.lower(),
        review=review,
        total=total,
        level=evaluation.level if total is not None else None,
        vetoes=evaluation.vetoes,
        version=version,
        supersedes=supersedes,
        created=moment,
        viewing=viewing or CandidateViewing(),
    )


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise SheetDataError("$.sheet.created", _("time without a time zone"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def sheet_schema(fmt: int = SHEET_FORMAT) -> dict[str, Any]:
    with (resources_dir() / "schemas" / SCHEMA_FILE_NAMES[fmt]).open("rb") as fh:
        return json.load(fh)


@cache
def _validator(fmt: int) -> jsonschema.Draft202012Validator:
    schema = sheet_schema(fmt)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_path(parts: Sequence[str | int]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            # Two values for one key: readers disagree on which wins, so refuse both.
            raise _Duplicate(key)
        doc[key] = value
    return doc


class _Duplicate(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _surrogate_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_path(key, path) or _surrogate_path(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


def parse_sheet_json(data: bytes) -> dict[str, Any]:
    """Bytes to a schema-valid document, or a ``SheetDataError`` naming the place."""
    if len(data) > MAX_SHEET_JSON_BYTES:
        raise SheetDataError(
            "$", _("review data is larger than {n} bytes").format(n=MAX_SHEET_JSON_BYTES)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SheetDataError("$", _("review data is not UTF-8 text")) from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _Duplicate as exc:
        raise SheetDataError(f"$..{exc}", _("a key appears twice")) from None
    except (ValueError, RecursionError):
        raise SheetDataError("$", _("review data is not valid JSON")) from None
    bad = _surrogate_path(doc, "$")
    if bad:
        raise SheetDataError(bad, _("text is not valid Unicode"))
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if isinstance(fmt, bool) or fmt not in READABLE_FORMATS:
        raise SheetSchemaError(
            "$.format",
            _("format {found!r} is not supported; this version reads formats {ours}").format(
                found=fmt, ours=", ".join(map(str, READABLE_FORMATS))
            ),
        )
    try:
        error = best_match(_validator(fmt).iter_errors(doc))
    except RecursionError:
        raise SheetSchemaError("$", _("review data is nested too deeply")) from None
    if error is not None:
        raise SheetSchemaError(json_path(list(error.absolute_path)), error.message)
    return doc


def _time(raw: str) -> datetime:
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SheetSchemaError("$.sheet.created", _("not a valid UTC time")) from None


def sheet_from_json_bytes(data: bytes) -> SheetData:
    doc = parse_sheet_json(data)
    try:
        review = review_from_dict(doc["review"])
    except ReviewDataError as exc:
        raise SheetSchemaError(f"$.review.{str(exc).split(':', 1)[0]}", str(exc)) from None
    result = doc["result"]
    try:
        total = None if result["total"] is None else Decimal(result["total"])
    except InvalidOperation:
        raise SheetSchemaError("$.result.total", _("expected a decimal number")) from None
    sheet = doc["sheet"]
    supersedes = sheet["supersedes"]
    viewing = None
    if doc["format"] >= 2:
        try:
            viewing = CandidateViewing.from_dict(doc["viewing"])
        except ViewingDataError as exc:
            raise SheetSchemaError(json_path(["viewing"]) + _dotted(exc.path), exc.detail) from None
    built = SheetData(
        session_id=doc["session"]["id"],
        session_name=doc["session"]["name"],
        programme=doc["session"]["programme"],
        pack_id=doc["pack"]["id"],
        manifest_sha256=doc["pack"]["manifest_sha256"],
        rubric_id=doc["rubric"]["id"],
        rubric_version=doc["rubric"]["version"],
        rubric_fingerprint=doc["rubric"]["sha256"],
        candidate_id=doc["candidate"]["id"],
        candidate_name=doc["candidate"]["name"],
        category=doc["candidate"]["category"],
        representative_works=tuple(doc["candidate"]["representative_works"]),
        reviewer_name=doc["reviewer"]["name"],
        reviewer_cert_sha256=doc["reviewer"]["cert_sha256"],
        review=review,
        total=total,
        level=None if result["level"] is None else Level(result["level"]),
        vetoes=tuple(CheckKind(v) for v in result["vetoes"]),
        version=sheet["version"],
        supersedes=None
        if supersedes is None
        else Supersedes(supersedes["version"], supersedes["sha256"]),
        created=_time(sheet["created"]),
        viewing=viewing,
    )
    _check_consistent(built, doc)
    return built


def _dotted(path: str) -> str:
    return "" if not path else path if path.startswith("[") else f".{path}"


def _check_consistent(sheet: SheetData, doc: dict[str, Any]) -> None:
    """What the schema cannot say: the parts must agree with one another."""
    if sheet.review.candidate_id != sheet.candidate_id:
        raise SheetSchemaError("$.review.candidate_id", _("does not match the candidate"))
    if sheet.review.rubric_id != sheet.rubric_id:
        raise SheetSchemaError("$.review.rubric_id", _("does not match the rubric"))
    if (doc["recusal"] is not None) != sheet.recused:
        raise SheetSchemaError("$.recusal", _("does not match the conflict declaration"))
    if sheet.recused and doc["recusal"]["reason"] != sheet.review.recusal_reason:
        raise SheetSchemaError("$.recusal.reason", _("does not match the recusal reason"))
    if sheet.review.conflict is Conflict.UNDECLARED:
        raise SheetSchemaError("$.review.conflict", _("a signed sheet declares the conflict"))
    if (sheet.version == 1) != (sheet.supersedes is None):
        raise SheetSchemaError("$.sheet.supersedes", _("only version 1 supersedes nothing"))
    if sheet.supersedes is not None and sheet.supersedes.version >= sheet.version:
        raise SheetSchemaError("$.sheet.supersedes.version", _("must be below the version"))
    if (sheet.total is None) != (sheet.level is None):
        raise SheetSchemaError("$.result.level", _("a total and its level go together"))
    if sheet.recused and (sheet.total is not None or sheet.vetoes):
        raise SheetSchemaError("$.result", _("a recusal carries no result"))
    for i, work in enumerate(sheet.viewing.works if sheet.viewing else ()):
        titles = sheet.representative_works
        if work.number > len(titles) or titles[work.number - 1] != work.title:
            raise SheetSchemaError(
                f"$.viewing.works[{i}].title", _("is not the title of that representative work")
            )
