"""The window opens with all of it on the screen (status bar, progress and Cancel too)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from reviewer.crypto.secret_store import MemorySecretStore
from ui.app import create_review_window
from ui.common.screen_fit import show_fitted


def test_a_screen_smaller_than_the_layout_gets_a_maximised_window(qtbot, reviewer_home, demo):
    window = create_review_window(
        QApplication.instance(), reviewer_home, demo.pack, "zh", MemorySecretStore()
    )
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    assert available.height() < 1366  # the offscreen screen is smaller than the layout
    show_fitted(window)
    qtbot.waitExposed(window)
    # Maximised by the window manager, or (none here) fitted by hand: all of it shows.
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    status = window.statusBar()
    bottom = status.mapToGlobal(status.rect().bottomRight())
    assert available.contains(bottom), (bottom, available)


def test_a_larger_screen_gets_the_preferred_size_centred(qtbot, reviewer_home, demo):
    window = create_review_window(
        QApplication.instance(), reviewer_home, demo.pack, "zh", MemorySecretStore()
    )
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    preferred = QSize(available.width() // 2, available.height() // 2)
    show_fitted(window, preferred)
    qtbot.waitExposed(window)
    assert not window.isMaximized() and window.size() == preferred
    centre = window.frameGeometry().center()
    assert abs(centre.x() - available.center().x()) <= 2
    assert abs(centre.y() - available.center().y()) <= 2
