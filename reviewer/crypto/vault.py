"""Encryption at rest for the reviewer's workspace.

A random 256-bit workspace key encrypts every confidential value with AES-GCM; the
key itself is stored only wrapped (AES-GCM) under a key derived from the reviewer's
passphrase with Argon2id. Each sealed value is bound to where it lives (the
associated data names table and row), so a value copied into another row does not
decrypt. The database file alone therefore reveals nothing readable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto.passphrase import WrongPassphrase

NONCE_BYTES = 12
KEY_BYTES = 32
_WRAP_AAD = b"reviewer-workspace-key/1"
# What a stored KdfParams may ask for: more would let a hostile file make the derivation
# take hours or all the memory; less (see ``within_bounds``) would weaken it.
MAX_TIME_COST = 10
MAX_MEMORY_KIB = 1024 * 1024
MAX_PARALLELISM = 16
MIN_SALT_BYTES = 16


class VaultError(ReviewerError):
    pass


class DamagedValue(VaultError):
    def __init__(self, where: str) -> None:
        super().__init__(
            _("stored data at {where} is damaged or was altered outside the app").format(
                where=where
            )
        )


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside the wrapped key so they can be raised later."""

    salt: bytes
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2

    def derive(self, passphrase: str) -> bytes:
        return hash_secret_raw(
            passphrase.encode("utf-8"),
            self.salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kdf": "argon2id",
            "salt": self.salt.hex(),
            "time_cost": self.time_cost,
            "memory_kib": self.memory_kib,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> KdfParams:
        if doc.get("kdf") != "argon2id":
            raise VaultError(_("unknown key derivation {kdf!r}").format(kdf=doc.get("kdf")))
        return cls(
            salt=bytes.fromhex(doc["salt"]),
            time_cost=int(doc["time_cost"]),
            memory_kib=int(doc["memory_kib"]),
            parallelism=int(doc["parallelism"]),
        )

    @classmethod
    def new(cls) -> KdfParams:
        return cls(salt=os.urandom(16))

    def within_bounds(self, min_time_cost: int = 1, min_memory_kib: int = 8 * 1024) -> bool:
        """Whether parameters read from a file are reasonable: at most 10 passes, 1 GiB
        and 16 lanes; at least the given floor (stored parameters lowered below what the
        app writes would weaken the next key wrapped with them)."""
        return (
            min_time_cost <= self.time_cost <= MAX_TIME_COST
            and min_memory_kib <= self.memory_kib <= MAX_MEMORY_KIB
            and 1 <= self.parallelism <= MAX_PARALLELISM
            and len(self.salt) >= MIN_SALT_BYTES
        )


def wrap_key(params: KdfParams, passphrase: str, key: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(params.derive(passphrase)).encrypt(nonce, key, _WRAP_AAD)


def unwrap_key(params: KdfParams, passphrase: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(params.derive(passphrase)).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_AAD
        )
    except InvalidTag:
        raise WrongPassphrase() from None


class Vault:
    """Holds the unwrapped workspace key while the workspace is unlocked."""

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise VaultError("bad key length")
        self._key: bytearray | None = bytearray(key)

    @classmethod
    def new_key(cls) -> bytes:
        return AESGCM.generate_key(bit_length=256)

    @property
    def open(self) -> bool:
        return self._key is not None

    def _aead(self) -> AESGCM:
        if self._key is None:
            raise VaultError(_("the workspace is locked"))
        return AESGCM(bytes(self._key))

    def seal(self, plaintext: bytes, where: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead().encrypt(nonce, plaintext, where.encode("utf-8"))

    def unseal(self, blob: bytes, where: str) -> bytes:
        try:
            return self._aead().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], where.encode())
        except (InvalidTag, ValueError):
            raise DamagedValue(where) from None

    def seal_json(self, value: Any, where: str) -> bytes:
        return self.seal(json.dumps(value, ensure_ascii=False).encode("utf-8"), where)

    def unseal_json(self, blob: bytes, where: str) -> Any:
        return json.loads(self.unseal(blob, where))

    def mac_key(self, purpose: str) -> bytes:
        """A sub-key for one purpose (e.g. the audit chain), derived with HKDF."""
        if self._key is None:
            raise VaultError(_("the workspace is locked"))
        return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(bytes(self._key))

    def drop(self) -> None:
        """Forget the key (overwritten in place, as far as Python allows)."""
        if self._key is not None:
            for i in range(len(self._key)):
                self._key[i] = 0
            self._key = None
