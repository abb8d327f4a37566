"""Automatic lock: after a period without input, and when the system suspends the app.

An application-wide event filter restarts the idle timer on every key, mouse or wheel
event, so reading a long attachment with the mouse wheel keeps the session open.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

DEFAULT_IDLE_MINUTES = 5
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleLock(QObject):
    """Starts paused: the window resumes it on unlocking and pauses it on locking. While
    locked there is nothing to guard, and no Python filter sees every event of the app
    (at start-up that alone slowed the first paint)."""

    timed_out = Signal()

    def __init__(self, app: QGuiApplication, minutes: float = DEFAULT_IDLE_MINUTES):
        super().__init__(app)
        self._app = app
        self._active = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.timed_out.emit)
        self.set_timeout_ms(int(minutes * 60_000))
        # Where Qt reports it (suspend, screen lock on some platforms), lock at once.
        app.applicationStateChanged.connect(self._state_changed)

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(max(ms, 1))
        if self._active:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT:
            self._timer.start()
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if self._active and state == Qt.ApplicationState.ApplicationSuspended:
            self.timed_out.emit()

    def pause(self) -> None:
        if self._active:
            self._app.removeEventFilter(self)
            self._active = False
        self._timer.stop()

    def resume(self) -> None:
        if not self._active:
            self._app.installEventFilter(self)
            self._active = True
        self._timer.start()
