"""The reviewer's window, driven as a committee member would, with real widgets."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from reviewer.crypto.secret_store import MemorySecretStore
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.review.scoring import Conflict
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.workspace.model import Status
from ui.app import create_review_window
from ui.common import worker
from ui.reviewer.attachment_viewer import AttachmentViewer

# Tasks run inline unless a test switches to the threads (tests/ui_fixtures.py).
pytestmark = pytest.mark.usefixtures("synchronous_worker")


def open_window(qtbot, home, pack, store=None):
    window = create_review_window(
        QApplication.instance(), home, pack, "zh", store or MemorySecretStore()
    )
    qtbot.addWidget(window)
    window.show()
    return window


def unlock(window, passphrase=DEMO_PASSPHRASE):
    window.lock_screen.passphrase.setText(passphrase)
    window.lock_screen.button.click()


@pytest.fixture
def window(qtbot, reviewer_home, demo, messages):
    w = open_window(qtbot, reviewer_home, demo.pack)
    unlock(w)
    assert w.candidate_list is not None, messages
    return w


def type_chinese(widget, text):
    """Chinese is typed through an input method, which commits whole words; QTest's key
    clicks know ASCII only, so send what an IME sends."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def page_for(window, candidate_id):
    window.show_candidate(candidate_id)
    return window.pages[candidate_id]


def test_opening_shows_who_issued_the_pack(window):
    assert "秘书处" in window.status.text()
    assert window.candidate_list.model.rowCount() == 6
    assert window.candidate_list.counts.text() == "0 / 6 已完成"


def test_score_a_candidate_by_keyboard_only(window, qtbot):
    window.activateWindow()
    page = page_for(window, "C001")
    page.conflict.no_conflict.setFocus()
    qtbot.keyClick(page.conflict.no_conflict, Qt.Key.Key_Space)
    assert page.stack.currentWidget() is page.work
    panel = page.panel
    for row in panel.check_rows.values():
        passed = row.group.buttons()[0]
        passed.setFocus()
        qtbot.keyClick(passed, Qt.Key.Key_Space)
    for box in panel.score_boxes.values():
        box.setFocus()
        box.selectAll()
        qtbot.keyClicks(box, "8")
        qtbot.keyClick(box, Qt.Key.Key_Return)
    first = next(iter(panel.score_boxes.values()))
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Up)  # one step up: 8 -> 8.5
    panel.opinion.setFocus()
    type_chinese(panel.opinion, "代表作影响广泛")
    panel.flush()
    panel.recommendation.setFocus()
    qtbot.keyClick(panel.recommendation, Qt.Key.Key_Down)
    review = window.station.workspace.review(window.pack_id, "C001")
    assert review.conflict is Conflict.NONE
    assert review.checks[CheckKind.ETHICS].result is CheckResult.PASS
    assert review.scores[first.criterion.id] == Decimal("8.5")
    assert review.opinion == "代表作影响广泛"
    assert review.recommendation == "recommend"
    evaluation = window.station.workspace.evaluation(window.pack_id, "C001")
    assert evaluation.complete
    assert "总分" in panel.total_label.text() or "Total" in panel.total_label.text()
    assert window.candidate_list.model.entries[0].status is Status.COMPLETE
    assert window.candidate_list.counts.text() == "1 / 6 已完成"


def test_recuse_locks_scoring_and_keeps_materials_closed(window):
    page = page_for(window, "C002")
    page.conflict.reason.setText("曾为其指导老师")
    page.conflict.recuse.click()
    assert page.stack.currentWidget() is page.recused_label
    assert "曾为其指导老师" in page.recused_label.text()
    assert page.materials.count() == 0  # never listed, never decrypted
    entry = next(e for e in window.candidate_list.model.entries if e.candidate_id == "C002")
    assert entry.status is Status.RECUSED


