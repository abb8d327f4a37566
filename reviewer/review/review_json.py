"""A review as plain JSON data, and back, strictly.

Used by the workspace (stored encrypted) and later inside signed sheets, so reading
treats the data as hostile: unknown keys, wrong types and bad values are refused with
the JSON path named. Scores are decimal strings ("8.5"), never floats.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.review.scoring import CheckEntry, Conflict, Review
from reviewer.rubric.model import CheckKind, CheckResult, canonical_decimal

REVIEW_FORMAT = 1
_MAX_TEXT = 20_000
_MAX_SCORES = 100


class ReviewDataError(ReviewerError):
    """Review data that cannot be read; the message names the place."""


def review_to_dict(review: Review) -> dict[str, Any]:
    return {
        "format": REVIEW_FORMAT,
        "candidate_id": review.candidate_id,
        "rubric_id": review.rubric_id,
        "conflict": review.conflict.value,
        "recusal_reason": review.recusal_reason,
        "checks": {
            kind.value: {
                "result": entry.result.value if entry.result else None,
                "note": entry.note,
            }
            for kind, entry in sorted(review.checks.items(), key=lambda kv: kv[0].value)
        },
        "scores": {k: canonical_decimal(v) for k, v in sorted(review.scores.items())},
        "opinion": review.opinion,
        "recommendation": review.recommendation,
    }


def _fail(path: str, message: str) -> ReviewDataError:
    return ReviewDataError(f"{path}: {message}")


def _text(doc: dict[str, Any], key: str, path: str, *, optional: bool = False) -> str | None:
    value = doc.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _fail(f"{path}{key}", _("expected text"))
    if len(value) > _MAX_TEXT:
        raise _fail(f"{path}{key}", _("text is longer than {n} characters").format(n=_MAX_TEXT))
    return value


def _keys(doc: Any, path: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _fail(path or "$", _("expected an object"))
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise _fail(f"{path}{unknown[0]}", _("unknown field"))
    missing = sorted(allowed - set(doc))
    if missing:
        raise _fail(f"{path}{missing[0]}", _("required field is missing"))
    return doc


def review_from_dict(doc: Any) -> Review:
    doc = _keys(
        doc,
        "",
        {
            "format",
            "candidate_id",
            "rubric_id",
            "conflict",
            "recusal_reason",
            "checks",
            "scores",
            "opinion",
            "recommendation",
        },
    )
    if doc["format"] != REVIEW_FORMAT:
        raise _fail(
            "format",
            _("format {found!r} is not supported; this version reads format {ours}").format(
                found=doc["format"], ours=REVIEW_FORMAT
            ),
        )
    try:
        conflict = Conflict(doc["conflict"])
    except ValueError:
        raise _fail("conflict", _("unknown value")) from None
    checks_doc = doc["checks"]
    if not isinstance(checks_doc, dict):
        raise _fail("checks", _("expected an object"))
    checks: dict[CheckKind, CheckEntry] = {}
    for name, entry in checks_doc.items():
        try:
            kind = CheckKind(name)
        except ValueError:
            raise _fail(f"checks.{name}", _("unknown check")) from None
        entry = _keys(entry, f"checks.{name}.", {"result", "note"})
        result = entry["result"]
        try:
            parsed = None if result is None else CheckResult(result)
        except ValueError:
            raise _fail(f"checks.{name}.result", _("unknown value")) from None
        checks[kind] = CheckEntry(parsed, _text(entry, "note", f"checks.{name}.") or "")
    scores_doc = doc["scores"]
    if not isinstance(scores_doc, dict) or len(scores_doc) > _MAX_SCORES:
        raise _fail("scores", _("expected an object"))
    scores: dict[str, Decimal] = {}
    for cid, raw in scores_doc.items():
        if not isinstance(raw, str) or len(raw) > 20:
            raise _fail(f"scores.{cid}", _("expected a decimal number as text"))
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise _fail(f"scores.{cid}", _("expected a decimal number as text")) from None
        if not value.is_finite():
            raise _fail(f"scores.{cid}", _("expected a finite number"))
        scores[cid] = value
    return Review(
        candidate_id=_text(doc, "candidate_id", "") or "",
        rubric_id=_text(doc, "rubric_id", "") or "",
        conflict=conflict,
        recusal_reason=_text(doc, "recusal_reason", "") or "",
        checks=checks,
        scores=scores,
        opinion=_text(doc, "opinion", "") or "",
        recommendation=_text(doc, "recommendation", "", optional=True),
    )
