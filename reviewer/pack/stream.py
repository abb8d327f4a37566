"""One attachment read piece by piece: what a player seeking in a 2 GB video needs.

``AttachmentStream.read_at(offset, n)`` decrypts only the 4 MiB blocks (``BLOCK_SIZE``)
that hold the bytes asked for, and checks each block's SHA-256 against the signed
manifest before any byte of it is returned: age authenticates chunks with the file key,
which every co-recipient of the pack knows, so only the secretariat's signature over the
block hashes proves a block is the one the secretariat packed. A few blocks are kept in
memory (a player reads ahead and seeks back a little); nothing is written anywhere, and
``close()`` zeroes and drops every buffer.

An attachment of a format-1 pack has no block hashes: it is decrypted whole and checked
(``OpenedPack.read_attachment``), then served from memory.

The Qt player reads from FFmpeg's thread while the GUI thread may close the stream, so
every call takes the stream's lock; a read after ``close()`` raises
``AttachmentClosedError``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from types import TracebackType
from typing import Protocol

from reviewer.base.i18n import _
from reviewer.crypto.age_stream import (
    CHUNK,
    AgeAuthenticationError,
    AgeError,
    AgeFile,
    AgeHeaderError,
    AgeIdentity,
    AgeNoIdentityError,
    AgeTruncatedError,
    ReadAt,
    wipe,
)
from reviewer.pack.errors import AttachmentClosedError, AttachmentDamagedError, PackError
from reviewer.pack.manifest import BLOCK_SIZE, Attachment

CACHE_BLOCKS = 4
_CHUNKS_PER_BLOCK = BLOCK_SIZE // CHUNK


class _Blocks(Protocol):
    block_size: int

    def block(self, index: int, spare: bytearray | None) -> bytearray: ...

    def close(self) -> None: ...


class _Whole:
    """A format-1 attachment: the verified plaintext, one block of its whole size."""

    def __init__(self, plaintext: bytes):
        self._data: bytearray | None = bytearray(plaintext)
        self.block_size = max(1, len(plaintext))

    def block(self, index: int, spare: bytearray | None) -> bytearray:
        assert self._data is not None and index == 0
        return self._data

    def close(self) -> None:
        if self._data is not None:
            wipe(self._data)
        self._data = None


class _Sealed:
    """A format-2 attachment: its age file, decrypted one verified block at a time."""

    def __init__(self, attachment: Attachment, age: AgeFile):
        assert attachment.blocks is not None
        self._attachment = attachment
        self._hashes = attachment.blocks
        self._age: AgeFile | None = age
        self.block_size = BLOCK_SIZE

    def block(self, index: int, spare: bytearray | None) -> bytearray:
        """Block ``index``, decrypted into ``spare`` (an evicted block) if given."""
        assert self._age is not None
        name, count = self._attachment.name, len(self._hashes)
        first = index * _CHUNKS_PER_BLOCK
        chunks = min(_CHUNKS_PER_BLOCK, self._age.chunk_count - first)
        try:
            plain = self._age.decrypt_chunks(first, chunks, spare)
        except AgeAuthenticationError:
            raise AttachmentDamagedError(
                name,
                _("block {n} of {count} failed authentication").format(n=index + 1, count=count),
            ) from None
        except AgeTruncatedError:
            raise AttachmentDamagedError(name, _("truncated or padded")) from None
        except PackError:
            raise AttachmentDamagedError(name, _("the pack file is truncated")) from None
        except OSError as exc:
            raise AttachmentDamagedError(
                name,
                _("the pack file cannot be read: {error}").format(error=exc.strerror or exc),
            ) from None
        if hashlib.sha256(plain).hexdigest() != self._hashes[index]:
            wipe(plain)
            raise AttachmentDamagedError(
                name,
                _("block {n} of {count} does not match the signed manifest").format(
                    n=index + 1, count=count
                ),
            )
        return plain

    def close(self) -> None:
        self._age = None


class AttachmentStream:
    """Random access to one attachment's plaintext; ``size``, ``media_type`` and
    ``name`` from the manifest. Use ``open_attachment_stream`` of an opened pack."""

    def __init__(self, attachment: Attachment, blocks: _Blocks):
        self.size = attachment.size
        self.media_type = attachment.media_type
        self.name = attachment.name
        self.sha256 = attachment.sha256
        self._blocks = blocks
        self._cache: OrderedDict[int, bytearray] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def read_at(self, offset: int, n: int) -> bytes:
        """``n`` bytes from ``offset``, fewer only at the end (none from there on). Raises
        ``AttachmentDamagedError`` when a block needed fails its checks, and
        ``AttachmentClosedError`` after ``close()``."""
        if offset < 0 or n < 0:
            raise ValueError("negative offset or length")
        with self._lock:
            if self._closed:
                raise AttachmentClosedError(self.name)
            end = min(offset + n, self.size)
            if offset >= end:
                return b""
            size = self._blocks.block_size
            first, last = offset // size, (end - 1) // size
            if first == last:
                with memoryview(self._block(first)) as view:
                    return bytes(view[offset - first * size : end - first * size])
            out = bytearray(end - offset)
            for index in range(first, last + 1):
                start = max(offset, index * size)
                stop = min(end, (index + 1) * size)
                with memoryview(self._block(index)) as view:
                    out[start - offset : stop - offset] = view[
                        start - index * size : stop - index * size
                    ]
            result = bytes(out)
            wipe(out)  # the caller's copy is theirs; ours does not linger
            return result

    def _block(self, index: int) -> bytearray:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        # The oldest block's buffer, when the cache is full, takes the new one: no
        # allocation (and no page faults) per block while a video plays.
        spare = self._cache.popitem(last=False)[1] if len(self._cache) >= CACHE_BLOCKS else None
        try:
            block = self._blocks.block(index, spare)
        except BaseException:
            if spare is not None:
                wipe(spare)
            raise
        self._cache[index] = block
        return block

    def close(self) -> None:
        """Zero and drop every plaintext buffer; later reads raise. Idempotent."""
        with self._lock:
            self._closed = True
            for block in self._cache.values():
                wipe(block)
            self._cache.clear()
            self._blocks.close()

    def __enter__(self) -> AttachmentStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def whole_stream(attachment: Attachment, plaintext: bytes) -> AttachmentStream:
    """A stream over plaintext already verified whole (a format-1 attachment)."""
    return AttachmentStream(attachment, _Whole(plaintext))


def sealed_stream(
    attachment: Attachment, read_at: ReadAt, stored: int, identities: Sequence[AgeIdentity]
) -> AttachmentStream:
    """A stream over an attachment's age file (``stored`` bytes, read through
    ``read_at``), whose header, key and final chunk are checked here."""
    name = attachment.name
    try:
        age = AgeFile.open(read_at, stored, identities, check_end=False)
        if age.plaintext_size != attachment.size:
            raise AttachmentDamagedError(name, _("truncated or padded"))
        age.check_end()
    except AgeNoIdentityError:
        raise AttachmentDamagedError(name, _("it is not encrypted to your key")) from None
    except AgeHeaderError:
        raise AttachmentDamagedError(name, _("its encryption header is malformed")) from None
    except AgeTruncatedError:
        raise AttachmentDamagedError(name, _("truncated or padded")) from None
    except AgeAuthenticationError as exc:
        if exc.chunk is None:
            detail = _("its encryption header failed authentication")
        else:
            detail = _("its last chunk failed authentication")
        raise AttachmentDamagedError(name, detail) from None
    except AgeError:
        raise AttachmentDamagedError(name, _("it cannot be decrypted")) from None
    except AttachmentDamagedError:
        raise
    except PackError:
        raise AttachmentDamagedError(name, _("the pack file is truncated")) from None
    except OSError as exc:
        raise AttachmentDamagedError(
            name, _("the pack file cannot be read: {error}").format(error=exc.strerror or exc)
        ) from None
    return AttachmentStream(attachment, _Sealed(attachment, age))


__all__ = ["CACHE_BLOCKS", "AttachmentStream", "sealed_stream", "whole_stream"]