def test_veto_greys_out_scoring_and_says_why(window):
    page = page_for(window, "C003")
    page.conflict.no_conflict.click()
    row = page.panel.check_rows[CheckKind.ETHICS]
    row.note.setText("存在学术不端")
    row.group.buttons()[2].click()  # 不通过
    assert not page.panel.criteria_box.isEnabled()
    assert "一票否决" in page.panel.veto_label.text()
    review = window.station.workspace.review(window.pack_id, "C003")
    assert review.checks[CheckKind.ETHICS].result is CheckResult.FAIL
    assert review.checks[CheckKind.ETHICS].note == "存在学术不端"


def test_undo_and_redo(window):
    page = page_for(window, "C004")
    page.conflict.no_conflict.click()
    box = next(iter(page.panel.score_boxes.values()))
    box.setValue(7.0)
    box.setValue(9.0)
    cid = box.criterion.id
    saved = lambda: window.station.workspace.review(window.pack_id, "C004").scores.get(cid)  # noqa: E731
    assert saved() == Decimal(9)
    window.undo_action.trigger()
    assert saved() == Decimal(7) and box.value() == 7.0
    window.undo_action.trigger()
    assert saved() is None
    window.redo_action.trigger()
    assert saved() == Decimal(7)


def test_lock_button_hides_everything_and_unlock_restores(window, qtbot):
    page_for(window, "C001").conflict.no_conflict.click()
    window.lock_action.trigger()
    assert window.stack.currentWidget() is window.lock_screen
    assert not window.station.unlocked and window.pages == {} and window.work is None
    unlock(window, "wrong passphrase")
    assert not window.station.unlocked
    assert window.lock_screen.error.text() == "口令错误"
    unlock(window)
    assert window.station.unlocked and window.candidate_list is not None
    entry = window.candidate_list.model.entries[0]
    assert entry.status is Status.IN_PROGRESS


def test_idle_timeout_locks(window, qtbot):
    window.idle.set_timeout_ms(150)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_screen, timeout=3000)
    assert not window.station.unlocked


def test_refused_pack_shows_the_reason(window, tmp_path, messages):
    bad = tmp_path / "bad.rvpack"
    bad.write_bytes(b"this is not a zip file at all")
    window.open_pack(bad)
    assert messages and messages[-1].startswith("warning:")
    assert window.candidate_list is not None  # the open pack stays usable


def test_restart_keeps_every_change(qtbot, reviewer_home, demo, messages):
    first = open_window(qtbot, reviewer_home, demo.pack)
    unlock(first)
    page = page_for(first, "C005")
    page.conflict.no_conflict.click()
    page.panel.opinion.setPlainText("重启后仍在")
    page.panel.flush()
    box = next(iter(page.panel.score_boxes.values()))
    box.setValue(6.5)
    first.close()

    second = open_window(qtbot, reviewer_home, demo.pack)
    unlock(second)
    page = page_for(second, "C005")
    assert page.stack.currentWidget() is page.work
    assert page.panel.opinion.toPlainText() == "重启后仍在"
    assert next(iter(page.panel.score_boxes.values())).value() == 6.5


def test_remembered_passphrase_unlocks_at_start_only(qtbot, reviewer_home, demo, messages):
    store = MemorySecretStore()
    window = open_window(qtbot, reviewer_home, demo.pack, store)
    window.lock_screen.remember.setChecked(True)
    unlock(window)
    window.close()
    again = open_window(qtbot, reviewer_home, demo.pack, store)
    qtbot.waitUntil(lambda: again.unlocked)  # remembered: no prompt at start
    again.lock_action.trigger()
    assert not again.station.unlocked  # but a lock always asks again


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10))


