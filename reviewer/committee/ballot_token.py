"""The anonymity of a ballot: RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS-
Deterministic) under a per-round RSA-3072 key of the secretariat.

A present member's app draws a random 32-byte token, blinds it and sends only the
blinded message (in a request signed with the member's session certificate, so the
issuance log shows one token per present member). The secretariat signs what it cannot
read; the member unblinds, and the result is an ordinary RSASSA-PSS signature on the
token, which the secretariat cannot link to any blinded message it signed. A ballot
carries the token and that signature, nothing else about its caster.

The Deterministic variant (no random message prefix, RFC 9474 §5) is right here
because the message is itself 32 random bytes. No maintained Python library implements
RFC 9474, so the four steps are written out below with Python integers over the numbers
of a ``cryptography`` key; the finalized signature is checked with ``cryptography``'s
own RSA-PSS verify, which is the proof that blinding and unblinding are right.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

KEY_BITS = 3072
PUBLIC_EXPONENT = 65537
TOKEN_BYTES = 32
_HASH = hashlib.sha384
_H_LEN = 48
SALT_LEN = 48  # RSABSSA-SHA384-PSS-*: sLen = hLen (RFC 9474 §5)


class TokenError(ReviewerError):
    """A blinded message, blind signature or token signature is not right."""


def new_round_key(bits: int = KEY_BITS, *, testing_bits: int | None = None) -> rsa.RSAPrivateKey:
    """A round's signing key. Only 3072 bits are accepted; ``testing_bits`` lets a test
    ask for a smaller (faster) key and is the one way to do so."""
    if testing_bits is not None:
        return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=testing_bits)
    if bits != KEY_BITS:
        raise ValueError("a round key has 3072 bits")
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits)


def new_token() -> bytes:
    return secrets.token_bytes(TOKEN_BYTES)


def _mgf1(seed: bytes, length: int) -> bytes:
    # RFC 8017 Appendix B.2.1.
    out = b""
    for counter in range(math.ceil(length / _H_LEN)):
        out += _HASH(seed + counter.to_bytes(4, "big")).digest()
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """EMSA-PSS-ENCODE, RFC 8017 §9.1.1, with SHA-384 and MGF1-SHA-384."""
    em_len = math.ceil(em_bits / 8)
    if em_len < _H_LEN + len(salt) + 2:
        raise ValueError("modulus too small for EMSA-PSS")
    m_hash = _HASH(message).digest()
    h = _HASH(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - _H_LEN - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1(h, em_len - _H_LEN - 1), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


@dataclass(frozen=True)
class Blinded:
    """What the member's app keeps until the blind signature comes back (``inverse``
    must stay secret: it links the blinded message to the token) and what it sends."""

    token: bytes
    blinded_message: bytes
    inverse: int


def _modulus_len(key: rsa.RSAPublicKey) -> int:
    return math.ceil(key.key_size / 8)


def blind(key: rsa.RSAPublicKey, token: bytes) -> Blinded:
    """Blind, RFC 9474 §4.2."""
    numbers = key.public_numbers()
    n, e = numbers.n, numbers.e
    encoded = emsa_pss_encode(token, key.key_size - 1, secrets.token_bytes(SALT_LEN))
    m = int.from_bytes(encoded, "big")
    if math.gcd(m, n) != 1:  # never in practice; the RFC demands the check
        raise TokenError(_("the round key cannot blind this token; try again"))
    while True:
        r = secrets.randbelow(n - 1) + 1
        if math.gcd(r, n) == 1:
            break
    z = (m * pow(r, e, n)) % n
    return Blinded(token, z.to_bytes(_modulus_len(key), "big"), pow(r, -1, n))


def blind_sign(key: rsa.RSAPrivateKey, blinded_message: bytes) -> bytes:
    """BlindSign, RFC 9474 §4.3: RSASP1 on the blinded message, checked with RSAVP1."""
    public = key.public_key().public_numbers()
    n, e = public.n, public.e
    if len(blinded_message) != _modulus_len(key.public_key()):
        raise TokenError(_("the blinded message has the wrong length"))
    m = int.from_bytes(blinded_message, "big")
    if not 0 < m < n:
        raise TokenError(_("the blinded message is out of range"))
    s = pow(m, key.private_numbers().d, n)
    if pow(s, e, n) != m:
        raise TokenError(_("the blind signature failed its own check"))
    return s.to_bytes(_modulus_len(key.public_key()), "big")


def finalize(key: rsa.RSAPublicKey, blinded: Blinded, blind_signature: bytes) -> bytes:
    """Finalize, RFC 9474 §4.4: unblind, then verify as RSASSA-PSS."""
    n = key.public_numbers().n
    if len(blind_signature) != _modulus_len(key):
        raise TokenError(_("the blind signature has the wrong length"))
    z = int.from_bytes(blind_signature, "big")
    if not 0 < z < n:
        raise TokenError(_("the blind signature is out of range"))
    signature = ((z * blinded.inverse) % n).to_bytes(_modulus_len(key), "big")
    verify(key, blinded.token, signature)
    return signature


def verify(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> None:
    """``TokenError`` unless ``signature`` is the round key's RSA-PSS signature on
    ``token`` (cryptography's standard verify: nothing blind-specific here)."""
    try:
        key.verify(
            signature,
            token,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LEN),
            hashes.SHA384(),
        )
    except InvalidSignature:
        raise TokenError(_("the token was not signed with this round's key")) from None


def token_hash(token: bytes) -> str:
    """How the bulletin names a counted ballot: SHA-256 of its token, hex."""
    return hashlib.sha256(token).hexdigest()
