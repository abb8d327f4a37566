"""Verifying an archive end to end: the manifest's signature first (the secretariat's,
under a session CA), then every file against the manifest. Each file missing, changed
or not in the manifest is named; nothing short of all of them matching passes.

Pack files handed in (``packs``) are compared, once the manifest is trusted, with the
packs it records by SHA-256: the packs themselves are never archived, so this is how an
auditor tells that the pack in hand is the one the session sent out.

Trust comes from outside the archive when the caller has it: the session folder's CA,
or a CA certificate given. An archive's own ``session/ca/ca.crt.pem`` proves only that
the archive agrees with itself (anyone can make a CA), so a verification that had to
use it says so, with the CA's fingerprint to compare with the one on record.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from reviewer.archive.manifest import (
    MANIFEST_FILE,
    MAX_MANIFEST_BYTES,
    SIGNATURE_FILE,
    ArchiveError,
    Manifest,
    PackEntry,
    parse_manifest,
)
from reviewer.archive.source import ArchiveSource, digest, open_source, read_small
from reviewer.base.errors import Problem
from reviewer.base.i18n import _
from reviewer.crypto import cms
from reviewer.crypto.roles import is_secretariat

ARCHIVED_CA = "session/ca/ca.crt.pem"
MAX_CA_BYTES = 64 * 1024
MAX_PACK_BYTES = 2**62  # no real bound: a pack is as large as its materials


@dataclass(frozen=True)
class MatchedPack:
    path: Path  # the file handed in
    recorded: PackEntry  # the manifest's entry it matches, by size and SHA-256


@dataclass(frozen=True)
class VerifiedArchive:
    manifest: Manifest
    signer: cms.VerifiedSigner
    ca_fingerprint: str
    ca_from_archive: bool  # no outside trust anchor was given
    packs: tuple[MatchedPack, ...] = ()  # the pack files handed in, each matched


def _archived_ca(source: ArchiveSource) -> x509.Certificate:
    data = read_small(source, ARCHIVED_CA, MAX_CA_BYTES)
    if data is None:
        raise ArchiveError(_("the archive holds no session CA certificate; give --session or --ca"))
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ArchiveError(
            _("{file} in the archive is not a certificate").format(file=ARCHIVED_CA)
        ) from None


def _check_file(source: ArchiveSource, path: str, size: int, sha256: str) -> str | None:
    """Why the archived file differs from its entry, or None."""
    try:
        with source.open(path) as fh:
            found_size, found_sha = digest(fh, size)
    except (ArchiveError, OSError, zipfile.BadZipFile, zlib.error, EOFError):
        return _("changed: it cannot be read back (damaged, or a link now)")
    if found_size > size:
        return _("changed: longer than the {size} bytes signed").format(size=size)
    if found_size != size:
        return _("changed: {found} bytes instead of {size}").format(found=found_size, size=size)
    if found_sha != sha256:
        return _("changed: its content differs (SHA-256 {found}, signed {sha})").format(
            found=found_sha[:16], sha=sha256[:16]
        )
    return None


def _pack_problem(path: Path, recorded: Sequence[PackEntry]) -> PackEntry | Problem:
    """The recorded pack that ``path`` is, or why it is none of them."""
    try:
        with path.open("rb") as fh:
            # Read whole, even past every recorded size: the refusal shows its true hash.
            size, sha = digest(fh, MAX_PACK_BYTES)
    except OSError as exc:
        return Problem(str(path), _("cannot be read: {reason}").format(reason=exc.strerror or exc))
    match = next((p for p in recorded if p.size == size and p.sha256 == sha), None)
    if match is not None:
        return match
    namesake = next((p for p in recorded if p.name == path.name), None)
    if namesake is not None:
        return Problem(
            str(path),
            _("not the pack {name} the archive records: SHA-256 {found}, recorded {sha}").format(
                name=namesake.name, found=sha[:16], sha=namesake.sha256[:16]
            ),
        )
    return Problem(
        str(path),
        _("not a pack the archive records (SHA-256 {found})").format(found=sha[:16]),
    )


def check_packs(manifest: Manifest, packs: Sequence[Path]) -> tuple[MatchedPack, ...]:
    """Each of ``packs`` matched with the pack the (already trusted) manifest records
    with its size and SHA-256; ``ArchiveError`` naming every file that matches none."""
    matched: list[MatchedPack] = []
    problems: list[Problem] = []
    for path in packs:
        found = _pack_problem(Path(path), manifest.packs)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            matched.append(MatchedPack(Path(path), found))
    if problems:
        raise ArchiveError(
            _("{n} of the {total} packs given are not the packs the archive records").format(
                n=len(problems), total=len(packs)
            ),
            problems,
        )
    return tuple(matched)


def verify_archive(
    path: Path,
    trust_anchor: x509.Certificate | None = None,
    *,
    session_id: str | None = None,
    packs: Sequence[Path] = (),
) -> VerifiedArchive:
    """Check ``path`` (a folder or ZIP) against its signed manifest; raise
    ``ArchiveError`` naming every missing, changed and added file. Then each of
    ``packs`` against the packs the manifest records (``check_packs``)."""
    with open_source(Path(path)) as source:
        data = read_small(source, MANIFEST_FILE, MAX_MANIFEST_BYTES)
        signature = read_small(source, SIGNATURE_FILE, cms.MAX_SIGNATURE_BYTES)
        if data is None or signature is None:
            raise ArchiveError(
                _("this is not an archive: {manifest} or {signature} is missing").format(
                    manifest=MANIFEST_FILE, signature=SIGNATURE_FILE
                )
            )
        anchor = trust_anchor or _archived_ca(source)
        try:
            signer = cms.verify_detached(signature, data, anchor)
        except cms.CmsError as exc:
            raise ArchiveError(
                _("the archive manifest's signature is not valid: {reason}").format(reason=exc)
            ) from None
        if not is_secretariat(signer.certificate):
            raise ArchiveError(
                _("the archive manifest is signed by {name}, not by the secretariat").format(
                    name=signer.name
                )
            )
        manifest = parse_manifest(data)
        if session_id is not None and manifest.session_id != session_id:
            raise ArchiveError(_("this archive is of another session"))
        problems: list[Problem] = list(source.odd)
        listed = set()
        for entry in manifest.files:
            listed.add(entry.path)
            if entry.path not in source.files:
                problems.append(Problem(entry.path, _("missing")))
                continue
            why = _check_file(source, entry.path, entry.size, entry.sha256)
            if why:
                problems.append(Problem(entry.path, why))
        for extra in sorted(set(source.files) - listed - {MANIFEST_FILE, SIGNATURE_FILE}):
            problems.append(Problem(extra, _("added: not in the signed manifest")))
    if problems:
        raise ArchiveError(
            _("the archive does not match its signed manifest ({n} problems)").format(
                n=len(problems)
            ),
            sorted(problems, key=lambda p: p.where),
        )
    return VerifiedArchive(
        manifest,
        signer,
        anchor.fingerprint(hashes.SHA256()).hex(),
        trust_anchor is None,
        check_packs(manifest, packs),
    )
