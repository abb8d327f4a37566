"""The reviewer's window on a full disk: the reason is shown, the entry stays on screen
marked unsaved and is written once there is room; locking always locks, and an edit
still unsaved at a lock comes back after unlocking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QMessageBox

from reviewer.review.scoring import Conflict
from tests.test_ui_review import open_window, page_for, unlock
from tests.test_workspace_disk import fill_disk, free_disk, long_opinion, make_read_only

pytestmark = pytest.mark.usefixtures("synchronous_worker")


@pytest.fixture
def window(qtbot, reviewer_home, demo, messages, monkeypatch):
    # Quitting with an unsaved edit asks; a modal box would block the test's teardown.
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    w = open_window(qtbot, reviewer_home, demo.pack)
    unlock(w)
    assert w.candidate_list is not None, messages
    return w


def saved(window, cid):
    return window.station.workspace.review(window.pack_id, cid)


def test_a_full_disk_keeps_the_edit_on_screen_says_why_and_saves_it_later(window, messages):
    page = page_for(window, "C001")
    page.conflict.no_conflict.click()
    assert saved(window, "C001").conflict is Conflict.NONE
    box = next(iter(page.panel.score_boxes.values()))
    cid = box.criterion.id
    fill_disk(window.station.workspace)
    opinion = long_opinion()
    page.panel.opinion.setPlainText(opinion)
    page.panel.flush()
    # Told, in a box and on the page; nothing written; the entry still on screen.
    assert len(messages) == 1 and messages[0].startswith("warning:") and "磁盘已满" in messages[0]
    assert page.unsaved_label.isVisible() and "磁盘已满" in page.unsaved_label.text()
    assert "磁盘已满" in window.status.text()
    assert saved(window, "C001").opinion == ""
    assert page.panel.opinion.toPlainText() == opinion
    # A second edit while still full carries the first along; no second box.
    box.setValue(7.0)
    assert len(messages) == 1 and page.unsaved_label.isVisible()
    assert box.value() == 7.0 and page.panel.opinion.toPlainText() == opinion
    assert saved(window, "C001").scores.get(cid) is None
    # Room again: the next flush (switching candidate, signing, locking) writes both.
    free_disk(window.station.workspace)
    window.show_candidate("C002")
    review = saved(window, "C001")
    assert review.opinion == opinion and review.scores[cid] == Decimal(7)
    assert not page.unsaved_label.isVisible()
    assert window.station.workspace.verify_log().ok


def test_a_declaration_the_disk_refused_is_written_when_clicked_again(window, messages):
    page = page_for(window, "C003")
    fill_disk(window.station.workspace)
    make_read_only(window.station.workspace)
    page.conflict.no_conflict.click()
    assert messages and "只读" in messages[-1]
    assert page.stack.currentWidget() is page.conflict  # materials stay closed
    assert saved(window, "C003").conflict is Conflict.UNDECLARED


def test_lock_always_locks_and_an_unsaved_edit_comes_back_after_unlock(window, messages):
    page = page_for(window, "C004")
    page.conflict.no_conflict.click()
    workspace = window.station.workspace
    fill_disk(workspace)
    opinion = long_opinion(4)
    page.panel.opinion.setPlainText(opinion)
    page.panel.flush()
    assert page.unsaved_label.isVisible()
    window.lock_action.trigger()
    # Locked regardless: no key, no page, nothing decrypted on screen.
    assert not window.station.unlocked and not workspace.unlocked
    assert window.work is None and window.stack.currentWidget() is window.lock_screen
    assert opinion.encode() not in (window._unsaved or b"")  # kept sealed only
    free_disk(workspace)
    unlock(window)
    assert window.unlocked
    assert saved(window, "C004").opinion == opinion  # written after the unlock
    assert window.pages["C004"].panel.opinion.toPlainText() == opinion


def test_a_lock_that_cannot_be_recorded_still_locks_and_says_so(window, messages):
    make_read_only(window.station.workspace)
    window.lock_action.trigger()
    assert not window.station.unlocked and window.stack.currentWidget() is window.lock_screen
    assert messages and "只读" in messages[-1]


def test_quitting_with_an_unsaved_edit_asks_first(window, messages, monkeypatch):
    page = page_for(window, "C005")
    page.conflict.no_conflict.click()
    fill_disk(window.station.workspace)
    page.panel.opinion.setPlainText(long_opinion(5))
    page.panel.flush()
    asked: list[str] = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    window.close()
    assert asked and "C005" in asked[0]
    assert window.isVisible() and window.unlocked  # still open: the reviewer can free space
    free_disk(window.station.workspace)
    window.close()
    assert not window.isVisible()
    assert len(asked) == 1
