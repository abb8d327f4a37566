"""The player: time from choosing a work to its first frame (a recording: its first
sound), read through the stream device, against Qt reading the same bytes from a QBuffer
(C++ only, no Python on FFmpeg's thread: the floor).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_player [--runs 5]

Every work of tests/data/media; the median of ``--runs`` per work and source. Target: the
device within 1.5x of the floor, and under 300 ms to the first frame.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QTimer, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QApplication

from ui.reviewer.media_player import MediaPlayer, source_url
from ui.reviewer.media_stream import DecryptedAttachment

MEDIA = Path(__file__).resolve().parent.parent / "tests" / "data" / "media"
TYPES = {
    "h264_aac.mp4": "video/mp4",
    "hevc_aac.mp4": "video/mp4",
    "h264_aac.mov": "video/quicktime",
    "h264_aac.mkv": "video/x-matroska",
    "h264_aac.ts": "video/mp2t",
    "tone.mp3": "audio/mpeg",
    "tone.wav": "audio/wav",
}


def _wait(signal, timeout_ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def through_device(player: MediaPlayer, data: bytes, media_type: str) -> float:
    started = time.perf_counter()
    player.play_stream(DecryptedAttachment(data, media_type, "work"))
    _wait(player.displayed)
    took = time.perf_counter() - started
    player.drop()
    return took


def through_buffer(player: MediaPlayer, data: bytes, media_type: str) -> float:
    """The floor: the same bytes, the same video item, read by Qt from a QBuffer."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    qt = QMediaPlayer()
    audio = QAudioOutput(qt)
    qt.setAudioOutput(audio)
    qt.setVideoOutput(player.view.video)
    sink = player.view.video.videoSink()
    loop = QEventLoop()
    video = media_type.startswith("video/")

    def frame(f) -> None:
        if f.isValid():
            loop.quit()

    def position(ms: int) -> None:
        if not video and ms > 0:
            loop.quit()

    sink.videoFrameChanged.connect(frame)
    qt.positionChanged.connect(position)
    QTimer.singleShot(10_000, loop.quit)
    started = time.perf_counter()
    qt.setSourceDevice(buffer, source_url(media_type))
    qt.play()
    loop.exec()
    took = time.perf_counter() - started
    sink.videoFrameChanged.disconnect(frame)
    qt.stop()
    qt.setSource(QUrl())
    qt.deleteLater()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    player = MediaPlayer("benchmark")
    player.resize(640, 400)
    player.show()
    print(f"{'work':<14} {'device ms':>10} {'QBuffer ms':>11} {'ratio':>6}")
    ratios = []
    for file, media_type in TYPES.items():
        data = (MEDIA / file).read_bytes()
        device, floor = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine
            device.append(through_device(player, data, media_type))
            floor.append(through_buffer(player, data, media_type))
            app.processEvents()
        d, f = statistics.median(device) * 1000, statistics.median(floor) * 1000
        ratios.append(d / f)
        print(f"{file:<14} {d:>10.0f} {f:>11.0f} {d / f:>6.2f}")
    print(f"median ratio device/QBuffer: {statistics.median(ratios):.2f} (target <= 1.5)")
    player.drop()


if __name__ == "__main__":
    main()
