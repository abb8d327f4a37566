"""Secrets sealed under a passphrase at a fixed, bounded cost."""

from __future__ import annotations

import json

import pytest
from pyrage import passphrase as age_passphrase

from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.crypto.secret_file import DamagedSecret, open_sealed, seal

pytestmark = pytest.mark.usefixtures("english")


def test_round_trip_and_wrong_passphrase():
    sealed = seal(b"secret key", "口令 one", "reviewer identity")
    assert b"secret key" not in sealed
    assert open_sealed(sealed, "口令 one", "reviewer identity") == b"secret key"
    with pytest.raises(WrongPassphrase):
        open_sealed(sealed, "口令 two", "reviewer identity")


def test_a_key_file_cannot_pass_for_another_role():
    sealed = seal(b"k", "p", "session signing key")
    with pytest.raises(DamagedSecret, match="session signing key"):
        open_sealed(sealed, "p", "reviewer identity")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(ciphertext="!!"),
        lambda d: d.update(format_version=2),
        lambda d: d["kdf"].update(memory_kib=64 * 1024 * 1024),
        lambda d: d["kdf"].update(time_cost=10_000),
        lambda d: d.pop("nonce"),
    ],
)
def test_damaged_or_hostile_files_are_refused(change):
    doc = json.loads(seal(b"k", "p", "r"))
    change(doc)
    with pytest.raises(DamagedSecret):
        open_sealed(json.dumps(doc).encode(), "p", "r")


def test_not_json_at_all():
    with pytest.raises(DamagedSecret):
        open_sealed(b"\x00\x01garbage", "p", "r")


def test_files_from_the_age_era_are_still_read():
    old = age_passphrase.encrypt(b"old key", "p")
    assert open_sealed(old, "p", "r") == b"old key"
    with pytest.raises(WrongPassphrase):
        open_sealed(old, "q", "r")


def test_the_cost_is_fixed_not_calibrated():
    # age's scrypt calibrates to the encrypting machine (2^20, a GiB, here); a slower
    # laptop must be able to open what a fast one sealed.
    kdf = json.loads(seal(b"k", "p", "r"))["kdf"]
    assert (kdf["kdf"], kdf["memory_kib"], kdf["time_cost"]) == ("argon2id", 64 * 1024, 3)
