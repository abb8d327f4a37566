"""A PDF to read: QtPdf's own view (``QPdfView``, every page in one scroll) under the
reading bar, with the keys a reader expects.

QPdfView does the rendering, the zoom (``zoomMode``, ``zoomFactor``) and the paging
(``pageNavigator().jump``); its navigator follows the scroll, which the page indicator
shows. PageUp / PageDown go a page back or on, Home / End to the first or last page,
while the keyboard is in the view. A zoom keeps the reviewer's place: the same share of
the document stays at the top. The document comes from memory (the attachment viewer
loads the reader's document from a QBuffer); nothing here touches a file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.reviewer.reading_bar import MAX_ZOOM, MIN_ZOOM, ReadingBar, ZoomMode, zoomed


class PdfReader(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pdfReader")
        # Made first, so deleted first: closing it signals a view that still exists.
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(ZoomMode.FitToWidth)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.view)
        self.bar = ReadingBar(self, pages=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)

        self.navigator = self.view.pageNavigator()
        self.navigator.currentPageChanged.connect(self._show_page)
        self.document.pageCountChanged.connect(self._show_page)
        self.view.zoomModeChanged.connect(self._show_zoom)
        self.view.zoomFactorChanged.connect(self._show_zoom)
        # A fitted zoom changes with the viewport's size (the window's, a scroll bar's).
        self.view.viewport().installEventFilter(self)

        self.bar.zoom_in.connect(lambda: self.set_zoom(zoomed(self.zoom_factor(), 1)))
        self.bar.zoom_out.connect(lambda: self.set_zoom(zoomed(self.zoom_factor(), -1)))
        self.bar.actual_size.connect(lambda: self.set_zoom(1.0))
        self.bar.fit.connect(self.set_fit)
        self.bar.page_chosen.connect(self.go_to)
        self.bar.page_entered.connect(self._page_entered)
        self.shortcuts: list[QShortcut] = []
        for key, go in (
            (Qt.Key.Key_PageDown, lambda: self.go_to(self.page + 1)),
            (Qt.Key.Key_PageUp, lambda: self.go_to(self.page - 1)),
            (Qt.Key.Key_Home, lambda: self.go_to(0)),
            (Qt.Key.Key_End, lambda: self.go_to(self.document.pageCount() - 1)),
        ):
            shortcut = QShortcut(QKeySequence(key), self.view)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(go)
            self.shortcuts.append(shortcut)
        self._show_zoom()
        self._show_page()

    @property
    def page(self) -> int:
        """The page at the top of the view, 0-based."""
        return self.navigator.currentPage()

    def started(self) -> None:
        """A new document is in: from its first page, in the zoom chosen last."""
        self.go_to(0)
        self._show_page()
        self._show_zoom()

    def go_to(self, page: int) -> None:
        count = self.document.pageCount()
        if count:
            self.navigator.jump(min(max(page, 0), count - 1), QPointF(), 0)

    def _page_entered(self, page: int) -> None:
        self.go_to(page)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)  # PageDown goes on from there

    # --- zoom -------------------------------------------------------------------------

    def zoom_factor(self) -> float:
        """The zoom on screen: the chosen factor, or the one a fit gives the page shown
        (QPdfView computes that inside its layout and does not say it)."""
        mode = self.view.zoomMode()
        if mode is ZoomMode.Custom or not self.document.pageCount():
            return self.view.zoomFactor()
        screen = QGuiApplication.primaryScreen()
        points = self.document.pagePointSize(max(self.page, 0))
        resolution = screen.logicalDotsPerInch() / 72.0 if screen else 1.0
        if points.width() <= 0 or points.height() <= 0:
            return 1.0
        margins, viewport = self.view.documentMargins(), self.view.viewport().size()
        width = (viewport.width() - margins.left() - margins.right()) / (
            points.width() * resolution
        )
        if mode is ZoomMode.FitToWidth:
            return max(width, 0.01)
        height = (viewport.height() - self.view.pageSpacing()) / (points.height() * resolution)
        return max(min(width, height), 0.01)

    def set_zoom(self, factor: float) -> None:
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        self._keeping_place(lambda: self._custom(factor))

    def _custom(self, factor: float) -> None:
        self.view.setZoomFactor(factor)
        self.view.setZoomMode(ZoomMode.Custom)

    def set_fit(self, mode: ZoomMode) -> None:
        self._keeping_place(lambda: self.view.setZoomMode(mode))
        self._show_zoom()

    def _keeping_place(self, change: Callable[[], object]) -> None:
        bar = self.view.verticalScrollBar()
        share = bar.value() / bar.maximum() if bar.maximum() else 0.0
        change()
        bar.setValue(round(share * bar.maximum()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._show_zoom()
        return False

    def _show_zoom(self, *_changed: object) -> None:
        self.bar.show_zoom(self.view.zoomMode(), self.zoom_factor())

    def _show_page(self, *_changed: object) -> None:
        self.bar.show_page(max(self.page, 0), self.document.pageCount())