@pytest.mark.parametrize(
    ("data", "media_type", "expected"),
    [
        (b"%PDF-1.7\n garbage that is not a pdf", "application/pdf", "PDF"),
        (_png_header(100_000, 100_000), "image/png", "100000×100000"),
        (b"\x00\x01 not an image", "image/png", ""),
        (b"x", "application/x-msdownload", "application/x-msdownload"),
    ],
)
def test_hostile_attachments_are_refused_with_a_reason(qtbot, data, media_type, expected, english):
    viewer = AttachmentViewer("张明华 · 2026-11-26")
    qtbot.addWidget(viewer)
    viewer.show_attachment(data, media_type, "x")
    assert viewer.currentWidget() is viewer.message
    assert expected in viewer.message.text()


def test_text_attachment_is_plain_text(qtbot):
    viewer = AttachmentViewer("张明华")
    qtbot.addWidget(viewer)
    viewer.show_attachment("<b>不是粗体</b>".encode(), "text/plain", "a.txt")
    assert viewer.currentWidget() is viewer.text_view
    assert viewer.text_view.toPlainText() == "<b>不是粗体</b>"


def test_watermark_covers_the_viewer(qtbot):
    viewer = AttachmentViewer("张明华 · 2026-11-26")
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    for mark in viewer.watermarks:
        assert mark.text == "张明华 · 2026-11-26"
        assert mark.size() == mark.parentWidget().size()


def test_window_paints_locked_first_and_a_passphrase_typed_early_is_used(
    qtbot, reviewer_home, demo, messages
):
    """The real (threaded) worker: the lock screen is up before the core has loaded; a
    passphrase entered meanwhile unlocks as soon as loading finishes."""
    worker.set_synchronous(False)
    window = open_window(qtbot, reviewer_home, None)
    assert window.station is None  # nothing heavy yet: the window comes first
    assert window.lock_screen.title.text() == "已锁定"
    unlock(window)  # typed at once, before the first paint even
    assert window.lock_screen.error.text() == "正在解锁…"
    # `unlocked` is set by the worker's result before the window changes screens.
    qtbot.waitUntil(
        lambda: window.unlocked and window.stack.currentWidget() is window.welcome,
        timeout=20_000,
    )
    assert window.lock_screen.title.text().endswith(window.station.name)
    assert window.stack.currentWidget() is window.welcome
    assert not messages


def test_a_damaged_workspace_found_while_loading_is_reported(qtbot, reviewer_home, messages):
    first = open_window(qtbot, reviewer_home, None)
    unlock(first)
    assert first.unlocked
    first.close()
    db = reviewer_home / "workspace" / "workspace.db"
    db.write_bytes(b"not a database!!" + db.read_bytes()[16:])
    window = open_window(qtbot, reviewer_home, None)
    unlock(window)  # starts loading (synchronous here), which finds the damage
    assert window.station is None and not window.isVisible()
    assert "损坏" in window.load_error  # reviewer-app then exits with status 1
    assert messages and messages[-1].startswith("critical:") and "损坏" in messages[-1]
    assert db.read_bytes().startswith(b"not a database!!")  # reported, left alone


