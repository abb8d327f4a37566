"""Menu actions, built the same way in every window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from reviewer.base.i18n import LANGUAGES, _, language


def add_action(
    parent: QWidget,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: str | QKeySequence.StandardKey | None = None,
) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(shortcut)
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def add_language_menu(parent: QWidget, menu: QMenu, choose: Callable[[str], object]) -> None:
    """*Language* under ``menu``: one checkable entry per language, the current one
    checked; choosing one calls ``choose(code)``."""
    languages = menu.addMenu(_("&Language"))
    group = QActionGroup(parent)
    for code, name in LANGUAGES.items():
        action = QAction(name, parent, checkable=True)
        action.setChecked(code == language())
        action.triggered.connect(lambda _checked=False, c=code: choose(c))
        group.addAction(action)
        languages.addAction(action)
