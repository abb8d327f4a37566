"""Enrolment request and response files, read as hostile input.

API:
    class EnrolmentError(ReviewerError)              -- message is user-facing
    REQUEST_FORMAT, RESPONSE_FORMAT, RECORD_FORMAT
    REQUEST_VERSION = 1, RESPONSE_VERSION = 2, RECORD_VERSION = 2 (1 still read)
    MAX_REQUEST_BYTES = 16 KiB, MAX_RESPONSE_BYTES = 64 KiB
    @dataclass EnrolmentRequest(name, age_recipient, csr)  .public_key .key_fingerprint
    @dataclass EnrolmentResponse(session_id, session_name, certificate, ca_certificate,
                                 secretariat_sha256)
    @dataclass Enrolment(session_id, session_name, certificate, ca_certificate, accepted,
                         secretariat_sha256: str | None)   # None: a version 1 record
        .certificate_fingerprint .ca_fingerprint .valid_until
    build_request(name, age_recipient, signing_key) -> bytes
    parse_request(data: bytes) -> EnrolmentRequest
    build_response(session_id, session_name, certificate, ca_certificate,
                   secretariat_certificate) -> bytes
    parse_response(data: bytes) -> EnrolmentResponse     # checks the chain to its CA
    check_response_matches(response, *, public_key, name, age_recipient) -> None
    record_bytes(enrolment) -> bytes / parse_record(data) -> Enrolment   # files in a home
    read_capped(path, max_bytes) -> bytes

A request travels from a reviewer's laptop to the secretariat on a USB stick, a response
the other way; either may have been altered or replaced on the way, so every field is
checked before anything is issued or installed. The request's CSR carries the age
recipient as a SAN URI, so its self-signature covers the recipient too.

The response pins the secretariat's signing certificate (its SHA-256): every certificate
of the session chains to the same CA, so the CA alone cannot tell a pack signed by the
secretariat from one signed by a reviewer with their own key. The pin is installed with
the enrolment and ``open_pack`` accepts that signer only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID
from pyrage import RecipientError, x25519

from reviewer.base import strict
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.people import ca

REQUEST_FORMAT = "reviewer-enrolment-request"
RESPONSE_FORMAT = "reviewer-enrolment-response"
RECORD_FORMAT = "reviewer-enrolment"
REQUEST_VERSION = 1
# 2: the response and the record pin the secretariat's certificate (secretariat_sha256).
RESPONSE_VERSION = 2
RECORD_VERSION = 2
MAX_REQUEST_BYTES = 16 * 1024
MAX_RESPONSE_BYTES = 64 * 1024
MAX_SESSION_NAME_CHARS = 200
MAX_PEM_CHARS = 8 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class EnrolmentError(ReviewerError):
    """A request, response or enrolment record that cannot be used."""


@dataclass(frozen=True)
class EnrolmentRequest:
    name: str
    age_recipient: str
    csr: x509.CertificateSigningRequest

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.csr.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # parse_request guarantees it
        return key

    @property
    def key_fingerprint(self) -> str:
        return ca.key_fingerprint(self.public_key)


@dataclass(frozen=True)
class EnrolmentResponse:
    session_id: str
    session_name: str
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    secretariat_sha256: str


@dataclass(frozen=True)
class Enrolment:
    """An installed enrolment: the reviewer's certificate in one session, and that
    session's CA certificate, which is the trust anchor for the session's packs."""

    session_id: str
    session_name: str
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    accepted: dt.datetime
    # The one certificate whose packs this reviewer accepts; None in a record written
    # before pins existed (format version 1): then the secretariat policy alone decides.
    secretariat_sha256: str | None = None

    @property
    def certificate_fingerprint(self) -> str:
        return ca.certificate_fingerprint(self.certificate)

    @property
    def ca_fingerprint(self) -> str:
        return ca.certificate_fingerprint(self.ca_certificate)

    @property
    def valid_until(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc


def fingerprint_groups(fingerprint: str, size: int = 4) -> str:
    """A key fingerprint in groups of ``size``, as the reviewer reads it aloud and the
    secretariat compares it on the phone before answering the request."""
    return " ".join(fingerprint[i : i + size] for i in range(0, len(fingerprint), size))


def read_capped(path: Path, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from a file; a larger file is refused unread."""
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise EnrolmentError(
            _("cannot read {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    if len(data) > max_bytes:
        raise EnrolmentError(
            _("{file} is too large (more than {n} bytes)").format(file=path, n=max_bytes)
        )
    return data


def _load_json(data: bytes, max_bytes: int, what: str) -> dict[str, Any]:
    if len(data) > max_bytes:
        raise EnrolmentError(
            _("the {what} is too large (more than {n} bytes)").format(what=what, n=max_bytes)
        )
    try:
        # A BOM is allowed: these files are small enough to be opened in Notepad.
        doc = strict.load_json(data.removeprefix(b"\xef\xbb\xbf"), max_bytes)
    except strict.StrictJsonError:
        raise EnrolmentError(_("the {what} is not valid JSON").format(what=what)) from None
    if not isinstance(doc, dict):
        raise EnrolmentError(_("the {what} is not a JSON object").format(what=what))
    return doc


def _check_keys(doc: dict[str, Any], expected: set[str], what: str, fmt: str, version: int) -> None:
    if doc.get("format") != fmt:
        raise EnrolmentError(
            _("this is not an {what} (format {fmt!r} expected)").format(what=what, fmt=fmt)
        )
    if doc.get("format_version") != version:
        raise EnrolmentError(
            _("unsupported {what} version {v!r}").format(what=what, v=doc.get("format_version"))
        )
    missing = sorted(expected - doc.keys())
    unknown = sorted(doc.keys() - expected)
    if missing:
        raise EnrolmentError(
            _("the {what} lacks: {keys}").format(what=what, keys=", ".join(missing))
        )
    if unknown:
        raise EnrolmentError(
            _("the {what} has unknown fields: {keys}").format(what=what, keys=", ".join(unknown))
        )


def _string(doc: dict[str, Any], key: str, max_chars: int, what: str) -> str:
    value = doc[key]
    if not isinstance(value, str) or not value or len(value) > max_chars:
        raise EnrolmentError(
            _("{what}: {key!r} must be text of 1 to {n} characters").format(
                what=what, key=key, n=max_chars
            )
        )
    return value


def check_age_recipient(value: str) -> str:
    try:
        canonical = str(x25519.Recipient.from_str(value))
    except (RecipientError, ValueError, TypeError):
        canonical = None
    if canonical != value:
        raise EnrolmentError(_("not a valid age X25519 recipient: {value!r}").format(value=value))
    return value


def _check_session_id(value: str) -> str:
    try:
        ok = str(uuid.UUID(value)) == value
    except ValueError:
        ok = False
    if not ok:
        raise EnrolmentError(_("not a valid session id: {value!r}").format(value=value))
    return value


def _check_session_name(value: str) -> str:
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in value):
        raise EnrolmentError(_("the session name contains control characters"))
    return value


def _csr_request(name: str, age_recipient: str, key: ec.EllipticCurvePrivateKey) -> bytes:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(ca.AGE_URI_PREFIX + age_recipient)]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def build_request(name: str, age_recipient: str, signing_key: ec.EllipticCurvePrivateKey) -> bytes:
    name = ca.check_person_name(name)
    doc = {
        "format": REQUEST_FORMAT,
        "format_version": REQUEST_VERSION,
        "name": name,
        "age_recipient": age_recipient,
        "csr": _csr_request(name, age_recipient, signing_key).decode("ascii"),
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _check_csr(csr: x509.CertificateSigningRequest, name: str, age_recipient: str) -> None:
    if not csr.is_signature_valid:
        raise EnrolmentError(_("the request's CSR signature is invalid"))
    key = csr.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise EnrolmentError(_("the request's key is not an ECDSA key (P-256 required)"))
    if not isinstance(key.curve, ec.SECP256R1):
        raise EnrolmentError(
            _("the request's key uses curve {curve} (P-256 required)").format(curve=key.curve.name)
        )
    if csr.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
        raise EnrolmentError(_("the request's CSR is not signed with ECDSA-SHA256"))
    if len(csr.subject) != 1 or ca.common_name(csr.subject) is None:
        raise EnrolmentError(_("the request's CSR subject must be a single common name"))
    if ca.common_name(csr.subject) != name:
        raise EnrolmentError(_("the name in the request does not match the name in its CSR"))
    extensions = list(csr.extensions)
    if [e.oid for e in extensions] != [x509.SubjectAlternativeName.oid]:
        raise EnrolmentError(_("the request's CSR must carry exactly its age recipient"))
    if ca.san_age_recipients(csr.extensions) != [age_recipient]:
        raise EnrolmentError(_("the age recipient in the request does not match its CSR"))
    if len(csr.attributes) != 1:  # the extension request, nothing else
        raise EnrolmentError(_("the request's CSR has unexpected attributes"))


def parse_request(data: bytes) -> EnrolmentRequest:
    what = _("enrolment request")
    doc = _load_json(data, MAX_REQUEST_BYTES, what)
    _check_keys(
        doc,
        {"format", "format_version", "name", "age_recipient", "csr"},
        what,
        REQUEST_FORMAT,
        REQUEST_VERSION,
    )
    raw_name = _string(doc, "name", 200, what)
    try:
        name = ca.check_person_name(raw_name)
    except ca.CertificateError as exc:
        raise EnrolmentError(str(exc)) from None
    if name != raw_name:
        raise EnrolmentError(_("the name in the request is not in normal form"))
    age_recipient = check_age_recipient(_string(doc, "age_recipient", 100, what))
    pem = _string(doc, "csr", MAX_PEM_CHARS, what)
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        _check_csr(csr, name, age_recipient)
    except EnrolmentError:
        raise
    except UnsupportedAlgorithm:
        # A key on a curve cryptography does not know (SM2, brainpoolP256t1, ...).
        raise EnrolmentError(_("the request's key is not an ECDSA key (P-256 required)")) from None
    except (
        ValueError,
        TypeError,
        UnicodeEncodeError,
        x509.DuplicateExtension,
        x509.UnsupportedGeneralNameType,
    ):
        raise EnrolmentError(_("the request's CSR cannot be read")) from None
    return EnrolmentRequest(name=name, age_recipient=age_recipient, csr=csr)


def _response_doc(
    session_id: str, session_name: str, certificate: x509.Certificate, ca_cert: x509.Certificate
) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "session_name": session_name,
        "certificate": ca.certificate_pem(certificate),
        "ca_certificate": ca.certificate_pem(ca_cert),
    }


