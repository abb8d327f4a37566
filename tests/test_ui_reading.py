"""Reading a dossier's documents: a PDF and an image zoomed, fitted and paged with real
key events sent to the widget that has the keyboard; the watermark over zoomed
content; the large viewer in the reviewer's window, left by Esc."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from reviewer.crypto.secret_store import MemorySecretStore
from reviewer.demo.practice import DEMO_PASSPHRASE
from ui.app import create_review_window
from ui.reviewer.attachment_viewer import AttachmentViewer
from ui.reviewer.reading_bar import MAX_ZOOM, ZoomMode

pytestmark = pytest.mark.usefixtures("synchronous_worker")

CTRL = Qt.KeyboardModifier.ControlModifier
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def five_pages() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in range(1, 6):
        pdf.drawString(100, 700, f"page {page}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def press(qtbot, key, modifier=NO_MODIFIER):
    """A key pressed where the keyboard is, as a reviewer presses it."""
    focused = QApplication.focusWidget()
    assert focused is not None, "nothing has the keyboard"
    qtbot.keyClick(focused, key, modifier)
    return focused


def shown(qtbot, data: bytes, media_type: str) -> AttachmentViewer:
    viewer = AttachmentViewer("张明华 · 2026-11-26 · 保密")
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    viewer.activateWindow()
    qtbot.waitExposed(viewer)
    viewer.show_attachment(data, media_type, "x", key="k")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return viewer


def reddish(widget) -> int:
    """Pixels of the watermark's red on the white of a page or an image."""
    image = widget.grab().toImage()
    return sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if (c := image.pixelColor(x, y)).red() - c.green() > 20
    )


def test_a_pdf_zooms_and_fits_by_keys_and_buttons(qtbot):
    viewer = shown(qtbot, five_pages(), "application/pdf")
    reader, view = viewer.pdf_reader, viewer.pdf_view
    assert viewer.currentWidget() is reader and QApplication.focusWidget() is view
    assert view.zoomMode() is ZoomMode.FitToWidth
    # A fit follows the viewer's size, and the bar says what it comes to.
    narrow = reader.zoom_factor()
    viewer.resize(1200, 600)
    QApplication.processEvents()
    fitted = reader.zoom_factor()
    assert fitted > narrow and reader.bar.zoom_label.text() == f"{round(fitted * 100)}%"
    press(qtbot, Qt.Key.Key_Equal, CTRL)
    assert view.zoomMode() is ZoomMode.Custom and view.zoomFactor() > fitted
    assert reader.bar.zoom_label.text() == f"{round(view.zoomFactor() * 100)}%"
    larger = view.zoomFactor()
    press(qtbot, Qt.Key.Key_Minus, CTRL)
    assert view.zoomFactor() < larger
    press(qtbot, Qt.Key.Key_0, CTRL)
    assert view.zoomFactor() == 1.0 and reader.bar.zoom_label.text() == "100%"
    for _ in range(12):  # bounded: a page is rendered whole at the zoom
        press(qtbot, Qt.Key.Key_Equal, CTRL)
    assert view.zoomFactor() == MAX_ZOOM
    assert not reader.bar.zoom_in_action.isEnabled()
    reader.bar.fit_page_action.trigger()
    assert view.zoomMode() is ZoomMode.FitInView and reader.bar.fit_page_action.isChecked()
    reader.bar.fit_width_action.trigger()
    assert view.zoomMode() is ZoomMode.FitToWidth
    assert not reader.bar.fit_page_action.isChecked()


def test_a_pdf_pages_by_keys_jumps_and_follows_the_scroll(qtbot):
    viewer = shown(qtbot, five_pages(), "application/pdf")
    reader, view = viewer.pdf_reader, viewer.pdf_view
    indicator = reader.bar.page_label
    assert indicator.text() == "第 1 / 5 页"
    press(qtbot, Qt.Key.Key_PageDown)
    assert indicator.text() == "第 2 / 5 页" and reader.page == 1
    press(qtbot, Qt.Key.Key_End)
    assert indicator.text() == "第 5 / 5 页"
    press(qtbot, Qt.Key.Key_PageUp)
    assert indicator.text() == "第 4 / 5 页"
    press(qtbot, Qt.Key.Key_Home)
    assert indicator.text() == "第 1 / 5 页"
    press(qtbot, Qt.Key.Key_J, CTRL)  # to the page box
    box = QApplication.focusWidget()
    assert box is reader.bar.page_box
    qtbot.keyClicks(box, "3")
    press(qtbot, Qt.Key.Key_Return)
    assert indicator.text() == "第 3 / 5 页" and reader.page == 2
    assert QApplication.focusWidget() is view  # PageDown goes on from page 3
    press(qtbot, Qt.Key.Key_PageDown)
    assert indicator.text() == "第 4 / 5 页"
    press(qtbot, Qt.Key.Key_J, CTRL)
    press(qtbot, Qt.Key.Key_Up)  # in the page box: a page on, the keyboard stays there
    assert indicator.text() == "第 5 / 5 页" and QApplication.focusWidget() is box
    press(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is view
    # Scrolling moves the indicator too, and a zoom keeps the place.
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    assert indicator.text() == "第 3 / 5 页" and reader.bar.page_box.value() == 3
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Equal, CTRL)
    QApplication.processEvents()  # the view lays the pages out again
    assert reader.page == 2 and indicator.text() == "第 3 / 5 页"


