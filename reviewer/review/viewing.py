"""What a reviewer watched of the audiovisual works (代表作), and the session's rule on it.

A ``ViewingRecord`` is one work's record: the attachment (its SHA-256), the work's length
as the player reported it, and the union of the spans played, as sorted, disjoint,
half-open ``[start_ms, end_ms)`` pairs within ``[0, duration_ms]``. Adding a span clips
it to the work and merges it with what was watched before, so a part watched twice
counts once, and the order spans arrive in does not matter. A record holds at most
``MAX_INTERVALS`` spans: when one more would be needed, the two closest spans are joined
(the gap between them then counts as watched), so that a hostile or very long session
cannot grow it without bound. That can only overstate, by the smallest gaps first; a
reviewer who watches straight through never comes near it.

``CandidateViewing`` is what a sheet says of one candidate: each audiovisual work
(number, title, length, spans, whether the session's minimum applies to it) and the
minimum itself, if the secretariat set one (``min_watched_percent`` in the signed
manifest). The minimum applies to the works whose length the manifest states: a work of
unknown length cannot be measured, so it is not required. ``scores_needing_viewing``
and ``viewing_refusal`` are the rule applied where scores are set: a score of a
criterion marked ``representative_works`` may be set only once every required work is
watched to the minimum.

Arithmetic is exact (``share`` is a Fraction; the rule compares integers); percentages
shown are rounded down, so 79.9 % never shows as 80 %. The JSON forms are read as
hostile: unknown or missing keys, wrong types, values out of range and spans out of
order or overlapping are refused, with the place named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reviewer.base import strict
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _, join_list
from reviewer.review.scoring import Review
from reviewer.rubric.model import Criterion, Rubric, canonical_json

RECORD_FORMAT = 1
MAX_INTERVALS = 128
MAX_DURATION_MS = 10 * 24 * 3600 * 1000  # the manifest's cap too: ten days
MAX_WORKS = 20  # a sheet's representative works
MAX_TITLE = 2000
MAX_RECORD_BYTES = 64 * 1024
MIN_PERCENT, MAX_PERCENT = 1, 100

Interval = tuple[int, int]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class ViewingError(ReviewerError):
    """A span or a length that cannot be recorded (the player's input is wrong)."""


class ViewingDataError(ReviewerError):
    """Viewing data that cannot be read; ``path`` names the place (``intervals[2]``)."""

    def __init__(self, path: str, detail: str):
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}" if path else detail)


def is_audiovisual(media_type: str) -> bool:
    return media_type.startswith(("audio/", "video/"))


# -- the interval algebra ---------------------------------------------------------------


def merge(spans: Iterable[Interval]) -> tuple[Interval, ...]:
    """The union of ``spans``: sorted and disjoint; touching spans join, empty ones go."""
    out: list[Interval] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def clip(spans: Iterable[Interval], duration_ms: int) -> tuple[Interval, ...]:
    """``spans`` cut to ``[0, duration_ms]`` and merged."""
    return merge((max(0, s), min(e, duration_ms)) for s, e in spans)


def bound(spans: Sequence[Interval], limit: int = MAX_INTERVALS) -> tuple[Interval, ...]:
    """At most ``limit`` spans: the two with the smallest gap between them (the earliest,
    of equal gaps) are joined until there are."""
    out = list(spans)
    while len(out) > max(limit, 1):
        i = min(range(len(out) - 1), key=lambda k: out[k + 1][0] - out[k][1])
        out[i : i + 2] = [(out[i][0], out[i + 1][1])]
    return tuple(out)


def total(spans: Iterable[Interval]) -> int:
    return sum(e - s for s, e in spans)


def clock(ms: int) -> str:
    """A length as a player shows it: ``12:03``, ``1:02:03`` (whole seconds, down)."""
    seconds = max(ms, 0) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_duration(duration_ms: Any) -> int:
    if not _whole(duration_ms) or not 1 <= duration_ms <= MAX_DURATION_MS:
        raise ViewingError(
            _(
                "the length of a work must be a whole number of milliseconds from 1 to {max}, "
                "not {found}"
            ).format(max=MAX_DURATION_MS, found=repr(duration_ms)[:40])
        )
    return int(duration_ms)


def _checked_span(start_ms: Any, end_ms: Any) -> None:
    if not _whole(start_ms) or not _whole(end_ms):
        raise ViewingError(_("a watched span is given in whole milliseconds"))
    if end_ms < start_ms:
        raise ViewingError(
            _("a watched span ends ({end} ms) before it starts ({start} ms)").format(
                start=start_ms, end=end_ms
            )
        )


