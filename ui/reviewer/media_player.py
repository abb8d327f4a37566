"""The player for audiovisual works (TV and radio programmes, online videos): played
from the decrypting stream in memory, never from a file, under the reviewer's
watermark.

The video goes to a ``QGraphicsVideoItem`` in a ``QGraphicsView`` whose foreground is
the watermark, so that every frame is painted with it in one paint. A recording shows
the watermark over a note saying it is audio. Keys (shown in the tooltips), whenever
the focus is in the player: Space or K play and pause, ← → go 5 s back or on, J L
10 s, Home End the start and the end, ↑ ↓ the volume, [ ] the speed.

``drop()`` pauses and forgets everything: the player stops, the source is cleared,
the last frame is wiped from the video item, and the device and the stream are closed.
The reviewer's window calls it (through the viewer) on every lock.

``watched(start_ms, end_ms)`` is emitted for each span actually played, closed when
playback pauses, seeks, stops, fails or is dropped; ``displayed`` once, when the first
frame arrived (a recording: when its position first moves), which is when the work
counts as viewed.

Qt Multimedia's FFmpeg threads call back into Python (``StreamDevice.readData``). A Qt
call that waits for those threads while this thread holds Python's lock would wait for
ever: clearing the source waits for loading to stop. So every call into the player's
engine goes through ``_invoke``, which releases that lock for the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    Q_ARG,
    QLoggingCategory,
    QMetaObject,
    QObject,
    QSizeF,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QHideEvent,
    QKeySequence,
    QPainter,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame
from PySide6.QtMultimediaWidgets import QGraphicsVideoItem
from PySide6.QtWidgets import (
    QAbstractSlider,
    QComboBox,
    QFrame,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.pack.errors import AttachmentDamagedError
from ui.common.errors import error_text
from ui.reviewer.media_device import StreamDevice
from ui.reviewer.media_stream import MediaStream
from ui.reviewer.watermark import paint_watermark

if TYPE_CHECKING:
    from PySide6.QtCore import QGenericArgumentHolder

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SHORT_SKIP_MS = 5_000
LONG_SKIP_MS = 10_000
VOLUME_STEP = 10  # percent

# FFmpeg picks its demuxer by the source's file name as well as by the content. The name
# is made from the media type: the work's own name stays out of Qt's and FFmpeg's logs.
EXTENSIONS = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
    "video/webm": ".webm",
    "video/mp2t": ".ts",
    "video/mpeg": ".mpg",
    "video/x-msvideo": ".avi",
    "video/x-flv": ".flv",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/flac": ".flac",
    "audio/ogg": ".ogg",
}

# FFmpeg describes each input it opens (its metadata: title, comments, which may name
# the candidate) at the info level; keep that off the terminal and any log of it.
_QUIET = "qt.multimedia.ffmpeg*.info=false\nqt.multimedia.ffmpeg*.debug=false"


def source_url(media_type: str) -> QUrl:
    base = media_type.split(";")[0].strip().lower()
    return QUrl("attachment" + EXTENSIONS.get(base, ".bin"))


def format_time(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _invoke(target: QObject, method: str, *args: QGenericArgumentHolder) -> None:
    """Call a slot of ``target`` at once, with Python's lock released (see above)."""
    if not QMetaObject.invokeMethod(target, method, Qt.ConnectionType.DirectConnection, *args):
        raise RuntimeError(f"no slot {method} on {type(target).__name__}")