def _wheel(widget, notches=-3):
    """A real wheel turn over ``widget`` (negative: towards the user, i.e. scroll down)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_never_changes_a_value_without_focus(window, qtbot):
    """Scrolling the panel past a score or the recommendation leaves them alone, and
    scrolls instead; a focused box still takes the wheel."""
    page = page_for(window, "C006")
    page.conflict.no_conflict.click()
    panel = page.panel
    box = next(iter(panel.score_boxes.values()))
    box.setValue(8.0)
    panel.recommendation.setCurrentIndex(1)
    panel.opinion.setFocus()
    saved = window.station.workspace.review(window.pack_id, "C006")
    for widget in (box, panel.recommendation):
        assert not widget.hasFocus()
        _wheel(widget, -3)
        _wheel(widget, 3)
    assert box.value() == 8.0 and panel.recommendation.currentIndex() == 1
    assert window.station.workspace.review(window.pack_id, "C006") == saved

    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    _wheel(box, 1)
    assert box.value() == 8.5


def _type_score(qtbot, box, text):
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_a_typed_score_off_the_step_or_range_is_kept_and_called_wrong(window, qtbot, messages):
    """'7.3', '11', '85' are never rounded or clamped: kept on screen as typed, shown in
    red beside the field and in what is missing, never saved or signed; Up/Down then go
    to the nearest valid score."""
    window.activateWindow()
    page = page_for(window, "C006")
    page.conflict.no_conflict.click()
    panel = page.panel
    box = next(iter(panel.score_boxes.values()))
    cid = box.criterion.id
    label = panel.problem_labels[cid]
    saved = lambda: window.station.workspace.review(window.pack_id, "C006").scores.get(cid)  # noqa: E731

    _type_score(qtbot, box, "8")
    assert saved() == Decimal(8)

    _type_score(qtbot, box, "7.3")
    assert box.text() == "7.3" and saved() == Decimal(8)  # kept on screen, not saved
    assert "7.3" in label.text() and "0.5" in label.text(), label.text()
    assert label.isVisible() and not panel.level_labels[cid].text()
    assert box.property("problem") is True
    missing = [panel.missing.item(i).text() for i in range(panel.missing.count())]
    assert any("7.3" in m for m in missing), missing
    # Another edit meanwhile is saved, and the wrong score stays on screen.
    panel.recommendation.setFocus()
    qtbot.keyClick(panel.recommendation, Qt.Key.Key_Down)
    assert window.station.workspace.review(window.pack_id, "C006").recommendation is not None
    assert box.text() == "7.3" and box.property("problem") is True
    # Signing waits for the correction, and says why.
    messages.clear()
    window.export_current()
    assert messages and "7.3" in messages[-1], messages

    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert saved() == Decimal("7.5") and box.property("problem") is False
    assert "7.3" not in label.text() and not label.isVisible()

    for typed in ("11", "85"):
        _type_score(qtbot, box, typed)
        assert box.text() == typed and saved() == Decimal("7.5")
        assert typed in label.text() and "10" in label.text(), label.text()
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert saved() == Decimal(10) and box.property("problem") is False

    _type_score(qtbot, box, "8.5")
    assert saved() == Decimal("8.5") and panel.typed_problems() == []


def test_the_focused_criterion_shows_its_descriptors_inline(window, qtbot):
    """Not only in a tooltip: the plan's wording and the four level descriptors of the
    criterion being scored are in view, its current band marked."""
    window.activateWindow()
    page = page_for(window, "C002")
    page.conflict.no_conflict.click()
    panel = page.panel
    second = list(panel.score_boxes.values())[1]
    c = second.criterion
    second.setFocus()
    qtbot.waitUntil(second.hasFocus)
    shown = panel.descriptors.text()
    assert c.name.get() in shown and c.source.quote in shown
    for band in c.bands:
        assert band.description.get() in shown
    assert "▶" not in shown
    _type_score(qtbot, second, "9")
    top = c.band(Decimal(9))
    marked = next(line for line in panel.descriptors.text().split("<br>") if "▶" in line)
    assert top.description.get() in marked


def test_lock_and_unlock_keep_the_candidate_and_the_undo_history(window, qtbot):
    """Back where one was: the same candidate, and Ctrl+Z undoes what was done before the
    lock. While locked the history is sealed: no score or opinion in it is readable."""
    page = page_for(window, "C002")
    page.conflict.no_conflict.click()
    box = next(iter(page.panel.score_boxes.values()))
    cid = box.criterion.id
    box.setValue(7.0)
    box.setValue(9.0)
    page.panel.opinion.setPlainText("锁定前写下的意见")
    page.panel.flush()
    saved = lambda: window.station.workspace.review(window.pack_id, "C002")  # noqa: E731
    assert saved().scores[cid] == Decimal(9)

    window.lock_action.trigger()
    assert window.stack.currentWidget() is window.lock_screen
    assert window._screen is not None
    assert "锁定前写下的意见".encode() not in window._screen
    assert b'"scores"' not in window._screen and b"C002" not in window._screen
    unlock(window)
    assert window.current_candidate() == "C002"
    page = window.pages["C002"]
    assert page.panel.opinion.toPlainText() == "锁定前写下的意见"
    window.undo_action.trigger()  # the opinion
    assert saved().opinion == "" and saved().scores[cid] == Decimal(9)
    window.undo_action.trigger()  # 9 → 7
    assert saved().scores[cid] == Decimal(7) and box is not None
    window.redo_action.trigger()
    assert saved().scores[cid] == Decimal(9)


def test_auto_lock_warns_first_and_the_lock_screen_says_why(window, qtbot):
    window.idle.set_timeout_ms(900)
    qtbot.waitUntil(lambda: "秒后自动锁定" in window.status.text(), timeout=3000)
    assert window.stack.currentWidget() is not window.lock_screen
    # Input in time: no lock, the warning goes.
    qtbot.keyClick(window, Qt.Key.Key_Shift)
    qtbot.waitUntil(lambda: "秒后自动锁定" not in window.status.text(), timeout=1000)
    assert window.station.unlocked
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_screen, timeout=3000)
    assert "无操作" in window.lock_screen.reason.text()
    assert window.lock_screen.reason.isVisibleTo(window.lock_screen)
    unlock(window)
    window.lock_action.trigger()  # by hand: no reason to give
    assert window.lock_screen.reason.text() == ""


def _complete(window, candidate_id):
    page = page_for(window, candidate_id)
    page.conflict.no_conflict.click()
    panel = page.panel
    for row in panel.check_rows.values():
        row.group.buttons()[0].click()  # 通过
    for box in panel.score_boxes.values():
        box.setValue(8.0)
    panel.opinion.setPlainText("材料翔实，成果突出。")
    panel.flush()
    panel.recommendation.setCurrentIndex(1)
    ev = window.station.workspace.evaluation(window.pack_id, candidate_id)
    assert ev.complete, [str(f) for f in (*ev.problems, *ev.missing)]
    return page


def test_export_says_what_went_where_and_what_was_skipped(
    window, qtbot, tmp_path, messages, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    asked = []
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *a, **k: asked.append(1) or str(tmp_path)
    )
    # An incomplete review: said before any folder is asked for.
    page_for(window, "C004")
    window.export_current()
    assert not asked and messages and "C004" in messages[-1] and "尚未完成" in messages[-1]

    page = _complete(window, "C001")
    window.export_current()
    assert asked and messages[-1].startswith("information:")
    (sheet,) = tmp_path.glob("C001_*_v01.pdf")
    assert str(tmp_path) in messages[-1] and sheet.name in messages[-1]

    # The file lost: written again, the same version, signed anew (issue #17).
    first = sheet.read_bytes()
    sheet.unlink()
    window.export_current_again()
    assert sheet.exists() and sheet.read_bytes() != first and sheet.name in messages[-1]
    window.export_current_again()  # it is there: nothing is overwritten
    assert "已存在" in messages[-1] and sheet.exists()

    # Changing the signed review asks first; "No" leaves it as signed.
    questions = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: questions.append(a[2]) or answer[0]
    )
    box = next(iter(page.panel.score_boxes.values()))
    box.setValue(9.0)
    assert questions and "版本 1" in questions[-1]
    saved = window.station.workspace.review(window.pack_id, "C001")
    assert saved.scores[box.criterion.id] == Decimal(8) and box.value() == 8.0
    answer[0] = QMessageBox.StandardButton.Yes
    box.setValue(9.0)
    assert window.station.workspace.review(window.pack_id, "C001").scores[
        box.criterion.id
    ] == Decimal(9)
    box.setValue(8.5)  # said yes once for this version: not asked again
    assert len(questions) == 2

    # Sign all: the new version of C001 is written, the others are listed as not signed.
    messages.clear()
    window.export_everything()
    text = messages[-1]
    assert "C001_" in text and "_v02.pdf" in text
    assert "C002" in text and "尚未完成" in text


class _Keys:
    """Key presses sent to whatever has the focus, counted (Chinese text typed through
    the input method counts one per committed phrase)."""

    def __init__(self, qtbot):
        self.qtbot, self.count = qtbot, 0

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier, times=1):
        for _ in range(times):
            self.qtbot.keyClick(QApplication.focusWidget(), key, modifier)
            self.count += 1

    def type(self, text):
        self.qtbot.keyClicks(QApplication.focusWidget(), text)
        self.count += len(text)

    def chinese(self, text):
        type_chinese(QApplication.focusWidget(), text)
        self.count += 1


CTRL = Qt.KeyboardModifier.ControlModifier


def test_a_candidate_is_scored_and_signed_by_keyboard_alone(
    window, qtbot, tmp_path, messages, monkeypatch
):
    """From the candidate list to the signed sheet without the mouse, in the order of
    以德为先 (declaration, checks, scores, opinion, recommendation), counting the keys."""
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.activateWindow()
    keys = _Keys(qtbot)
    window.candidate_list.table.setFocus()
    qtbot.waitUntil(window.candidate_list.table.hasFocus)
    keys.press(Qt.Key.Key_Down)  # the first candidate
    cid = window.current_candidate()
    assert cid is not None
    keys.press(Qt.Key.Key_Tab)  # Tab leaves the list
    assert not window.candidate_list.table.hasFocus()
    keys.press(Qt.Key.Key_D, CTRL)  # no conflict of interest
    page = window.pages[cid]
    assert page.stack.currentWidget() is page.work
    keys.press(Qt.Key.Key_1, CTRL)  # the first check
    keys.press(Qt.Key.Key_Space)  # 通过
    keys.press(Qt.Key.Key_Tab, times=2)  # past its note, to the second check
    keys.press(Qt.Key.Key_Space)  # 通过
    keys.press(Qt.Key.Key_2, CTRL)  # the scores
    for _box in page.panel.score_boxes.values():
        keys.type("8")
        keys.press(Qt.Key.Key_Tab)
    keys.press(Qt.Key.Key_3, CTRL)  # the opinion
    keys.chinese("代表作社会影响广泛，业务能力突出。")
    keys.press(Qt.Key.Key_Tab)  # the recommendation
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_E, CTRL)  # sign and export
    assert list(tmp_path.glob(f"{cid}_*_v01.pdf")), messages
    review = window.station.workspace.review(window.pack_id, cid)
    assert review.recommendation is not None and review.opinion
    print(f"keystrokes to score and sign one candidate: {keys.count}")
    assert keys.count <= 22, keys.count


def test_undo_and_sign_work_from_inside_a_text_field(window, qtbot, tmp_path, monkeypatch):
    """Ctrl+Z in the opinion undoes the review edit (the text just typed included), and
    Ctrl+E in a check's note signs rather than moving to the end of the line."""
    window.activateWindow()
    page = page_for(window, "C003")
    page.conflict.no_conflict.click()
    opinion = page.panel.opinion
    opinion.setFocus()
    qtbot.waitUntil(opinion.hasFocus)
    type_chinese(opinion, "第一稿")
    qtbot.keyClick(opinion, Qt.Key.Key_Z, CTRL)
    saved = window.station.workspace.review(window.pack_id, "C003")
    assert saved.opinion == "" and opinion.toPlainText() == ""
    called = []
    monkeypatch.setattr(window, "export_current", lambda: called.append(1))
    window.export_action.triggered.disconnect()
    window.export_action.triggered.connect(window.export_current)
    note = next(iter(page.panel.check_rows.values())).note
    note.setFocus()
    qtbot.waitUntil(note.hasFocus)
    qtbot.keyClick(note, Qt.Key.Key_E, CTRL)
    assert called == [1]


