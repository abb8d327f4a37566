"""The window's own shortcuts win over a text field's.

A line edit takes Ctrl+Z for its own undo and, on Linux, Ctrl+E for "end of line": in
the scoring form the reviewer then cannot undo a review edit or sign the sheet from the
field they are typing in. ``keep_window_keys`` makes chosen key sequences go to the
window's actions from any field below a widget: the field's ShortcutOverride is
refused, and ``before`` (deliver what is still being typed) runs first, so an undo
undoes the text just typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QWidget

_FIELDS = (QLineEdit, QPlainTextEdit, QAbstractSpinBox)


class _WindowKeys(QObject):
    def __init__(self, parent: QWidget, keys: Iterable[QKeySequence], before: Callable[[], object]):
        super().__init__(parent)
        self._keys = [k for k in keys if not k.isEmpty()]
        self._before = before

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if any(pressed.matches(k) == QKeySequence.SequenceMatch.ExactMatch for k in self._keys):
                self._before()
                return True  # not accepted: the shortcut system gives it to the window
        return False


def keep_window_keys(
    root: QWidget, keys: Iterable[QKeySequence], before: Callable[[], object] = lambda: None
) -> None:
    """Route ``keys`` to the window from every text field below ``root``."""
    keeper = _WindowKeys(root, keys, before)
    for kind in _FIELDS:
        for field in root.findChildren(kind):
            field.installEventFilter(keeper)
            if isinstance(field, QAbstractSpinBox):
                field.lineEdit().installEventFilter(keeper)
