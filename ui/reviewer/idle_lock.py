"""Automatic lock: after a period without input, and when the system suspends the app.

An application-wide event filter restarts the idle timer on every key, mouse or wheel
event, so reading a long attachment with the mouse wheel keeps the session open. A few
seconds before the lock, ``warning`` lets the window say so: a reviewer reading without
touching anything can move the mouse and keep the session.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

DEFAULT_IDLE_MINUTES = 5
WARNING_MS = 15_000  # how long before the lock the warning comes (at most a third of it)
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

    timed_out = Signal(str)  # why: "idle" or "suspended"
    warning = Signal(int)  # seconds left before the lock
    warning_over = Signal()  # input came: no lock after all

    def __init__(self, app: QGuiApplication, minutes: float = DEFAULT_IDLE_MINUTES):
        super().__init__(app)
        self._app = app
        self._active = False
        self._warned = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(lambda: self.timed_out.emit("idle"))
        self._warn_timer = QTimer(self, singleShot=True)
        self._warn_timer.timeout.connect(self._warn)
        self.set_timeout_ms(int(minutes * 60_000))
        # Where Qt reports it (suspend, screen lock on some platforms), lock at once.
        app.applicationStateChanged.connect(self._state_changed)

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(max(ms, 1))
        self._warn_timer.setInterval(max(self._timer.interval() - self._warning_ms(), 0))
        if self._active:
            self._restart()

    def _warning_ms(self) -> int:
        return min(WARNING_MS, self._timer.interval() // 3)

    def _restart(self) -> None:
        self._timer.start()
        self._warn_timer.start()
        if self._warned:
            self._warned = False
            self.warning_over.emit()

    def poke(self) -> None:
        """Activity that is not input (a work playing): the session stays open."""
        if self._active:
            self._restart()

    def _warn(self) -> None:
        self._warned = True
        self.warning.emit(max(1, round(self._timer.remainingTime() / 1000)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT:
            self._restart()
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if self._active and state == Qt.ApplicationState.ApplicationSuspended:
            self.timed_out.emit("suspended")

    def pause(self) -> None:
        if self._active:
            self._app.removeEventFilter(self)
            self._active = False
        self._timer.stop()
        self._warn_timer.stop()
        self._warned = False

    def resume(self) -> None:
        if not self._active:
            self._app.installEventFilter(self)
            self._active = True
        self._restart()