# -- one work's record ------------------------------------------------------------------


def _spans_problem(spans: Sequence[Interval], duration_ms: int | None) -> tuple[str, str] | None:
    """(place, what) of the first thing wrong with stored spans, or None."""
    if len(spans) > MAX_INTERVALS:
        return "", _("more than {n} spans").format(n=MAX_INTERVALS)
    previous_end = -1
    for i, (start, end) in enumerate(spans):
        if not 0 <= start < end:
            return f"[{i}]", _("a span must start at 0 or later and end after it starts")
        if duration_ms is None or end > duration_ms:
            return f"[{i}]", _("the span ends after the end of the work")
        if start <= previous_end:
            return f"[{i}]", _("spans must be in order, apart, and not overlap")
        previous_end = end
    return None


@dataclass(frozen=True)
class ViewingRecord:
    """What was watched of one work: immutable; ``add`` gives the record with a span more."""

    sha256: str
    duration_ms: int
    intervals: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ViewingDataError("sha256", _("expected a SHA-256 in lower-case hex"))
        if not _whole(self.duration_ms) or not 1 <= self.duration_ms <= MAX_DURATION_MS:
            raise ViewingDataError(
                "duration_ms",
                _("expected a whole number from 1 to {max}").format(max=MAX_DURATION_MS),
            )
        problem = _spans_problem(self.intervals, self.duration_ms)
        if problem is not None:
            raise ViewingDataError(f"intervals{problem[0]}", problem[1])

    @classmethod
    def new(cls, sha256: str, duration_ms: int) -> ViewingRecord:
        return cls(sha256, _checked_duration(duration_ms))

    def add(self, start_ms: int, end_ms: int, duration_ms: int | None = None) -> ViewingRecord:
        """This record with the span played from ``start_ms`` to ``end_ms`` added, cut to
        the work. ``duration_ms``: the length the player reports now; where it differs
        (a decoder that refined its estimate), it replaces the old one and the spans are
        cut to it. A span that ends before it starts is refused (``ViewingError``)."""
        duration = self.duration_ms if duration_ms is None else _checked_duration(duration_ms)
        _checked_span(start_ms, end_ms)
        spans = clip((*self.intervals, (start_ms, end_ms)), duration)
        return ViewingRecord(self.sha256, duration, bound(spans))

    @property
    def watched_ms(self) -> int:
        return total(self.intervals)

    @property
    def share(self) -> Fraction:
        return Fraction(self.watched_ms, self.duration_ms)

    @property
    def percent(self) -> int:
        """The share watched in whole percent, rounded down."""
        return self.watched_ms * 100 // self.duration_ms


def _fail(path: str, detail: str) -> ViewingDataError:
    return ViewingDataError(path, detail)


def _fields(doc: Any, path: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _fail(path, _("expected an object, found {kind}").format(kind=strict.json_kind(doc)))
    unknown = sorted(set(doc) - keys)
    if unknown:
        raise _fail(strict.join(path, unknown[0]), _("unknown field"))
    missing = sorted(keys - set(doc))
    if missing:
        raise _fail(strict.join(path, missing[0]), _("required field is missing"))
    return doc


def _integer(doc: dict[str, Any], key: str, path: str, low: int, high: int) -> int:
    value = doc[key]
    where = strict.join(path, key)
    if not _whole(value):
        raise _fail(
            where, _("expected an integer, found {kind}").format(kind=strict.json_kind(value))
        )
    if not low <= value <= high:
        raise _fail(
            where, _("{value} is outside {low} to {high}").format(value=value, low=low, high=high)
        )
    return int(value)


def _sha(doc: dict[str, Any], key: str, path: str) -> str:
    value = doc[key]
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise _fail(strict.join(path, key), _("expected a SHA-256 in lower-case hex"))
    return value


def _spans(doc: dict[str, Any], path: str, duration_ms: int | None) -> tuple[Interval, ...]:
    where = strict.join(path, "intervals")
    raw = doc["intervals"]
    if not isinstance(raw, list):
        raise _fail(where, _("expected a list, found {kind}").format(kind=strict.json_kind(raw)))
    if len(raw) > MAX_INTERVALS:
        raise _fail(where, _("more than {n} spans").format(n=MAX_INTERVALS))
    spans: list[Interval] = []
    for i, item in enumerate(raw):
        if not (isinstance(item, list) and len(item) == 2 and all(_whole(v) for v in item)):
            raise _fail(f"{where}[{i}]", _("expected [start_ms, end_ms], two integers"))
        spans.append((int(item[0]), int(item[1])))
    problem = _spans_problem(spans, duration_ms)
    if problem is not None:
        raise _fail(where + problem[0], problem[1])
    return tuple(spans)


def record_to_dict(record: ViewingRecord) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "sha256": record.sha256,
        "duration_ms": record.duration_ms,
        "intervals": [[s, e] for s, e in record.intervals],
    }


