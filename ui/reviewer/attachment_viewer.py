"""Shows one decrypted attachment from memory: PDF (QtPdf), image, plain text, or an
audio or video work in the player (``media_player``, read from a stream).

Every displayed page carries a visible watermark with the reviewer's name and the
date, so that a photographed or leaked screen can be traced (保密). Attachments come
from outside: PDFs are limited in pages, images in dimensions and decoded size, and
text is shown as plain text, never as rich text. Nothing is written to disk.

PDFs and images are read in ``pdf_reader`` and ``image_reader`` (zoom, fit, pages and
their keys, under the reading bar); the watermark lies over their viewports, so it stays
over the content at any zoom. Whatever is shown takes the keyboard, as a work does.

``displayed(key)`` says that what the caller asked for under ``key`` is now on screen:
a document once shown, a work once its first frame (a recording: its sound) came. A
type that cannot be shown, a refusal or a damaged work never emits it, so only what the
reviewer actually saw counts as viewed.

The player is made when the first work is played: Qt Multimedia is imported then, and
where it is missing the viewer says that works cannot be played here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from ui.common import worker
from ui.common.errors import error_text
from ui.common.labels import plain_label
from ui.reviewer.image_reader import ImageReader
from ui.reviewer.media_stream import DecryptedAttachment, MediaStream, is_media
from ui.reviewer.pdf_reader import PdfReader
from ui.reviewer.watermark import Watermark, watermark_text

if TYPE_CHECKING:
    from ui.reviewer.media_player import MediaPlayer

MAX_PDF_PAGES = 500
MAX_IMAGE_SIDE = 12_000
MAX_IMAGE_MEGAPIXELS = 60
MAX_TEXT_BYTES = 5 * 1024 * 1024


class AttachmentRefused(ReviewerError):
    pass


class AttachmentViewer(QStackedWidget):
    displayed = Signal(str)  # the key of what is now on screen
    watched = Signal(str, int, int)  # the key of a work, a span of it played (ms)

    def __init__(self, watermark: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.watermark_text = watermark
        self.player: MediaPlayer | None = None  # made for the first work played
        self.current_key = ""  # what is shown or being opened
        self._opening = 0  # bumped by everything shown: a stream opened late is closed
        self.message = plain_label(_("Choose a representative work or material to view it."))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("attachmentMessage")
        self.addWidget(self.message)

        self.pdf_reader = PdfReader()
        self.pdf_document, self.pdf_view = self.pdf_reader.document, self.pdf_reader.view
        self.addWidget(self.pdf_reader)

        self.image_reader = ImageReader()
        self.image_scroll = self.image_reader.scroll_area
        self.addWidget(self.image_reader)

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
        self.drop_media()
        self.current_key = ""
        self.message.setText(text)
        self.setCurrentWidget(self.message)

    def show_pending(self, text: str, key: str) -> None:
        """A message while ``key`` is being decrypted."""
        self.show_message(text)
        self.current_key = key

    def drop_media(self) -> None:
        """Stop a work and forget it (source, frame, device, stream); a stream still
        being opened is closed when it comes. The window's lock comes through here."""
        self._opening += 1
        if self.player is not None:
            self.player.drop()

    def clear(self) -> None:
        self.drop_media()
        self.pdf_document.close()
        self._buffer = None
        self.image_reader.clear()
        self.text_view.clear()
        self.show_message(_("Choose a representative work or material to view it."))

    def show_attachment(self, data: bytes, media_type: str, name: str, key: str = "") -> None:
        """Show the bytes, or explain why not (the refusal's message, shown in place of
        the attachment); ``displayed(key)`` once shown."""
        if is_media(media_type):
            self.show_media(
                lambda: DecryptedAttachment(data, media_type, name), media_type, name, key
            )
            return
        self.drop_media()
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
            return
        self.current_key = key
        self.focus_content()
        self.displayed.emit(key)

    def show_media(
        self, open_stream: Callable[[], MediaStream], media_type: str, name: str, key: str = ""
    ) -> None:
        """Open the work's stream on the worker (decrypting may take a moment), then play
        it; ``displayed(key)`` when its first frame (or sound) comes."""
        player = self._media_player()
        if player is None:
            self.show_message(
                _(
                    "{name}: audio and video cannot be played on this computer "
                    "(Qt Multimedia is not installed)."
                ).format(name=name)
            )
            return
        self.show_pending(_("Opening {name}…").format(name=name), key)
        opening = self._opening
        worker.run_task(
            lambda _ctx: open_stream(),
            lambda stream: self._play(opening, key, stream),
            lambda exc: self._not_opened(opening, exc),
        )

    def _play(self, opening: int, key: str, stream: MediaStream) -> None:
        if not shiboken6.isValid(self) or opening != self._opening or self.player is None:
            stream.close()  # another material was chosen, or the window locked, meanwhile
            return
        self.current_key = key
        self.player.play_stream(stream)
        self.setCurrentWidget(self.player)

    def _not_opened(self, opening: int, exc: Exception) -> None:
        if shiboken6.isValid(self) and opening == self._opening:
            self.show_message(error_text(exc))

    def _media_player(self) -> MediaPlayer | None:
        if self.player is None:
            try:
                from ui.reviewer.media_player import MediaPlayer
            except ImportError:  # an installation without Qt Multimedia
                return None
            self.player = MediaPlayer(self.watermark_text)
            self.player.displayed.connect(lambda: self.displayed.emit(self.current_key))
            self.player.watched.connect(lambda a, b: self.watched.emit(self.current_key, a, b))
            self.player.failed.connect(self.show_message)
            self.addWidget(self.player)
        return self.player

    def focus_content(self) -> None:
        """The keyboard to what is shown (its keys: paging, zoom, playing)."""
        shown = self.currentWidget()
        if shown is not None and shown is not self.message:
            shown.setFocus(Qt.FocusReason.OtherFocusReason)

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
        self.pdf_reader.started()
        self.setCurrentWidget(self.pdf_reader)

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
        self.image_reader.show_pixmap(QPixmap.fromImage(image))
        self.setCurrentWidget(self.image_reader)

    def _show_text(self, data: bytes) -> None:
        if len(data) > MAX_TEXT_BYTES:
            raise AttachmentRefused(_("this text file is too large to show"))
        text = data.decode("utf-8", errors="replace")
        self.text_view.setPlainText(text)
        self.setCurrentWidget(self.text_view)


__all__ = ["AttachmentViewer", "QVBoxLayout", "Watermark", "watermark_text"]
