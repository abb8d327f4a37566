"""The reviewer's watermark: their name, the date and "confidential", repeated at a
slant over whatever shows a dossier's material (保密), so that a photographed or leaked
screen can be traced to the laptop it was shown on.

``paint_watermark`` draws it with a given painter, so that a document's viewport (the
``Watermark`` layer) and the video player's frame (drawn in the same paint as the
video, ``ui.reviewer.media_player``) carry the same text and look.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from reviewer.base.i18n import _

COLOUR = QColor(160, 0, 0, 60)
POINT_SIZE = 18
STEP_X, STEP_Y = 420, 160


def watermark_text(reviewer: str, date: str) -> str:
    return _("{name} · {date} · confidential").format(name=reviewer, date=date)


def paint_watermark(painter: QPainter, width: int, height: int, text: str, font: QFont) -> None:
    """Repeat ``text`` over a ``width`` × ``height`` area from the painter's origin."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(COLOUR)
    font = QFont(font)
    font.setPointSize(POINT_SIZE)
    painter.setFont(font)
    painter.rotate(-30)
    for y in range(-width, height + width, STEP_Y):
        for x in range(-width, width * 2, STEP_X):
            painter.drawText(QRectF(x, y, STEP_X, STEP_Y), text)
    painter.restore()


class Watermark(QWidget):
    """A transparent layer over a viewer's viewport, repeating the watermark text."""

    def __init__(self, parent: QWidget, text: str):
        super().__init__(parent)
        self.text = text
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setObjectName("watermark")
        parent.installEventFilter(self)
        self.resize(parent.size())
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if (
            watched is self.parent()
            and isinstance(watched, QWidget)
            and event.type() == QEvent.Type.Resize
        ):
            self.resize(watched.size())
            self.raise_()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        paint_watermark(painter, self.width(), self.height(), self.text, self.font())
        painter.end()
