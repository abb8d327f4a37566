"""A seekable reader of age v1 files (X25519 recipients), any 64 KiB chunk on its own.

pyrage decrypts an age file from start to end only; a committee member seeking in a
2 GB video needs one chunk in the middle. The file stays a standard age file (the
``age`` CLI decrypts it); this module reads it the way the spec (age-encryption.org/v1)
allows: the header is parsed strictly and bounded, the file key is unwrapped from an
``X25519`` stanza with the reader's identity, the header MAC is checked, and then each
STREAM chunk is decrypted with ChaCha20-Poly1305 under the nonce ``counter || last``.

Which chunk is the last one follows from the ciphertext's size, and it alone is
decrypted with the last flag set: a file cut at a chunk boundary, or one with chunks
appended, fails authentication on its (new) final chunk. ``AgeFile.open`` checks that
final chunk at once, as the spec requires of a reader that seeks.

Nothing is written anywhere; plaintext only exists in the buffers handed back.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

CHUNK = 64 * 1024
TAG = 16
SEALED_CHUNK = CHUNK + TAG
NONCE = 16
# About 100 bytes an X25519 stanza: a megabyte is ten thousand recipients.
MAX_HEADER_BYTES = 1024 * 1024
_FIRST_READ = 4096

_VERSION_LINE = b"age-encryption.org/v1"
_X25519_INFO = b"age-encryption.org/v1/X25519"
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
_VCHAR = re.compile(rb"[\x21-\x7e]+")

ReadAt = Callable[[int, int], bytes]
"""``read_at(offset, n)``: ``n`` bytes of the file from ``offset`` (fewer only at its end)."""


class AgeError(ReviewerError):
    """An age file that cannot be read; ``str()`` is a translated line."""


class AgeHeaderError(AgeError):
    """The header breaks the format: not age v1, a malformed stanza, too large."""


class AgeNoIdentityError(AgeError):
    """No stanza of the header is addressed to any of the given identities."""


class AgeTruncatedError(AgeError):
    """The file ends inside its header or nonce, or its payload has a length no age
    encoder writes."""


class AgeAuthenticationError(AgeError):
    """The header MAC or a payload chunk does not authenticate; ``chunk`` says which
    chunk (``None`` for the header)."""

    def __init__(self, message: str, chunk: int | None = None):
        super().__init__(message)
        self.chunk = chunk


# -- identities (Bech32, BIP 173, without its length limit) ---------------------------

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: Sequence[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, g in enumerate(_GENERATOR):
            if (top >> i) & 1:
                check ^= g
    return check


def bech32_decode(text: str) -> tuple[str, bytes]:
    """``(hrp, data)`` of a Bech32 string (lower-case hrp); ``ValueError`` if invalid."""
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed case")
    text = text.lower()
    at = text.rfind("1")
    if at < 1 or at + 7 > len(text) or any(not 33 <= ord(c) <= 126 for c in text):
        raise ValueError("no separator, empty prefix or short checksum")
    hrp, part = text[:at], text[at + 1 :]
    if any(c not in _BECH32 for c in part):
        raise ValueError("not a Bech32 character")
    values = [_BECH32.index(c) for c in part]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    if _polymod(expanded + values) != 1:
        raise ValueError("bad checksum")
    acc, bits, out = 0, 0, bytearray()
    for value in values[:-6]:
        acc, bits = acc << 5 | value, bits + 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        raise ValueError("non-zero padding")
    return hrp, bytes(out)


@dataclass(frozen=True)
class AgeIdentity:
    """An X25519 identity: the private scalar and its public share (the recipient)."""

    private: X25519PrivateKey
    public: bytes

    @classmethod
    def from_str(cls, text: str) -> AgeIdentity:
        """From ``AGE-SECRET-KEY-1…`` (``str()`` of a pyrage identity)."""
        try:
            hrp, scalar = bech32_decode(text.strip())
        except ValueError:
            hrp, scalar = "", b""
        if hrp != "age-secret-key-" or len(scalar) != 32:
            raise AgeError(_("Not an age X25519 identity (AGE-SECRET-KEY-1…)."))
        private = X25519PrivateKey.from_private_bytes(scalar)
        return cls(private, private.public_key().public_bytes_raw())


def recipient_bytes(recipient: str) -> bytes:
    """The 32-byte public share of an ``age1…`` recipient."""
    try:
        hrp, share = bech32_decode(recipient.strip())
    except ValueError:
        hrp, share = "", b""
    if hrp != "age" or len(share) != 32:
        raise AgeError(_("Not an age X25519 recipient (age1…)."))
    return share


# -- the header -----------------------------------------------------------------------


@dataclass(frozen=True)
class Stanza:
    args: tuple[bytes, ...]
    body: bytes


@dataclass(frozen=True)
class AgeHeader:
    stanzas: tuple[Stanza, ...]
    mac: bytes
    # The bytes the MAC covers: the header up to and including "---".
    mac_input: bytes
    # The header's length with its MAC line: the payload starts here.
    length: int


def _malformed(detail: str) -> AgeHeaderError:
    return AgeHeaderError(_("The age header is malformed: {detail}.").format(detail=detail))


def _b64(text: bytes, what: str) -> bytes:
    """Canonical unpadded base64, as the spec demands (anything else is refused)."""
    if not _B64_CHARS.fullmatch(text) or len(text) % 4 == 1:
        raise _malformed(_("{what} is not base64").format(what=what))
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise _malformed(_("{what} is not base64").format(what=what)) from None
    if base64.b64encode(data).rstrip(b"=") != text:
        raise _malformed(_("{what} is not canonical base64").format(what=what))
    return data


def _header_bytes(read_at: ReadAt, size: int) -> bytes:
    """The header with its MAC line, read in growing pieces up to the cap."""
    data = b""
    want = min(_FIRST_READ, size)
    while True:
        if want > len(data):
            data += read_at(len(data), want - len(data))
        mark = data.find(b"\n--- ")
        end = data.find(b"\n", mark + 1) if mark >= 0 else -1
        if end >= 0:
            return data[: end + 1]
        if len(data) >= min(size, MAX_HEADER_BYTES) or len(data) < want:
            if len(data) >= MAX_HEADER_BYTES:
                raise _malformed(_("it is larger than {n} bytes").format(n=MAX_HEADER_BYTES))
            raise _malformed(_("it has no MAC line"))
        want = min(2 * want, size, MAX_HEADER_BYTES)


def parse_header(read_at: ReadAt, size: int) -> AgeHeader:
    """Read and check the header's grammar (not its MAC: that needs the file key)."""
    raw = _header_bytes(read_at, size)
    lines = raw[:-1].split(b"\n")
    if lines[0] != _VERSION_LINE:
        if lines[0].startswith(b"-----BEGIN AGE ENCRYPTED FILE-----"):
            raise _malformed(_("it is ASCII-armored, which packs never are"))
        raise _malformed(_("it is not an age v1 file"))
    stanzas: list[Stanza] = []
    i = 1
    while lines[i].startswith(b"-> "):
        args = tuple(lines[i][3:].split(b" "))
        if not all(_VCHAR.fullmatch(a) for a in args):
            raise _malformed(_("a stanza has an empty or invalid argument"))
        i += 1
        body_lines: list[bytes] = []
        while True:
            if i >= len(lines) - 1:
                raise _malformed(_("a stanza's body does not end"))
            line = lines[i]
            i += 1
            if len(line) > 64:
                raise _malformed(_("a stanza's body line is longer than 64 columns"))
            body_lines.append(line)
            if len(line) < 64:
                break
        stanzas.append(Stanza(args, _b64(b"".join(body_lines), _("a stanza's body"))))
    if not stanzas:
        raise _malformed(_("it has no recipient stanza"))
    if i != len(lines) - 1 or not lines[i].startswith(b"--- ") or len(lines[i]) != 4 + 43:
        raise _malformed(_("an unexpected line before its MAC"))
    mac = _b64(lines[i][4:], _("the MAC"))
    return AgeHeader(tuple(stanzas), mac, raw[: raw.rfind(b"\n--- ") + 4], len(raw))


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _unwrap(stanza: Stanza, identity: AgeIdentity) -> bytes | None:
    """The file key if this X25519 stanza is addressed to ``identity``, else ``None``."""
    if len(stanza.args) != 2:
        raise _malformed(_("an X25519 stanza does not have exactly one share"))
    share = _b64(stanza.args[1], _("an X25519 share"))
    if len(share) != 32:
        raise _malformed(_("an X25519 share is not 32 bytes"))
    if len(stanza.body) != 32:
        raise _malformed(_("an X25519 stanza's body is not 32 bytes"))
    try:
        shared = identity.private.exchange(X25519PublicKey.from_public_bytes(share))
    except ValueError:
        shared = bytes(32)  # a low-order share: OpenSSL refuses the all-zero result
    if shared == bytes(32):
        raise _malformed(_("an X25519 share is a low-order point"))
    key = _hkdf(shared, share + identity.public, _X25519_INFO)
    try:
        return ChaCha20Poly1305(key).decrypt(bytes(12), stanza.body, None)
    except InvalidTag:
        return None


