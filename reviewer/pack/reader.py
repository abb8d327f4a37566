"""Building and opening dossier packs (``*.rvpack``).

A pack is a stored ZIP (see ``pack_container``) of:

- ``pack.json``: a public header, nothing confidential;
- ``manifest.json.age``: the manifest (``manifest``), age-encrypted to every reviewer;
- ``manifest.json.sig``: a detached CMS signature (``cms``) over the manifest plaintext
  by the secretariat's signing certificate;
- ``files/<sha256>.age``: each attachment age-encrypted on its own, so one can be opened
  without the others.

Opening trusts the signer only through the caller's trust anchor (the session CA from
the reviewer's enrolment response). Attachments are decrypted on demand, into memory
only, and their size and SHA-256 are checked before the bytes are handed out; a
decryption that fails part-way never yields its partial output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.base.i18n import _
from reviewer.crypto import cms
from reviewer.pack.candidates import CandidateRow, MaterialFile
from reviewer.pack.container import (
    AGE_OVERHEAD_ALLOWANCE,
    DEFAULT_LIMITS,
    MANIFEST,
    PACK_JSON,
    SIGNATURE,
    Limits,
    PackReader,
    PackWriter,
    attachment_member,
)
from reviewer.pack.errors import (
    AttachmentDamagedError,
    ManifestInvalidError,
    MissingMemberError,
    NotAddressedToYouError,
    PackBuildError,
    PackDamagedError,
    PackError,
    SignatureMismatchError,
    UnknownAttachmentError,
    UnsupportedPackError,
    UntrustedSignerError,
    WrongSessionError,
)
from reviewer.pack.manifest import (
    MANIFEST_FORMAT,
    Attachment,
    Candidate,
    Manifest,
    ManifestRubric,
    Work,
    format_created,
    load_json,
    parse_manifest,
)
from reviewer.rubric.model import Rubric, canonical_json

PACK_FORMAT = 1
PACK_KIND = "reviewer-workstation/dossier-pack"
PACK_SUFFIX = ".rvpack"
_READ_BLOCK = 1024 * 1024
_AGE_CHUNK = 64 * 1024
_NO_MATCHING_KEY = "no matching keys"


# -- the public header --------------------------------------------------------------


@dataclass(frozen=True)
class PackHeader:
    pack_id: str
    session_id: str
    created: str
    recipients: int
    format: int = PACK_FORMAT

    def to_bytes(self) -> bytes:
        return (
            canonical_json(
                {
                    "kind": PACK_KIND,
                    "format": self.format,
                    "pack_id": self.pack_id,
                    "session_id": self.session_id,
                    "created": self.created,
                    "recipients": self.recipients,
                }
            )
            + b"\n"
        )


def parse_header(data: bytes) -> PackHeader:
    def bad(detail: str) -> PackDamagedError:
        return PackDamagedError(
            _("The pack's header (pack.json) is invalid: {detail}").format(detail=detail)
        )

    try:
        doc = load_json(data, max_bytes=64 * 1024)
    except ManifestInvalidError as exc:
        raise bad("; ".join(map(str, exc.problems))) from None
    if not isinstance(doc, dict) or doc.get("kind") != PACK_KIND:
        raise bad(_("not a dossier pack header"))
    if doc.get("format") != PACK_FORMAT or isinstance(doc.get("format"), bool):
        raise UnsupportedPackError(
            _("The pack has format {found!r}; this version reads format {ours}.").format(
                found=doc.get("format"), ours=PACK_FORMAT
            )
        )
    expected = {"kind", "format", "pack_id", "session_id", "created", "recipients"}
    if set(doc) != expected:
        raise bad(_("unexpected or missing fields"))
    texts = [doc[k] for k in ("pack_id", "session_id", "created")]
    recipients = doc["recipients"]
    if not all(isinstance(t, str) and 0 < len(t) <= 128 for t in texts):
        raise bad(_("identifiers must be short text"))
    if isinstance(recipients, bool) or not isinstance(recipients, int) or recipients < 1:
        raise bad(_("the number of recipients must be a positive integer"))
    return PackHeader(doc["pack_id"], doc["session_id"], doc["created"], recipients)


# -- building -----------------------------------------------------------------------


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


class _Reading:
    """A file read for encryption: hashes what pyrage reads and reports progress."""

    def __init__(self, fh: BinaryIO, limit: int, tick: Callable[[int], None]):
        self._fh, self._limit, self._tick = fh, limit, tick
        self.sha = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit + 1 - self.count
        data = self._fh.read(min(size, self._limit + 1 - self.count))
        self.count += len(data)
        if self.count > self._limit:
            raise PackBuildError(_("a material file grew while the pack was being built"))
        self.sha.update(data)
        self._tick(len(data))
        return data

    def readable(self) -> bool:
        return True


def _hash_file(path: Path, tick: Callable[[int], None]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            sha.update(block)
            size += len(block)
            tick(len(block))
    return sha.hexdigest(), size


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
    progress: ProgressCallback | None = None,
    now: dt.datetime | None = None,
) -> BuiltPack:
    """Write a signed, encrypted pack to ``out_path`` (atomically) and describe it.

    ``candidates`` come from ``read_candidates`` (already checked). ``rubrics`` default
    to the bundled rubric of each category used. ``seal_recipient``: the session seals
    sheets to this age recipient (it travels in the signed manifest). Raises
    ``PackBuildError``.
    """
    out_path = Path(out_path)
    report = progress or (lambda _p: None)
    age_recipients = parse_recipients(recipients)
    chosen_rubrics = _rubrics_for(candidates, rubrics)
    if not candidates:
        raise PackBuildError(_("A pack needs at least one candidate."))

    materials: dict[Path, MaterialFile] = {}
    for row in candidates:
        for m in row.materials():
            materials.setdefault(m.path, m)
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

    hashed: dict[Path, tuple[str, int]] = {}
    for path, m in materials.items():
        try:
            hashed[path] = _hash_file(path, tick("hashing", m.relative))
        except OSError as exc:
            raise PackBuildError(
                _("Cannot read {path}: {error}").format(path=m.relative, error=exc.strerror or exc)
            ) from None

    attachments: dict[str, Attachment] = {}
    sources: dict[str, MaterialFile] = {}
    for path, m in materials.items():
        sha, size = hashed[path]
        if sha not in attachments:
            attachments[sha] = Attachment(sha, size, m.media_type, m.display_name)
            sources[sha] = m

    def ref(m: MaterialFile | None) -> str | None:
        return None if m is None else hashed[m.path][0]

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
            try:
                with source.path.open("rb") as fh, writer.member(attachment_member(sha)) as out:
                    reading = _Reading(fh, attachment.size, tick("encrypting", source.relative))
                    pyrage.encrypt_io(reading, out, age_recipients)
            except OSError as exc:
                # Reading the material or writing the pack: either way nothing is kept.
                raise PackBuildError(
                    _("Failed while encrypting {path}: {error}").format(
                        path=source.relative, error=exc.strerror or exc
                    )
                ) from None
            if reading.sha.hexdigest() != sha or reading.count != attachment.size:
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
        recipients=len(age_recipients),
    )


# -- opening ------------------------------------------------------------------------


def _min_age_payload(size: int) -> int:
    # age's STREAM: a 16-byte nonce, then 64 KiB chunks each with a 16-byte tag (an
    # empty file still has one, empty, final chunk).
    chunks = max(1, -(-size // _AGE_CHUNK))
    return 16 + size + 16 * chunks


class _Sink:
    """Receives decrypted bytes in memory, hashing them, refusing more than expected."""

    def __init__(self, expected: int):
        self.expected = expected
        self.count = 0
        self.sha = hashlib.sha256()
        self.buffer = io.BytesIO()
        self.overflow = False

    def write(self, data: Any) -> int:
        n = len(data)
        if self.count + n > self.expected:
            self.overflow = True
            raise OSError("more plaintext than the manifest states")
        self.count += n
        self.sha.update(data)
        return self.buffer.write(data)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True


def _is_no_matching_key(exc: BaseException) -> bool:
    return _NO_MATCHING_KEY in str(exc).lower()


class OpenedPack:
    """A verified pack: its manifest in memory, attachments decrypted on request."""

    def __init__(
        self,
        reader: PackReader,
        header: PackHeader,
        manifest: Manifest,
        manifest_sha256: str,
        signer: cms.VerifiedSigner,
        identities: list[pyrage.x25519.Identity],
    ):
        self._reader = reader
        self.header = header
        self.manifest = manifest
        self.manifest_sha256 = manifest_sha256
        self.signer = signer
        self._identities = identities

    @property
    def path(self) -> Path:
        return self._reader.path

    @property
    def pack_id(self) -> str:
        return self.manifest.pack_id

    @property
    def session_id(self) -> str:
        return self.manifest.session_id

    @property
    def signer_name(self) -> str:
        return self.signer.name

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.manifest.candidates

    def read_attachment(self, sha256: str) -> bytes:
        """The attachment's plaintext, checked against the manifest's size and SHA-256."""
        attachment = self.manifest.attachment(sha256)
        if attachment is None:
            raise UnknownAttachmentError(sha256)
        member = attachment_member(sha256)
        if member not in self._reader.members:
            raise AttachmentDamagedError(attachment.name, _("it is missing from the pack"))
        stored = self._reader.size(member)
        least = _min_age_payload(attachment.size)
        if not least < stored <= least + AGE_OVERHEAD_ALLOWANCE:
            raise AttachmentDamagedError(attachment.name, _("truncated or padded"))
        sink = _Sink(attachment.size)
        try:
            pyrage.decrypt_io(self._reader.open_stream(member), sink, self._identities)
        except Exception as exc:
            # Whatever was written before the failure is unauthenticated: drop it.
            sink.buffer = io.BytesIO()
            if sink.overflow:
                raise AttachmentDamagedError(
                    attachment.name, _("longer than the manifest states")
                ) from None
            if _is_no_matching_key(exc):
                raise AttachmentDamagedError(
                    attachment.name, _("it is not encrypted to your key")
                ) from None
            raise AttachmentDamagedError(attachment.name, _("it cannot be decrypted")) from None
        if sink.count != attachment.size:
            raise AttachmentDamagedError(attachment.name, _("shorter than the manifest states"))
        if sink.sha.hexdigest() != sha256:
            raise AttachmentDamagedError(attachment.name, _("hash mismatch"))
        return sink.buffer.getvalue()

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> OpenedPack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_header(path: Path, limits: Limits = DEFAULT_LIMITS) -> PackHeader:
    """The public header alone (no key needed): which session a pack is for."""
    with PackReader(path, limits) as reader:
        return parse_header(reader.read(PACK_JSON))


def open_pack(
    path: Path,
    identity: pyrage.x25519.Identity | Sequence[pyrage.x25519.Identity],
    trust_anchor: x509.Certificate,
    *,
    expected_session_id: str | None = None,
    now: dt.datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> OpenedPack:
    """Validate, decrypt and verify a pack; raise a ``PackError`` subclass if anything
    is wrong. Close the result (or use it as a context manager) when done."""
    identities = list(identity) if isinstance(identity, Sequence) else [identity]
    reader = PackReader(Path(path), limits)
    try:
        return _open(reader, identities, trust_anchor, expected_session_id, now)
    except BaseException:
        reader.close()
        raise


def _open(
    reader: PackReader,
    identities: list[pyrage.x25519.Identity],
    trust_anchor: x509.Certificate,
    expected_session_id: str | None,
    now: dt.datetime | None,
) -> OpenedPack:
    header = parse_header(reader.read(PACK_JSON))
    if expected_session_id is not None and header.session_id != expected_session_id:
        raise WrongSessionError(header.session_id, expected_session_id)

    ciphertext = reader.read(MANIFEST)
    try:
        plaintext = pyrage.decrypt(ciphertext, identities)
    except Exception as exc:
        if _is_no_matching_key(exc):
            raise NotAddressedToYouError() from None
        raise PackDamagedError(
            _("The pack's manifest is damaged and cannot be decrypted.")
        ) from None
    del ciphertext

    signature = reader.read(SIGNATURE)
    try:
        signer = cms.verify_detached(signature, plaintext, trust_anchor, now=now)
    except cms.SignerCertificateError as exc:
        raise UntrustedSignerError(str(exc)) from None
    except cms.CmsError as exc:
        raise SignatureMismatchError(str(exc)) from None

    manifest = parse_manifest(plaintext)
    if (manifest.pack_id, manifest.session_id, manifest.created) != (
        header.pack_id,
        header.session_id,
        header.created,
    ):
        raise PackDamagedError(_("The pack's public header does not match its signed manifest."))
    listed = {a.sha256 for a in manifest.attachments}
    present = reader.attachment_hashes
    for sha in sorted(listed - present):
        name = manifest.attachment(sha).name  # type: ignore[union-attr]
        raise MissingMemberError(_("Attachment {name} is missing from the pack.").format(name=name))
    for sha in sorted(present - listed):
        raise PackDamagedError(
            _("The pack contains a file its manifest does not list ({sha}).").format(sha=sha[:16])
        )
    return OpenedPack(
        reader,
        header,
        manifest,
        hashlib.sha256(plaintext).hexdigest(),
        signer,
        identities,
    )


__all__ = [
    "PACK_FORMAT",
    "PACK_SUFFIX",
    "BuildProgress",
    "BuiltPack",
    "OpenedPack",
    "PackError",
    "PackHeader",
    "build_pack",
    "open_pack",
    "parse_header",
    "parse_recipients",
    "read_header",
]
