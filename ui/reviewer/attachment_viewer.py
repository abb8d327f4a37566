"""Shows one decrypted attachment from memory: PDF (QtPdf), image, or plain text.

Every displayed page carries a visible watermark with the reviewer's name and the
date, so that a photographed or leaked screen can be traced (保密). Attachments come
from outside: PDFs are limited in pages, images in dimensions and decoded size, and
text is shown as plain text, never as rich text. Nothing is written to disk.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImageReader, QPainter, QPaintEvent, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from ui.common.labels import plain_label

MAX_PDF_PAGES = 500
MAX_IMAGE_SIDE = 12_000
MAX_IMAGE_MEGAPIXELS = 60
MAX_TEXT_BYTES = 5 * 1024 * 1024


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
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(160, 0, 0, 60))
        font = QFont(self.font())
        font.setPointSize(18)
        painter.setFont(font)
        painter.rotate(-30)
        step_x, step_y = 420, 160
        for y in range(-self.width(), self.height() + self.width(), step_y):
            for x in range(-self.width(), self.width() * 2, step_x):
                painter.drawText(QRectF(x, y, step_x, step_y), self.text)
        painter.end()


class AttachmentRefused(ReviewerError):
    pass


class AttachmentViewer(QStackedWidget):
    def __init__(self, watermark: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.watermark_text = watermark
        self.message = plain_label(_("Choose a representative work or material to view it."))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("attachmentMessage")
        self.addWidget(self.message)

        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setObjectName("pdfView")
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.addWidget(self.pdf_view)

        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_scroll = QScrollArea()
        self.image_scroll.setWidget(self.image_label)
        self.image_scroll.setWidgetResizable(True)
        self.addWidget(self.image_scroll)

        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setObjectName("textView")
        self.addWidget(self.text_view)

        self.watermarks = [
            Watermark(self.pdf_view.viewport(), watermark),
            Watermark(self.image_scroll.viewport(), watermark),
            Watermark(self.text_view.viewport(), watermark),
        ]
        self._buffer: QBuffer | None = None

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.setCurrentWidget(self.message)

    def clear(self) -> None:
        self.pdf_document.close()
        self._buffer = None
        self.image_label.clear()
        self.text_view.clear()
        self.show_message(_("Choose a representative work or material to view it."))

    def show_attachment(self, data: bytes, media_type: str, name: str) -> None:
        """Show the bytes, or explain why not (the explanation is the return value of
        the refusal, shown in place of the attachment)."""
        try:
            if media_type == "application/pdf":
                self._show_pdf(data)
            elif media_type.startswith("image/"):
                self._show_image(data)
            elif media_type.startswith("text/"):
                self._show_text(data)
            else:
                raise AttachmentRefused(
                    _("{name}: files of type {type} cannot be shown here").format(
                        name=name, type=media_type
                    )
                )
        except AttachmentRefused as exc:
            self.show_message(str(exc))

    def _show_pdf(self, data: bytes) -> None:
        self.pdf_document.close()
        # The PDF is read from memory through a QBuffer: no temporary file.
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(self._buffer)
        if self.pdf_document.status() != QPdfDocument.Status.Ready:
            raise AttachmentRefused(_("this PDF is damaged or not a PDF, and cannot be shown"))
        if self.pdf_document.pageCount() > MAX_PDF_PAGES:
            pages = self.pdf_document.pageCount()
            self.pdf_document.close()
            raise AttachmentRefused(
                _("this PDF has {n} pages; at most {max} can be shown").format(
                    n=pages, max=MAX_PDF_PAGES
                )
            )
        self.setCurrentWidget(self.pdf_view)

    def _show_image(self, data: bytes) -> None:
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
        # Refuse by the declared size before decoding: a tiny file can claim a huge image.
        size = reader.size()
        if not size.isValid():
            raise AttachmentRefused(_("this image is damaged or of an unknown kind"))
        if (
            size.width() > MAX_IMAGE_SIDE
            or size.height() > MAX_IMAGE_SIDE
            or size.width() * size.height() > MAX_IMAGE_MEGAPIXELS * 1_000_000
        ):
            raise AttachmentRefused(
                _("this image is {w}×{h} pixels, larger than can be shown safely").format(
                    w=size.width(), h=size.height()
                )
            )
        reader.setAllocationLimit(MAX_IMAGE_MEGAPIXELS * 4)
        image = reader.read()
        if image.isNull():
            raise AttachmentRefused(_("this image is damaged or of an unknown kind"))
        self.image_label.setPixmap(QPixmap.fromImage(image))
        self.setCurrentWidget(self.image_scroll)

    def _show_text(self, data: bytes) -> None:
        if len(data) > MAX_TEXT_BYTES:
            raise AttachmentRefused(_("this text file is too large to show"))
        text = data.decode("utf-8", errors="replace")
        self.text_view.setPlainText(text)
        self.setCurrentWidget(self.text_view)


def watermark_text(reviewer: str, date: str) -> str:
    return _("{name} · {date} · confidential").format(name=reviewer, date=date)


__all__ = ["AttachmentViewer", "QVBoxLayout", "watermark_text"]
