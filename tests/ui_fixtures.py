"""Fixtures for tests that drive real windows (a plugin of tests/conftest.py)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from ui.common import worker


@pytest.fixture
def synchronous_worker():
    """Tasks run inline, in order; a test that wants the threads switches back itself."""
    worker.set_synchronous(True)
    yield
    worker.set_synchronous(False)


@pytest.fixture
def messages(monkeypatch):
    """Modal message boxes would block a test; record them instead."""
    seen: list[str] = []
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(
            QMessageBox, kind, lambda *args, _k=kind: seen.append(f"{_k}: {args[2]}")
        )
    return seen
