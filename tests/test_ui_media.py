"""The player for audiovisual works, driven with real key events, headless: every
container and codec of tests/data/media played through the stream device, seeking, the
keys, a damaged stream mid-play, the watched spans, the lock, the audit record."""

from __future__ import annotations

import io
import threading
import wave
from pathlib import Path

import pytest
from PySide6.QtCore import QIODevice, Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QApplication

from reviewer.pack.errors import AttachmentDamagedError
from ui.reviewer.media_device import StreamDevice
from ui.reviewer.media_player import SPEEDS, MediaPlayer, format_time, source_url

MEDIA = Path(__file__).parent / "data" / "media"
TYPES = {
    "h264_aac.mp4": "video/mp4",
    "hevc_aac.mp4": "video/mp4",
    "h264_aac.mov": "video/quicktime",
    "h264_aac.mkv": "video/x-matroska",
    "h264_aac.ts": "video/mp2t",
    "tone.mp3": "audio/mpeg",
    "tone.wav": "audio/wav",
}
WATERMARK = "张明华 · 2026-11-26 · 保密"


class MemoryStream:
    """Test-only: a work's bytes in memory, in the shape of the pack's AttachmentStream;
    every read recorded; the bytes of ``damaged`` (start, end), a block that fails its
    check: a read that touches them raises."""

    def __init__(
        self, data: bytes, media_type: str, name: str, damaged: tuple[int, int] | None = None
    ):
        self.size, self.media_type, self.name = len(data), media_type, name
        self._data = data
        self.damaged = damaged
        self.reads: list[tuple[int, int]] = []
        self.closed = False
        self._lock = threading.Lock()

    def read_at(self, offset: int, n: int) -> bytes:
        with self._lock:
            assert not self.closed, "read after close"
            self.reads.append((offset, n))
            if self.damaged and offset < self.damaged[1] and offset + n > self.damaged[0]:
                raise AttachmentDamagedError(self.name, "block 2 failed authentication")
            return self._data[offset : offset + n]

    def damage_unread(self) -> None:
        """From now on, every byte not read yet is damaged (a block further on fails)."""
        with self._lock:
            start = max((offset + n for offset, n in self.reads), default=0)
            self.damaged = (start, self.size)

    def close(self) -> None:
        with self._lock:
            self.closed = True


def stream_of(file: str, **kwargs) -> MemoryStream:
    return MemoryStream((MEDIA / file).read_bytes(), TYPES[file], file, **kwargs)


