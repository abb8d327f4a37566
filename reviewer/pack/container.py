"""The dossier pack's ZIP container, read as hostile input and written atomically.

A pack arrives on a USB stick from outside, so nothing in its ZIP structure is trusted.
``zipfile`` parses the central directory, and then everything it said is checked before
a byte is used: the member names against a fixed allow-list, STORED only, declared sizes
against per-member and total caps, every local header against its central entry, and
that no two members overlap (the classic ZIP bomb trick). Member data is then read with
our own bounds on our own file handle, never through sizes we did not check.

Members whose size passes 2 GiB (a long video's ciphertext) use the zip64 fields, which
``unzip`` reads; both the directory's and each local header's are checked.

Writing goes to a temporary file beside the destination and is renamed into place only
when complete, so a failed build never leaves a half pack under the real name. Only
ciphertext and public headers pass through here, so the temporary file holds nothing
confidential.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

from reviewer.base.i18n import _
from reviewer.pack.errors import (
    DuplicateMemberError,
    MissingMemberError,
    NotAPackError,
    PackBuildError,
    PackDamagedError,
    PackError,
    PackTooLargeError,
    UnsafeMemberError,
    UnsupportedPackError,
)

PACK_JSON = "pack.json"
MANIFEST = "manifest.json.age"
SIGNATURE = "manifest.json.sig"
REQUIRED_MEMBERS = (PACK_JSON, MANIFEST, SIGNATURE)
_ATTACHMENT = re.compile(r"files/([0-9a-f]{64})\.age")

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

MAX_ATTACHMENT_PLAINTEXT = 2 * GiB
# age adds a 16-byte tag per 64 KiB chunk (512 KiB at 2 GiB) plus a header of about
# 100 bytes per recipient; 4 MiB of slack covers thousands of recipients.
AGE_OVERHEAD_ALLOWANCE = 4 * MiB


_AGE_CHUNK = 64 * KiB


def age_payload_size(plaintext: int) -> int:
    """An age file's size after its header, for ``plaintext`` bytes: a 16-byte nonce,
    then 64 KiB chunks each with a 16-byte tag (an empty file has one, empty, chunk)."""
    chunks = max(1, -(-plaintext // _AGE_CHUNK))
    return 16 + plaintext + 16 * chunks


@dataclass(frozen=True)
class Limits:
    """Hard caps on what a pack may declare; a pack over any of them is refused."""

    pack_json: int = 64 * KiB
    manifest: int = 16 * MiB
    signature: int = 256 * KiB
    attachment: int = MAX_ATTACHMENT_PLAINTEXT + AGE_OVERHEAD_ALLOWANCE
    members: int = 10_000
    total: int = 64 * GiB
    # The central directory of 10,000 short names is well under 2 MiB.
    central_directory: int = 8 * MiB

    def member_cap(self, name: str) -> int:
        if name == PACK_JSON:
            return self.pack_json
        if name == MANIFEST:
            return self.manifest
        if name == SIGNATURE:
            return self.signature
        return self.attachment


DEFAULT_LIMITS = Limits()


def attachment_member(sha256: str) -> str:
    return f"files/{sha256}.age"


def attachment_sha256(member_name: str) -> str | None:
    match = _ATTACHMENT.fullmatch(member_name)
    return match.group(1) if match else None


def check_member_name(name: str) -> None:
    """Accept only the pack's own member names; say why any other name is refused."""
    if name in REQUIRED_MEMBERS or _ATTACHMENT.fullmatch(name):
        return
    shown = name.encode("unicode_escape").decode("ascii")[:200]
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        reason = _("an absolute path")
    elif "\\" in name:
        reason = _("a backslash in the name")
    elif ".." in re.split(r"[/\\]", name):
        reason = _("a path that climbs out of its folder ('..')")
    elif "\x00" in name or any(ord(c) < 32 for c in name):
        reason = _("control characters in the name")
    else:
        reason = _("not a member a pack may contain")
    raise UnsafeMemberError(
        _("Refused pack member {name!r}: {reason}.").format(name=shown, reason=reason)
    )


