"""The dossier manifest: what a pack holds, as typed values and as strict JSON.

The manifest travels encrypted and signed, but it is parsed as hostile JSON all the
same (a secretariat's tool may be buggy, and the signature is checked against bytes, not
meaning): size and nesting caps first, then every field's type and range, unknown fields
refused, and every problem reported at once with its JSON path, e.g.
``candidates[3].works[0].year: expected an integer``.

Format 2 adds, per attachment, the SHA-256 of each 4 MiB plaintext block (``blocks``), so
that a reviewer can check any block of a long video on its own before it is played:
age authenticates chunks only against the file key, which every co-recipient knows, so
a co-recipient could otherwise forge chunks that decrypt. Format 1 is still read; its
attachments can only be read whole.

The serialisation is ``canonical_json`` (sorted keys, NFC, compact), so the manifest's
SHA-256 is stable and review sheets can bind to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyrage
from pyrage import x25519

from reviewer.base import strict
from reviewer.base.errors import Problem
from reviewer.base.i18n import _
from reviewer.pack.errors import ManifestInvalidError
from reviewer.pack.media_probe import MAX_DURATION_MS
from reviewer.rubric.model import RUBRIC_FORMAT, canonical_json

MANIFEST_FORMAT = 2
READABLE_FORMATS = (1, 2)
BLOCK_SIZE = 4 * 1024 * 1024
MAX_MANIFEST_BYTES = 12 * 1024 * 1024
MAX_DEPTH = strict.MAX_DEPTH
MAX_PROBLEMS = 100
MAX_RUBRICS = 50
MAX_CANDIDATES = 5000
MAX_WORKS = 5
MAX_OTHER_MATERIALS = 20
MAX_ATTACHMENTS = 9_000
MAX_WITHDRAWN = 10_000
MAX_ATTACHMENT_SIZE = 2 * 1024**3
# 512 block hashes of 67 bytes for a 2 GiB file: the 12 MiB cap holds a pack's worth
# (64 GiB in all is 16,384 blocks, plus one for each of up to 9,000 small files).
MAX_BLOCKS = -(-MAX_ATTACHMENT_SIZE // BLOCK_SIZE)
MIN_YEAR, MAX_YEAR = 1900, 2200

_SHA256 = re.compile(r"[0-9a-f]{64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RUBRIC_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CANDIDATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CREATED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]{1,100}(; ?charset=utf-8)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ManifestRubric:
    id: str
    sha256: str
    # The rubric in its canonical dictionary form (``Rubric.canonical()``).
    canonical: dict[str, Any] = field(hash=False)

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.canonical)


@dataclass(frozen=True)
class Work:
    title: str
    kind: str
    year: int
    attachment: str | None


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    category: str
    programme: str
    affiliation: str
    region: str
    central_western_border_ethnic: bool
    new_arts_group: bool
    works: tuple[Work, ...]
    other_materials: tuple[str, ...]

    def attachment_hashes(self) -> list[str]:
        found = [w.attachment for w in self.works if w.attachment] + list(self.other_materials)
        return list(dict.fromkeys(found))


def block_count(size: int) -> int:
    """How many 4 MiB blocks a file of ``size`` bytes has (an empty file has one)."""
    return max(1, -(-size // BLOCK_SIZE))


@dataclass(frozen=True)
class Attachment:
    sha256: str
    size: int
    media_type: str
    name: str
    # Format 2: the SHA-256 (hex) of each BLOCK_SIZE block of the plaintext, in order;
    # ``None`` in a format-1 manifest.
    blocks: tuple[str, ...] | None = None
    # Audio and video: the length the container states (None: not media, or unknown).
    duration_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "name": self.name,
        }
        if self.blocks is not None:
            doc["blocks"] = list(self.blocks)
        # Written only where known, so manifests without media read as before.
        if self.duration_ms is not None:
            doc["duration_ms"] = self.duration_ms
        return doc


@dataclass(frozen=True)
class Manifest:
    format: int
    pack_id: str
    session_id: str
    session_name: str
    created: str
    secretariat: str
    rubrics: tuple[ManifestRubric, ...]
    candidates: tuple[Candidate, ...]
    attachments: tuple[Attachment, ...]
    # Set where the session seals sheets: the secretariat's age recipient, which a
    # reviewer can trust because the manifest is signed by the secretariat.
    seal_recipient: str | None = None
    # Certificates (SHA-256) the secretariat has withdrawn: signed here so that a
    # reviewer learns theirs was, from the secretariat and from nobody else.
    withdrawn: tuple[str, ...] = ()

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.strptime(self.created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)

    def candidate(self, candidate_id: str) -> Candidate | None:
        return next((c for c in self.candidates if c.id == candidate_id), None)

    def attachment(self, sha256: str) -> Attachment | None:
        return next((a for a in self.attachments if a.sha256 == sha256), None)

    def rubric(self, rubric_id: str) -> ManifestRubric | None:
        return next((r for r in self.rubrics if r.id == rubric_id), None)

    def to_dict(self) -> dict[str, Any]:
        doc = self._to_dict()
        if self.seal_recipient is not None:
            doc["seal_recipient"] = self.seal_recipient
        if self.withdrawn:
            doc["withdrawn"] = list(self.withdrawn)
        return doc

    def _to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "pack_id": self.pack_id,
            "session": {"id": self.session_id, "name": self.session_name},
            "created": self.created,
            "secretariat": self.secretariat,
            "rubrics": [
                {"id": r.id, "sha256": r.sha256, "rubric": r.canonical} for r in self.rubrics
            ],
            "candidates": [
                {
                    "id": c.id,
                    "name": c.name,
                    "category": c.category,
                    "programme": c.programme,
                    "affiliation": c.affiliation,
                    "region": c.region,
                    "central_western_border_ethnic": c.central_western_border_ethnic,
                    "new_arts_group": c.new_arts_group,
                    "works": [
                        {
                            "title": w.title,
                            "kind": w.kind,
                            "year": w.year,
                            "attachment": w.attachment,
                        }
                        for w in c.works
                    ],
                    "other_materials": list(c.other_materials),
                }
                for c in self.candidates
            ],
            "attachments": [a.to_dict() for a in self.attachments],
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_dict())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


def format_created(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- strict parsing -----------------------------------------------------------------


class _Reader(strict.Collector):
    def __init__(self) -> None:
        super().__init__(limit=MAX_PROBLEMS)

    def obj(
        self, value: Any, path: str, required: set[str], optional: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(
                path, _("expected an object, found {kind}").format(kind=strict.json_kind(value))
            )
            return None
        for key in sorted(required - value.keys()):
            self.fail(strict.join(path, key), _("required field is missing"))
        for key in sorted(value.keys() - required - optional):
            self.fail(strict.join(path, key), _("unknown field"))
        return value

    def array(self, doc: dict[str, Any], key: str, path: str, low: int, high: int) -> list[Any]:
        value = doc.get(key)
        where = strict.join(path, key)
        if key not in doc:
            return []
        if not isinstance(value, list):
            self.fail(
                where, _("expected a list, found {kind}").format(kind=strict.json_kind(value))
            )
            return []
        if not low <= len(value) <= high:
            self.fail(
                where,
                _("expected {low} to {high} entries, found {n}").format(
                    low=low, high=high, n=len(value)
                ),
            )
            return value[:high]
        return value

    def string(
        self,
        doc: dict[str, Any],
        key: str,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        max_len: int = 500,
        empty: bool = False,
        check: Callable[[str], bool] | None = None,
    ) -> str:
        if key not in doc:
            return ""
        return self.string_value(
            doc[key],
            strict.join(path, key),
            pattern=pattern,
            max_len=max_len,
            empty=empty,
            check=check,
        )

    def string_value(
        self,
        value: Any,
        where: str,
        *,
        pattern: re.Pattern[str] | None = None,
        max_len: int = 500,
        empty: bool = False,
        check: Callable[[str], bool] | None = None,
    ) -> str:
        if not isinstance(value, str):
            self.fail(where, _("expected text, found {kind}").format(kind=strict.json_kind(value)))
            return ""
        if not value and not empty:
            self.fail(where, _("must not be empty"))
        elif len(value) > max_len:
            self.fail(where, _("longer than {n} characters").format(n=max_len))
        elif pattern is not None and not pattern.fullmatch(value):
            self.fail(where, _("{value!r} is not in the expected form").format(value=value[:80]))
        elif _CONTROL.search(value):
            self.fail(where, _("contains control characters"))
        elif check is not None and not check(value):
            self.fail(where, _("{value!r} is not valid here").format(value=value[:80]))
        return value

    def integer(self, doc: dict[str, Any], key: str, path: str, low: int, high: int) -> int:
        if key not in doc:
            return 0
        value = doc[key]
        where = strict.join(path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(
                where, _("expected an integer, found {kind}").format(kind=strict.json_kind(value))
            )
            return 0
        if not low <= value <= high:
            self.fail(
                where,
                _("{value} is outside {low} to {high}").format(value=value, low=low, high=high),
            )
        return value

    def boolean(self, doc: dict[str, Any], key: str, path: str) -> bool:
        if key not in doc:
            return False
        value = doc[key]
        if not isinstance(value, bool):
            self.fail(
                strict.join(path, key),
                _("expected true or false, found {kind}").format(kind=strict.json_kind(value)),
            )
            return False
        return value


def load_json(data: bytes, max_bytes: int = MAX_MANIFEST_BYTES) -> Any:
    """Parse untrusted JSON bytes (``strict.load_json``); refuse them as a manifest."""
    try:
        return strict.load_json(data, max_bytes, MAX_DEPTH)
    except strict.StrictJsonError as exc:
        raise ManifestInvalidError([Problem("", exc.message)]) from None


_TOP = {
    "format",
    "pack_id",
    "session",
    "created",
    "secretariat",
    "rubrics",
    "candidates",
    "attachments",
}
_CANDIDATE = {
    "id",
    "name",
    "category",
    "programme",
    "affiliation",
    "region",
    "central_western_border_ethnic",
    "new_arts_group",
    "works",
    "other_materials",
}


def parse_manifest(data: bytes) -> Manifest:
    """Build a ``Manifest`` from untrusted bytes or raise ``ManifestInvalidError``."""
    doc = load_json(data)
    r = _Reader()
    try:
        manifest = _manifest(r, doc)
    except strict.TooManyProblems:
        r.stopped()
        manifest = None
    if r.problems or manifest is None:
        raise ManifestInvalidError(r.problems)
    return manifest


def _created_ok(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _manifest(r: _Reader, raw: Any) -> Manifest | None:
    doc = r.obj(raw, "", _TOP, frozenset({"seal_recipient", "withdrawn"}))
    if doc is None:
        return None
    fmt = doc.get("format")
    if "format" in doc and (isinstance(fmt, bool) or fmt not in READABLE_FORMATS):
        r.fail(
            "format",
            _("format {found!r} is not supported; this version reads formats {ours}").format(
                found=fmt, ours=", ".join(map(str, READABLE_FORMATS))
            ),
        )
        return None
    pack_id = r.string(doc, "pack_id", "", pattern=_UUID)
    session_id, session_name = "", ""
    if "session" in doc:
        session = r.obj(doc["session"], "session", {"id", "name"})
        if session is not None:
            session_id = r.string(session, "id", "session", max_len=128)
            session_name = r.string(session, "name", "session", max_len=200)
    created = r.string(doc, "created", "", pattern=_CREATED, check=_created_ok)
    secretariat = r.string(doc, "secretariat", "", max_len=200)
    seal_recipient = None
    if "seal_recipient" in doc:
        seal_recipient = r.string(doc, "seal_recipient", "", max_len=100)
        try:
            x25519.Recipient.from_str(seal_recipient)
        except (pyrage.RecipientError, ValueError):
            r.fail("seal_recipient", _("not an age recipient"))
    withdrawn = tuple(
        r.string_value(v, f"withdrawn[{i}]", pattern=_SHA256)
        for i, v in enumerate(r.array(doc, "withdrawn", "", 1, MAX_WITHDRAWN))
    )

    rubrics = _rubrics(r, doc)
    attachments = _attachments(r, doc, with_blocks=fmt == 2)
    attachment_ids = {a.sha256 for a in attachments}
    rubric_ids: set[str] | None = {x.id for x in rubrics}
    if "rubrics" in doc and len(rubrics) != len(doc.get("rubrics") or []):
        rubric_ids = None  # a broken rubric entry: category checks would only add noise
    candidates = _candidates(r, doc, rubric_ids, attachment_ids)

    used = {h for c in candidates for h in c.attachment_hashes()}
    for i, a in enumerate(attachments):
        if a.sha256 not in used:
            r.fail(f"attachments[{i}]", _("no candidate refers to this attachment"))
    return Manifest(
        format=fmt if isinstance(fmt, int) else MANIFEST_FORMAT,
        pack_id=pack_id,
        session_id=session_id,
        session_name=session_name,
        created=created,
        secretariat=secretariat,
        rubrics=tuple(rubrics),
        candidates=tuple(candidates),
        attachments=tuple(attachments),
        seal_recipient=seal_recipient,
        withdrawn=withdrawn,
    )


def _rubrics(r: _Reader, doc: dict[str, Any]) -> list[ManifestRubric]:
    result: list[ManifestRubric] = []
    seen: set[str] = set()
    for i, raw in enumerate(r.array(doc, "rubrics", "", 1, MAX_RUBRICS)):
        where = f"rubrics[{i}]"
        entry = r.obj(raw, where, {"id", "sha256", "rubric"})
        if entry is None:
            continue
        rid = r.string(entry, "id", where, pattern=_RUBRIC_ID)
        sha = r.string(entry, "sha256", where, pattern=_SHA256)
        if rid in seen:
            r.fail(strict.join(where, "id"), _("duplicate rubric id {id!r}").format(id=rid))
        seen.add(rid)
        body = entry.get("rubric")
        if "rubric" in entry and not isinstance(body, dict):
            r.fail(
                strict.join(where, "rubric"),
                _("expected an object, found {kind}").format(kind=strict.json_kind(body)),
            )
            continue
        if not isinstance(body, dict):
            continue
        if body.get("id") != rid:
            r.fail(strict.join(where, "rubric.id"), _("does not match the entry's id"))
        if body.get("format") != RUBRIC_FORMAT:
            r.fail(
                strict.join(where, "rubric.format"),
                _("rubric format {found!r} is not supported").format(found=body.get("format")),
            )
        actual = hashlib.sha256(canonical_json(body)).hexdigest()
        if sha and actual != sha:
            r.fail(
                strict.join(where, "sha256"),
                _("the rubric's fingerprint is {actual}, not the one stated").format(
                    actual=actual[:16]
                ),
            )
        result.append(ManifestRubric(rid, sha, body))
    return result


def _attachments(r: _Reader, doc: dict[str, Any], *, with_blocks: bool) -> list[Attachment]:
    result: list[Attachment] = []
    seen: set[str] = set()
    fields = {"sha256", "size", "media_type", "name"} | ({"blocks"} if with_blocks else set())
    for i, raw in enumerate(r.array(doc, "attachments", "", 0, MAX_ATTACHMENTS)):
        where = f"attachments[{i}]"
        entry = r.obj(raw, where, fields, frozenset({"duration_ms"}))
        if entry is None:
            continue
        sha = r.string(entry, "sha256", where, pattern=_SHA256)
        if sha in seen:
            r.fail(strict.join(where, "sha256"), _("listed twice"))
        seen.add(sha)
        size = r.integer(entry, "size", where, 0, MAX_ATTACHMENT_SIZE)
        media_type = r.string(entry, "media_type", where, pattern=_MEDIA_TYPE)
        # Display names may become file names when saved: no folders in them.
        name = r.string(
            entry, "name", where, max_len=255, check=lambda s: not re.search(r"[/\\]", s)
        )
        blocks = _blocks(r, entry, where, sha, size) if with_blocks else None
        # Optional (absent or null: unknown), so manifests written before it still read.
        duration = entry.get("duration_ms")
        if duration is not None:
            duration = r.integer(entry, "duration_ms", where, 0, MAX_DURATION_MS)
        result.append(Attachment(sha, size, media_type, name, blocks, duration))
    return result


def _blocks(r: _Reader, entry: dict[str, Any], where: str, sha: str, size: int) -> tuple[str, ...]:
    raw = r.array(entry, "blocks", where, 1, MAX_BLOCKS)
    blocks = tuple(
        r.string_value(v, f"{where}.blocks[{k}]", pattern=_SHA256) for k, v in enumerate(raw)
    )
    if not isinstance(entry.get("blocks"), list) or not 1 <= len(entry["blocks"]) <= MAX_BLOCKS:
        return blocks  # already reported
    expected = block_count(size)
    if len(entry["blocks"]) != expected:
        r.fail(
            strict.join(where, "blocks"),
            _("{n} block hashes for {size} bytes; expected {expected}").format(
                n=len(entry["blocks"]), size=size, expected=expected
            ),
        )
    elif expected == 1 and blocks[0] != sha:
        r.fail(strict.join(where, "blocks[0]"), _("a single block must have the file's SHA-256"))
    return blocks


def _candidates(
    r: _Reader,
    doc: dict[str, Any],
    rubric_ids: set[str] | None,
    attachment_ids: set[str],
) -> list[Candidate]:
    result: list[Candidate] = []
    first: dict[str, int] = {}

    def known_attachment(value: str) -> bool:
        return value in attachment_ids

    for i, raw in enumerate(r.array(doc, "candidates", "", 1, MAX_CANDIDATES)):
        where = f"candidates[{i}]"
        entry = r.obj(raw, where, _CANDIDATE)
        if entry is None:
            continue
        cid = r.string(entry, "id", where, pattern=_CANDIDATE_ID)
        if cid in first:
            r.fail(
                strict.join(where, "id"),
                _("duplicate id {id!r} (also candidates[{j}])").format(id=cid, j=first[cid]),
            )
        first.setdefault(cid, i)
        category = r.string(
            entry,
            "category",
            where,
            pattern=_RUBRIC_ID,
            check=(lambda v: v in rubric_ids) if rubric_ids is not None else None,
        )
        works = []
        for j, raw_work in enumerate(r.array(entry, "works", where, 1, MAX_WORKS)):
            wwhere = f"{where}.works[{j}]"
            work = r.obj(raw_work, wwhere, {"title", "kind", "year", "attachment"})
            if work is None:
                continue
            attachment = work.get("attachment")
            if attachment is not None:
                attachment = r.string_value(
                    attachment,
                    strict.join(wwhere, "attachment"),
                    pattern=_SHA256,
                    check=known_attachment,
                )
            works.append(
                Work(
                    title=r.string(work, "title", wwhere),
                    kind=r.string(work, "kind", wwhere),
                    year=r.integer(work, "year", wwhere, MIN_YEAR, MAX_YEAR),
                    attachment=attachment or None,
                )
            )
        others = [
            r.string_value(
                v, f"{where}.other_materials[{k}]", pattern=_SHA256, check=known_attachment
            )
            for k, v in enumerate(r.array(entry, "other_materials", where, 0, MAX_OTHER_MATERIALS))
        ]
        result.append(
            Candidate(
                id=cid,
                name=r.string(entry, "name", where, max_len=200),
                category=category,
                programme=r.string(entry, "programme", where, empty=True),
                affiliation=r.string(entry, "affiliation", where, empty=True),
                region=r.string(entry, "region", where, empty=True),
                central_western_border_ethnic=r.boolean(
                    entry, "central_western_border_ethnic", where
                ),
                new_arts_group=r.boolean(entry, "new_arts_group", where),
                works=tuple(works),
                other_materials=tuple(others),
            )
        )
    return result
