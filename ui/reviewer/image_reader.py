"""An image to read: fitted to the viewer at first (a small image is never enlarged
by a fit), zoomed by the reading bar's steps and keys, scrolled when larger than the
viewer.

The zoomed image is not made as a pixmap of its zoomed size (4× of a 60-megapixel
scan would take gigabytes): a canvas of that size paints only what is exposed, scaled
as it is drawn. The image itself is the one decoded from memory by the attachment
viewer; nothing here touches a file.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ui.reviewer.reading_bar import MAX_ZOOM, MIN_ZOOM, ReadingBar, ZoomMode, zoomed


class _Canvas(QWidget):
    """The image at the zoom, as large as that makes it."""

    def __init__(self) -> None:
        super().__init__()
        self.pixmap = QPixmap()
        self.setObjectName("imageCanvas")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        if self.pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setClipRect(event.rect())
        painter.drawPixmap(QRect(0, 0, self.width(), self.height()), self.pixmap)
        painter.end()


class ImageReader(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("imageReader")
        self.mode = ZoomMode.FitInView
        self.factor = 1.0
        self.canvas = _Canvas()
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("imageScroll")
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.scroll_area)
        self.scroll_area.viewport().installEventFilter(self)  # a fit follows the viewer's size
        self.bar = ReadingBar(self, pages=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.scroll_area, 1)
        self.bar.zoom_in.connect(lambda: self.set_zoom(zoomed(self.factor, 1)))
        self.bar.zoom_out.connect(lambda: self.set_zoom(zoomed(self.factor, -1)))
        self.bar.actual_size.connect(lambda: self.set_zoom(1.0))
        self.bar.fit.connect(self.set_fit)
        self._layout_image()

    @property
    def image_size(self) -> QSize:
        return self.canvas.pixmap.size()

    def show_pixmap(self, pixmap: QPixmap) -> None:
        """A new image: fitted to the viewer, whatever the last one was zoomed to."""
        self.canvas.pixmap = pixmap
        self.mode = ZoomMode.FitInView
        self._layout_image()

    def clear(self) -> None:
        self.canvas.pixmap = QPixmap()
        self._layout_image()

    def set_zoom(self, factor: float) -> None:
        self.mode = ZoomMode.Custom
        self.factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        self._layout_image()

    def set_fit(self, mode: ZoomMode) -> None:
        self.mode = mode
        self._layout_image()

    def _fitted(self) -> float:
        """The factor that fits the image to the viewer, at most its own size."""
        size = self.image_size
        if size.isEmpty():
            return 1.0
        room = self.scroll_area.maximumViewportSize()  # without scroll bars
        across = room.width() / size.width()
        if self.mode is ZoomMode.FitToWidth:
            if size.height() * across > room.height():  # a vertical bar will take room
                bar = self.scroll_area.verticalScrollBar().sizeHint().width()
                across = (room.width() - bar) / size.width()
            return max(min(across, 1.0), 0.01)
        return max(min(across, room.height() / size.height(), 1.0), 0.01)

    def _layout_image(self) -> None:
        if self.mode is not ZoomMode.Custom:
            self.factor = self._fitted()
        size = self.image_size
        self.canvas.resize(
            max(1, round(size.width() * self.factor)), max(1, round(size.height() * self.factor))
        )
        self.canvas.update()
        self.bar.show_zoom(self.mode, self.factor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if (
            watched is self.scroll_area.viewport()
            and event.type() == QEvent.Type.Resize
            and self.mode is not ZoomMode.Custom
        ):
            self._layout_image()
        return False
