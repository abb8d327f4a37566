"""Verifying a signed review sheet against a session's CA, the way aggregation must.

A sheet is valid only if it carries exactly one signature that is intact, chains to the
given CA (the only trust root; no fetching), covers the entire file (pyHanko's
``bottom_line`` alone accepts appended bytes and incremental updates), and whose signed
revision carries exactly one ``review.json`` that matches its schema and names the
signer's certificate. The file is hostile input: every failure becomes a reason, never
a traceback.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from reviewer.base.i18n import _
from reviewer.sheet import profile
from reviewer.sheet.data import (
    MAX_SHEET_JSON_BYTES,
    SHEET_FILE_NAME,
    SheetData,
    SheetDataError,
    SheetError,
)

MAX_SHEET_BYTES = 64 * 1024 * 1024
_MAX_NAME_TREE_DEPTH = 8
_MAX_NAME_TREE_ENTRIES = 1000
_log = logging.getLogger(__name__)

# Every refusal code ``verify_sheet`` can give, in the order it checks: stable, for
# programs (aggregation, the CLI's CSV), and the one list the refusal tests check.
REFUSAL_CODES: tuple[str, ...] = (
    "too_large",
    "not_pdf",
    "signature_count",
    "signature_invalid",
    "signature_encoding",
    "untrusted",
    "cert_expired",
    "modified",
    "appended",
    "no_data",
    "two_data",
    "schema",
    "wrong_signer",
    "signer_name",
    "unsafe_text",
    "printed_digest",
    "active_content",
    "annotation",
    "embedded_file",
    "other_session",
    "other_pack",
)


class SheetTrustError(SheetError):
    """The trust anchor given for verification is not a usable CA certificate."""


@dataclass(frozen=True)
class VerifiedSheet:
    """A sheet that passed every check: its review data and its signer are known."""

    data: SheetData
    signer_name: str
    signer_cert_sha256: str
    signing_time: datetime | None  # None when the signer stated no signing time
    # SHA-256 of the bytes the signature covers (the file without /Contents): copies
    # of one signed revision share it, whatever else differs between them.
    signed_sha256: str = ""
    # Translated remarks that do not refuse the sheet (the certificate has expired since
    # it was signed); for people.
    notes: tuple[str, ...] = ()
    valid: ClassVar[Literal[True]] = True
    # Nothing was refused; here so that both results can be reported alike.
    reasons: ClassVar[tuple[str, ...]] = ()
    codes: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class RefusedSheet:
    """A sheet refused for at least one reason; whatever could be read of it, untrusted."""

    reasons: tuple[str, ...]  # translated, for people
    codes: tuple[str, ...]  # stable, for programs: one per reason
    signer_name: str | None = None
    signer_cert_sha256: str | None = None
    signing_time: datetime | None = None
    data: SheetData | None = None  # the review data the file carries, if it could be read
    valid: ClassVar[Literal[False]] = False

    def __post_init__(self) -> None:
        if not self.codes or len(self.codes) != len(self.reasons):
            raise ValueError("a refused sheet has one reason per code, and at least one")


SheetVerification = VerifiedSheet | RefusedSheet


class _Reasons:
    def __init__(self) -> None:
        self.codes: list[str] = []
        self.messages: list[str] = []

    def add(self, code: str, message: str) -> None:
        if code not in REFUSAL_CODES:
            raise ValueError(f"refusal code {code!r} is not in REFUSAL_CODES")
        if code not in self.codes:
            self.codes.append(code)
            self.messages.append(message)


def load_trust_anchor(anchor: bytes | str | x509.Certificate) -> asn1_x509.Certificate:
    """The CA as pyHanko wants it, from PEM/DER bytes, PEM text or a certificate."""
    try:
        if isinstance(anchor, x509.Certificate):
            data = anchor.public_bytes(serialization.Encoding.DER)
        else:
            data = anchor.encode("ascii") if isinstance(anchor, str) else bytes(anchor)
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 (parses it all now, so a bad one fails here)
    except Exception:  # noqa: BLE001 (any parse failure means the same to the user)
        raise SheetTrustError(_("the CA certificate cannot be read")) from None
    if not cert.ca:
        raise SheetTrustError(_("the trust anchor is not a CA certificate"))
    return cert


def verify_sheet(
    pdf_bytes: bytes,
    trust_anchor: bytes | str | x509.Certificate,
    *,
    session_id: str | None = None,
    pack_id: str | None = None,
    manifest_sha256: str | None = None,
    now: datetime | None = None,
) -> VerifiedSheet | RefusedSheet:
    """Check one sheet; give the session's ids to refuse a sheet bound to another.

    The chain is validated at the signing time the signature states (bounded by the
    certificate's validity: a time outside it is refused as ``cert_expired``), so an
    archived sheet stays verifiable after its certificate expires; when the certificate
    has expired by ``now`` (default: the clock), the result carries a note saying so."""
    ca = load_trust_anchor(trust_anchor)
    reasons = _Reasons()
    if len(pdf_bytes) > MAX_SHEET_BYTES:
        reasons.add("too_large", _("the file is too large to be a review sheet"))
        return _refused(reasons)
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 (hostile bytes: any parser failure is "unreadable")
        reasons.add("not_pdf", _("the file is not a readable PDF"))
        return _refused(reasons)
    if len(signatures) != 1:
        reasons.add(
            "signature_count",
            _("a sheet carries exactly one signature; this file carries {n}").format(
                n=len(signatures)
            ),
        )
        return _refused(reasons)
    sig = signatures[0]
    signer_name: str | None = None
    signer_sha: str | None = None
    try:
        cert = sig.signer_cert
        signer_sha = hashlib.sha256(cert.dump()).hexdigest()
        signer_name = _common_name(cert)
        claimed = sig.self_reported_timestamp
        moment = claimed.astimezone(UTC) if claimed is not None else (now or datetime.now(UTC))
        validity = cert["tbs_certificate"]["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        context = ValidationContext(
            trust_roots=[ca], allow_fetching=False, revocation_mode="soft-fail", moment=moment
        )
        status = validate_pdf_signature(sig, context)
        signing_time = status.signer_reported_dt
    except Exception as exc:  # noqa: BLE001 (a mangled CMS blob must not escape)
        _log.debug("signature validation failed", exc_info=exc)
        reasons.add("signature_invalid", _("the signature does not verify"))
        return _refused(reasons, signer_name, signer_sha)

    signed_sha256 = _signed_bytes_sha256(pdf_bytes, sig)
    if not (status.intact and status.valid):
        reasons.add("signature_invalid", _("the signature does not verify"))
    elif signed_sha256 is None:
        # Trailing bytes after the DER, another hex case, BER: a second file for one
        # signature, which would count as a second, "different" sheet.
        reasons.add(
            "signature_encoding",
            _("the signature is not in the one encoding sheets use (DER, zero padding)"),
        )
    elif not status.trusted and not not_before <= moment <= not_after:
        # The signature says it was made when its certificate was not valid (after it
        # expired, or before it was issued): say so, not "outside the CA".
        reasons.add(
            "cert_expired",
            _("signed when the signer's certificate was not valid ({start} to {end})").format(
                start=not_before.date(), end=not_after.date()
            ),
        )
    elif not status.trusted:
        reasons.add("untrusted", _("signed by a certificate outside this session's CA"))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        later_revisions = reader.xrefs.total_revisions - 1 > sig.signed_revision
        if later_revisions:
            reasons.add("modified", _("the file was changed after signing"))
        else:
            reasons.add("appended", _("bytes were appended after the signature"))
    elif status.docmdp_ok is False:
        reasons.add("modified", _("the file was changed after signing"))

    data: SheetData | None = None
    try:
        payloads = _review_payloads(reader, sig.signed_revision)
    except Exception as exc:  # noqa: BLE001 (a malformed name tree is the file's fault)
        _log.debug("embedded files unreadable", exc_info=exc)
        payloads = None
    if payloads is None:
        reasons.add("no_data", _("the review data (review.json) cannot be read"))
    elif not payloads:
        reasons.add("no_data", _("the sheet carries no review data (review.json)"))
    elif len(payloads) > 1:
        reasons.add("two_data", _("the sheet carries more than one review data file"))
    else:
        try:
            data = SheetData.from_json_bytes(payloads[0])
        except SheetDataError as exc:
            reasons.add(
                "schema",
                _("review data does not match its schema: {path}").format(path=exc.path)
                + f" ({exc.detail})",
            )
        except SheetError as exc:
            reasons.add("schema", str(exc))
        if data is not None and signer_sha is not None and data.reviewer_cert_sha256 != signer_sha:
            reasons.add("wrong_signer", _("the signer is not the reviewer named in the data"))
        elif data is not None and signer_name is not None and data.reviewer_name != signer_name:
            reasons.add(
                "signer_name",
                _("the reviewer's name in the data is not the name in the signing certificate"),
            )
        if data is not None:
            _check_profile(reader, payloads[0], reasons)
        if data is not None and session_id is not None and data.session_id != session_id:
            reasons.add("other_session", _("the sheet belongs to another session"))
        if data is not None and (
            (pack_id is not None and data.pack_id != pack_id)
            or (manifest_sha256 is not None and data.manifest_sha256 != manifest_sha256.lower())
        ):
            reasons.add("other_pack", _("the sheet was made from another dossier pack"))
    if data is not None and not reasons.codes:
        notes: tuple[str, ...] = ()
        if (now or datetime.now(UTC)) > not_after:
            notes = (
                _("the signer's certificate expired on {date}; it was valid when signed").format(
                    date=not_after.date()
                ),
            )
        return VerifiedSheet(
            data=data,
            signer_name=signer_name,
            signer_cert_sha256=signer_sha,
            signing_time=signing_time,
            signed_sha256=signed_sha256 or "",
            notes=notes,
        )
    return _refused(reasons, signer_name, signer_sha, signing_time, data)


def signed_review_json(pdf_bytes: bytes) -> bytes | None:
    """The one ``review.json`` of the signed revision, read without verifying anything
    (for a sheet whose verdict is already known, by its file hash); None if unreadable."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_signatures)
        if len(signatures) != 1:
            return None
        payloads = _review_payloads(reader, signatures[0].signed_revision)
    except Exception:  # noqa: BLE001 (hostile bytes)
        return None
    return payloads[0] if payloads and len(payloads) == 1 else None


def _signed_bytes_sha256(pdf: bytes, sig: Any) -> str | None:
    """SHA-256 of the bytes the signature covers, if /Contents holds the signature in
    its one encoding: upper-case hex (as pyHanko writes it) of the DER, then zeros."""
    try:
        byte_range = [int(x) for x in sig.sig_object["/ByteRange"]]
        a, b, c, d = byte_range
        raw = pdf[b:c]
        # (Whether the range covers the whole file is the coverage check's business.)
        if a != 0 or raw[:1] != b"<" or raw[-1:] != b">":
            return None
        hex_digits = raw[1:-1]
        if hex_digits.strip(b"0123456789ABCDEF"):
            return None
        blob = bytes.fromhex(hex_digits.decode("ascii"))
        info = cms.ContentInfo.load(blob)
        der = info.dump()
        if blob[len(der) :].strip(b"\x00") or blob[: len(der)] != der:
            return None
        if cms.ContentInfo.load(der).dump(force=True) != der:
            return None  # BER, or non-minimal lengths
    except (KeyError, TypeError, ValueError):
        return None
    return hashlib.sha256(pdf[a : a + b] + pdf[c : c + d]).hexdigest()


def _check_profile(reader: PdfFileReader, payload: bytes, reasons: _Reasons) -> None:
    """The strict sheet profile (``profile``): the text rules on review.json, the
    printed digest, and no active content, annotations or other embedded files."""
    import json

    bad_text = profile.text_problem(json.loads(payload))
    if bad_text is not None:
        reasons.add(
            "unsafe_text",
            _(
                "review data holds an id not in its form or invisible/control characters: {path}"
            ).format(path=bad_text),
        )
    try:
        structure = profile.structure_problems(reader)
        printed = profile.printed_digests(reader)
    except Exception as exc:  # noqa: BLE001 (a malformed structure is the file's fault)
        _log.debug("sheet structure unreadable", exc_info=exc)
        structure, printed = {"active_content"}, []
    if hashlib.sha256(payload).hexdigest() not in printed:
        reasons.add(
            "printed_digest",
            _("the data digest printed on the sheet (and in its QR code) is not its review.json's"),
        )
    if "active_content" in structure:
        reasons.add(
            "active_content",
            _("the sheet holds active content (actions, JavaScript, links); sheets have none"),
        )
    if "annotation" in structure:
        reasons.add("annotation", _("the sheet holds annotations besides its signature"))
    if "embedded_file" in structure:
        reasons.add("embedded_file", _("the sheet embeds files besides review.json"))


def _refused(
    reasons: _Reasons,
    signer_name: str | None = None,
    signer_sha: str | None = None,
    signing_time: datetime | None = None,
    data: SheetData | None = None,
) -> RefusedSheet:
    return RefusedSheet(
        reasons=tuple(reasons.messages),
        codes=tuple(reasons.codes),
        signer_name=signer_name,
        signer_cert_sha256=signer_sha,
        signing_time=signing_time,
        data=data,
    )


def _common_name(cert: asn1_x509.Certificate) -> str:
    value = cert.subject.native.get("common_name", "")
    return value if isinstance(value, str) else str(value)


def _review_payloads(reader: PdfFileReader, revision: int) -> list[bytes] | None:
    """Every embedded ``review.json`` in the signed revision, as the signer left it."""
    resolver = reader.get_historical_resolver(revision)
    root = resolver.root
    names = _get(root, "/Names")
    tree = _get(names, "/EmbeddedFiles") if names is not None else None
    found: list[bytes] = []
    if tree is None:
        return found
    for name, spec in _name_tree_entries(tree, 0):
        file_name = _spec_name(spec)
        if name == SHEET_FILE_NAME or file_name == SHEET_FILE_NAME:
            found.append(_embedded_bytes(spec))
    return found


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, generic.IndirectObject):
        obj = obj.get_object()
    if not isinstance(obj, generic.DictionaryObject) or key not in obj:
        return None
    value = obj[key]
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _name_tree_entries(node: Any, depth: int) -> list[tuple[str, Any]]:
    if depth > _MAX_NAME_TREE_DEPTH:
        raise ValueError("name tree too deep")
    entries: list[tuple[str, Any]] = []
    names = _get(node, "/Names")
    if isinstance(names, generic.ArrayObject):
        for i in range(0, len(names) - 1, 2):
            key = names[i].get_object() if hasattr(names[i], "get_object") else names[i]
            entries.append((str(key), names[i + 1]))
    kids = _get(node, "/Kids")
    if isinstance(kids, generic.ArrayObject):
        for kid in kids:
            entries.extend(_name_tree_entries(kid, depth + 1))
    if len(entries) > _MAX_NAME_TREE_ENTRIES:
        raise ValueError("name tree too large")
    return entries


def _spec_name(spec: Any) -> str | None:
    for key in ("/UF", "/F"):
        value = _get(spec, key)
        if value is not None:
            return str(value)
    return None


def _embedded_bytes(spec: Any) -> bytes:
    ef = _get(spec, "/EF")
    stream = _get(ef, "/F") if ef is not None else None
    if not isinstance(stream, generic.StreamObject):
        raise ValueError("no embedded stream")
    filters = stream.get("/Filter")
    if isinstance(filters, generic.ArrayObject) and len(filters) == 1:
        filters = filters[0]
    raw = stream.encoded_data
    if filters is None:
        data = raw
    elif filters == "/FlateDecode" and "/DecodeParms" not in stream:
        # Inflate with a cap: a hostile file may hold a small stream that inflates to GBs.
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_SHEET_JSON_BYTES + 1)
    else:
        raise ValueError("unsupported stream encoding")
    return data[: MAX_SHEET_JSON_BYTES + 1]
