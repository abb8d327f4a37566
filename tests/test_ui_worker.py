"""The one worker helper: results, errors and progress arrive on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from ui.common import worker


def test_result_and_progress_are_delivered_on_the_gui_thread(qtbot):
    gui = QThread.currentThread()
    seen: dict = {"progress": [], "threads": set()}

    def job(ctx):
        seen["worker_thread"] = threading.get_ident()
        for i in range(3):
            ctx.progress(i + 1, 3)
        return 42

    def on_progress(done, total):
        seen["progress"].append((done, total))
        seen["threads"].add(QThread.currentThread() is gui)

    result = {}

    def on_result(value):
        result.update(value=value, on_gui=QThread.currentThread() is gui)

    worker.run_task(job, on_result, lambda e: result.update(error=e), on_progress)
    qtbot.waitUntil(lambda: "value" in result or "error" in result, timeout=5000)
    assert result["value"] == 42 and result["on_gui"]
    assert seen["worker_thread"] != threading.get_ident()
    qtbot.waitUntil(lambda: len(seen["progress"]) == 3, timeout=5000)
    assert seen["threads"] == {True}


def test_errors_are_delivered_not_raised(qtbot):
    got = {}

    def job(ctx):
        raise ValueError("bad pack")

    worker.run_task(job, lambda r: got.update(result=r), lambda e: got.update(error=e))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert isinstance(got["error"], ValueError)


def test_cancel_is_seen_by_the_task(qtbot):
    started, release = threading.Event(), threading.Event()
    got = {}

    def job(ctx):
        started.set()
        release.wait(5)
        return ctx.cancelled

    handle = worker.run_task(job, lambda r: got.update(result=r), lambda e: got.update(error=e))
    assert started.wait(5)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got["result"] is True


def test_synchronous_mode_for_tests():
    worker.set_synchronous(True)
    try:
        got = []
        worker.run_task(lambda ctx: "done", got.append, got.append)
        assert got == ["done"]
    finally:
        worker.set_synchronous(False)
