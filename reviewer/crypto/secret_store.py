"""Remembering a reviewer's passphrase in the OS keyring, when there is one.

API:
    SERVICE = "reviewer-workstation"
    class SecretStore(Protocol):
        available: bool
        get(identity_key: str) -> str | None
        set(identity_key: str, secret: str) -> bool      # False: not stored (no keyring)
        delete(identity_key: str) -> None
    class KeyringStore(SecretStore)       -- the OS keyring through ``keyring``
    class MemorySecretStore(SecretStore)  -- a fake for tests; refuses to exist elsewhere
    default_store() -> SecretStore

``identity_key`` is the identity's key fingerprint (``Identity.key_fingerprint``).
Many Linux desktops and the Kylin/UOS machines of border bureaus have no keyring service;
there every operation quietly reports "nothing stored" and the app asks for the
passphrase instead. Keyring errors never reach the user as failures.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "reviewer-workstation"
TEST_ENV_VAR = "REVIEWER_TESTING"

# Backends that store nothing, raise on everything, or keep secrets in a plain file on
# disk (keyrings.alt): the last would leave the passphrase on a collected laptop.
_UNUSABLE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class SecretStore(Protocol):
    @property
    def available(self) -> bool: ...

    def get(self, identity_key: str) -> str | None: ...

    def set(self, identity_key: str, secret: str) -> bool: ...

    def delete(self, identity_key: str) -> None: ...


def _username(identity_key: str) -> str:
    return f"identity:{identity_key}"


class KeyringStore:
    """The OS keyring; degrades to "nothing stored" when no usable backend exists."""

    def __init__(self, service: str = SERVICE):
        self.service = service

    def _backend(self) -> KeyringBackend | None:
        try:
            import keyring

            backend = keyring.get_keyring()
            module = type(backend).__module__
            if module.startswith(_UNUSABLE_MODULES):
                return None
            # keyring's own rule: priority below 1 means "not recommended".
            if float(backend.priority) < 1:
                return None
            return backend
        except Exception:  # any backend failure means "no keyring"
            return None

    @property
    def available(self) -> bool:
        return self._backend() is not None

    def get(self, identity_key: str) -> str | None:
        backend = self._backend()
        if backend is None:
            return None
        try:
            value = backend.get_password(self.service, _username(identity_key))
        except Exception:  # a locked or broken keyring is "nothing stored"
            return None
        return value if isinstance(value, str) and value else None

    def set(self, identity_key: str, secret: str) -> bool:
        backend = self._backend()
        if backend is None:
            return False
        try:
            backend.set_password(self.service, _username(identity_key), secret)
        except Exception:  # not remembering is a fallback, not a failure
            return False
        return True

    def delete(self, identity_key: str) -> None:
        backend = self._backend()
        if backend is None:
            return
        try:
            backend.delete_password(self.service, _username(identity_key))
        except Exception:  # nothing stored is the goal either way
            return


def _in_tests() -> bool:
    return "pytest" in sys.modules or os.environ.get(TEST_ENV_VAR) == "1"


class MemorySecretStore:
    """An in-memory store for tests. It refuses to exist in the product, where it would
    silently forget a passphrase the reviewer asked to remember."""

    def __init__(self) -> None:
        if not _in_tests():
            raise RuntimeError("MemorySecretStore is for tests only")
        self.secrets: dict[str, str] = {}

    @property
    def available(self) -> bool:
        return True

    def get(self, identity_key: str) -> str | None:
        return self.secrets.get(identity_key)

    def set(self, identity_key: str, secret: str) -> bool:
        self.secrets[identity_key] = secret
        return True

    def delete(self, identity_key: str) -> None:
        self.secrets.pop(identity_key, None)


def default_store() -> SecretStore:
    return KeyringStore()