def record_from_dict(doc: Any, path: str = "") -> ViewingRecord:
    doc = _fields(doc, path, {"format", "sha256", "duration_ms", "intervals"})
    if doc["format"] != RECORD_FORMAT or not _whole(doc["format"]):
        raise _fail(
            strict.join(path, "format"),
            _("format {found!r} is not supported; this version reads format {ours}").format(
                found=doc["format"], ours=RECORD_FORMAT
            ),
        )
    sha = _sha(doc, "sha256", path)
    duration = _integer(doc, "duration_ms", path, 1, MAX_DURATION_MS)
    return ViewingRecord(sha, duration, _spans(doc, path, duration))


def record_to_json(record: ViewingRecord) -> bytes:
    """Canonical JSON: sorted keys, no white space; one byte string per record."""
    return canonical_json(record_to_dict(record))


def record_from_json(data: bytes) -> ViewingRecord:
    try:
        doc = strict.load_json(data, MAX_RECORD_BYTES)
    except strict.StrictJsonError as exc:
        raise ViewingDataError("", exc.message) from None
    return record_from_dict(doc)


# -- a candidate's works, as a sheet carries them ---------------------------------------


@dataclass(frozen=True)
class AudiovisualWork:
    """One of a candidate's works that is audio or video, as the signed manifest says."""

    number: int  # its place among the candidate's works, from 1
    title: str
    sha256: str
    stated_duration_ms: int | None  # the manifest's ``duration_ms``; None or 0: unknown

    @property
    def measurable(self) -> bool:
        """Its length is known before anything is played, so a minimum can apply."""
        return bool(self.stated_duration_ms)


@dataclass(frozen=True)
class WorkViewing:
    """What was watched of one audiovisual work, as a sheet says it."""

    number: int
    title: str
    sha256: str
    # What the share is measured against: the player's length once it was played, else
    # the manifest's; None: unknown (not played, and the manifest does not say).
    duration_ms: int | None
    intervals: tuple[Interval, ...]
    required: bool  # the session's minimum applies to it

    @classmethod
    def of(cls, work: AudiovisualWork, record: ViewingRecord | None, *, rule: bool) -> WorkViewing:
        if record is not None:
            duration: int | None = record.duration_ms
            spans = record.intervals
        else:
            duration, spans = work.stated_duration_ms or None, ()
        return cls(work.number, work.title, work.sha256, duration, spans, rule and work.measurable)

    @property
    def watched_ms(self) -> int:
        return total(self.intervals)

    @property
    def share(self) -> Fraction | None:
        return None if not self.duration_ms else Fraction(self.watched_ms, self.duration_ms)

    @property
    def percent(self) -> int | None:
        return None if not self.duration_ms else self.watched_ms * 100 // self.duration_ms

    def below(self, min_percent: int) -> bool:
        """Required, and watched less than ``min_percent`` of it."""
        if not self.required:
            return False
        if not self.duration_ms:
            return True
        return self.watched_ms * 100 < min_percent * self.duration_ms

    def summary(self) -> str:
        """``work 2 “Title”: 82% (12:03 / 14:40)``, in the current language."""
        if self.duration_ms is None:
            return _("work {n} “{title}”: length unknown").format(n=self.number, title=self.title)
        return _("work {n} “{title}”: {percent}% watched ({watched} / {length})").format(
            n=self.number,
            title=self.title,
            percent=self.percent,
            watched=clock(self.watched_ms),
            length=clock(self.duration_ms),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "sha256": self.sha256,
            "duration_ms": self.duration_ms,
            "watched_ms": self.watched_ms,
            "intervals": [[s, e] for s, e in self.intervals],
            "required": self.required,
        }

    @classmethod
    def from_dict(cls, doc: Any, path: str) -> WorkViewing:
        keys = {"number", "title", "sha256", "duration_ms", "watched_ms", "intervals", "required"}
        doc = _fields(doc, path, keys)
        number = _integer(doc, "number", path, 1, MAX_WORKS)
        title = doc["title"]
        if not isinstance(title, str) or len(title) > MAX_TITLE:
            raise _fail(strict.join(path, "title"), _("expected text"))
        sha = _sha(doc, "sha256", path)
        duration = None
        if doc["duration_ms"] is not None:
            duration = _integer(doc, "duration_ms", path, 1, MAX_DURATION_MS)
        spans = _spans(doc, path, duration)
        watched = _integer(doc, "watched_ms", path, 0, MAX_DURATION_MS)
        if watched != total(spans):
            raise _fail(strict.join(path, "watched_ms"), _("is not the sum of the spans"))
        required = doc["required"]
        if not isinstance(required, bool):
            raise _fail(strict.join(path, "required"), _("expected true or false"))
        if required and duration is None:
            raise _fail(
                strict.join(path, "required"), _("a work of unknown length is not required")
            )
        return cls(number, title, sha, duration, spans, required)


