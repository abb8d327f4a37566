"""The seekable age reader: what pyrage and the age CLI write, it reads at any offset;
anything changed in the header, its MAC or a chunk, or cut or extended, is refused."""

from __future__ import annotations

import base64
import os
import random
import shutil
import subprocess

import pyrage
import pytest

from reviewer.crypto.age_stream import (
    CHUNK,
    MAX_HEADER_BYTES,
    AgeAuthenticationError,
    AgeError,
    AgeFile,
    AgeHeaderError,
    AgeIdentity,
    AgeNoIdentityError,
    AgeTruncatedError,
    bech32_decode,
    recipient_bytes,
    wipe,
)

SEALED = CHUNK + 16
needs_age = pytest.mark.skipif(shutil.which("age") is None, reason="the age CLI is not installed")


@pytest.fixture(scope="module")
def me() -> pyrage.x25519.Identity:
    return pyrage.x25519.Identity.generate()


def age_file(data: bytes, identity: pyrage.x25519.Identity, **kw) -> AgeFile:
    return AgeFile.open(
        lambda offset, n: data[offset : offset + n],
        len(data),
        [AgeIdentity.from_str(str(identity))],
        **kw,
    )


def encrypt(plain: bytes, *identities: pyrage.x25519.Identity) -> bytes:
    return pyrage.encrypt(plain, [i.to_public() for i in identities])


def split(ct: bytes) -> tuple[bytes, bytes]:
    """(header with its MAC line, payload)."""
    end = ct.index(b"\n", ct.index(b"\n--- ") + 1) + 1
    return ct[:end], ct[end:]


def check_random_reads(reader: AgeFile, plain: bytes, rounds: int = 40, seed: int = 7) -> None:
    rng = random.Random(seed)
    assert reader.plaintext_size == len(plain)
    assert reader.read_at(0, len(plain) + 10) == plain
    for _ in range(rounds):
        offset = rng.randrange(0, len(plain) + 2)
        n = rng.choice([0, 1, 17, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
        assert reader.read_at(offset, n) == plain[offset : offset + n]


# -- Bech32 and keys -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "A12UEL5L",
        "a12uel5l",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        # Longer than BIP 173's 90 characters: age has no limit.
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    ],
)
def test_bech32_valid_vectors(text):
    bech32_decode(text)


@pytest.mark.parametrize(
    "text",
    [
        "pzry9x0s0muk",  # no separator
        "1pzry9x0s0muk",  # empty prefix
        "x1b4n0q5v",  # invalid data character
        "li1dgmt3",  # checksum too short
        "A1G7SGD8",  # checksum over the upper-case prefix
        "A12uEL5L",  # mixed case
        "a12uel5m",  # wrong checksum
        "de1lg7wt\xff",  # not ASCII
    ],
)
def test_bech32_invalid_vectors(text):
    with pytest.raises(ValueError):
        bech32_decode(text)


def test_identities_decode_to_the_key_of_their_recipient():
    for _ in range(20):
        identity = pyrage.x25519.Identity.generate()
        decoded = AgeIdentity.from_str(str(identity))
        assert decoded.public == recipient_bytes(str(identity.to_public()))


@pytest.mark.parametrize(
    "text",
    ["", "age1qqqq", "AGE-SECRET-KEY-1", "AGE-SECRET-KEY-1" + "Q" * 58 + "X", "not a key"],
)
def test_a_non_identity_is_refused(text):
    with pytest.raises(AgeError):
        AgeIdentity.from_str(text)


def test_a_recipient_is_not_an_identity(me):
    with pytest.raises(AgeError):
        AgeIdentity.from_str(str(me.to_public()))
    with pytest.raises(AgeError):
        recipient_bytes(str(me))


def test_wipe_zeroes_in_place():
    buffer = bytearray(os.urandom(3 * 1024 * 1024 + 5))
    wipe(buffer)
    assert len(buffer) == 3 * 1024 * 1024 + 5 and not any(buffer)


def test_decrypting_into_a_spare_buffer_of_another_length(me):
    plain = os.urandom(3 * CHUNK + 10)
    reader = age_file(encrypt(plain, me), me)
    spare = bytearray(b"x" * 5)
    assert reader.decrypt_chunks(0, 2, spare) is spare and spare == plain[: 2 * CHUNK]
    assert reader.decrypt_chunks(3, 1, spare) is spare and spare == plain[3 * CHUNK :]


