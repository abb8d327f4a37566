"""Labels for text that may come from outside (packs, rubric files, names): always
plain text, never rich text, so nothing in it can be taken for markup."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def plain_label(text: str, *, bold: bool = False, quote: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    if quote:  # a passage of the plan, set off as a quotation
        label.setObjectName("planQuote")
        label.setStyleSheet(
            "QLabel#planQuote { background: #f6f1e7; border-left: 4px solid #b8860b;"
            " padding: 6px; color: #3a2f1b; }"
        )
    return label