@dataclass(frozen=True)
class CandidateViewing:
    """What was watched of one candidate's audiovisual works, and the session's minimum
    (None: the secretariat set none)."""

    min_percent: int | None = None
    works: tuple[WorkViewing, ...] = ()

    @classmethod
    def of(
        cls,
        min_percent: int | None,
        works: Sequence[AudiovisualWork],
        records: dict[str, ViewingRecord],
    ) -> CandidateViewing:
        rule = min_percent is not None
        return cls(
            min_percent, tuple(WorkViewing.of(w, records.get(w.sha256), rule=rule) for w in works)
        )

    def short(self) -> tuple[WorkViewing, ...]:
        """The required works watched less than the minimum."""
        if self.min_percent is None:
            return ()
        return tuple(w for w in self.works if w.below(self.min_percent))

    def brief(self) -> str:
        """One line for a table: ``work 2: 82%; work 3: 35%, below the minimum of 80%``."""
        parts = []
        for w in self.works:
            if w.percent is None:
                parts.append(_("work {n}: length unknown").format(n=w.number))
                continue
            text = _("work {n}: {share}").format(n=w.number, share=f"{w.percent}%")
            if self.min_percent is not None and w.below(self.min_percent):
                text = _("{text}, below the minimum of {minimum}").format(
                    text=text, minimum=f"{self.min_percent}%"
                )
            parts.append(text)
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"min_percent": self.min_percent, "works": [w.to_dict() for w in self.works]}

    @classmethod
    def from_dict(cls, doc: Any, path: str = "") -> CandidateViewing:
        doc = _fields(doc, path, {"min_percent", "works"})
        minimum = None
        if doc["min_percent"] is not None:
            minimum = _integer(doc, "min_percent", path, MIN_PERCENT, MAX_PERCENT)
        where = strict.join(path, "works")
        raw = doc["works"]
        if not isinstance(raw, list) or len(raw) > MAX_WORKS:
            raise _fail(where, _("expected a list of at most {n}").format(n=MAX_WORKS))
        works = tuple(WorkViewing.from_dict(item, f"{where}[{i}]") for i, item in enumerate(raw))
        numbers = [w.number for w in works]
        if numbers != sorted(set(numbers)):
            raise _fail(where, _("works must be in order of their number, each once"))
        if minimum is None and any(w.required for w in works):
            raise _fail(where, _("a work is required although no minimum is set"))
        return cls(minimum, works)


# -- the rule, where scores are set -----------------------------------------------------


def scores_needing_viewing(rubric: Rubric, old: Review, new: Review) -> tuple[Criterion, ...]:
    """The criteria on representative works whose score ``new`` sets or changes (clearing
    a score, or leaving it as it was, needs nothing)."""
    return tuple(
        c
        for c in rubric.criteria
        if c.representative_works
        and new.scores.get(c.id) is not None
        and new.scores.get(c.id) != old.scores.get(c.id)
    )


def viewing_refusal(viewing: CandidateViewing, criteria: Sequence[Criterion]) -> str | None:
    """Why these scores cannot be set yet, in words (naming each work and how much of it
    was watched), or None when they can."""
    short = viewing.short()
    if not criteria or not short:
        return None
    return _(
        "watch at least {percent} of each audiovisual work before scoring {criteria}: {works}"
    ).format(
        percent=f"{viewing.min_percent}%",
        criteria=join_list(f"“{c.name.get()}”" for c in criteria),
        works="; ".join(w.summary() for w in short),
    )
