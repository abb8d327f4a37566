"""Detached CMS (PKCS#7) signatures: the secretariat signs, a reviewer verifies.

Signing uses ``cryptography``'s PKCS7SignatureBuilder (DER, detached, binary so the
exact bytes are signed, signer certificate included), which ``openssl cms -verify``
reads. ``cryptography`` 50 has no CMS verification, so it is done here: the SignedData
is parsed with asn1crypto, the signed attributes are checked (content type, message
digest of the exact bytes) and the ECDSA signature over them is verified with the signer
certificate's key.

Trust never comes from the signature itself. Its certificates are only used to find the
signer's certificate, which must be issued directly by the trust anchor the caller
supplies (the session CA from the reviewer's own enrolment). A signature that brings
its own CA proves nothing: anyone can make a CA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms

# asn1crypto builds each OID's reverse map on first use and never again; asn1crypto.tsp
# adds CMS attribute types (signing_certificate_v2) that pyHanko needs when it signs a
# sheet later in the same process. Import it before anything here touches a CMS object.
from asn1crypto import tsp as _asn1_tsp  # noqa: F401
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

MAX_SIGNATURE_BYTES = 256 * 1024

_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class CmsError(ReviewerError):
    """A signature that cannot be accepted; ``str()`` is a translated line."""


class MalformedSignatureError(CmsError):
    """Not a detached CMS signature this module can check."""


# The names say what is wrong with the signature; what that means for a pack ("not from
# your secretariat", "does not match its contents") is said by reviewer.pack.errors.


class SignerCertificateError(CmsError):
    """The signer does not chain to the trust anchor, or its certificate is not usable."""


class SignatureInvalidError(CmsError):
    """Well formed, but it does not sign these bytes."""


@dataclass(frozen=True)
class VerifiedSigner:
    certificate: x509.Certificate

    @property
    def name(self) -> str:
        return common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def common_name(cert: x509.Certificate) -> str:
    try:
        values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if values:
            value = values[0].value
            return value if isinstance(value, str) else value.decode("utf-8", "replace")
        return cert.subject.rfc4514_string()
    except ValueError:
        return "?"


def sign_detached(
    data: bytes, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> bytes:
    """DER-encoded detached CMS SignedData over ``data``, carrying the signer certificate."""
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("CMS signing here uses ECDSA keys only")
    cert_key = certificate.public_key()
    if (
        not isinstance(cert_key, ec.EllipticCurvePublicKey)
        or key.public_key().public_numbers() != cert_key.public_numbers()
    ):
        raise ValueError(_("The signing key does not belong to the signing certificate."))
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            # Binary: without it the content is treated as S/MIME text and line ends are
            # rewritten before hashing, so the exact bytes would not be what is signed.
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


def verify_detached(
    signature: bytes,
    data: bytes,
    trust_anchor: x509.Certificate,
    *,
    now: datetime | None = None,
) -> VerifiedSigner:
    """Check that ``signature`` signs ``data`` and that its signer is vouched for by
    ``trust_anchor``; return the signer, or raise a ``CmsError`` subclass."""
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise MalformedSignatureError(_("The signature is too large to be genuine."))
    moment = now or datetime.now(UTC)
    parsed = _parse(signature)
    signer_cert = parsed.signer_cert
    check_issued_by(signer_cert, trust_anchor, moment)

    digest = hashes.Hash(parsed.digest())
    digest.update(data)
    if digest.finalize() != parsed.message_digest:
        raise SignatureInvalidError(_("the signed digest differs from the content's"))
    public_key = signer_cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignerCertificateError(_("the signer's key is not an ECDSA key"))
    try:
        public_key.verify(parsed.signature, parsed.signed_bytes, ec.ECDSA(parsed.digest()))
    except InvalidSignature:
        raise SignatureInvalidError(_("the signature value is invalid")) from None
    return VerifiedSigner(signer_cert)


def signed_digest(
    signature: bytes,
    trust_anchor: x509.Certificate,
    *,
    now: datetime | None = None,
) -> tuple[str, bytes, VerifiedSigner]:
    """The digest a detached signature vouches for, without the content: the signed
    attributes' signature and the signer's chain are checked as ``verify_detached``
    does; returns (digest algorithm name, message digest, signer). For checking that
    something names the signed content by its hash without having the content."""
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise MalformedSignatureError(_("The signature is too large to be genuine."))
    moment = now or datetime.now(UTC)
    parsed = _parse(signature)
    signer_cert = parsed.signer_cert
    check_issued_by(signer_cert, trust_anchor, moment)
    public_key = signer_cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignerCertificateError(_("the signer's key is not an ECDSA key"))
    try:
        public_key.verify(parsed.signature, parsed.signed_bytes, ec.ECDSA(parsed.digest()))
    except InvalidSignature:
        raise SignatureInvalidError(_("the signature value is invalid")) from None
    return parsed.digest_name, parsed.message_digest, VerifiedSigner(signer_cert)


def check_issued_by(cert: x509.Certificate, anchor: x509.Certificate, moment: datetime) -> None:
    """The one-level chain a session uses: session CA -> signing certificate."""
    if not _is_ca(anchor):
        raise SignerCertificateError(_("the trust anchor is not a CA certificate"))
    if cert == anchor:
        raise SignerCertificateError(_("signed by the CA itself, not by a signing certificate"))
    try:
        cert.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        raise SignerCertificateError(
            _("the signer {name} is not certified by your session's CA").format(
                name=common_name(cert)
            )
        ) from None
    for which in (cert, anchor):
        if not which.not_valid_before_utc <= moment <= which.not_valid_after_utc:
            raise SignerCertificateError(
                _("the certificate of {name} is not valid now ({start} to {end})").format(
                    name=common_name(which),
                    start=which.not_valid_before_utc.date(),
                    end=which.not_valid_after_utc.date(),
                )
            )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.digital_signature:
        raise SignerCertificateError(_("the signer's certificate is not for digital signatures"))


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


@dataclass(frozen=True)
class _Parsed:
    signer_cert: x509.Certificate
    digest_name: str
    message_digest: bytes
    signed_bytes: bytes
    signature: bytes

    def digest(self) -> hashes.HashAlgorithm:
        return _DIGESTS[self.digest_name]()


def _parse(signature: bytes) -> _Parsed:
    try:
        return _parse_unchecked(signature)
    except CmsError:
        raise
    except Exception:
        # asn1crypto parses lazily and raises whatever the broken DER provokes
        # (ValueError, TypeError, KeyError...); for a hostile input all mean one thing.
        raise MalformedSignatureError(_("The signature is not a readable CMS structure.")) from None


def _malformed(detail: str) -> MalformedSignatureError:
    return MalformedSignatureError(
        _("The signature is not a detached CMS signature: {detail}.").format(detail=detail)
    )


def _parse_unchecked(signature: bytes) -> _Parsed:
    info = asn1_cms.ContentInfo.load(signature, strict=True)
    if info["content_type"].native != "signed_data":
        raise _malformed(_("not SignedData"))
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "data":
        raise _malformed(_("unexpected content type"))
    if encap["content"].native is not None:
        raise _malformed(_("the content is embedded, not detached"))
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise _malformed(_("expected exactly one signer"))
    signer = signer_infos[0]
    # Fields no verification step depends on are still held to RFC 5652, so that a
    # signature has one accepted encoding and damage anywhere in it is noticed.
    sid_kind = signer["sid"].name
    expected_version = "v1" if sid_kind == "issuer_and_serial_number" else "v3"
    if signed["version"].native not in ("v1", "v3") or signer["version"].native != expected_version:
        raise _malformed(_("unexpected version"))

    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS:
        raise _malformed(_("unsupported digest algorithm"))
    if [a["algorithm"].native for a in signed["digest_algorithms"]] != [digest_name]:
        raise _malformed(_("the digest algorithms disagree"))
    algorithms = [signer["digest_algorithm"], signer["signature_algorithm"]]
    algorithms += list(signed["digest_algorithms"])
    if any(a["parameters"].native is not None for a in algorithms):
        raise _malformed(_("unexpected algorithm parameters"))
    if signer["signature_algorithm"]["algorithm"].native not in (f"{digest_name}_ecdsa", "ecdsa"):
        raise _malformed(_("unsupported signature algorithm"))
    if signer["unsigned_attrs"].native is not None:
        raise _malformed(_("unexpected unsigned attributes"))

    attrs = signer["signed_attrs"]
    if not attrs:
        raise _malformed(_("no signed attributes"))
    values: dict[str, list] = {}
    for attr in attrs:
        kind = attr["type"].native
        if kind in values:
            raise _malformed(_("a signed attribute appears twice"))
        values[kind] = list(attr["values"])
    content_type = values.get("content_type")
    digest_values = values.get("message_digest")
    if not content_type or len(content_type) != 1 or content_type[0].native != "data":
        raise _malformed(_("the signed content type is missing or wrong"))
    if not digest_values or len(digest_values) != 1:
        raise _malformed(_("the signed message digest is missing"))
    message_digest = digest_values[0].native
    if not isinstance(message_digest, bytes):
        raise _malformed(_("the signed message digest is not an octet string"))

    raw_attrs = attrs.dump()
    if raw_attrs[:1] != b"\xa0":
        raise _malformed(_("the signed attributes are mis-tagged"))
    # The signature covers the attributes DER-encoded as a SET OF, not as the [0] IMPLICIT
    # field they are stored in (RFC 5652, 5.4).
    signed_bytes = b"\x31" + raw_attrs[1:]

    signer_cert = _find_signer_certificate(signed, signer["sid"])
    # cryptography parses certificate fields lazily; touch them now so a broken
    # certificate fails here, as malformed, and not later in the trust checks.
    touched = (
        signer_cert.subject.rfc4514_string(),
        signer_cert.issuer.rfc4514_string(),
        list(signer_cert.extensions),
        signer_cert.public_key(),
        signer_cert.not_valid_before_utc,
        signer_cert.not_valid_after_utc,
        signer_cert.signature_hash_algorithm,
    )
    del touched
    return _Parsed(
        signer_cert=signer_cert,
        digest_name=digest_name,
        message_digest=message_digest,
        signed_bytes=signed_bytes,
        signature=signer["signature"].native,
    )


def _find_signer_certificate(
    signed: asn1_cms.SignedData, sid: asn1_cms.SignerIdentifier
) -> x509.Certificate:
    candidates: list[x509.Certificate] = []
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        # A signature BIT STRING always has whole bytes; a non-zero unused-bits count is
        # a second encoding of the same certificate, which we do not accept.
        if choice.chosen["signature_value"].contents[:1] != b"\x00":
            continue
        candidates.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"].dump()
        serial = sid.chosen["serial_number"].native
        for cert in candidates:
            if cert.serial_number == serial and cert.issuer.public_bytes() == issuer:
                return cert
    elif sid.name == "subject_key_identifier":
        key_id = sid.chosen.native
        for cert in candidates:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            except x509.ExtensionNotFound:
                continue
            if ski.digest == key_id:
                return cert
    raise _malformed(_("it does not carry its signer's certificate"))
