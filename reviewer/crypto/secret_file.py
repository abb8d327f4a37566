"""Small secrets (private keys) kept on disk under a passphrase, with a fixed cost.

Argon2id (64 MiB, 3 passes; parameters stored in the file) derives the key, AES-256-GCM
seals the secret, and the file's role (e.g. ``reviewer identity``) is the associated
data, so a key file cannot be passed off as another. The memory cost is fixed on
purpose: age's own scrypt recipient calibrates its work factor to the machine that
encrypts (2^20 here, one GiB to decrypt), which a low-spec laptop may not have.

Files written by earlier versions as age scrypt files are still read (through pyrage).
"""

from __future__ import annotations

import base64
import json
import os

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pyrage import passphrase as age_passphrase

from reviewer.base import strict
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.crypto.vault import NONCE_BYTES, KdfParams

FORMAT = "reviewer-sealed-secret"
FORMAT_VERSION = 1
_AGE_MAGIC = b"age-encryption.org/v1\n"
MAX_BYTES = 256 * 1024
# Argon2 needs at least 8 bytes of salt (our files have 16); more than 64 is not a salt.
MIN_SALT_BYTES = 8
MAX_SALT_BYTES = 64


class DamagedSecret(ReviewerError):
    pass


def seal(secret: bytes, passphrase: str, role: str, params: KdfParams | None = None) -> bytes:
    params = params or KdfParams.new()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(params.derive(passphrase)).encrypt(nonce, secret, role.encode())
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "role": role,
        "kdf": params.to_dict(),
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
    }
    return (json.dumps(doc, indent=2) + "\n").encode("ascii")


def _kdf_params(raw: object) -> KdfParams:
    """The Argon2id parameters of a key file, checked before anything is derived."""
    if not isinstance(raw, dict) or raw.get("kdf") != "argon2id":
        raise DamagedSecret(_("the key file is damaged"))
    numbers: list[int] = []
    for key in ("time_cost", "memory_kib", "parallelism"):
        n = raw.get(key)
        if isinstance(n, bool) or not isinstance(n, int):
            raise DamagedSecret(_("the key file is damaged"))
        numbers.append(n)
    salt = raw.get("salt")
    try:
        salt_bytes = bytes.fromhex(salt) if isinstance(salt, str) else b""
    except ValueError:
        salt_bytes = b""
    if not MIN_SALT_BYTES <= len(salt_bytes) <= MAX_SALT_BYTES:
        raise DamagedSecret(_("the key file is damaged"))
    time_cost, memory_kib, parallelism = numbers
    params = KdfParams(salt_bytes, time_cost, memory_kib, parallelism)
    if not params.within_bounds():
        # Hostile parameters could make the derivation take hours or all the memory.
        raise DamagedSecret(_("the key file asks for unreasonable key derivation costs"))
    return params


def open_sealed(data: bytes, passphrase: str, role: str) -> bytes:
    """The secret; ``WrongPassphrase`` if the passphrase does not open it,
    ``DamagedSecret`` if the file is not what it should be."""
    if len(data) > MAX_BYTES:
        raise DamagedSecret(_("the key file is too large"))
    if data.startswith(_AGE_MAGIC):
        try:
            return age_passphrase.decrypt(data, passphrase)
        except pyrage.DecryptError as exc:
            if str(exc) == "Decryption failed":
                raise WrongPassphrase(_("wrong passphrase")) from None
            raise DamagedSecret(_("the key file is damaged")) from None
    damaged = DamagedSecret(_("the key file is damaged"))
    try:
        doc = strict.load_json(data, MAX_BYTES)
    except strict.StrictJsonError:
        raise damaged from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise damaged
    version = doc.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise damaged
    if version != FORMAT_VERSION:
        raise DamagedSecret(
            _("the key file was written by a newer version of the app (format {v})").format(
                v=version
            )
        )
    found = doc.get("role")
    if not isinstance(found, str):
        raise damaged
    if found != role:
        raise DamagedSecret(
            _("this is a key file for {found}, not for {expected}").format(
                found=found[:100], expected=role
            )
        )
    params = _kdf_params(doc.get("kdf"))
    try:
        nonce = base64.b64decode(doc["nonce"], validate=True)
        ciphertext = base64.b64decode(doc["ciphertext"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise damaged from None
    if len(nonce) != NONCE_BYTES:
        raise damaged
    try:
        return AESGCM(params.derive(passphrase)).decrypt(nonce, ciphertext, role.encode())
    except InvalidTag:
        raise WrongPassphrase(_("wrong passphrase")) from None