def test_a_vetoed_candidate_reaches_not_recommended_by_arrows(window, qtbot, messages):
    window.activateWindow()
    page = page_for(window, "C004")
    page.conflict.no_conflict.click()
    keys = _Keys(qtbot)
    row = list(page.panel.check_rows.values())[0]
    keys.press(Qt.Key.Key_1, CTRL)
    keys.press(Qt.Key.Key_Space)  # 通过, then the arrows move the choice
    keys.press(Qt.Key.Key_Right, times=2)  # 不通过
    assert row.group.checkedButton() is row.group.buttons()[2]
    keys.press(Qt.Key.Key_Tab)
    keys.chinese("经核实存在问题")
    assert not page.panel.criteria_box.isEnabled()
    keys.press(Qt.Key.Key_3, CTRL)
    keys.chinese("一票否决。")
    keys.press(Qt.Key.Key_Tab)
    combo = page.panel.recommendation
    assert combo.hasFocus()
    negative = next(
        i for i in range(combo.count()) if combo.itemData(i) and "不" in combo.itemText(i)
    )
    keys.press(Qt.Key.Key_Down)  # over the greyed 推荐, straight to 不推荐
    review = window.station.workspace.review(window.pack_id, "C004")
    assert review.recommendation == combo.itemData(negative)
    assert review.opinion == "一票否决。"  # nothing typed was lost on the way


