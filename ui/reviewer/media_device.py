"""A QIODevice over a ``MediaStream``: what Qt Multimedia reads a work through.

Qt's FFmpeg backend reads the device from its own demuxing thread (``read`` and
``seek`` from there only), while the GUI thread may drop the work at any moment (a
lock, another material chosen). So every read takes the device's lock, and
``release()`` takes it too: after it returns, no read is in progress and none will
reach the stream again (``MediaPlayer.drop`` releases it, then stops Qt reading, then
closes it).

The device is opened ``Unbuffered``: QIODevice would otherwise read ahead into a
buffer of its own, and the plaintext in memory should be only what the stream holds.
Nothing is written anywhere.

A read the stream refuses (a block that fails its check: ``AttachmentDamagedError``)
yields no byte of that block, and the device serves nothing more: the player's
``failed`` handler is told once, on the GUI thread (the signal is queued to it), and
stops the playback. The refusal reaches FFmpeg as the end of the data (``atEnd``), not
as a read error: PySide6's ``readData`` binding turns anything but ``bytes`` into 0 and
cannot return -1, and Qt retries a read that returned 0 without end.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QIODevice, QObject, Signal

from ui.reviewer.media_stream import MediaStream


class StreamDevice(QIODevice):
    failed = Signal(object)  # the exception a read raised; once

    def __init__(self, stream: MediaStream, parent: QObject | None = None):
        super().__init__()
        if parent is not None:
            self.setParent(parent)
        self._stream: MediaStream | None = stream
        self._size = stream.size
        self._lock = threading.Lock()
        self.failure: Exception | None = None
        self.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)

    @property
    def released(self) -> bool:
        return self._stream is None

    def isSequential(self) -> bool:  # noqa: N802 (Qt name)
        return False

    def size(self) -> int:
        return self._size

    def atEnd(self) -> bool:  # noqa: N802 (Qt name)
        # Qt hands FFmpeg the end of the data only when this says so; a read returning
        # nothing is retried at once, for ever.
        return self._stream is None or self.failure is not None or super().atEnd()

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 (Qt name)
        with self._lock:
            if self._stream is None or self.failure is not None:
                return b""
            offset = self.pos()
            n = min(maxlen, self._size - offset)
            if n <= 0:
                return b""
            try:
                data = self._stream.read_at(offset, n)
            except Exception as exc:  # reported on the GUI thread, which decides
                self.failure = exc
            else:
                # PySide copies what is returned into Qt's buffer of ``maxlen`` bytes
                # unchecked: never more than that, and ``bytes`` (nothing else is taken).
                return bytes(data[:n])
        self.failed.emit(self.failure)  # outside the lock: a direct receiver may release
        return b""

    def writeData(self, _data: bytes | bytearray | memoryview, _len: int) -> int:  # noqa: N802
        return -1  # opened read-only: never called

    def release(self) -> None:
        """Forget the stream and close it: reads return nothing from now on. The device
        itself is closed by its user once Qt no longer reads it (``QIODevice.close``
        is not safe against a read in progress on another thread)."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