def build_response(
    session_id: str,
    session_name: str,
    certificate: x509.Certificate,
    ca_certificate: x509.Certificate,
    secretariat_certificate: x509.Certificate,
) -> bytes:
    doc: dict[str, Any] = {"format": RESPONSE_FORMAT, "format_version": RESPONSE_VERSION}
    doc.update(_response_doc(session_id, session_name, certificate, ca_certificate))
    doc["secretariat_sha256"] = ca.certificate_fingerprint(secretariat_certificate)
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _parse_response_fields(
    doc: dict[str, Any], what: str, *, allow_expired: bool = False
) -> EnrolmentResponse:
    session_id = _check_session_id(_string(doc, "session_id", 36, what))
    session_name = _check_session_name(_string(doc, "session_name", MAX_SESSION_NAME_CHARS, what))
    try:
        cert = ca.load_certificate(_string(doc, "certificate", MAX_PEM_CHARS, what))
        ca_cert = ca.load_certificate(_string(doc, "ca_certificate", MAX_PEM_CHARS, what))
        at = None
        if allow_expired:
            # An installed enrolment stays readable after it expires, so that ``identity
            # show`` can say "expired" instead of failing; the chain is still checked.
            now = dt.datetime.now(dt.UTC)
            at = max(cert.not_valid_before_utc, min(now, cert.not_valid_after_utc))
        ca.check_issued_by(cert, ca_cert, at=at)
    except ca.CertificateError as exc:
        raise EnrolmentError(str(exc)) from None
    if ca.session_id_of(ca_cert) != session_id or ca.session_id_of(cert) != session_id:
        raise EnrolmentError(
            _("the certificates do not belong to session {id}").format(id=session_id)
        )
    return EnrolmentResponse(session_id, session_name, cert, ca_cert, "")