class VideoView(QGraphicsView):
    """The video, fitted to the view, and the watermark painted over it."""

    def __init__(self, watermark: str):
        super().__init__()
        self.setObjectName("videoView")
        self.watermark_text = watermark
        self.setScene(QGraphicsScene(self))
        self.video = QGraphicsVideoItem()
        self.scene().addItem(self.video)
        self.audio_note = QGraphicsSimpleTextItem()
        self.audio_note.setBrush(QBrush(QColor(230, 230, 230)))
        self.audio_note.setVisible(False)
        self.scene().addItem(self.audio_note)
        self.setBackgroundBrush(QColor(0, 0, 0))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The slanted watermark crosses every part of the view: repaint it whole.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 180)

    def show_audio_note(self, text: str | None) -> None:
        self.audio_note.setText(text or "")
        self.audio_note.setVisible(bool(text))
        self.video.setVisible(not text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width, height = self.viewport().width(), self.viewport().height()
        self.scene().setSceneRect(0, 0, width, height)
        self.video.setPos(0, 0)
        self.video.setSize(QSizeF(width, height))
        note = self.audio_note.boundingRect()
        self.audio_note.setPos((width - note.width()) / 2, (height - note.height()) / 2)

    def drawForeground(self, painter: QPainter, _rect: object) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()  # the viewport's pixels, whatever the scene's scale
        viewport = self.viewport()
        paint_watermark(
            painter, viewport.width(), viewport.height(), self.watermark_text, self.font()
        )
        painter.restore()


class MediaPlayer(QWidget):
    watched = Signal(int, int)  # a span played, in the work's milliseconds
    displayed = Signal()  # the first frame (a recording: playback) started
    failed = Signal(str)  # the work cannot be played on (damaged, undecodable); dropped
    duration_changed = Signal(int)

    def __init__(self, watermark: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mediaPlayer")
        QLoggingCategory.setFilterRules(_QUIET)
        self.player: QMediaPlayer | None = None
        self.audio: QAudioOutput | None = None
        self.device: StreamDevice | None = None
        self.stream: MediaStream | None = None
        self._span_start: int | None = None
        self._shown = False
        self._duration = 0
        self._last_position = 0

        self.view = VideoView(watermark)
        self.view.video.videoSink().videoFrameChanged.connect(self._frame)

        style = self.style()
        self.play_button = QToolButton()
        self.play_button.setObjectName("playPause")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip(_("Play or pause (Space or K)"))
        self.play_button.clicked.connect(self.toggle_play)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("position")
        self.slider.setToolTip(
            _(
                "Position: ← and → go 5 seconds back or on, J and L 10 seconds, "
                "Home and End to the start and the end"
            )
        )
        self.slider.setPageStep(LONG_SKIP_MS)
        self.slider.setSingleStep(SHORT_SKIP_MS)
        self.slider.sliderMoved.connect(self._show_time)
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value()))
        self.slider.actionTriggered.connect(self._slider_action)

        self.time_label = QLabel()
        self.time_label.setObjectName("time")
        self.time_label.setTextFormat(Qt.TextFormat.PlainText)

        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        self.speed.setToolTip(_("Playback speed ([ slower, ] faster)"))
        for rate in SPEEDS:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(self._speed_chosen)

        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setObjectName("volume")
        self.volume.setToolTip(_("Volume (↑ louder, ↓ softer)"))
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(110)
        self.volume.valueChanged.connect(self._volume_chosen)

        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.speed)
        volume_icon = QLabel()
        volume_icon.setPixmap(style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16))
        controls.addWidget(volume_icon)
        controls.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)

        self._keys()
        self._reset_controls()

    def _keys(self) -> None:
        bindings = [
            ((Qt.Key.Key_Space, Qt.Key.Key_K), self.toggle_play),
            ((Qt.Key.Key_Left,), lambda: self.skip(-SHORT_SKIP_MS)),
            ((Qt.Key.Key_Right,), lambda: self.skip(SHORT_SKIP_MS)),
            ((Qt.Key.Key_J,), lambda: self.skip(-LONG_SKIP_MS)),
            ((Qt.Key.Key_L,), lambda: self.skip(LONG_SKIP_MS)),
            ((Qt.Key.Key_Home,), lambda: self.seek(0)),
            ((Qt.Key.Key_End,), lambda: self.seek(self._duration)),
            ((Qt.Key.Key_Up,), lambda: self.volume.setValue(self.volume.value() + VOLUME_STEP)),
            ((Qt.Key.Key_Down,), lambda: self.volume.setValue(self.volume.value() - VOLUME_STEP)),
            ((Qt.Key.Key_BracketLeft,), lambda: self.step_speed(-1)),
            ((Qt.Key.Key_BracketRight,), lambda: self.step_speed(1)),
        ]
        self.shortcuts: list[QShortcut] = []
        for keys, action in bindings:
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(action)
                self.shortcuts.append(shortcut)

    # --- a work -------------------------------------------------------------------------

    @property
    def duration_ms(self) -> int:
        return self._duration

    @property
    def playing(self) -> bool:
        return (
            self.player is not None
            and self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        )

    def play_stream(self, stream: MediaStream) -> None:
        """Play ``stream`` from its start; the player owns it from now on (and closes it)."""
        self.drop()
        self.stream = stream
        self.device = StreamDevice(stream, self)
        # Queued even when a read happens on this thread: never handled inside Qt's call.
        self.device.failed.connect(self._device_failed, Qt.ConnectionType.QueuedConnection)
        player = QMediaPlayer(self)
        audio = QAudioOutput(player)  # with no sound device, Qt plays on in silence
        audio.setVolume(self.volume.value() / 100)
        player.setAudioOutput(audio)
        player.setVideoOutput(self.view.video)
        player.setPlaybackRate(SPEEDS[self.speed.currentIndex()])
        player.positionChanged.connect(self._position)
        player.durationChanged.connect(self._duration_known)
        player.playbackStateChanged.connect(self._state)
        player.mediaStatusChanged.connect(self._status)
        player.errorOccurred.connect(
            lambda error, reason, source=player: self._error(source, error, reason),
            Qt.ConnectionType.QueuedConnection,  # not inside setSourceDevice or play
        )
        player.hasVideoChanged.connect(self._has_video)
        self.player, self.audio = player, audio
        self._shown = False
        self.view.show_audio_note(None)
        for widget in (self.play_button, self.slider, self.speed, self.volume):
            widget.setEnabled(True)
        player.setSourceDevice(self.device, source_url(stream.media_type))
        _invoke(player, "play")
        self.view.setFocus()

    def drop(self) -> None:
        """Stop and forget the work: source, last frame, device and stream."""
        player, device = self.player, self.device
        if player is not None:
            self._close_span()
            player.blockSignals(True)
        if device is not None:
            device.blockSignals(True)
            device.release()  # the stream is closed; FFmpeg reads nothing more
        if player is not None:
            _invoke(player, "stop")
            _invoke(player, "setSource", Q_ARG(QUrl, QUrl()))  # waits for Qt to let go
            player.setVideoOutput(None)  # type: ignore[arg-type]  # None detaches (Qt docs)
            player.deleteLater()
        if device is not None:
            device.close()
            device.deleteLater()
        self.player = self.audio = self.device = self.stream = None
        self.view.video.videoSink().setVideoFrame(QVideoFrame())  # the last frame, too
        self._reset_controls()

    def _reset_controls(self) -> None:
        self._span_start = None
        self._duration = self._last_position = 0
        self.slider.setRange(0, 0)
        self.view.show_audio_note(None)
        self._show_time(0)
        self._show_state(False)
        for widget in (self.play_button, self.slider, self.speed):
            widget.setEnabled(False)

    # --- controls -----------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.player is None:
            return
        if self.playing:
            _invoke(self.player, "pause")
            return
        if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
            self.seek(0)
        _invoke(self.player, "play")

    def skip(self, delta_ms: int) -> None:
        if self.player is not None:
            self.seek(self.player.position() + delta_ms)

    def seek(self, ms: int) -> None:
        if self.player is None:
            return
        target = max(0, min(ms, self._duration)) if self._duration else max(0, ms)
        playing = self.playing
        if playing:
            self._close_span()
        _invoke(self.player, "setPosition", Q_ARG("qint64", target))
        self._position(target)
        if playing:
            self._span_start = target

    def step_speed(self, step: int) -> None:
        index = max(0, min(self.speed.currentIndex() + step, len(SPEEDS) - 1))
        self.speed.setCurrentIndex(index)

    def _speed_chosen(self, index: int) -> None:
        if self.player is not None:
            _invoke(self.player, "setPlaybackRate", Q_ARG(float, SPEEDS[index]))

    def _volume_chosen(self, value: int) -> None:
        if self.audio is not None:
            self.audio.setVolume(value / 100)

    def _slider_action(self, action: int) -> None:
        # A click on the groove or a wheel step; a drag seeks when it is released.
        if action != QAbstractSlider.SliderAction.SliderMove.value:
            self.seek(self.slider.sliderPosition())

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt name)
        # Another candidate's page, or the window minimised: nobody is watching.
        if self.playing and self.player is not None:
            _invoke(self.player, "pause")
        super().hideEvent(event)

    # --- what the player reports --------------------------------------------------------

    def _position(self, ms: int) -> None:
        self._last_position = ms
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self._show_time(ms)
        # A recording counts as heard once its position moves while it plays.
        player = self.player
        if not self._shown and ms > 0 and self.playing and player and not player.hasVideo():
            self._first_shown()

    def _duration_known(self, ms: int) -> None:
        self._duration = ms
        self.slider.setRange(0, ms)
        self._show_time(self._last_position)
        self.duration_changed.emit(ms)

    def _has_video(self, has_video: bool) -> None:
        if self.stream is not None:
            self.view.show_audio_note(
                None if has_video else _("Audio: {name}").format(name=self.stream.name)
            )

    def _frame(self, frame: QVideoFrame) -> None:
        if self.player is not None and not self._shown and frame.isValid():
            self._first_shown()

    def _first_shown(self) -> None:
        self._shown = True
        self.displayed.emit()

    def _state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self._show_state(playing)
        if playing:
            if self._span_start is None and self.player is not None:
                self._span_start = self.player.position()
        else:
            self._close_span()

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self.player is not None:
            self._has_video(self.player.hasVideo())  # a recording never changes it
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._close_span(self._duration or self._last_position)

    def _close_span(self, end: int | None = None) -> None:
        start, self._span_start = self._span_start, None
        if start is None:
            return
        if end is None:
            end = self.player.position() if self.player is not None else self._last_position
        if end > start:
            self.watched.emit(start, end)

    def _error(self, source: QMediaPlayer, error: QMediaPlayer.Error, reason: str) -> None:
        if source is self.player and error != QMediaPlayer.Error.NoError:
            self._fail(_("This work cannot be played: {reason}").format(reason=reason))

    def _device_failed(self, exc: object) -> None:
        # Queued: the device may have been dropped, another work started, meanwhile.
        if self.device is not None and exc is self.device.failure:
            self._fail("")

    def _fail(self, text: str) -> None:
        if self.player is None:
            return
        failure = self.device.failure if self.device is not None else None
        # The device's reason first: what the player says follows from it.
        if isinstance(failure, AttachmentDamagedError):
            text = _("Playback stopped. {reason} Nothing from the damaged part was shown.").format(
                reason=error_text(failure)
            )
        elif failure is not None:
            text = _("Playback stopped. {reason}").format(reason=error_text(failure))
        self.drop()
        self.failed.emit(text)

    def _show_state(self, playing: bool) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_time(self, ms: int) -> None:
        self.time_label.setText(f"{format_time(ms)} / {format_time(self._duration)}")