@dataclass(frozen=True)
class Member:
    name: str
    data_offset: int
    size: int
    crc32: int


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EXTRA = 0x0001
_ZIP64_SIZE = 0xFFFFFFFF
_DATA_DESCRIPTOR = 0x08
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    KeyError,
    IndexError,
    OverflowError,
)


def _zip64_sizes(extra: bytes) -> tuple[int, int] | None:
    """(uncompressed, compressed) from a local header's zip64 extra field, which must
    carry both; ``None`` if it is missing or malformed."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) != length:
            return None
        if kind == _ZIP64_EXTRA:
            return struct.unpack_from("<2Q", body) if length >= 16 else None
        at += 4 + length
    return None


def _not_a_pack() -> NotAPackError:
    return NotAPackError(
        _("Not a dossier pack: the file is not a ZIP archive, or it is truncated.")
    )


def _directory_size(fh: BinaryIO, file_size: int) -> tuple[int, int]:
    """(entries, bytes) the central directory claims, read before zipfile trusts them."""
    tail_len = min(file_size, _EOCD.size + 65535)
    fh.seek(file_size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < _EOCD.size:
        raise _not_a_pack()
    _sig, _disk, _cd_disk, _here, entries, cd_size, _cd_off, _comment = _EOCD.unpack_from(tail, at)
    eocd_pos = file_size - tail_len + at
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator_pos = eocd_pos - _ZIP64_LOCATOR.size
        if locator_pos < 0:
            raise _not_a_pack()
        fh.seek(locator_pos)
        sig, _disk, zip64_pos, _disks = _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))
        if sig != b"PK\x06\x07" or zip64_pos + _ZIP64_EOCD.size > file_size:
            raise _not_a_pack()
        fh.seek(zip64_pos)
        fields = _ZIP64_EOCD.unpack(fh.read(_ZIP64_EOCD.size))
        if fields[0] != b"PK\x06\x06":
            raise _not_a_pack()
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


class _MemberRaw(io.RawIOBase):
    """One member's bytes, within the bounds checked at open, from the shared handle."""

    def __init__(self, fh: io.BufferedReader, lock: threading.Lock, member: Member):
        super().__init__()
        self._fh, self._lock, self._member = fh, lock, member
        self._next = member.data_offset
        self._left = member.size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._left)
        if want == 0:
            return 0
        view = memoryview(buffer).cast("B")[:want]
        with self._lock:
            self._fh.seek(self._next)
            got = self._fh.readinto(view)
        if got != want:
            raise PackDamagedError(
                _("The pack is truncated: member {name} ends early.").format(name=self._member.name)
            )
        self._next += got
        self._left -= got
        return got


# pyrage reads 8 KiB at a time; a C-level buffer in front of the member serves those
# without a Python call each, and refills with one seek and read per block.
STREAM_BUFFER = 1024 * 1024


def member_stream(
    fh: io.BufferedReader, lock: threading.Lock, member: Member, buffer_size: int = STREAM_BUFFER
) -> io.BufferedReader:
    return io.BufferedReader(_MemberRaw(fh, lock, member), buffer_size=buffer_size)


