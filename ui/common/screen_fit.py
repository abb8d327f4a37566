"""Showing a window so that all of it is on the screen.

The windows are laid out for 1366×768, the commonest laptop screen in the bureaus, but
on that screen the taskbar takes some of the height: a window of exactly that size has
its status bar, progress and Cancel below the bottom edge. Where the preferred size does
not fit the screen's available area (without taskbar and panels), the window opens
maximised; elsewhere at the preferred size, centred on that area.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1366, 768)


def show_fitted(window: QWidget, preferred: QSize = PREFERRED) -> None:
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all: let the platform decide
        window.show()
        return
    available = screen.availableGeometry()
    if preferred.width() >= available.width() or preferred.height() >= available.height():
        window.showMaximized()
        # Without a window manager (a kiosk session, Xvfb) "maximised" is only a flag:
        # then the window is fitted by hand, its frame inside the area.
        frame, inner = window.frameGeometry(), window.geometry()
        if frame.size() != available.size() or not available.contains(frame):
            window.setGeometry(
                available.adjusted(
                    inner.left() - frame.left(),
                    inner.top() - frame.top(),
                    inner.right() - frame.right(),
                    inner.bottom() - frame.bottom(),
                )
            )
        return
    window.resize(preferred)
    frame = window.frameGeometry()
    frame.moveCenter(available.center())
    window.move(frame.topLeft())
    window.show()
