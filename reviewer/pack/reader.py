"""Opening a dossier pack (``*.rvpack``; the layout is in ``header``).

Opening trusts the signer only through the caller's trust anchor (the session CA from
the reviewer's enrolment response), and only if it is the secretariat: its certificate
carries the secretariat policy (``crypto.roles``) and, when the caller has the pin from
the enrolment, is exactly the pinned certificate. Every reviewer's certificate chains to
the same CA, so the chain alone would accept a pack signed with a reviewer's own key.
Attachments are decrypted on demand, into memory only, and their size and SHA-256 are
checked before the bytes are handed out; a decryption that fails part-way never yields
its partial output. ``open_attachment_stream`` reads one piece by piece instead
(``stream``), each 4 MiB block checked against the signed manifest's block hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import pyrage
from cryptography import x509

from reviewer.base.i18n import _
from reviewer.crypto import cms, roles
from reviewer.crypto.age_stream import AgeIdentity
from reviewer.pack.container import (
    AGE_OVERHEAD_ALLOWANCE,
    DEFAULT_LIMITS,
    MANIFEST,
    PACK_JSON,
    SIGNATURE,
    Limits,
    PackReader,
    age_payload_size,
    attachment_member,
)
from reviewer.pack.errors import (
    AttachmentDamagedError,
    MissingMemberError,
    NotAddressedToYouError,
    NotSecretariatSignerError,
    PackDamagedError,
    SignatureMismatchError,
    UnknownAttachmentError,
    UntrustedSignerError,
    WrongSessionError,
)
from reviewer.pack.header import PackHeader, parse_header
from reviewer.pack.manifest import Attachment, Candidate, Manifest, parse_manifest
from reviewer.pack.stream import AttachmentStream, sealed_stream, whole_stream

_NO_MATCHING_KEY = "no matching keys"


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
        self._age_identities: list[AgeIdentity] | None = None
        self._streams: weakref.WeakSet[AttachmentStream] = weakref.WeakSet()
        self._streams_lock = threading.Lock()

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

    def _member_of(self, sha256: str) -> tuple[Attachment, str]:
        """The attachment and its member, whose stored size fits the manifest's size."""
        attachment = self.manifest.attachment(sha256)
        if attachment is None:
            raise UnknownAttachmentError(sha256)
        member = attachment_member(sha256)
        if member not in self._reader.members:
            raise AttachmentDamagedError(attachment.name, _("it is missing from the pack"))
        stored = self._reader.size(member)
        least = age_payload_size(attachment.size)
        if not least < stored <= least + AGE_OVERHEAD_ALLOWANCE:
            raise AttachmentDamagedError(attachment.name, _("truncated or padded"))
        return attachment, member

    def read_attachment(self, sha256: str) -> bytes:
        """The attachment's plaintext, checked against the manifest's size and SHA-256."""
        attachment, member = self._member_of(sha256)
        sink = _Sink(attachment.size)
        try:
            # pyrage only calls read()/write(); its stubs ask for a BufferedIOBase.
            out = cast(io.BufferedIOBase, sink)
            pyrage.decrypt_io(self._reader.open_stream(member), out, self._identities)
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

    def open_attachment_stream(self, sha256: str) -> AttachmentStream:
        """The attachment for reading piece by piece (``AttachmentStream.read_at``), each
        4 MiB block decrypted and checked against the signed manifest when first needed.
        An attachment of a format-1 pack has no block hashes: it is read whole here,
        checked, and served from memory. Closing the pack closes its streams."""
        attachment, member = self._member_of(sha256)
        if attachment.blocks is None:
            stream = whole_stream(attachment, self.read_attachment(sha256))
        else:
            if self._age_identities is None:
                self._age_identities = [AgeIdentity.from_str(str(i)) for i in self._identities]
            reader = self._reader

            def read_at(offset: int, n: int) -> bytes:
                return reader.read_member_range(member, offset, n)

            stream = sealed_stream(attachment, read_at, reader.size(member), self._age_identities)
        with self._streams_lock:
            self._streams.add(stream)
        return stream

    def close(self) -> None:
        with self._streams_lock:
            streams = list(self._streams)
            self._streams.clear()
        for stream in streams:
            stream.close()
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


def read_manifest_sha256(
    path: Path,
    trust_anchor: x509.Certificate,
    *,
    now: dt.datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[PackHeader, str]:
    """The header and the SHA-256 of the signed manifest, without a key to decrypt it:
    the digest the manifest's signature vouches for (its signer checked against the
    session CA as ``open_pack`` does). Sheets name their pack's manifest by this hash."""
    with PackReader(path, limits) as reader:
        header = parse_header(reader.read(PACK_JSON))
        signature = reader.read(SIGNATURE)
    try:
        algorithm, digest, _signer = cms.signed_digest(signature, trust_anchor, now=now)
    except cms.SignerCertificateError as exc:
        raise UntrustedSignerError(str(exc)) from None
    except cms.CmsError as exc:
        raise SignatureMismatchError(str(exc)) from None
    if algorithm != "sha256":
        raise SignatureMismatchError(_("the manifest is not signed with SHA-256"))
    return header, digest.hex()


def open_pack(
    path: Path,
    identity: pyrage.x25519.Identity | Sequence[pyrage.x25519.Identity],
    trust_anchor: x509.Certificate,
    *,
    expected_session_id: str | None = None,
    secretariat_sha256: str | None = None,
    now: dt.datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> OpenedPack:
    """Validate, decrypt and verify a pack; raise a ``PackError`` subclass if anything
    is wrong. Close the result (or use it as a context manager) when done.
    ``secretariat_sha256``: the pinned signer (from the enrolment); without it any
    certificate of the trust anchor with the secretariat policy is accepted."""
    identities = list(identity) if isinstance(identity, Sequence) else [identity]
    reader = PackReader(Path(path), limits)
    try:
        return _open(reader, identities, trust_anchor, expected_session_id, secretariat_sha256, now)
    except BaseException:
        reader.close()
        raise


def _open(
    reader: PackReader,
    identities: list[pyrage.x25519.Identity],
    trust_anchor: x509.Certificate,
    expected_session_id: str | None,
    secretariat_sha256: str | None,
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
    if not roles.is_secretariat(signer.certificate) or (
        secretariat_sha256 is not None and signer.fingerprint != secretariat_sha256
    ):
        raise NotSecretariatSignerError(signer.name)

    manifest = parse_manifest(plaintext)
    # Pack format 1 carries manifest format 1, and format 2 format 2.
    if (manifest.pack_id, manifest.session_id, manifest.created, manifest.format) != (
        header.pack_id,
        header.session_id,
        header.created,
        header.format,
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


__all__ = ["OpenedPack", "open_pack", "read_header", "read_manifest_sha256"]