def test_the_watermark_stays_over_zoomed_and_scrolled_content(qtbot):
    viewer = shown(qtbot, five_pages(), "application/pdf")
    view = viewer.pdf_view
    for _ in range(4):
        press(qtbot, Qt.Key.Key_Equal, CTRL)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 3)
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum())
    mark = viewer.watermarks[0]
    assert mark.geometry() == view.viewport().rect() and mark.isVisible()
    assert reddish(view.viewport()) > 100
    mark.hide()  # the check sees the watermark, not the page
    assert reddish(view.viewport()) == 0


def test_an_image_is_fitted_then_zoomed_and_scrolled(qtbot):
    viewer = shown(qtbot, png(1600, 1000), "image/png")
    reader = viewer.image_reader
    assert viewer.currentWidget() is reader and QApplication.focusWidget() is reader.scroll_area
    room = reader.scroll_area.viewport().size()
    assert reader.mode is ZoomMode.FitInView and reader.factor < 1
    assert reader.canvas.width() <= room.width() and reader.canvas.height() <= room.height()
    assert reader.scroll_area.horizontalScrollBar().maximum() == 0
    fitted = reader.factor
    press(qtbot, Qt.Key.Key_Plus, CTRL)
    assert reader.mode is ZoomMode.Custom and reader.factor > fitted
    press(qtbot, Qt.Key.Key_0, CTRL)
    assert reader.factor == 1.0 and reader.canvas.size() == reader.image_size
    assert reader.scroll_area.horizontalScrollBar().maximum() > 0  # larger: it scrolls
    press(qtbot, Qt.Key.Key_Equal, CTRL)
    assert reader.canvas.width() == round(1600 * reader.factor) > 1600
    press(qtbot, Qt.Key.Key_Minus, CTRL)
    press(qtbot, Qt.Key.Key_Minus, CTRL)
    assert reader.factor < 1.0
    reader.bar.fit_width_action.trigger()
    assert reader.mode is ZoomMode.FitToWidth
    assert reader.canvas.width() <= reader.scroll_area.viewport().width()
    mark = viewer.watermarks[1]
    assert mark.geometry() == reader.scroll_area.viewport().rect()
    assert reddish(reader.scroll_area.viewport()) > 100
    # A small image is not enlarged by the fit; a new image is fitted again.
    viewer.show_attachment(png(200, 100), "image/png", "small.png")
    assert reader.mode is ZoomMode.FitInView and reader.factor == 1.0


@pytest.fixture
def window(qtbot, reviewer_home, demo, messages):
    w = create_review_window(
        QApplication.instance(), reviewer_home, demo.pack, "zh", MemorySecretStore()
    )
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    w.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
    w.lock_screen.button.click()
    assert w.candidate_list is not None, messages
    return w


def test_the_large_viewer_hides_the_list_and_the_form_and_esc_restores_them(qtbot, window):
    window.show_candidate("C003")  # its works are two-page PDFs
    page = window.pages["C003"]
    page.conflict.no_conflict.click()
    page.materials.itemClicked.emit(page.materials.item(0))
    viewer = page.viewer
    assert viewer.currentWidget() is viewer.pdf_reader
    work = window.work
    outer, inner = work.sizes(), page.work.sizes()
    assert window.large_viewer_action in window.menuBar().actions()[2].menu().actions()
    press(qtbot, Qt.Key.Key_F11)
    assert window.large_viewer_action.isChecked()
    assert window.candidate_list.isHidden() and page.scoring.isHidden()
    qtbot.waitUntil(lambda: page.viewer.width() > inner[0] * 1.5)  # the material takes the room
    assert QApplication.focusWidget() is viewer.pdf_view
    press(qtbot, Qt.Key.Key_PageDown)
    assert viewer.pdf_reader.bar.page_label.text() == "第 2 / 2 页"
    press(qtbot, Qt.Key.Key_Escape)
    assert not window.large_viewer_action.isChecked()
    assert window.candidate_list.isVisible() and page.scoring.isVisible()
    assert work.sizes() == outer and page.work.sizes() == inner
    press(qtbot, Qt.Key.Key_F, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.candidate_list.isHidden()
    # Locking ends it: after unlocking the work opens whole.
    window.lock_action.trigger()
    assert not window.large_viewer_action.isChecked()
    window.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
    window.lock_screen.button.click()
    assert window.candidate_list.isVisible() and not window.work.large_viewer