@pytest.fixture
def window12(qtbot, tmp_path, messages):
    """A practice session with two candidates per category."""
    from reviewer.demo.practice import build_demo

    demo = build_demo(tmp_path / "demo12", reviewers=1, candidates=12)
    w = open_window(qtbot, demo.reviewers[0], demo.pack)
    unlock(w)
    assert w.candidate_list is not None, messages
    return w


def test_the_overview_shows_my_scores_with_their_spread_and_two_side_by_side(window12, qtbot):
    """Candidates × criteria per category, computed from what is saved; the spread rows
    agree with the scores; two selected candidates compare side by side; the lock closes
    it (it shows scores)."""
    from reviewer.station.overview import overview

    first = _complete(window12, "C001")
    rubric_id = first.panel.rubric.id
    same = [
        c.candidate_id
        for c in window12.station.workspace.pack(window12.pack_id).candidates
        if c.rubric_id == rubric_id and c.candidate_id != "C001"
    ]
    assert same, "the demo has two candidates of one category"
    second = _complete(window12, same[0])
    box = next(iter(second.panel.score_boxes.values()))
    box.setValue(6.0)
    window12.overview_action.trigger()
    dialog = window12.overview
    assert dialog is not None and dialog.isVisible()
    data = {c.rubric.id: c for c in overview(window12.station.workspace, window12.pack_id)}
    grid = next(g for g in dialog.grids if g.data.rubric.id == rubric_id)
    table = grid.table
    ids = [table.item(r, 0).text() for r in range(len(grid.data.rows))]
    assert ids[:2] == ["C001", same[0]]  # by total, highest first
    spread = data[rubric_id].criteria[0]
    assert spread.count == 2 and spread.minimum == Decimal(6) and spread.maximum == Decimal(8)
    assert spread.mean == Decimal(7)
    mean_row = len(grid.data.rows)
    assert table.item(mean_row, 2).text() == "7"
    # It opens on the category being reviewed, on the candidate being reviewed.
    assert dialog.tabs.currentWidget() is grid
    assert [r.candidate_id for r in grid.selected_rows()] == [same[0]]
    table.selectRow(0)
    table.setSelectionMode(table.SelectionMode.MultiSelection)
    table.selectRow(1)
    dialog.compare.click()
    side = dialog.side
    assert side is not None and side.isVisible()
    assert side.table.item(0, 0).text() == "8" and side.table.item(0, 1).text() == "6"
    window12.lock_action.trigger()
    assert window12.overview is None and not dialog.isVisible()


