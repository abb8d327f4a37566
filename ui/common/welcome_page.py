"""The page a window shows before there is anything to work on: a line and one button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ui.common.labels import plain_label


class WelcomePage(QWidget):
    def __init__(self, on_click: Callable[[], None]):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.text = plain_label("")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.text)
        self.button = QPushButton()
        self.button.clicked.connect(on_click)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_texts(self, text: str, button: str) -> None:
        self.text.setText(text)
        self.button.setText(button)