# -- interoperability ----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 1_000_003])
def test_files_pyrage_writes_read_the_same_at_any_offset(me, size):
    plain = os.urandom(size)
    other = pyrage.x25519.Identity.generate()
    ct = encrypt(plain, other, me)  # ours is not the first stanza; rage adds grease too
    reader = age_file(ct, me)
    assert reader.chunk_count == max(1, -(-size // CHUNK))
    check_random_reads(reader, plain)


@needs_age
@pytest.mark.parametrize("size", [0, 5, CHUNK, 2 * CHUNK + 3, 700_001])
def test_files_the_age_cli_writes_read_the_same_at_any_offset(tmp_path, me, size):
    plain = os.urandom(size)
    (tmp_path / "plain").write_bytes(plain)
    result = subprocess.run(
        ["age", "-r", str(me.to_public()), "-o", str(tmp_path / "x.age"), str(tmp_path / "plain")],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    check_random_reads(age_file((tmp_path / "x.age").read_bytes(), me), plain)


@needs_age
def test_identities_age_keygen_writes_are_read(tmp_path):
    subprocess.run(["age-keygen", "-o", str(tmp_path / "key.txt")], capture_output=True, check=True)
    secret = next(
        line
        for line in (tmp_path / "key.txt").read_text().splitlines()
        if line.startswith("AGE-SECRET-KEY-1")
    )
    identity = pyrage.x25519.Identity.from_str(secret)
    plain = os.urandom(CHUNK * 2 + 9)
    check_random_reads(age_file(encrypt(plain, identity), identity), plain)


def test_many_recipients(me):
    others = [pyrage.x25519.Identity.generate() for _ in range(300)]
    plain = os.urandom(1000)
    assert age_file(encrypt(plain, *others, me), me).read_at(0, 2000) == plain


# -- refusals ------------------------------------------------------------------------


def test_not_encrypted_to_me(me):
    ct = encrypt(b"secret", pyrage.x25519.Identity.generate())
    with pytest.raises(AgeNoIdentityError):
        age_file(ct, me)


def test_every_flipped_header_byte_is_refused(me):
    ct = encrypt(os.urandom(3 * CHUNK + 100), me)
    header, _ = split(ct)
    for at in range(len(header) + 16):  # the header and the payload nonce
        for bit in (0x01, 0x80):
            bad = bytearray(ct)
            bad[at] ^= bit
            with pytest.raises(AgeError):
                age_file(bytes(bad), me)


def test_a_changed_stanza_that_is_not_mine_fails_the_mac(me):
    ct = encrypt(b"x" * 100, me)
    header, payload = split(ct)
    lines = header.split(b"\n")
    grease = next(i for i, line in enumerate(lines) if b"-grease" in line)
    lines[grease] = b"-> other-grease arg"
    with pytest.raises(AgeAuthenticationError) as info:
        age_file(b"\n".join(lines) + payload, me)
    assert info.value.chunk is None


def test_a_wrong_mac_is_refused(me):
    ct = encrypt(b"x" * 100, me)
    header, payload = split(ct)
    forged = header[: header.rindex(b"--- ") + 4] + base64.b64encode(bytes(32)).rstrip(b"=")
    with pytest.raises(AgeAuthenticationError):
        age_file(forged + b"\n" + payload, me)


def test_a_flipped_byte_in_any_chunk_names_that_chunk(me):
    plain = os.urandom(4 * CHUNK + 1234)
    ct = encrypt(plain, me)
    header, _ = split(ct)
    start = len(header) + 16
    rng = random.Random(3)
    for chunk in range(5):
        length = min(SEALED, len(ct) - start - chunk * SEALED)
        bad = bytearray(ct)
        bad[start + chunk * SEALED + rng.randrange(length)] ^= 1 << rng.randrange(8)
        if chunk == 4:  # the final chunk is checked on opening
            with pytest.raises(AgeAuthenticationError) as info:
                age_file(bytes(bad), me)
        else:
            reader = age_file(bytes(bad), me)
            with pytest.raises(AgeAuthenticationError) as info:
                reader.read_at(chunk * CHUNK + 5, 1)
            # The other chunks still read.
            other = (chunk + 1) % 4
            assert reader.read_at(other * CHUNK, 10) == plain[other * CHUNK : other * CHUNK + 10]
        assert info.value.chunk == chunk


@pytest.mark.parametrize("chunks", [1, 2, 3])
def test_cut_at_a_chunk_boundary_is_refused(me, chunks):
    ct = encrypt(os.urandom(3 * CHUNK + 10), me)
    header, _ = split(ct)
    cut = ct[: len(header) + 16 + chunks * SEALED]
    with pytest.raises(AgeAuthenticationError):
        age_file(cut, me)


@pytest.mark.parametrize("cut", [1, 15, 16, 17, 1000, SEALED])
def test_truncated_anywhere_is_refused(me, cut):
    ct = encrypt(os.urandom(2 * CHUNK + 100), me)
    with pytest.raises((AgeAuthenticationError, AgeTruncatedError)):
        age_file(ct[:-cut], me)


def test_cut_inside_the_header_or_nonce_is_refused(me):
    ct = encrypt(b"abc", me)
    header, _ = split(ct)
    for end in (0, 10, len(header) - 1, len(header), len(header) + 15, len(header) + 31):
        with pytest.raises(AgeError):
            age_file(ct[:end], me)


def test_extended_files_are_refused(me):
    ct = encrypt(os.urandom(2 * CHUNK), me)  # two full chunks, the second one final
    header, _ = split(ct)
    first_chunk = ct[len(header) + 16 : len(header) + 16 + SEALED]
    for extra in (b"\x00", os.urandom(17), first_chunk, ct[-SEALED:]):
        with pytest.raises((AgeAuthenticationError, AgeTruncatedError)):
            age_file(ct + extra, me)


def test_an_empty_final_chunk_after_full_ones_is_refused(me):
    # What a sloppy encoder might write: age forbids it, so the length alone refuses it.
    ct = encrypt(os.urandom(CHUNK), me)
    with pytest.raises(AgeTruncatedError):
        age_file(ct + os.urandom(16), me)


def _with_header_lines(ct: bytes, edit) -> bytes:
    header, payload = split(ct)
    lines = header[:-1].split(b"\n")
    edit(lines)
    return b"\n".join(lines) + b"\n" + payload


def _mine(lines: list[bytes], share: bytes) -> int:
    return next(i for i, line in enumerate(lines) if line == b"-> X25519 " + share)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda ls, i: ls.__setitem__(0, b"age-encryption.org/v2"), id="version"),
        pytest.param(lambda ls, i: ls.__setitem__(i, ls[i] + b" extra"), id="three-args"),
        pytest.param(lambda ls, i: ls.__setitem__(i, b"-> X25519"), id="no-share"),
        pytest.param(lambda ls, i: ls.__setitem__(i, ls[i] + b"="), id="padded-share"),
        pytest.param(lambda ls, i: ls.__setitem__(i, ls[i][:-1]), id="short-share"),
        pytest.param(lambda ls, i: ls.__setitem__(i, ls[i] + b"  "), id="empty-arg"),
        pytest.param(lambda ls, i: ls.__setitem__(i + 1, ls[i + 1][:-2]), id="short-body"),
        pytest.param(lambda ls, i: ls.__setitem__(i + 1, b"*" + ls[i + 1][1:]), id="body-char"),
        pytest.param(lambda ls, i: ls.__setitem__(i + 1, b"A" * 65), id="long-line"),
        pytest.param(
            lambda ls, i: ls.__setitem__(i, b"-> X25519 " + b"A" * 43), id="low-order-share"
        ),
        pytest.param(lambda ls, i: ls.insert(i, b"garbage line"), id="garbage"),
        pytest.param(lambda ls, i: ls.__setitem__(-1, ls[-1] + b"A"), id="long-mac"),
        pytest.param(lambda ls, i: ls.__setitem__(-1, ls[-1][:-1] + b"="), id="padded-mac"),
    ],
)
def test_malformed_headers_are_refused(me, edit):
    ct = encrypt(b"payload", me)
    header, _ = split(ct)
    share = header.split(b"\n")[1].split(b" ")[2]
    assert header.split(b"\n")[1] == b"-> X25519 " + share
    bad = _with_header_lines(ct, lambda lines: edit(lines, _mine(lines, share)))
    with pytest.raises(AgeHeaderError):
        age_file(bad, me)


