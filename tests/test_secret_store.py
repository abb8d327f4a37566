"""Remembering passphrases in the OS keyring, and obtaining passphrases at all."""

from __future__ import annotations

import sys

import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.core
import keyring.errors
import pytest

from reviewer.crypto import passphrase as pp
from reviewer.crypto.passphrase import PassphraseError, obtain_passphrase, read_passphrase_file
from reviewer.crypto.secret_store import KeyringStore, MemorySecretStore


class DictKeyring(keyring.backend.KeyringBackend):
    priority = 5  # type: ignore[assignment]

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username))


class LockedKeyring(keyring.backend.KeyringBackend):
    priority = 5  # type: ignore[assignment]

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    set_password = delete_password = get_password  # type: ignore[assignment]


@pytest.fixture
def use_backend(monkeypatch):
    def use(backend):
        monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
        return backend

    return use


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring, LockedKeyring]
)
def test_unusable_keyrings_degrade_without_error(backend, use_backend):
    use_backend(backend())
    store = KeyringStore()
    assert store.available is (backend is LockedKeyring)
    assert store.get("fp") is None
    assert store.set("fp", "secret") is False
    store.delete("fp")


def test_fail_backend_through_keyring_api(monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        assert isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)
        assert KeyringStore().get("fp") is None and KeyringStore().set("fp", "x") is False
    finally:
        keyring.core._keyring_backend = None  # monkeypatch restores the original


def test_plaintext_file_keyrings_are_not_used(use_backend):
    class PlaintextKeyring(DictKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    use_backend(PlaintextKeyring())
    assert KeyringStore().set("fp", "secret") is False


def test_working_keyring_round_trip(use_backend):
    backend = use_backend(DictKeyring())
    store = KeyringStore()
    assert store.available and store.set("fp", "口令") is True
    assert backend.items == {("reviewer-workstation", "identity:fp"): "口令"}
    assert store.get("fp") == "口令" and store.get("other") is None
    store.delete("fp")
    store.delete("fp")  # deleting twice is not an error
    assert store.get("fp") is None


def test_memory_store_exists_only_in_tests(monkeypatch):
    store = MemorySecretStore()
    store.set("fp", "x")
    assert store.get("fp") == "x"
    monkeypatch.delitem(sys.modules, "pytest")
    monkeypatch.delenv("REVIEWER_TESTING", raising=False)
    with pytest.raises(RuntimeError):
        MemorySecretStore()


def test_passphrase_file(tmp_path, english):
    path = tmp_path / "p"
    path.write_bytes("\ufeff口令 with spaces \r\n".encode())
    assert read_passphrase_file(path) == "口令 with spaces "
    path.write_bytes(b"line1\n\n")
    assert read_passphrase_file(path) == "line1\n"
    for content, reason in (
        (b"\n", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"x" * 5000, "too large"),
    ):
        path.write_bytes(content)
        with pytest.raises(PassphraseError, match=reason):
            read_passphrase_file(path)
    with pytest.raises(PassphraseError, match="cannot read"):
        read_passphrase_file(tmp_path / "missing")


def test_passphrase_order(tmp_path, english):
    path = tmp_path / "p"
    path.write_text("from file", encoding="utf-8")
    env = {"REVIEWER_PASSPHRASE": "from env"}
    assert obtain_passphrase(file=path, prompt="", environ=env) == "from file"
    assert obtain_passphrase(prompt="", environ=env, remembered=lambda: "kept") == "from env"
    assert obtain_passphrase(prompt="", environ={}, remembered=lambda: "kept") == "kept"
    with pytest.raises(PassphraseError, match="REVIEWER_PASSPHRASE"):
        obtain_passphrase(prompt="", environ={}, remembered=lambda: None, interactive=False)


def test_prompt_without_echo_and_confirmation(monkeypatch, english):
    answers = iter(["one", "two", "same", "same", ""])
    monkeypatch.setattr(pp.getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(PassphraseError, match="differ"):
        obtain_passphrase(prompt="? ", confirm=True, environ={}, interactive=True)
    assert obtain_passphrase(prompt="? ", confirm=True, environ={}, interactive=True) == "same"
    with pytest.raises(PassphraseError, match="empty"):
        obtain_passphrase(prompt="? ", environ={}, interactive=True)
