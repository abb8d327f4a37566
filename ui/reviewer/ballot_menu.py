"""The 投票 menu of the reviewer's window. Light on purpose: the window paints before the
crypto stack is imported, so the ballot window is imported only when it is opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QMenuBar, QWidget

from reviewer.base.i18n import _

if TYPE_CHECKING:
    from reviewer.station.workstation import Workstation

WINDOW_NAME = "ballotWindow"


def install_ballot_menu(
    parent: QWidget, bar: QMenuBar, unlocked_station: Callable[[], Workstation | None]
) -> None:
    """The menu; ``unlocked_station`` is the reviewer's workstation while unlocked, else
    None, and the menu's entry works only then."""
    menu = bar.addMenu(_("&Ballot"))
    menu.setObjectName("ballotMenu")
    action = menu.addAction(_("&Secret ballot of the meeting…"))
    action.setObjectName("secretBallot")

    def opened() -> None:
        from ui.reviewer.ballot_window import open_ballot_window

        station = unlocked_station()
        if station is not None:
            open_ballot_window(parent, station)

    menu.aboutToShow.connect(lambda: action.setEnabled(unlocked_station() is not None))
    action.triggered.connect(opened)


def close_ballot_window(parent: QWidget) -> None:
    """At a lock or when the reviewer's window closes: the ballot window goes, and the
    marks on it with it."""
    for window in parent.findChildren(QDialog, WINDOW_NAME):
        window.close()