class PackReader:
    """A validated pack container: open it, then read members by name."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS):
        self.path = Path(path)
        self.limits = limits
        self._lock = threading.Lock()
        try:
            self._fh: io.BufferedReader = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise NotAPackError(
                _("Cannot read the pack {path}: {error}").format(
                    path=self.path, error=exc.strerror or exc
                )
            ) from None
        try:
            self.members: Mapping[str, Member] = self._validate()
        except BaseException:
            self._fh.close()
            raise

    # -- validation -------------------------------------------------------------------

    def _validate(self) -> dict[str, Member]:
        limits = self.limits
        try:
            file_size = os.fstat(self._fh.fileno()).st_size
            entries, cd_size = _directory_size(self._fh, file_size)
        except PackError:
            raise
        except _ZIP_ERRORS:
            raise _not_a_pack() from None
        if entries > limits.members:
            raise PackTooLargeError(
                _("The pack has {n} members; at most {limit} are allowed.").format(
                    n=entries, limit=limits.members
                )
            )
        if cd_size > limits.central_directory or cd_size > file_size:
            raise PackTooLargeError(_("The pack's ZIP directory is implausibly large."))
        try:
            self._fh.seek(0)
            with zipfile.ZipFile(self._fh) as archive:
                infos = archive.infolist()
                directory_start = getattr(archive, "start_dir", file_size)
        except _ZIP_ERRORS:
            raise _not_a_pack() from None
        if len(infos) > limits.members:
            raise PackTooLargeError(
                _("The pack has {n} members; at most {limit} are allowed.").format(
                    n=len(infos), limit=limits.members
                )
            )

        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.orig_filename
            check_member_name(name)
            if name in seen:
                raise DuplicateMemberError(
                    _("The pack contains member {name} twice.").format(name=name)
                )
            seen.add(name)
            if info.flag_bits & 0x1:
                raise UnsupportedPackError(
                    _("Pack member {name} uses ZIP encryption, which packs never do.").format(
                        name=name
                    )
                )
            if info.compress_type != zipfile.ZIP_STORED:
                raise UnsupportedPackError(
                    _("Pack member {name} is compressed; pack members must be stored.").format(
                        name=name
                    )
                )
            if info.file_size != info.compress_size:
                raise PackDamagedError(
                    _("Pack member {name} declares two different sizes.").format(name=name)
                )
            cap = limits.member_cap(name)
            if info.compress_size > cap:
                raise PackTooLargeError(
                    _("Pack member {name} is {size} bytes; the limit is {limit}.").format(
                        name=name, size=info.compress_size, limit=cap
                    )
                )
            total += info.compress_size
            if total > limits.total:
                raise PackTooLargeError(
                    _("The pack's members add up to more than {limit} bytes.").format(
                        limit=limits.total
                    )
                )
        for name in REQUIRED_MEMBERS:
            if name not in seen:
                raise MissingMemberError(
                    _("The pack has no {name}; it is incomplete or not a dossier pack.").format(
                        name=name
                    )
                )

        members: dict[str, Member] = {}
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for index, info in enumerate(ordered):
            start = self._local_data_start(info, file_size)
            end = start + info.compress_size
            limit = (
                ordered[index + 1].header_offset if index + 1 < len(ordered) else directory_start
            )
            if end > limit or end > file_size:
                raise PackDamagedError(
                    _("Pack member {name} overlaps another member or runs past the end.").format(
                        name=info.orig_filename
                    )
                )
            members[info.orig_filename] = Member(
                info.orig_filename, start, info.compress_size, info.CRC
            )
        return members

    def _local_data_start(self, info: zipfile.ZipInfo, file_size: int) -> int:
        """Where the member's data starts, after checking its local header says what the
        central directory says: name, method, and (without a data descriptor) CRC and
        sizes, through the zip64 extra field where a size does not fit in 32 bits."""
        damaged = PackDamagedError(
            _("The local header of pack member {name} is damaged.").format(name=info.orig_filename)
        )
        if info.header_offset < 0 or info.header_offset + _LOCAL_HEADER.size > file_size:
            raise damaged
        self._fh.seek(info.header_offset)
        raw = self._fh.read(_LOCAL_HEADER.size)
        if len(raw) != _LOCAL_HEADER.size:
            raise damaged
        fields = _LOCAL_HEADER.unpack(raw)
        signature, flags, method, crc = fields[0], fields[3], fields[4], fields[7]
        compressed, uncompressed, name_len, extra_len = fields[8:12]
        if signature != _LOCAL_SIGNATURE or method != zipfile.ZIP_STORED:
            raise damaged
        local_name = self._fh.read(name_len)
        extra = self._fh.read(extra_len)
        if local_name != info.orig_filename.encode("ascii") or len(extra) != extra_len:
            raise damaged
        if not flags & _DATA_DESCRIPTOR:
            if _ZIP64_SIZE in (compressed, uncompressed):
                sizes = _zip64_sizes(extra)
                if sizes is None:
                    raise damaged
                uncompressed, compressed = sizes
            if (crc, compressed, uncompressed) != (info.CRC, info.compress_size, info.file_size):
                raise damaged
        return info.header_offset + _LOCAL_HEADER.size + name_len + extra_len

    # -- reading ----------------------------------------------------------------------

    @property
    def attachment_hashes(self) -> set[str]:
        return {h for h in (attachment_sha256(n) for n in self.members) if h}

    def size(self, name: str) -> int:
        return self._member(name).size

    def _member(self, name: str) -> Member:
        member = self.members.get(name)
        if member is None:
            raise MissingMemberError(_("The pack has no member {name}.").format(name=name))
        return member

    def read(self, name: str) -> bytes:
        """A small member's bytes, CRC-checked; for the header, manifest and signature."""
        member = self._member(name)
        with self._lock:
            self._fh.seek(member.data_offset)
            data = self._fh.read(member.size)
        if len(data) != member.size:
            raise PackDamagedError(
                _("The pack is truncated: member {name} ends early.").format(name=name)
            )
        if zlib.crc32(data) != member.crc32:
            raise PackDamagedError(
                _("Pack member {name} is damaged (CRC mismatch).").format(name=name)
            )
        return data

    def read_member_range(self, name: str, offset: int, n: int) -> bytes:
        """``n`` bytes of a member from ``offset``, fewer only at the member's end: random
        access for the seekable attachment reader, within the bounds checked at open."""
        member = self._member(name)
        if offset < 0 or n < 0:
            raise ValueError("negative offset or length")
        n = max(0, min(n, member.size - offset))
        with self._lock:
            self._fh.seek(member.data_offset + offset)
            data = self._fh.read(n)
        if len(data) != n:
            raise PackDamagedError(
                _("The pack is truncated: member {name} ends early.").format(name=name)
            )
        return data

    def open_stream(self, name: str, buffer_size: int = STREAM_BUFFER) -> io.BufferedReader:
        return member_stream(self._fh, self._lock, self._member(name), buffer_size)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> PackReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PackWriter:
    """Writes a stored ZIP under a temporary name and renames it into place on commit.

    Use as a context manager; leaving the block without ``commit()`` (or by an
    exception) removes the temporary file.
    """

    def __init__(self, dest: Path):
        self.dest = Path(dest)
        self._names: set[str] = set()
        self._committed = False
        folder = self.dest.parent
        if not folder.is_dir():
            raise PackBuildError(
                _("The output folder {folder} does not exist.").format(folder=folder)
            )
        try:
            handle, temp = tempfile.mkstemp(
                prefix=f".{self.dest.name}.", suffix=".partial", dir=folder
            )
        except OSError as exc:
            raise PackBuildError(
                _("Cannot write in {folder}: {error}").format(
                    folder=folder, error=exc.strerror or exc
                )
            ) from None
        self.temp_path = Path(temp)
        self._fh: IO[bytes] = os.fdopen(handle, "w+b")
        self._zip = zipfile.ZipFile(self._fh, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._stamp = time.gmtime()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        check_member_name(name)
        if name in self._names:
            raise PackBuildError(_("Pack member {name} written twice.").format(name=name))
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self._zip.writestr(self._info(name), data)

    @contextlib.contextmanager
    def member(self, name: str, size_bound: int = 0) -> Iterator[IO[bytes]]:
        """A writable stream for a large member (an attachment being encrypted) of at most
        ``size_bound`` bytes. The size is known only at the end, after the local header
        is written; one that may pass 2 GiB gets zip64 fields from the start, which
        zipfile cannot add afterwards."""
        zip64 = size_bound > zipfile.ZIP64_LIMIT
        with self._zip.open(self._info(name), "w", force_zip64=zip64) as out:
            yield out

    def commit(self) -> Path:
        self._zip.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.temp_path, self.dest)
        self._committed = True
        return self.dest

    def abort(self) -> None:
        if self._committed:
            return
        with contextlib.suppress(Exception):
            self._zip.close()
        with contextlib.suppress(Exception):
            self._fh.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp_path.unlink()

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.abort()