def _pin(doc: dict[str, Any], what: str) -> str:
    value = doc["secretariat_sha256"]
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise EnrolmentError(
            _("{what}: 'secretariat_sha256' must be a SHA-256 in lower-case hex").format(what=what)
        )
    return value


def parse_response(data: bytes) -> EnrolmentResponse:
    what = _("enrolment response")
    doc = _load_json(data, MAX_RESPONSE_BYTES, what)
    _check_keys(
        doc,
        {
            "format",
            "format_version",
            "session_id",
            "session_name",
            "certificate",
            "ca_certificate",
            "secretariat_sha256",
        },
        what,
        RESPONSE_FORMAT,
        RESPONSE_VERSION,
    )
    response = _parse_response_fields(doc, what)
    pin = _pin(doc, what)
    if pin == ca.certificate_fingerprint(response.certificate):
        raise EnrolmentError(_("the response pins the reviewer's own certificate as secretariat"))
    return replace(response, secretariat_sha256=pin)


def check_response_matches(
    response: EnrolmentResponse | Enrolment,
    *,
    public_key: ec.EllipticCurvePublicKey,
    name: str,
    age_recipient: str,
) -> None:
    """Refuse a certificate issued for someone else's key, name or age recipient."""
    if ca.key_fingerprint(response.certificate.public_key()) != ca.key_fingerprint(public_key):
        raise EnrolmentError(_("this response is for another key, not for this identity"))
    if ca.common_name(response.certificate.subject) != name:
        raise EnrolmentError(_("this response names someone else"))
    if ca.age_recipient_of(response.certificate) != age_recipient:
        raise EnrolmentError(_("this response names another age recipient"))