def test_the_status_bar_follows_a_language_switch(window):
    assert "秘书处" in window.status.text() and "名候选人" in window.status.text()
    window.change_language("en")
    try:
        assert "candidates" in window.status.text() and "名候选人" not in window.status.text()
    finally:
        window.change_language("zh_CN")


def test_the_footer_shows_total_and_missing_and_jumps_and_signs(
    window, qtbot, tmp_path, messages, monkeypatch
):
    """Below the scrolled form, always in view: the total, what is missing (a click goes
    to that field; so does a line of the missing list) and 签署并导出."""
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.activateWindow()
    page = page_for(window, "C005")
    page.conflict.no_conflict.click()
    footer = page.panel.footer
    assert footer.isVisible() and not footer.sign.isEnabled()
    assert "品德" in footer.missing.full_text() or "政治" in footer.missing.full_text()
    footer.missing.click()
    first_row = next(iter(page.panel.check_rows.values()))
    assert first_row.group.buttons()[0].hasFocus()
    for row in page.panel.check_rows.values():
        row.group.buttons()[0].click()
    box = list(page.panel.score_boxes.values())[0]
    assert box.criterion.name.get() in footer.missing.full_text()
    footer.missing.click()
    assert box.hasFocus()
    # A line of the missing list goes to its field too.
    panel = page.panel
    item = next(
        panel.missing.item(i)
        for i in range(panel.missing.count())
        if "推荐" in panel.missing.item(i).text()
    )
    panel.missing.itemClicked.emit(item)
    assert panel.recommendation.hasFocus()
    _complete(window, "C005")
    assert footer.sign.isEnabled() and "100" in footer.total.text()
    footer.sign.click()
    assert list(tmp_path.glob("C005_*_v01.pdf")), messages