def _file_key(header: AgeHeader, identities: Sequence[AgeIdentity]) -> bytes:
    for stanza in header.stanzas:
        # Other recipient types (scrypt, plugins, rage's grease) are not ours: skipped.
        if stanza.args[0] != b"X25519":
            continue
        for identity in identities:
            key = _unwrap(stanza, identity)
            if key is not None:
                return key
    raise AgeNoIdentityError(_("The age file is not encrypted to your key."))


_ZEROS = memoryview(bytes(1024 * 1024))


def wipe(buffer: bytearray) -> None:
    """Overwrite a plaintext buffer with zeros, in place (no allocation of its size)."""
    view = memoryview(buffer)
    for at in range(0, len(view), len(_ZEROS)):
        piece = view[at : at + len(_ZEROS)]
        piece[:] = _ZEROS[: len(piece)]
    view.release()


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class AgeFile:
    """An opened age file: header checked, file key unwrapped, final chunk verified.
    ``read_at`` must stay usable for as long as chunks are decrypted."""

    def __init__(self, read_at: ReadAt, size: int, header: AgeHeader, payload_key: bytes):
        self._read_at = read_at
        self.size = size
        self.header = header
        self._aead = ChaCha20Poly1305(payload_key)
        self._chunks_at = header.length + NONCE
        sealed = size - self._chunks_at
        full, rest = divmod(sealed, SEALED_CHUNK)
        # The final chunk is shorter than 64 KiB, or full; only an empty payload has an
        # empty one. Any other length cannot be what an age encoder wrote.
        if sealed < TAG or (rest and rest < TAG) or (rest == TAG and full):
            raise AgeTruncatedError(_("The age file is truncated or padded."))
        self.chunk_count = full + (1 if rest else 0)
        self.plaintext_size = full * CHUNK + (rest - TAG if rest else 0)

    @classmethod
    def open(
        cls,
        read_at: ReadAt,
        size: int,
        identities: Sequence[AgeIdentity],
        *,
        check_end: bool = True,
    ) -> AgeFile:
        header = parse_header(read_at, size)
        file_key = _file_key(header, identities)
        mac = hmac.new(_hkdf(file_key, b"", b"header"), header.mac_input, "sha256").digest()
        if not hmac.compare_digest(mac, header.mac):
            raise AgeAuthenticationError(_("The age header's MAC does not match."), None)
        nonce = read_at(header.length, NONCE)
        if len(nonce) != NONCE:
            raise AgeTruncatedError(_("The age file is truncated or padded."))
        opened = cls(read_at, size, header, _hkdf(file_key, nonce, b"payload"))
        if check_end:
            opened.check_end()
        return opened

    def check_end(self) -> None:
        """Decrypt the final chunk (with the last flag): the spec asks it of a reader
        that seeks, and it refuses a file cut at, or extended by, whole chunks."""
        wipe(self.decrypt_chunks(self.chunk_count - 1, 1))

    def decrypt_chunks(self, first: int, count: int, into: bytearray | None = None) -> bytearray:
        """Chunks ``first`` to ``first + count - 1``, decrypted into one buffer (one read
        of their ciphertext): ``into`` if given (a buffer of a block no longer needed,
        resized to fit), else a new one. ``AgeAuthenticationError`` names the first chunk
        that fails; the buffer is zeroed then."""
        if first < 0 or count < 1 or first + count > self.chunk_count:
            raise IndexError(f"chunks {first}+{count} outside 0..{self.chunk_count}")
        start = self._chunks_at + first * SEALED_CHUNK
        length = min(count * SEALED_CHUNK, self.size - start)
        sealed = memoryview(self._read_at(start, length))
        if len(sealed) != length:
            raise AgeTruncatedError(_("The age file is truncated or padded."))
        size = length - count * TAG
        if into is None:
            plain = bytearray(size)
        else:
            plain = into
            del plain[size:]
            plain.extend(bytes(size - len(plain)))
        out = memoryview(plain)
        last = self.chunk_count - 1
        for n in range(count):
            index = first + n
            piece = sealed[n * SEALED_CHUNK : (n + 1) * SEALED_CHUNK]
            try:
                self._aead.decrypt_into(
                    _chunk_nonce(index, index == last),
                    piece,
                    None,
                    out[n * CHUNK : n * CHUNK + len(piece) - TAG],
                )
            except InvalidTag:
                out.release()
                wipe(plain)
                raise AgeAuthenticationError(
                    _("Chunk {n} of the age file does not authenticate.").format(n=index + 1),
                    index,
                ) from None
        return plain

    def read_at(self, offset: int, n: int) -> bytes:
        """``n`` plaintext bytes from ``offset`` (fewer only at the end)."""
        if offset < 0 or n < 0:
            raise ValueError("negative offset or length")
        end = min(offset + n, self.plaintext_size)
        if offset >= end:
            return b""
        first, last = offset // CHUNK, (end - 1) // CHUNK
        plain = self.decrypt_chunks(first, last - first + 1)
        skip = offset - first * CHUNK
        with memoryview(plain) as view:
            result = bytes(view[skip : skip + end - offset])
        wipe(plain)
        return result


__all__ = [
    "CHUNK",
    "MAX_HEADER_BYTES",
    "AgeAuthenticationError",
    "AgeError",
    "AgeFile",
    "AgeHeader",
    "AgeHeaderError",
    "AgeIdentity",
    "AgeNoIdentityError",
    "AgeTruncatedError",
    "ReadAt",
    "Stanza",
    "bech32_decode",
    "parse_header",
    "recipient_bytes",
    "wipe",
]