def silent_wav(seconds: int, rate: int = 8000, channels: int = 1) -> bytes:
    """A long recording (the corpus's clips are 2 s: every skip would end at the edges),
    in memory."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * channels * rate * seconds)
    return out.getvalue()


@pytest.fixture
def player(qtbot):
    p = MediaPlayer(WATERMARK)
    qtbot.addWidget(p)
    p.resize(480, 320)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    yield p
    p.drop()


def start(qtbot, player, stream) -> None:
    with qtbot.waitSignal(player.displayed, timeout=10_000):
        player.play_stream(stream)


def paused_at(qtbot, player, ms: int, tolerance: int = 250) -> None:
    qtbot.waitUntil(lambda: abs(player.player.position() - ms) <= tolerance, timeout=5000)


# --- the device -----------------------------------------------------------------------


def test_the_device_reads_what_is_asked_from_the_stream_and_nothing_ahead(qtbot):
    data = bytes(range(256)) * 400
    stream = MemoryStream(data, "video/mp4", "a.mp4")
    device = StreamDevice(stream)
    assert device.isOpen() and not device.isSequential() and device.size() == len(data)
    assert bytes(device.read(100)) == data[:100]
    assert device.seek(50_000)
    assert bytes(device.read(10)) == data[50_000:50_010]
    # Unbuffered: no read-ahead chunk of QIODevice's own; only what was asked.
    assert stream.reads == [(0, 100), (50_000, 10)]
    device.seek(len(data) - 4)
    assert bytes(device.read(100)) == data[-4:]
    device.release()
    assert stream.closed and device.released
    assert bytes(device.read(10)) == b""
    device.close()


def test_a_damaged_block_yields_nothing_and_is_reported_once(qtbot):
    stream = MemoryStream(b"x" * 1000, "video/mp4", "作品.mp4", damaged=(500, 600))
    device = StreamDevice(stream)
    seen = []
    device.failed.connect(seen.append)
    assert bytes(device.read(400)) == b"x" * 400
    assert bytes(device.read(400)) == b""  # 400..800 holds the damaged block
    device.seek(0)
    assert bytes(device.read(10)) == b""  # nothing more, even what was good before
    assert len(seen) == 1 and isinstance(seen[0], AttachmentDamagedError)
    assert len(stream.reads) == 2
    device.release()
    device.close()


def test_the_source_name_follows_the_media_type_not_the_work_name():
    assert source_url("video/mp4").fileName() == "attachment.mp4"
    assert source_url("video/x-matroska").fileName() == "attachment.mkv"
    assert source_url("audio/wav").fileName() == "attachment.wav"
    assert source_url("video/x-unknown").fileName() == "attachment.bin"
    assert format_time(0) == "00:00" and format_time(75_999) == "01:15"


# --- playing --------------------------------------------------------------------------


@pytest.mark.parametrize("file", sorted(TYPES))
def test_every_container_and_codec_plays_from_the_stream(qtbot, player, file):
    stream = stream_of(file)
    start(qtbot, player, stream)
    qtbot.waitUntil(lambda: abs(player.duration_ms - 2000) <= 100, timeout=5000)
    frame = player.view.video.videoSink().videoFrame()
    if TYPES[file].startswith("video/"):
        assert player.player.hasVideo()
        assert frame.isValid() and (frame.width(), frame.height()) == (160, 90)
        assert not player.view.audio_note.isVisible()
    else:
        assert player.playing and player.player.position() > 0
        assert player.view.audio_note.isVisible()
        assert file in player.view.audio_note.text()
    assert stream.reads  # every byte came through read_at
    player.drop()
    assert stream.closed
    assert not player.view.video.videoSink().videoFrame().isValid()  # no last frame kept


def test_ffmpeg_does_not_describe_the_work_on_the_terminal(qtbot, player, capfd):
    start(qtbot, player, stream_of("h264_aac.mkv"))
    qtbot.waitUntil(lambda: player.duration_ms > 0)
    player.drop()
    err = capfd.readouterr().err
    # FFmpeg's description of an input quotes its metadata (title, encoder, comments).
    assert "Input #0" not in err and "Lavf" not in err and "Metadata" not in err


def test_seeking_lands_near_the_target(qtbot, player):
    start(qtbot, player, stream_of("h264_aac.mp4"))
    player.toggle_play()
    qtbot.waitUntil(lambda: not player.playing)
    player.seek(1200)
    paused_at(qtbot, player, 1200)
    # The frame shown while paused is the one at the new position.
    sink = player.view.video.videoSink()
    qtbot.waitUntil(lambda: abs(sink.videoFrame().startTime() / 1000 - 1200) <= 150, timeout=5000)
    assert player.slider.value() == player.player.position()
    assert player.time_label.text() == "00:01 / 00:02"


def test_every_control_by_keyboard(qtbot, player):
    start(qtbot, player, MemoryStream(silent_wav(40), "audio/wav", "访谈.wav"))
    qtbot.waitUntil(lambda: player.duration_ms >= 39_000)
    view = player.view
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.playing)
    qtbot.keyClick(view, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: player.playing)
    qtbot.keyClick(view, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: not player.playing)
    player.seek(20_000)
    paused_at(qtbot, player, 20_000)
    for key, target in [
        (Qt.Key.Key_Right, 25_000),
        (Qt.Key.Key_L, 35_000),
        (Qt.Key.Key_J, 25_000),
        (Qt.Key.Key_Left, 20_000),
        (Qt.Key.Key_End, player.duration_ms),
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_Left, 0),  # never before the start
    ]:
        qtbot.keyClick(view, key)
        paused_at(qtbot, player, target)
    volume = player.audio.volume()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert player.audio.volume() == pytest.approx(volume - 0.1)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert player.audio.volume() == pytest.approx(volume + 0.1)
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    assert player.player.playbackRate() == pytest.approx(1.25)
    for _ in range(len(SPEEDS)):
        qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert player.player.playbackRate() == pytest.approx(0.5)
    assert player.speed.currentText() == "0.5×"
    # The keys also work with the focus on a control, and the tooltips name them.
    qtbot.keyClick(player.slider, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.playing)
    assert "空格" in player.play_button.toolTip() and "K" in player.play_button.toolTip()
    assert "J" in player.slider.toolTip() and "Home" in player.slider.toolTip()
    assert "[" in player.speed.toolTip() and "↑" in player.volume.toolTip()


def test_watched_spans_close_on_pause_seek_and_drop(qtbot, player):
    spans: list[tuple[int, int]] = []
    player.watched.connect(lambda a, b: spans.append((a, b)))
    start(qtbot, player, MemoryStream(silent_wav(40), "audio/wav", "访谈.wav"))
    qtbot.waitUntil(lambda: player.player.position() >= 300)
    player.toggle_play()  # pause: the first span closes
    qtbot.waitUntil(lambda: len(spans) == 1)
    assert spans[0][0] == 0 and spans[0][1] >= 300
    player.seek(10_000)  # paused: nothing played, nothing recorded
    player.toggle_play()
    qtbot.waitUntil(lambda: player.player.position() >= 10_300)
    player.seek(30_000)  # a seek while playing closes the span at where it was
    qtbot.waitUntil(lambda: len(spans) == 2)
    assert abs(spans[1][0] - 10_000) <= 250 and spans[1][1] >= 10_300
    qtbot.waitUntil(lambda: player.player.position() >= 30_200)
    player.drop()
    assert len(spans) == 3 and spans[2][0] == 30_000 and spans[2][1] >= 30_200
    assert all(a < b for a, b in spans)


def test_a_work_played_to_its_end_is_one_span_of_its_length(qtbot, player):
    spans: list[tuple[int, int]] = []
    player.watched.connect(lambda a, b: spans.append((a, b)))
    player.step_speed(10)  # 2×: the clip ends in one second
    start(qtbot, player, stream_of("tone.wav"))
    qtbot.waitUntil(
        lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=5000
    )
    qtbot.waitUntil(lambda: len(spans) == 1)
    assert spans[0][0] == 0 and abs(spans[0][1] - 2000) <= 100


def test_a_stream_damaged_mid_play_stops_with_a_clear_message(qtbot, player):
    # A 30-second recording whose rest turns out damaged once it has started to play.
    stream = MemoryStream(silent_wav(30, rate=44_100, channels=2), "audio/wav", "晚间新闻.wav")
    events: list[str] = []
    player.displayed.connect(lambda: events.append("displayed"))
    player.displayed.connect(stream.damage_unread)
    player.failed.connect(events.append)
    spans: list[tuple[int, int]] = []
    player.watched.connect(lambda a, b: spans.append((a, b)))
    player.play_stream(stream)
    qtbot.waitUntil(lambda: len(events) == 2, timeout=10_000)
    assert events[0] == "displayed"
    assert "晚间新闻.wav" in events[1] and "损坏" in events[1] and "停止" in events[1]
    assert player.player is None and player.device is None and stream.closed
    # No read but the refused one touched the damage; what was heard is kept.
    damaged = stream.damaged
    touched = [(o, n) for o, n in stream.reads if o < damaged[1] and o + n > damaged[0]]
    assert touched == stream.reads[-1:]
    assert len(spans) == 1 and spans[0][0] == 0 and spans[0][1] > 0
    assert not player.play_button.isEnabled()


def test_a_video_damaged_where_it_starts_is_never_shown(qtbot, player):
    data = (MEDIA / "h264_aac.mp4").read_bytes()
    stream = MemoryStream(data, "video/mp4", "专题片.mp4", damaged=(0, 4096))
    shown: list[bool] = []
    player.displayed.connect(lambda: shown.append(True))
    with qtbot.waitSignal(player.failed, timeout=10_000) as failed:
        player.play_stream(stream)
    assert "专题片.mp4" in failed.args[0] and "损坏" in failed.args[0]
    assert shown == [] and stream.closed
    assert not player.view.video.videoSink().videoFrame().isValid()


def test_a_file_that_is_not_a_video_says_it_cannot_be_played(qtbot, player):
    stream = MemoryStream(bytes(range(256)) * 200, "video/mp4", "不是视频.mp4")
    shown: list[bool] = []
    player.displayed.connect(lambda: shown.append(True))
    with qtbot.waitSignal(player.failed, timeout=10_000) as failed:
        player.play_stream(stream)
    assert failed.args[0].startswith("此作品无法播放")
    assert shown == [] and stream.closed and player.player is None


def test_hiding_the_player_pauses_it(qtbot, player):
    start(qtbot, player, stream_of("tone.wav"))
    player.hide()
    qtbot.waitUntil(lambda: not player.playing)
    assert player.player.playbackState() == QMediaPlayer.PlaybackState.PausedState


def test_the_watermark_is_painted_over_the_video(qtbot, player):
    start(qtbot, player, stream_of("h264_aac.mp4"))
    player.toggle_play()
    qtbot.waitUntil(lambda: not player.playing)
    marked = player.view.viewport().grab().toImage()
    player.view.watermark_text = ""
    plain = player.view.viewport().grab().toImage()
    assert marked.size() == plain.size()
    changed = [
        (x, y)
        for x in range(0, marked.width(), 4)
        for y in range(0, marked.height(), 4)
        if marked.pixel(x, y) != plain.pixel(x, y)
    ]
    assert len(changed) > 50
    # What differs is tinted toward the watermark's red.
    x, y = changed[len(changed) // 2]
    m, p = marked.pixelColor(x, y), plain.pixelColor(x, y)
    assert m.red() - p.red() >= m.green() - p.green()


def test_the_device_is_not_sequential_and_opened_unbuffered(qtbot):
    device = StreamDevice(MemoryStream(b"abc", "audio/wav", "a.wav"))
    assert device.openMode() & QIODevice.OpenModeFlag.Unbuffered
    device.release()
    device.close()


# --- in the reviewer's window ---------------------------------------------------------


@pytest.fixture
def window(qtbot, reviewer_home, demo, messages, synchronous_worker):
    """The practice session: C001's second work is a video, C002's a recording."""
    from reviewer.crypto.secret_store import MemorySecretStore
    from reviewer.demo.practice import DEMO_PASSPHRASE
    from ui.app import create_review_window

    w = create_review_window(
        QApplication.instance(), reviewer_home, demo.pack, "zh", MemorySecretStore()
    )
    qtbot.addWidget(w)
    w.show()
    w.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
    w.lock_screen.button.click()
    assert w.candidate_list is not None, messages
    return w


def viewed(window) -> list[str]:
    from reviewer.workspace.audit import EventKind

    events = window.station.workspace.events()
    return [e.data["name"] for e in events if e.kind is EventKind.ATTACHMENT_VIEWED]


def open_material(window, candidate_id: str, row: int):
    window.show_candidate(candidate_id)
    page = window.pages[candidate_id]
    if page.stack.currentWidget() is page.conflict:
        page.conflict.no_conflict.click()
    item = page.materials.item(row)
    page.materials.itemClicked.emit(item)
    return page


def test_a_video_work_plays_in_the_window_and_counts_as_viewed_once_shown(qtbot, window):
    from reviewer.pack.stream import AttachmentStream

    page = open_material(window, "C001", 1)
    player = page.viewer.player
    assert page.viewer.currentWidget() is player
    assert isinstance(player.stream, AttachmentStream)  # read block by block, checked
    qtbot.waitUntil(lambda: "work2.mp4" in viewed(window), timeout=10_000)
    assert player.view.video.videoSink().videoFrame().isValid()
    assert player.view.watermark_text.startswith(window.station.name)
    page.materials.itemActivated.emit(page.materials.item(1))  # the same item again
    assert viewed(window) == ["work2.mp4"]
    # A document counts when shown, and showing it stops the work.
    stream = player.stream
    page.materials.itemClicked.emit(page.materials.item(0))
    assert page.viewer.currentWidget() is page.viewer.pdf_reader
    assert viewed(window) == ["work2.mp4", "work1.pdf"] and stream.closed


def test_a_recording_counts_as_heard_once_it_plays(qtbot, window):
    page = open_material(window, "C002", 1)
    qtbot.waitUntil(lambda: viewed(window) == ["work2.mp3"], timeout=10_000)
    assert page.viewer.player.playing
    assert page.viewer.player.view.audio_note.isVisible()


def test_locking_during_playback_stops_it_and_drops_every_buffer(qtbot, window):
    page = open_material(window, "C001", 1)
    player = page.viewer.player
    qtbot.waitUntil(lambda: player.playing, timeout=10_000)
    stream, device, sink = player.stream, player.device, player.view.video.videoSink()
    spans: list[tuple[int, int]] = []
    page.viewer.watched.connect(lambda key, a, b: spans.append((a, b)))
    qtbot.waitUntil(lambda: player.player.position() > 100)
    window.lock_action.trigger()
    assert window.stack.currentWidget() is window.lock_screen
    assert player.player is None and player.device is None and player.stream is None
    assert stream.closed and device.released and not device.isOpen()
    assert not sink.videoFrame().isValid()
    assert len(spans) == 1 and spans[0][0] == 0  # the span watched, closed by the lock


def test_switching_candidates_pauses_the_work(qtbot, window):
    page = open_material(window, "C001", 1)
    player = page.viewer.player
    qtbot.waitUntil(lambda: player.playing, timeout=10_000)
    window.show_candidate("C002")
    qtbot.waitUntil(lambda: not player.playing)
    assert player.player.playbackState() == QMediaPlayer.PlaybackState.PausedState


def test_a_type_that_cannot_be_shown_is_not_recorded_as_viewed(qtbot):
    from ui.reviewer.attachment_viewer import AttachmentViewer

    viewer = AttachmentViewer(WATERMARK)
    qtbot.addWidget(viewer)
    shown: list[str] = []
    viewer.displayed.connect(shown.append)
    viewer.show_attachment(b"PK\x03\x04", "application/zip", "a.zip", key="k1")
    assert viewer.currentWidget() is viewer.message and shown == []
    viewer.show_attachment("简介".encode(), "text/plain; charset=utf-8", "a.txt", key="k2")
    assert shown == ["k2"]


def test_without_qt_multimedia_the_viewer_says_works_cannot_be_played(qtbot, monkeypatch):
    import sys

    from ui.reviewer.attachment_viewer import AttachmentViewer

    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # import fails
    monkeypatch.delitem(sys.modules, "ui.reviewer.media_player", raising=False)
    viewer = AttachmentViewer(WATERMARK)
    qtbot.addWidget(viewer)
    shown: list[str] = []
    viewer.displayed.connect(shown.append)
    viewer.show_media(lambda: stream_of("tone.wav"), "audio/wav", "访谈.wav", key="k")
    assert viewer.currentWidget() is viewer.message and viewer.player is None
    assert "访谈.wav" in viewer.message.text() and "Qt Multimedia" in viewer.message.text()
    assert shown == []


# --- nothing on disk ------------------------------------------------------------------

_PLAY_ALL = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.reviewer.media_player import MediaPlayer
from ui.reviewer.media_stream import DecryptedAttachment
works = [(Path(p).read_bytes(), t) for p, t in zip(sys.argv[1::2], sys.argv[2::2])]
app = QApplication([])
player = MediaPlayer("watermark")
player.show()
def next_work():
    if not works:
        player.drop()
        app.quit()
        return
    data, media_type = works.pop()
    player.play_stream(DecryptedAttachment(data, media_type, "work"))
player.displayed.connect(lambda: QTimer.singleShot(200, next_work))
player.failed.connect(lambda text: app.exit(3))
next_work()
QTimer.singleShot(30_000, lambda: app.exit(2))
sys.exit(app.exec())
"""


