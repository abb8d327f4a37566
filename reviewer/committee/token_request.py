"""The signed request a present member hands in for a round's token, and the answer.

The request carries the member's session certificate and is signed with the member's
key: the secretariat can prove which enrolled member each blind signature went to, and
that nobody got two. It carries only the *blinded* token, so it says nothing about the
ballot that will carry the token. Both files are read as hostile.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.people import ca

REQUEST_FORMAT = "reviewer-meeting-token-request"
RESPONSE_FORMAT = "reviewer-meeting-token-response"
VERSION = 1
MAX_BYTES = 64 * 1024


class TokenRequestError(ReviewerError):
    """A token request or response is not acceptable."""


@dataclass(frozen=True)
class TokenRequest:
    session_id: str
    round_id: str
    blinded_message: bytes
    certificate: x509.Certificate
    sha256: str  # of the whole file: the issuance log names the request by it


@dataclass(frozen=True)
class TokenResponse:
    session_id: str
    round_id: str
    request_sha256: str
    blind_signature: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise TokenRequestError(_("{field} is not valid base64").format(field=what)) from None


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _doc(data: bytes, fmt: str, keys: set[str]) -> dict[str, Any]:
    try:
        doc = load_json(data, MAX_BYTES)
    except StrictJsonError as exc:
        raise TokenRequestError(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt or doc.get("version") != VERSION:
        raise TokenRequestError(_("this is not a {kind} file").format(kind=fmt))
    if set(doc) != keys:
        raise TokenRequestError(
            _("unexpected or missing fields: {fields}").format(
                fields=", ".join(sorted(set(doc) ^ keys))
            )
        )
    for key in keys - {"version"}:
        if not isinstance(doc[key], str):
            raise TokenRequestError(_("{field} must be text").format(field=key))
    return doc


_REQUEST_KEYS = {"format", "version", "session", "round", "blinded", "certificate", "signature"}


def build_request(
    session_id: str,
    round_id: str,
    blinded_message: bytes,
    certificate: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
) -> bytes:
    body = {
        "format": REQUEST_FORMAT,
        "version": VERSION,
        "session": session_id,
        "round": round_id,
        "blinded": _b64(blinded_message),
        "certificate": ca.certificate_pem(certificate),
    }
    signature = key.sign(_canonical(body), ec.ECDSA(hashes.SHA256()))
    return (json.dumps({**body, "signature": _b64(signature)}, indent=2) + "\n").encode()


def parse_request(data: bytes) -> TokenRequest:
    """The request, its signature checked against the certificate it carries; whether
    that certificate belongs to a present, enrolled member is the meeting's check."""
    doc = _doc(data, REQUEST_FORMAT, _REQUEST_KEYS)
    try:
        cert = ca.load_certificate(doc["certificate"])
    except ca.CertificateError as exc:
        raise TokenRequestError(str(exc)) from None
    public = cert.public_key()
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public.verify(
            _unb64(doc["signature"], "signature"), _canonical(body), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        raise TokenRequestError(_("the request's signature does not verify")) from None
    return TokenRequest(
        session_id=doc["session"],
        round_id=doc["round"],
        blinded_message=_unb64(doc["blinded"], "blinded"),
        certificate=cert,
        sha256=hashlib.sha256(data).hexdigest(),
    )


_RESPONSE_KEYS = {"format", "version", "session", "round", "request", "blind_signature"}


def build_response(session_id: str, round_id: str, request_sha256: str, signature: bytes) -> bytes:
    doc = {
        "format": RESPONSE_FORMAT,
        "version": VERSION,
        "session": session_id,
        "round": round_id,
        "request": request_sha256,
        "blind_signature": _b64(signature),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def parse_response(data: bytes) -> TokenResponse:
    doc = _doc(data, RESPONSE_FORMAT, _RESPONSE_KEYS)
    return TokenResponse(
        session_id=doc["session"],
        round_id=doc["round"],
        request_sha256=doc["request"],
        blind_signature=_unb64(doc["blind_signature"], "blind_signature"),
    )
