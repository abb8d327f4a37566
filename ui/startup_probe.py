"""For the start-up benchmark (``benchmarks/bench_bundle.py``) only.

With ``REVIEWER_QUIT_AFTER_FIRST_PAINT=1`` the app prints ``first-paint <epoch seconds>``
when its window first paints and, for a window with a ``ready`` signal (the reviewer's,
which loads the core after painting), ``ready <epoch seconds>`` when that fires; then it
quits. Without the variable nothing happens.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

QUIT_AFTER_FIRST_PAINT_ENV = "REVIEWER_QUIT_AFTER_FIRST_PAINT"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, wait_for_ready: bool):
        super().__init__(window)
        self._wait = wait_for_ready

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"first-paint {time.time():.6f}", flush=True)
            if not self._wait:  # let this paint finish, then leave
                QTimer.singleShot(0, QApplication.quit)
        return False


def _ready() -> None:
    print(f"ready {time.time():.6f}", flush=True)
    QTimer.singleShot(0, QApplication.quit)


def watch(window: QWidget) -> None:
    if os.environ.get(QUIT_AFTER_FIRST_PAINT_ENV) != "1":
        return
    ready = getattr(window, "ready", None)
    window.installEventFilter(_FirstPaint(window, wait_for_ready=ready is not None))
    if ready is not None:
        ready.connect(_ready)
