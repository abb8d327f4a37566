"""The one helper for slow work in the GUI (decrypting, verifying, rendering, signing).

``run_task(fn, on_result, on_error, on_progress)`` runs ``fn(context)`` on a
QThreadPool thread and delivers the result, the error, and progress on the GUI thread,
in the manner of MusicBrainz Picard's ``run_task``. ``fn`` reports progress through
``context.progress(done, total)`` and checks ``context.cancelled`` to stop early.
Tests call ``set_synchronous(True)`` to run tasks inline, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


@dataclass
class TaskContext:
    _progress: Callable[[int, int], None]
    _cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int) -> None:
        self._progress(done, total)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class TaskHandle:
    def __init__(self, context: TaskContext):
        self._context = context

    def cancel(self) -> None:
        self._context._cancel.set()


class _Relay(QObject):
    # Lives on the GUI thread; signals emitted from the pool thread are queued to it.
    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], relay: _Relay, context: TaskContext):
        super().__init__()
        self._fn, self._relay, self._context = fn, relay, context

    def run(self) -> None:
        try:
            try:
                result = self._fn(self._context)
            except Exception as exc:  # delivered to on_error on the GUI thread
                self._relay.failed.emit(exc)
            else:
                self._relay.finished.emit(result)
        except RuntimeError:  # the relay is gone: the app is quitting, nobody to tell
            pass


_synchronous = False
_live: set[_Relay] = set()


def set_synchronous(value: bool) -> None:
    global _synchronous
    _synchronous = value


def run_task(
    fn: Callable[[TaskContext], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    on_progress: Callable[[int, int], None] | None = None,
) -> TaskHandle:
    if _synchronous:
        context = TaskContext(on_progress or (lambda _d, _t: None))
        try:
            result = fn(context)
        except Exception as exc:
            on_error(exc)
        else:
            on_result(result)
        return TaskHandle(context)

    relay = _Relay()
    _live.add(relay)

    def done() -> None:
        _live.discard(relay)
        relay.deleteLater()

    relay.finished.connect(on_result)
    relay.failed.connect(on_error)
    relay.finished.connect(done)
    relay.failed.connect(done)
    if on_progress is not None:
        relay.progressed.connect(on_progress)
    context = TaskContext(relay.progressed.emit)
    QThreadPool.globalInstance().start(_Runnable(fn, relay, context))
    return TaskHandle(context)
