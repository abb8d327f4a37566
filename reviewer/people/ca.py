"""The session CA: an X.509 root per review session and the certificates it issues.

API:
    class CertificateError(ReviewerError)
    CA_VALIDITY, CLOCK_SKEW: timedelta
    MAX_NAME_BYTES = 64                                    # X.509 upper bound for a CN
    check_person_name(name: str) -> str                    # NFC, or CertificateError
    new_signing_key() -> EllipticCurvePrivateKey           # ECDSA P-256
    create_ca(session_id, session_name, now=None) -> tuple[key, Certificate]
    issue_certificate(ca_key, ca_cert, public_key, name, *, session_id,
                      age_recipient=None, secretariat=False, now=None) -> Certificate
    secretariat_name(session_name) -> str
    fits_certificates(label) -> bool                       # the CN suffixes fit whole
    encrypt_private_key(key, passphrase) -> bytes          # PKCS#8 PEM, sealed (secret_file)
    load_private_key(sealed, passphrase) -> EllipticCurvePrivateKey  # WrongPassphrase
    load_certificate(pem) -> Certificate                   # CertificateError
    certificate_pem(cert) -> str
    certificate_fingerprint(cert) -> str                   # SHA-256 of DER, hex
    key_fingerprint(public_key) -> str                     # SHA-256 of SPKI DER, hex
    common_name(cert_or_csr_subject: x509.Name) -> str | None
    age_recipient_of(cert) -> str | None                   # from the SAN URI "age:..."
    san_age_recipients(extensions) -> list[str]
    session_id_of(cert) -> str | None                      # from OU "session <uuid>"
    check_ca_certificate(ca_cert) -> None                  # CertificateError
    check_issued_by(cert, ca_cert, at=None) -> None        # CertificateError

Profile (kept deliberately plain so that pyHanko (PAdES) and ``openssl cms -verify``
accept it without options):
- Root: self-signed, ECDSA P-256 / SHA-256, basicConstraints CA (pathlen 0, critical),
  keyUsage keyCertSign + cRLSign (critical), SKI, AKI.
- End entity (reviewers and the secretariat): basicConstraints not CA (critical),
  keyUsage digitalSignature + nonRepudiation (critical), no extendedKeyUsage (absent EKU
  means "any purpose" to both OpenSSL's S/MIME check and pyHanko), SKI, AKI.
- The secretariat's certificate alone also carries certificatePolicies (non-critical)
  with ``roles.SECRETARIAT_POLICY``, so a reviewer's own certificate cannot pass for it.
- Subject: CN = the person's name (UTF8String), O = "Reviewer Workstation",
  OU = "session <uuid>". A reviewer's certificate carries its age recipient as a SAN URI
  ``age:age1...`` so the CA vouches for which key a pack is encrypted to.
- Validity: the CA from one day before creation (offline laptops' clocks drift) for five
  years, which covers the session and the later audit of its signed sheets; every issued
  certificate ends when the CA does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto import roles, secret_file

CA_VALIDITY = dt.timedelta(days=5 * 365)
CLOCK_SKEW = dt.timedelta(days=1)
MAX_NAME_BYTES = 64
ORGANISATION = "Reviewer Workstation"
AGE_URI_PREFIX = "age:"
KEY_ROLE = "session signing key"
_SESSION_OU_PREFIX = "session "

# Invisible or direction-changing characters let two different names look the same.
_SPOOFING = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\ufeff",
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
}


class CertificateError(ReviewerError):
    """A certificate, key or name that cannot be used; the message is user-facing."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)