def test_recent_packs_reopen_from_the_file_menu(window, qtbot, demo):
    recent = window.recent_packs()
    assert recent and recent[0] == demo.pack.resolve()
    actions = [a for a in window.recent_menu.actions() if a.isEnabled()]
    assert actions and demo.pack.name in actions[0].text()
    window.lock_action.trigger()
    assert not window.recent_menu.isEnabled()  # nothing opens while locked
    unlock(window)
    assert window.recent_menu.isEnabled()
    window.pack_id = None
    next(a for a in window.recent_menu.actions() if a.isEnabled()).trigger()
    assert window.pack_id is not None and window.candidate_list is not None


def test_in_english_every_column_of_the_list_is_in_view(window, qtbot):
    """English category names are long: they must not push the status and the total
    out of the list (the category is cut with … instead, whole in its tooltip)."""
    window.change_language("en")
    try:
        table = window.candidate_list.table
        qtbot.waitUntil(lambda: table.isVisible())
        viewport = table.viewport().width()
        header = table.horizontalHeader()
        last = table.model().columnCount() - 1
        right = header.sectionViewportPosition(last) + header.sectionSize(last)
        assert right <= viewport, (right, viewport)
        assert header.sectionSize(3) >= header.sectionSizeHint(3) - 2  # the status is whole
        tip = table.model().index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
        assert tip and tip.endswith("talent")
    finally:
        window.change_language("zh_CN")


def test_a_printable_draft_of_my_reviews(window, qtbot, tmp_path, messages, monkeypatch):
    """Unsigned, marked as a draft on every page, in Chinese fonts, readable only by its
    owner on disk (mode 0600); a folder that cannot be written says so."""
    import subprocess

    from PySide6.QtWidgets import QFileDialog

    _complete(window, "C002")
    target = tmp_path / "draft.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_draft()
    assert target.exists(), messages
    assert target.stat().st_mode & 0o077 == 0
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
    assert "草稿" in text and "材料翔实，成果突出。" in text and "C002" in text
    assert "C005" in text  # every candidate, scored or not
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True).stdout
    assert "Helvetica" not in fonts
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "no" / "x.pdf"), "")
    )
    messages.clear()
    window.save_draft()
    assert messages and messages[-1].startswith("warning:") and "无法写入" in messages[-1]
