"""What the player reads a work from.

``MediaStream`` is the shape of ``reviewer.pack.stream.AttachmentStream``: one
attachment's plaintext, read piece by piece (``read_at``) from FFmpeg's thread, each
piece decrypted and checked before it is returned; ``read_at`` raises
``reviewer.pack.errors.AttachmentDamagedError`` for a piece that fails its check.

``DecryptedAttachment`` serves an attachment the station has already decrypted and
checked whole (``Workstation.attachment``) from memory, in the same shape, so that the
player has one way in whichever way the attachment was decrypted.
"""

from __future__ import annotations

import threading
from typing import Protocol


def is_media(media_type: str) -> bool:
    """Whether the player shows it (audio and video), rather than the document viewer."""
    return media_type.startswith(("audio/", "video/"))


class MediaStream(Protocol):
    size: int
    media_type: str
    name: str

    def read_at(self, offset: int, n: int) -> bytes:
        """``n`` bytes from ``offset``, fewer only at the end; thread-safe."""
        ...

    def close(self) -> None:
        """Drop the plaintext; later reads fail. Idempotent."""
        ...


class DecryptedAttachment:
    """A whole decrypted attachment in memory, read as a ``MediaStream``."""

    def __init__(self, data: bytes, media_type: str, name: str):
        self.size = len(data)
        self.media_type = media_type
        self.name = name
        self._data: bytes | None = data
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._data is None

    def read_at(self, offset: int, n: int) -> bytes:
        if offset < 0 or n < 0:
            raise ValueError("negative offset or length")
        with self._lock:
            if self._data is None:
                raise ValueError("read after close")
            return self._data[offset : offset + n]

    def close(self) -> None:
        with self._lock:
            self._data = None