def test_non_canonical_base64_is_refused(me, english):
    ct = encrypt(b"payload", me)
    header, _ = split(ct)
    share_line = header.split(b"\n")[1]
    share = share_line.split(b" ")[2]
    # The 43rd character of a 32-byte value carries 2 padding bits, which must be zero.
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(share[-1:])
    twisted = share[:-1] + alphabet[last | 1 : (last | 1) + 1]
    if twisted == share:
        twisted = share[:-1] + alphabet[last & ~1 : (last & ~1) + 1]
    bad = ct.replace(share_line, b"-> X25519 " + twisted, 1)
    with pytest.raises(AgeHeaderError, match="canonical"):
        age_file(bad, me)


def test_armored_files_are_refused(me):
    armored = pyrage.encrypt(b"x", [me.to_public()], armored=True)
    with pytest.raises(AgeHeaderError):
        age_file(armored, me)


def test_a_header_without_end_is_refused_at_the_cap(me):
    calls = []
    endless = b"age-encryption.org/v1\n" + b"-> grease\n" + b"A" * 64 * 20_000

    def read_at(offset: int, n: int) -> bytes:
        calls.append(n)
        return endless[offset : offset + n]

    with pytest.raises(AgeHeaderError):
        AgeFile.open(read_at, len(endless), [AgeIdentity.from_str(str(me))])
    assert sum(calls) <= MAX_HEADER_BYTES


def test_no_stanza_is_refused(me):
    with pytest.raises(AgeHeaderError):
        age_file(b"age-encryption.org/v1\n--- " + b"A" * 43 + b"\n" + bytes(40), me)
