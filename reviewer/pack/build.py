"""Building a dossier pack (``*.rvpack``; the layout is in ``header``).

Each material file is hashed first, whole and in 4 MiB blocks (``manifest.BLOCK_SIZE``),
so the manifest can name attachments by SHA-256 and a reviewer can check any block of a
long video on its own. The blocks are hashed again while the file is encrypted: a file
that changes in between fails the build rather than producing a pack whose manifest lies
about it. A file over the 2 GiB cap is refused before anything is encrypted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.base.i18n import _
from reviewer.crypto import cms, roles
from reviewer.pack.candidates import CandidateRow, MaterialFile
from reviewer.pack.container import (
    AGE_OVERHEAD_ALLOWANCE,
    MANIFEST,
    PACK_JSON,
    SIGNATURE,
    PackWriter,
    age_payload_size,
    attachment_member,
)
from reviewer.pack.errors import ManifestInvalidError, PackBuildError
from reviewer.pack.header import PackHeader
from reviewer.pack.manifest import (
    BLOCK_SIZE,
    MANIFEST_FORMAT,
    MAX_ATTACHMENT_SIZE,
    Attachment,
    Candidate,
    Manifest,
    ManifestRubric,
    Work,
    format_created,
    parse_manifest,
)
from reviewer.rubric.model import Rubric

_READ_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class BuildProgress:
    """Reported during a build; ``done``/``total`` are bytes of the current stage."""

    stage: str  # "hashing", "encrypting", "finishing"
    done: int
    total: int
    item: str = ""


ProgressCallback = Callable[[BuildProgress], None]


@dataclass(frozen=True)
class BuiltPack:
    path: Path
    pack_id: str
    manifest_sha256: str
    candidates: int
    attachments: int
    recipients: int


def parse_recipients(recipients: Iterable[str]) -> list[pyrage.x25519.Recipient]:
    parsed: list[pyrage.x25519.Recipient] = []
    seen: set[str] = set()
    for text in recipients:
        text = text.strip()
        if text in seen:
            continue
        seen.add(text)
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(text))
        except Exception:
            raise PackBuildError(
                _("{value!r} is not an age X25519 recipient (age1...).").format(value=text[:80])
            ) from None
    if not parsed:
        raise PackBuildError(_("A pack needs at least one recipient."))
    return parsed


class _BlockHashes:
    """SHA-256 of each BLOCK_SIZE block of a stream fed in pieces of any size."""

    def __init__(self) -> None:
        self._done: list[str] = []
        self._current = hashlib.sha256()
        self._filled = 0

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._filled == BLOCK_SIZE:
                self._done.append(self._current.hexdigest())
                self._current, self._filled = hashlib.sha256(), 0
            take = view[: BLOCK_SIZE - self._filled]
            self._current.update(take)
            self._filled += len(take)
            view = view[len(take) :]

    def result(self) -> tuple[str, ...]:
        # The last block, possibly short; an empty file is one empty block.
        return (*self._done, self._current.hexdigest())


class _Reading:
    """A file read for encryption: hashes its blocks as pyrage reads and reports progress."""

    def __init__(self, fh: BinaryIO, limit: int, tick: Callable[[int], None]):
        self._fh, self._limit, self._tick = fh, limit, tick
        self.blocks = _BlockHashes()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit + 1 - self.count
        data = self._fh.read(min(size, self._limit + 1 - self.count))
        self.count += len(data)
        if self.count > self._limit:
            raise PackBuildError(_("a material file grew while the pack was being built"))
        self.blocks.update(data)
        self._tick(len(data))
        return data

    def readable(self) -> bool:
        return True


@dataclass(frozen=True)
class _Hashed:
    sha256: str
    size: int
    blocks: tuple[str, ...]


def _too_large(relative: str) -> PackBuildError:
    return PackBuildError(
        _("{path} is larger than 2 GiB, the most a pack can hold in one file.").format(
            path=relative
        )
    )


def _hash_file(path: Path, relative: str, tick: Callable[[int], None]) -> _Hashed:
    sha = hashlib.sha256()
    blocks = _BlockHashes()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            size += len(block)
            if size > MAX_ATTACHMENT_SIZE:
                raise _too_large(relative)
            sha.update(block)
            blocks.update(block)
            tick(len(block))
    return _Hashed(sha.hexdigest(), size, blocks.result())


def _rubrics_for(
    candidates: Sequence[CandidateRow], rubrics: Sequence[Rubric] | None
) -> list[Rubric]:
    if rubrics is None:
        from reviewer.rubric.file import find_rubric

        found = []
        for rid in sorted({c.category for c in candidates}):
            rubric = find_rubric(rid)
            if rubric is None:
                raise PackBuildError(
                    _("No rubric {id!r} for the candidates' category.").format(id=rid)
                )
            found.append(rubric)
        return found
    ids = {r.id for r in rubrics}
    missing = sorted({c.category for c in candidates} - ids)
    if missing:
        raise PackBuildError(
            _("Candidates name categories the session has no rubric for: {ids}").format(
                ids=", ".join(missing)
            )
        )
    return list(rubrics)


def build_pack(
    out_path: Path,
    *,
    session_id: str,
    session_name: str,
    candidates: Sequence[CandidateRow],
    recipients: Sequence[str],
    signer_key: ec.EllipticCurvePrivateKey,
    signer_cert: x509.Certificate,
    rubrics: Sequence[Rubric] | None = None,
    secretariat: str | None = None,
    seal_recipient: str | None = None,
    escrow_recipient: str | None = None,
    withdrawn: Sequence[str] = (),
    min_watched_percent: int | None = None,
    progress: ProgressCallback | None = None,
    now: dt.datetime | None = None,
) -> BuiltPack:
    """Write a signed, encrypted pack to ``out_path`` (atomically) and describe it.

    ``candidates`` come from ``read_candidates`` (already checked). ``rubrics`` default
    to the bundled rubric of each category used. ``seal_recipient``: the session seals
    sheets to this age recipient (it travels in the signed manifest).
    ``escrow_recipient``: the secretariat's own age recipient, added to the reviewers'
    so that it can open the pack it sent (an audit); ``BuiltPack.recipients`` counts the
    reviewers only. ``withdrawn``:
    the SHA-256s of the certificates the secretariat withdrew (signed too).
    ``min_watched_percent``: reviewers must watch this share (1–100) of each audio or
    video work before scoring a criterion on representative works (None: no rule).
    Raises ``PackBuildError``.
    """
    out_path = Path(out_path)
    report = progress or (lambda _p: None)
    age_recipients = parse_recipients(recipients)
    reviewers = len(age_recipients)
    if escrow_recipient is not None:
        age_recipients = parse_recipients([*recipients, escrow_recipient])
    chosen_rubrics = _rubrics_for(candidates, rubrics)
    if not candidates:
        raise PackBuildError(_("A pack needs at least one candidate."))
    if not roles.is_secretariat(signer_cert):
        # Reviewers would refuse it: sessions made before the policy existed lack it.
        raise PackBuildError(
            _(
                "The signing certificate is not a secretariat certificate (it lacks the "
                "secretariat policy); reviewers would refuse the pack."
            )
        )

    materials: dict[Path, MaterialFile] = {}
    for row in candidates:
        for m in row.materials():
            materials.setdefault(m.path, m)
    for m in materials.values():
        if m.size > MAX_ATTACHMENT_SIZE:
            raise _too_large(m.relative)
    total = sum(m.size for m in materials.values())
    done = 0

    def tick(stage: str, item: str) -> Callable[[int], None]:
        def advance(n: int) -> None:
            nonlocal done
            before, done = done, done + n
            # pyrage reads 8 KiB at a time; report every 8 MiB, not every read.
            if n == 0 or before >> 23 != done >> 23:
                report(BuildProgress(stage, done, total, item))

        return advance

    hashed: dict[Path, _Hashed] = {}
    for path, m in materials.items():
        try:
            hashed[path] = _hash_file(path, m.relative, tick("hashing", m.relative))
        except OSError as exc:
            raise PackBuildError(
                _("Cannot read {path}: {error}").format(path=m.relative, error=exc.strerror or exc)
            ) from None

    attachments: dict[str, Attachment] = {}
    sources: dict[str, MaterialFile] = {}
    for path, m in materials.items():
        h = hashed[path]
        if h.sha256 not in attachments:
            attachments[h.sha256] = Attachment(
                h.sha256, h.size, m.media_type, m.display_name, h.blocks, m.duration_ms
            )
            sources[h.sha256] = m

    def ref(m: MaterialFile | None) -> str | None:
        return None if m is None else hashed[m.path].sha256

    manifest = Manifest(
        format=MANIFEST_FORMAT,
        pack_id=str(uuid.uuid4()),
        session_id=session_id,
        session_name=session_name,
        created=format_created(now or dt.datetime.now(dt.UTC)),
        secretariat=secretariat or cms.common_name(signer_cert),
        rubrics=tuple(ManifestRubric(r.id, r.fingerprint, r.canonical()) for r in chosen_rubrics),
        candidates=tuple(
            Candidate(
                id=c.id,
                name=c.name,
                category=c.category,
                programme=c.programme,
                affiliation=c.affiliation,
                region=c.region,
                central_western_border_ethnic=c.central_western_border_ethnic,
                new_arts_group=c.new_arts_group,
                works=tuple(Work(w.title, w.kind, w.year, ref(w.file)) for w in c.works),
                other_materials=tuple(
                    dict.fromkeys(h for h in (ref(m) for m in c.other_materials) if h)
                ),
            )
            for c in candidates
        ),
        attachments=tuple(attachments.values()),
        seal_recipient=seal_recipient,
        withdrawn=tuple(sorted(set(withdrawn))),
        min_watched_percent=min_watched_percent,
    )
    plaintext = manifest.to_bytes()
    try:
        # What we write must be what a reviewer will accept.
        parse_manifest(plaintext)
    except ManifestInvalidError as exc:
        raise PackBuildError(str(exc)) from None
    try:
        signature = cms.sign_detached(plaintext, signer_key, signer_cert)
    except (ValueError, TypeError) as exc:
        raise PackBuildError(str(exc)) from None
    header = PackHeader(manifest.pack_id, session_id, manifest.created, len(age_recipients))

    done, total = 0, sum(a.size for a in attachments.values())
    with PackWriter(out_path) as writer:
        writer.add_bytes(PACK_JSON, header.to_bytes())
        writer.add_bytes(SIGNATURE, signature)
        writer.add_bytes(MANIFEST, pyrage.encrypt(plaintext, age_recipients))
        for sha, attachment in attachments.items():
            source = sources[sha]
            bound = age_payload_size(attachment.size) + AGE_OVERHEAD_ALLOWANCE
            try:
                with (
                    source.path.open("rb") as fh,
                    writer.member(attachment_member(sha), bound) as out,
                ):
                    reading = _Reading(fh, attachment.size, tick("encrypting", source.relative))
                    # pyrage only calls read()/write(); its stubs ask for BufferedIOBase.
                    pyrage.encrypt_io(
                        cast(io.BufferedIOBase, reading),
                        cast(io.BufferedIOBase, out),
                        age_recipients,
                    )
            except OSError as exc:
                # Reading the material or writing the pack: either way nothing is kept.
                raise PackBuildError(
                    _("Failed while encrypting {path}: {error}").format(
                        path=source.relative, error=exc.strerror or exc
                    )
                ) from None
            if reading.blocks.result() != attachment.blocks or reading.count != attachment.size:
                raise PackBuildError(
                    _("{path} changed while the pack was being built; build it again.").format(
                        path=source.relative
                    )
                )
        report(BuildProgress("finishing", total, total))
        writer.commit()
    return BuiltPack(
        path=out_path,
        pack_id=manifest.pack_id,
        manifest_sha256=manifest.sha256,
        candidates=len(manifest.candidates),
        attachments=len(attachments),
        recipients=reviewers,
    )


__all__ = ["BuildProgress", "BuiltPack", "ProgressCallback", "build_pack", "parse_recipients"]