def check_person_name(name: str) -> str:
    """The NFC form of a usable subject name, or ``CertificateError``."""
    if not isinstance(name, str):
        raise CertificateError(_("the name must be text"))
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise CertificateError(_("the name is empty"))
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or ch in _SPOOFING:
            raise CertificateError(
                _("the name contains a control or invisible character (U+{code:04X})").format(
                    code=ord(ch)
                )
            )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise CertificateError(
            _(
                "the name is too long (at most {n} bytes in UTF-8, about {c} Chinese characters)"
            ).format(n=MAX_NAME_BYTES, c=MAX_NAME_BYTES // 3)
        )
    return name


def _fit(text: str, max_bytes: int) -> str:
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


_SECRETARIAT_SUFFIX = " 秘书处"
# The longer suffix (the secretariat's) leaves this much of a CN for the session's name.
MAX_LABEL_BYTES = MAX_NAME_BYTES - len(_SECRETARIAT_SUFFIX.encode("utf-8"))


def fits_certificates(label: str) -> bool:
    """Whether a session's name (or short name) fits the CA's and the secretariat's
    certificate names whole: a name cut to fit would end mid-word."""
    return len(label.encode("utf-8")) <= MAX_LABEL_BYTES


def secretariat_name(session_name: str) -> str:
    suffix = _SECRETARIAT_SUFFIX
    return _fit(session_name, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).rstrip() + suffix


def _ca_name(session_name: str) -> str:
    suffix = " CA"
    return _fit(session_name, MAX_NAME_BYTES - len(suffix)).rstrip() + suffix


def _subject(common: str, session_id: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _SESSION_OU_PREFIX + session_id),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def create_ca(
    session_id: str, session_name: str, now: dt.datetime | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    now = _now(now)
    key = new_signing_key()
    name = _subject(_ca_name(session_name), session_id)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    public_key: ec.EllipticCurvePublicKey,
    name: str,
    *,
    session_id: str,
    age_recipient: str | None = None,
    secretariat: bool = False,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    now = _now(now)
    name = check_person_name(name)
    not_after = ca_cert.not_valid_after_utc
    if now >= not_after:
        raise CertificateError(_("the session CA has expired"))
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(name, session_id))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now - CLOCK_SKEW, ca_cert.not_valid_before_utc))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    if age_recipient is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(AGE_URI_PREFIX + age_recipient)]
            ),
            critical=False,
        )
    if secretariat:
        builder = builder.add_extension(roles.secretariat_policy(), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, passphrase: str) -> bytes:
    """The key as PKCS#8 PEM sealed under the passphrase (``secret_file``: Argon2id).

    cryptography's own PKCS#8 encryption uses PBKDF2 with 2,048 rounds, cheap to guess
    against offline; Argon2id is memory-hard, at a fixed cost."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return secret_file.seal(pem, passphrase, KEY_ROLE)


def load_private_key(sealed: bytes, passphrase: str) -> ec.EllipticCurvePrivateKey:
    try:
        pem = secret_file.open_sealed(sealed, passphrase, KEY_ROLE)
    except secret_file.DamagedSecret:
        raise CertificateError(_("the private key file is damaged")) from None
    try:
        key = serialization.load_pem_private_key(pem, None)
    except (ValueError, TypeError):
        raise CertificateError(_("the private key file is damaged")) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CertificateError(_("the private key is not an ECDSA P-256 key"))
    return key


def load_certificate(pem: bytes | str) -> x509.Certificate:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(_("not a PEM certificate")) from None


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def key_fingerprint(public_key: PublicKeyTypes) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _single(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1 or not isinstance(values[0].value, str):
        return None
    return values[0].value


def common_name(name: x509.Name) -> str | None:
    return _single(name, NameOID.COMMON_NAME)


def session_id_of(cert: x509.Certificate) -> str | None:
    ou = _single(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    if ou is None or not ou.startswith(_SESSION_OU_PREFIX):
        return None
    return ou[len(_SESSION_OU_PREFIX) :]


def san_age_recipients(extensions: x509.Extensions) -> list[str]:
    try:
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    return [u[len(AGE_URI_PREFIX) :] for u in uris if u.startswith(AGE_URI_PREFIX)]


def age_recipient_of(cert: x509.Certificate) -> str | None:
    try:
        found = san_age_recipients(cert.extensions)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None
    return found[0] if len(found) == 1 else None


def _is_p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


def check_ca_certificate(ca_cert: x509.Certificate) -> None:
    try:
        bc = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if not bc.ca:
            raise CertificateError(_("the CA certificate is not a CA"))
        if not _is_p256(ca_cert.public_key()):
            raise CertificateError(_("the CA key is not ECDSA P-256"))
        ca_cert.verify_directly_issued_by(ca_cert)
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        # UnsupportedAlgorithm: a key on a curve cryptography does not know (SM2, ...).
        raise CertificateError(_("the CA certificate is not a valid self-signed CA")) from None


def check_issued_by(
    cert: x509.Certificate, ca_cert: x509.Certificate, at: dt.datetime | None = None
) -> None:
    """The certificate was signed by this CA and is valid at ``at`` (default now)."""
    check_ca_certificate(ca_cert)
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        raise CertificateError(_("the certificate was not issued by this session CA")) from None
    try:
        p256 = _is_p256(cert.public_key())
    except (ValueError, UnsupportedAlgorithm):
        p256 = False
    if not p256:
        # Every certificate of a session is P-256; a CA brought by a hostile file could
        # have certified a key on a curve nothing else here can read.
        raise CertificateError(_("the certificate's key is not ECDSA P-256"))
    at = at or dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise CertificateError(_("the certificate is not valid at this date"))
