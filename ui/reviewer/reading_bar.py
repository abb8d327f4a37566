"""The reading controls above a PDF or an image: zoom out and in, actual size, fit width,
fit page, the zoom shown in percent, and for a PDF the page box and "page n of m".

Their keys (Ctrl+= or Ctrl++, Ctrl+-, Ctrl+0; Ctrl+J for the page box) work wherever
the keyboard is inside the reader the bar belongs to, and only there: the window's own
shortcuts (Ctrl+G is the scores at a glance) stay what they are elsewhere. The zoom goes
by fixed steps, bounded: a PDF page is rendered whole at the chosen size, so 4× of an A4
page is already some 60 MB.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QAbstractSpinBox, QLabel, QSpinBox, QToolBar, QWidget

from reviewer.base.i18n import _

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
MIN_ZOOM, MAX_ZOOM = ZOOM_STEPS[0], ZOOM_STEPS[-1]

ZoomMode = QPdfView.ZoomMode  # one notion of "fit" for both readers


def zoomed(factor: float, direction: int) -> float:
    """The next step above (``direction`` > 0) or below ``factor``; a factor between
    steps (a fitted one) goes to the nearest step that way."""
    if direction > 0:
        return next((s for s in ZOOM_STEPS if s > factor * 1.01), MAX_ZOOM)
    return next((s for s in reversed(ZOOM_STEPS) if s < factor * 0.99), MIN_ZOOM)


class ReadingBar(QToolBar):
    zoom_in = Signal()
    zoom_out = Signal()
    actual_size = Signal()
    fit = Signal(ZoomMode)  # FitToWidth or FitInView
    page_chosen = Signal(int)  # 0-based: the page box changed (typed, or ↑/↓)
    page_entered = Signal(int)  # 0-based: Enter in the page box (reading goes on there)

    def __init__(self, reader: QWidget, pages: bool):
        """``reader``: the widget inside which the keys work; ``pages``: show the page
        box and the page indicator (a PDF)."""
        super().__init__()
        self.setObjectName("readingBar")
        self.setFloatable(False)
        self.setMovable(False)
        self.zoom_out_action = self._action(
            reader, "zoomOut", "−", _("Zoom out"), ["Ctrl+-"], self.zoom_out.emit
        )
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.zoom_label)
        self.zoom_in_action = self._action(
            reader, "zoomIn", "+", _("Zoom in"), ["Ctrl+=", "Ctrl++"], self.zoom_in.emit
        )
        self.actual_size_action = self._action(
            reader,
            "actualSize",
            _("Actual size"),
            _("Actual size"),
            ["Ctrl+0"],
            self.actual_size.emit,
        )
        self.addSeparator()
        self.fit_width_action = self._action(
            reader,
            "fitWidth",
            _("Fit width"),
            _("Fit width"),
            [],
            lambda: self.fit.emit(ZoomMode.FitToWidth),
        )
        self.fit_page_action = self._action(
            reader,
            "fitPage",
            _("Fit page"),
            _("Fit the whole page"),
            [],
            lambda: self.fit.emit(ZoomMode.FitInView),
        )
        for action in (self.fit_width_action, self.fit_page_action):
            action.setCheckable(True)
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setKeyboardTracking(False)  # typing "12" does not stop at page 1
        self.page_box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.page_box.setToolTip(_("Go to page (Ctrl+J), then Enter"))
        self.page_box.setAccessibleName(_("Go to page"))
        self.page_box.valueChanged.connect(lambda n: self.page_chosen.emit(n - 1))
        self.page_box.lineEdit().returnPressed.connect(
            lambda: self.page_entered.emit(self.page_box.value() - 1)
        )
        self.page_label = QLabel()
        self.page_label.setObjectName("pageIndicator")
        if pages:
            self.addSeparator()
            self.addWidget(self.page_box)
            self.addWidget(self.page_label)
            go_to_page = QAction(_("Go to page"), reader)
            go_to_page.setShortcut("Ctrl+J")
            go_to_page.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            go_to_page.triggered.connect(self._to_page_box)
            reader.addAction(go_to_page)

    def _action(
        self,
        reader: QWidget,
        name: str,
        text: str,
        tip: str,
        keys: list[str],
        slot: Callable[[], object],
    ) -> QAction:
        action = QAction(text, reader)
        action.setObjectName(name)
        shortcuts = [QKeySequence(k) for k in keys]
        action.setShortcuts(shortcuts)
        # The keys belong to this reader only: another reader (hidden) has the same.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shown = " / ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.triggered.connect(lambda _checked=False: slot())
        reader.addAction(action)
        self.addAction(action)
        return action

    def _to_page_box(self) -> None:
        self.page_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.page_box.selectAll()

    def show_zoom(self, mode: ZoomMode, factor: float) -> None:
        """Say the zoom in use: the percentage, and which fit (if any) is on."""
        self.zoom_label.setText(f"{round(factor * 100)}%")
        self.fit_width_action.setChecked(mode is ZoomMode.FitToWidth)
        self.fit_page_action.setChecked(mode is ZoomMode.FitInView)
        self.zoom_in_action.setEnabled(factor < MAX_ZOOM * 0.99)
        self.zoom_out_action.setEnabled(factor > MIN_ZOOM * 1.01)

    def show_page(self, page: int, count: int) -> None:
        """``page`` 0-based, as QtPdf counts; the reviewer reads from 1."""
        self.page_box.blockSignals(True)  # following the scroll is not choosing a page
        self.page_box.setRange(1, max(1, count))
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.page_label.setText(_("Page {page} of {count}").format(page=page + 1, count=count))
