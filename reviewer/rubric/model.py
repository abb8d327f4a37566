"""The rubric model: what a committee scores a candidate of one category against.

A rubric is immutable once loaded. Its canonical serialisation (sorted keys, NFC
strings, numbers as normalised decimal strings) is independent of how the source file
was formatted, so its SHA-256 fingerprint names the exact rubric on every machine.
Reading and validating rubric files lives in ``rubric_file``.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from functools import cached_property
from typing import Any

from reviewer.base.i18n import N_, _, pick

RUBRIC_FORMAT = 1


class Level(Enum):
    """The four levels of the plan's committees, lowest first."""

    POOR = "poor"
    FAIR = "fair"
    GOOD = "good"
    EXCELLENT = "excellent"

    @property
    def zh(self) -> str:
        return _LEVEL_ZH[self]

    def label(self) -> str:
        return pick(self.zh, _(_LEVEL_EN[self]))


LEVEL_ORDER = (Level.POOR, Level.FAIR, Level.GOOD, Level.EXCELLENT)
_LEVEL_ZH = {Level.EXCELLENT: "优秀", Level.GOOD: "良好", Level.FAIR: "一般", Level.POOR: "较差"}
_LEVEL_EN = {
    Level.EXCELLENT: N_("Excellent"),
    Level.GOOD: N_("Good"),
    Level.FAIR: N_("Fair"),
    Level.POOR: N_("Poor"),
}


class CheckKind(Enum):
    """The two checks that come before any score."""

    ETHICS = "ethics"
    POLITICAL = "political"


class CheckResult(Enum):
    PASS = "pass"
    CONCERN = "concern"
    FAIL = "fail"

    @property
    def zh(self) -> str:
        return _RESULT_ZH[self]

    def label(self) -> str:
        return pick(self.zh, _(_RESULT_EN[self]))

    @property
    def is_veto(self) -> bool:
        # 一票否决: a failed ethics or political-quality check outweighs every score.
        return self is CheckResult.FAIL

    @property
    def needs_note(self) -> bool:
        return self is not CheckResult.PASS


_RESULT_ZH = {CheckResult.PASS: "通过", CheckResult.CONCERN: "有疑虑", CheckResult.FAIL: "不通过"}
_RESULT_EN = {
    CheckResult.PASS: N_("Pass"),
    CheckResult.CONCERN: N_("Concern"),
    CheckResult.FAIL: N_("Fail (veto)"),
}


@dataclass(frozen=True)
class Text:
    """A text a rubric file carries in both languages."""

    zh: str
    en: str

    def get(self) -> str:
        return pick(self.zh, self.en)


@dataclass(frozen=True)
class PlanQuote:
    """Verbatim wording of the plan, with the section it is found in (e.g. 五（一）)."""

    section: str
    quote: str


@dataclass(frozen=True)
class Band:
    """A score band. Bands are half-open [low, high), the top one closed at the maximum."""

    level: Level
    low: Decimal
    high: Decimal
    description: Text

    def contains(self, score: Fraction | Decimal, top: bool) -> bool:
        value = Fraction(score)
        if top:
            return Fraction(self.low) <= value <= Fraction(self.high)
        return Fraction(self.low) <= value < Fraction(self.high)


def band_for(bands: tuple[Band, ...], score: Fraction | Decimal) -> Band | None:
    for i, band in enumerate(bands):
        if band.contains(score, top=i == len(bands) - 1):
            return band
    return None


@dataclass(frozen=True)
class Criterion:
    id: str
    name: Text
    source: PlanQuote
    weight: Decimal
    max_score: Decimal
    step: Decimal
    bands: tuple[Band, ...]
    representative_works: bool = False
    guidance: Text | None = None

    def band(self, score: Fraction | Decimal) -> Band | None:
        return band_for(self.bands, score)

    def on_step(self, score: Decimal) -> bool:
        return (Fraction(score) / Fraction(self.step)).denominator == 1

    def in_range(self, score: Decimal) -> bool:
        return Decimal(0) <= score <= self.max_score


@dataclass(frozen=True)
class Check:
    kind: CheckKind
    name: Text
    aspects: tuple[Text, ...]
    source: PlanQuote
    guidance: Text


@dataclass(frozen=True)
class Recommendation:
    id: str
    name: Text
    negative: bool = False


@dataclass(frozen=True)
class Rubric:
    id: str
    version: str
    category: Text
    source: PlanQuote
    research: bool
    checks: tuple[Check, ...]
    criteria: tuple[Criterion, ...]
    total_bands: tuple[Band, ...]
    recommendations: tuple[Recommendation, ...]
    origin: str = field(default="", compare=False)

    TOTAL_SCALE = Decimal(100)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def check(self, kind: CheckKind) -> Check:
        return next(c for c in self.checks if c.kind is kind)

    def recommendation(self, rec_id: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.id == rec_id), None)

    def total_band(self, total: Fraction | Decimal) -> Band | None:
        return band_for(self.total_bands, total)

    def canonical(self) -> dict[str, Any]:
        return canonical_rubric(self)

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.canonical())

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the canonical serialisation."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:16]


def canonical_decimal(value: Decimal) -> str:
    # 10, 10.0 and 1E+1 are one number; its text must be one string.
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _text(t: Text) -> dict[str, str]:
    return {"zh": t.zh, "en": t.en}


def _quote(q: PlanQuote) -> dict[str, str]:
    return {"section": q.section, "quote": q.quote}


def _band(b: Band) -> dict[str, Any]:
    return {
        "level": b.level.value,
        "min": canonical_decimal(b.low),
        "max": canonical_decimal(b.high),
        "description": _text(b.description),
    }


def canonical_rubric(r: Rubric) -> dict[str, Any]:
    return {
        "format": RUBRIC_FORMAT,
        "id": r.id,
        "version": r.version,
        "category": _text(r.category),
        "source": _quote(r.source),
        "research": r.research,
        "checks": [
            {
                "kind": c.kind.value,
                "name": _text(c.name),
                "aspects": [_text(a) for a in c.aspects],
                "source": _quote(c.source),
                "guidance": _text(c.guidance),
            }
            for c in r.checks
        ],
        "criteria": [
            {
                "id": c.id,
                "name": _text(c.name),
                "source": _quote(c.source),
                "weight": canonical_decimal(c.weight),
                "max_score": canonical_decimal(c.max_score),
                "step": canonical_decimal(c.step),
                "representative_works": c.representative_works,
                "guidance": _text(c.guidance) if c.guidance else None,
                "bands": [_band(b) for b in c.bands],
            }
            for c in r.criteria
        ],
        "total_bands": [_band(b) for b in r.total_bands],
        "recommendations": [
            {"id": x.id, "name": _text(x.name), "negative": x.negative} for x in r.recommendations
        ],
    }


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant white space, UTF-8, NFC: one byte string per value."""
    return json.dumps(
        _nfc(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
