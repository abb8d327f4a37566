"""The summary PDF previewed in the secretariat window, from memory."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from reviewer.secretariat.aggregate import AggregateResult
from ui.common.labels import plain_label


class SummaryPreview(QWidget):
    """The summary PDF (with its charts) as the reports will hold it, from memory."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("summaryPreview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = plain_label("")
        layout.addWidget(self.note)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        layout.addWidget(self.view, 1)
        self._bytes = QByteArray()
        self._buffer: QBuffer | None = None
        self.result: AggregateResult | None = None

    def set_pdf(self, result: AggregateResult, pdf: bytes) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
        # The buffer must outlive the document's use of it: both are kept here.
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.result = result

    def clear(self) -> None:
        self.document.close()
        self.result = None