def record_bytes(enrolment: Enrolment) -> bytes:
    doc: dict[str, Any] = {"format": RECORD_FORMAT, "format_version": RECORD_VERSION}
    doc.update(
        _response_doc(
            enrolment.session_id,
            enrolment.session_name,
            enrolment.certificate,
            enrolment.ca_certificate,
        )
    )
    doc["accepted"] = enrolment.accepted.isoformat().replace("+00:00", "Z")
    if enrolment.secretariat_sha256 is None:
        raise ValueError("a record is written with the secretariat's pin")
    doc["secretariat_sha256"] = enrolment.secretariat_sha256
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def parse_record(data: bytes) -> Enrolment:
    what = _("enrolment record")
    doc = _load_json(data, MAX_RESPONSE_BYTES, what)
    keys = {
        "format",
        "format_version",
        "session_id",
        "session_name",
        "certificate",
        "ca_certificate",
        "accepted",
    }
    # Version 1 records (no pin) are still read: see docs/formats.md, "Enrolment".
    version = 1 if doc.get("format_version") == 1 else RECORD_VERSION
    if version == RECORD_VERSION:
        keys.add("secretariat_sha256")
    _check_keys(doc, keys, what, RECORD_FORMAT, version)
    pin = _pin(doc, what) if version == RECORD_VERSION else None
    response = _parse_response_fields(doc, what, allow_expired=True)
    try:
        accepted = dt.datetime.fromisoformat(_string(doc, "accepted", 40, what))
    except ValueError:
        raise EnrolmentError(_("{what}: bad 'accepted' time").format(what=what)) from None
    return Enrolment(
        response.session_id,
        response.session_name,
        response.certificate,
        response.ca_certificate,
        accepted,
        pin,
    )
