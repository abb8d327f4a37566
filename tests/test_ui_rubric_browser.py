"""The first window: the rubric browser, driven as a user would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel

from reviewer.base.resources import CJK_FONT_FAMILY
from reviewer.rubric.file import bundled_rubrics
from ui.app import create_window


@pytest.fixture
def window(qtbot):
    w = create_window(QApplication.instance(), "zh")
    qtbot.addWidget(w)
    w.show()
    return w


def labels(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def test_lists_six_categories_in_chinese(window):
    items = [
        window.browser.categories.item(i).text() for i in range(window.browser.categories.count())
    ]
    assert len(items) == len(bundled_rubrics()) == 6
    assert any("新闻传播人才" in t for t in items)
    assert any("国际传播人才" in t for t in items)


def test_selecting_a_category_shows_its_criteria_checks_and_quotes(window, qtbot):
    rubrics = window.browser.rubrics
    target = next(i for i, r in enumerate(rubrics) if r.id == "basic_research")
    window.browser.categories.setCurrentRow(target)
    view = window.browser.view
    assert view.rubric.id == "basic_research"
    boxes = {b.objectName() for b in view.widget().findChildren(QGroupBox)}
    for c in rubrics[target].criteria:
        assert f"criterion-{c.id}" in boxes
    text = "\n".join(labels(view.widget()))
    assert "把品德作为人才评价的首要内容" in text
    assert "强化政治素质考核，把好选人用人政治关" in text
    for c in rubrics[target].criteria:
        assert c.source.quote in text


def test_keyboard_moves_between_categories(window, qtbot):
    window.browser.categories.setFocus()
    window.browser.categories.setCurrentRow(0)
    qtbot.keyClick(window.browser.categories, Qt.Key.Key_Down)
    assert window.browser.view.rubric.id == window.browser.rubrics[1].id


def test_rubric_text_is_never_rich_text(window):
    for label in window.browser.view.widget().findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_bundled_font_is_registered_and_used(window):
    assert CJK_FONT_FAMILY in QFontDatabase.families()
    assert QApplication.instance().font().family() == CJK_FONT_FAMILY


def test_window_is_chinese_by_default_and_switches_to_english(window):
    assert window.menuBar().actions()[0].text() == "文件(&F)"
    assert window.translations.qt_installed
    window.change_language("en")
    assert window.menuBar().actions()[0].text() == "&File"
    assert not window.translations.qt_installed
    items = [window.browser.categories.item(i).text() for i in range(6)]
    assert any("News communication talent" in t for t in items)
    window.change_language("zh_CN")
    assert window.menuBar().actions()[0].text() == "文件(&F)"


def test_fits_a_1366x768_laptop(window):
    window.resize(1366, 768)
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= 768
