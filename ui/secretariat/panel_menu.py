"""The secretariat window's 专家与分组 menu: the expert draw, the conflicts of interest and
the assignment, each a dialog on the open session. Kept out of window.py, which only
installs the menu and enables it with the other set-up actions."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from reviewer.base.i18n import _
from reviewer.people.session import Session
from ui.common.actions import add_action
from ui.secretariat.assignment_dialog import AssignmentDialog
from ui.secretariat.conflicts_dialog import ConflictsDialog
from ui.secretariat.draw_dialog import DrawDialog


class _Window(Protocol):
    @property
    def session(self) -> Session | None: ...

    @property
    def busy(self) -> bool: ...


def add_panel_menu(window: QMainWindow) -> list[QAction]:
    """The menu, after Session set-up; returns its actions, enabled with a session."""
    menu = window.menuBar().addMenu(_("&Panels"))

    def opened(dialog: type[DrawDialog | ConflictsDialog | AssignmentDialog]) -> None:
        owner: _Window = window  # type: ignore[assignment]
        session = owner.session
        if session is None or owner.busy:
            return
        dialog(session, window).exec()
        reload = getattr(window, "secretariat", None)
        if reload is not None:
            reload.reload_session()  # a draw or a decision may have changed the folder

    return [
        add_action(window, menu, _("Expert &draw…"), lambda: opened(DrawDialog)),
        add_action(window, menu, _("&Conflicts…"), lambda: opened(ConflictsDialog)),
        add_action(window, menu, _("&Assignment…"), lambda: opened(AssignmentDialog)),
    ]
