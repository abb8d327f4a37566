"""Qt's own dialogs speak the app's language, every label of them (#15)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QFileDialog, QLabel, QTreeView

from ui.common.translation import Translations

_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
_MODES = {
    "open": (QFileDialog.FileMode.ExistingFile, QFileDialog.AcceptMode.AcceptOpen),
    "save": (QFileDialog.FileMode.AnyFile, QFileDialog.AcceptMode.AcceptSave),
    "folder": (QFileDialog.FileMode.Directory, QFileDialog.AcceptMode.AcceptOpen),
}


def _texts(dialog: QFileDialog) -> list[str]:
    """Everything the dialog shows in words: labels, buttons, tooltips, list headers and
    the type filter (not the folder path, which is the user's)."""
    texts: list[str] = []
    for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
        if widget.isVisible():
            texts += [widget.text(), widget.toolTip()]
    for combo in dialog.findChildren(QComboBox):
        if combo.isVisible() and combo.objectName() != "lookInCombo":
            texts += [combo.itemText(i) for i in range(combo.count())]
    model = dialog.findChild(QTreeView).model()
    texts += [
        str(model.headerData(i, Qt.Orientation.Horizontal)) for i in range(model.columnCount())
    ]
    return [t for t in texts if t]


@pytest.mark.parametrize("mode", list(_MODES))
def test_qt_s_file_dialog_is_chinese_throughout(qtbot, qapp, tmp_path, mode):
    """qtbase_zh_CN leaves "Look in:" and "Files of type:" in English; the app fills
    them from its own catalogue, and hands every other string to qtbase."""
    translations = Translations(qapp)
    translations.apply("zh_CN")
    try:
        file_mode, accept = _MODES[mode]
        dialog = QFileDialog(None, "", str(tmp_path))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own, as on Linux
        dialog.setFileMode(file_mode)
        dialog.setAcceptMode(accept)
        qtbot.addWidget(dialog)
        dialog.show()
        texts = _texts(dialog)
        assert any("查找范围" in t for t in texts) and any("后退" in t for t in texts), texts
        assert not [t for t in texts if _ENGLISH_WORD.search(t)], texts
        # In English, the same dialog is English again (the translator goes away).
        translations.apply("en")
        dialog.close()
        english = QFileDialog(None, "", str(tmp_path))
        english.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(english)
        english.show()
        assert any("Look in" in t for t in _texts(english))
    finally:
        translations.apply("en")