def test_playing_writes_nothing_to_disk(tmp_path):
    """Every file opened while the works play, traced: none is opened for writing (no
    temporary file, no cache of Qt's or FFmpeg's). The sound system's client makes
    its runtime folder and may keep a cookie: that is all it writes, and no work."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    root = Path(__file__).resolve().parent.parent
    home = tmp_path / "home"
    home.mkdir()
    env = dict(
        os.environ,
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",
        QT_QPA_PLATFORM="offscreen",
    )
    (home / "tmp").mkdir()
    log = tmp_path / "trace.txt"
    works = [
        str(a) for f in ("h264_aac.mkv", "hevc_aac.mp4", "tone.mp3") for a in (MEDIA / f, TYPES[f])
    ]
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-o", str(log)]
        + [sys.executable, "-c", _PLAY_ALL, *works],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr[-2000:]
    written = [
        line
        for line in log.read_text().splitlines()
        if any(flag in line for flag in ("O_WRONLY", "O_RDWR", "O_CREAT", "creat("))
        and "= -1 " not in line
        and '"/dev/' not in line
        and "/pulse/" not in line
    ]
    assert written == []


def test_a_tampered_work_in_the_pack_stops_with_a_message_and_is_not_recorded(
    qtbot, reviewer_home, demo, tmp_path, messages, synchronous_worker
):
    """One byte of the video's ciphertext changed inside the pack: the pack still opens
    (its signed manifest is intact), the work is refused as damaged when played."""
    import shutil
    import zipfile

    from reviewer.crypto.secret_store import MemorySecretStore
    from reviewer.demo.practice import DEMO_PASSPHRASE
    from ui.app import create_review_window

    pack = tmp_path / "tampered.rvpack"
    shutil.copyfile(demo.pack, pack)
    with zipfile.ZipFile(pack) as z:  # the video is the largest material
        member = max(
            (i for i in z.infolist() if i.filename.startswith("files/")),
            key=lambda i: i.file_size,
        )
    with pack.open("rb") as fh:  # its data follows the local header and its two fields
        fh.seek(member.header_offset)
        header = fh.read(30)
        start = member.header_offset + 30 + int.from_bytes(header[26:28], "little")
        start += int.from_bytes(header[28:30], "little")
    with pack.open("r+b") as fh:
        fh.seek(start + member.compress_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0x01]))
    w = create_review_window(
        QApplication.instance(), reviewer_home, pack, "zh", MemorySecretStore()
    )
    qtbot.addWidget(w)
    w.show()
    w.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
    w.lock_screen.button.click()
    assert w.candidate_list is not None, messages
    page = open_material(w, "C001", 1)
    qtbot.waitUntil(lambda: page.viewer.currentWidget() is page.viewer.message, timeout=10_000)
    text = page.viewer.message.text()
    assert "损坏" in text and "work2.mp4" in text, text
    assert viewed(w) == []


def test_what_was_watched_is_recorded_shown_in_the_list_and_carried_in_the_sheet(
    qtbot, window, tmp_path, monkeypatch
):
    """The list says each file's kind and a work's length before it is opened; the spans
    played go into the sealed viewing record (not before the player closes them), the
    list then says how much was watched, and the signed sheet carries it."""
    import subprocess

    from PySide6.QtWidgets import QFileDialog

    window.show_candidate("C001")
    page = window.pages["C001"]
    page.conflict.no_conflict.click()
    listed = page.materials.item(1).text()
    assert "视频" in listed and "00:08" in listed and "已观看" not in listed
    assert "PDF" in page.materials.item(0).text()
    page = open_material(window, "C001", 1)
    player = page.viewer.player
    qtbot.waitUntil(lambda: player.playing and player.player.position() > 1500, timeout=15_000)
    player.toggle_play()  # pause: the span played is closed
    records = window.station.viewing(window.pack_id, "C001")
    assert records and records[0].watched_ms >= 1000
    qtbot.waitUntil(lambda: "已观看" in page.materials.item(1).text(), timeout=3000)

    # Score and sign: the sheet says what was watched.
    for row in page.panel.check_rows.values():
        row.group.buttons()[0].click()
    for box in page.panel.score_boxes.values():
        box.setValue(8.0)
    page.panel.opinion.setPlainText("代表作观看后评分。")
    page.panel.flush()
    page.panel.recommendation.setCurrentIndex(1)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.export_current()
    (sheet,) = tmp_path.glob("C001_*.pdf")
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True).stdout
    assert "已观看" in text, text[-800:]


def test_watching_a_work_keeps_the_session_open_and_pausing_lets_it_lock(qtbot, window):
    window._playing_check.setInterval(100)
    window.idle.set_timeout_ms(1500)
    page = open_material(window, "C001", 1)  # the 8-second practice video
    player = page.viewer.player
    qtbot.waitUntil(lambda: player.playing, timeout=10_000)
    qtbot.wait(2500)  # longer than the idle time, without any input
    assert window.station.unlocked and player.playing
    player.toggle_play()
    qtbot.waitUntil(lambda: not window.station.unlocked, timeout=5000)
