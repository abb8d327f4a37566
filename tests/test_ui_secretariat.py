"""The secretariat's window, driven with real widgets on a generated session.

One practice session (5 reviewers × 6 candidates, every sheet signed; built once for the
module, ~35 s) is imported through the window; what the window shows is compared with
what the core (``import_sheets`` → ``aggregate`` → ``aggregate_tables``) says.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLabel

from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.people.session import open_session
from reviewer.rubric.file import find_rubric
from reviewer.secretariat.aggregate import AggregateOptions, Method, aggregate
from reviewer.secretariat.candidates import read_candidate_list
from reviewer.secretariat.intake import import_sheets
from reviewer.secretariat.stats import shown
from reviewer.secretariat.tables import candidates_table, missing_table, refused_table
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import embed_and_sign
from reviewer.sheet.verify import verify_sheet
from reviewer.station.workstation import Workstation
from ui.app import create_secretariat_window
from ui.common import worker
from ui.secretariat.window import SecretariatWindow

CACHE = "aggregate-cache.json"


# Tasks run inline unless a test switches to the threads (tests/ui_fixtures.py).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("synchronous_worker")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("secretariat")
    demo = build_demo(root / "demo", reviewers=5, candidates=6)
    write_demo_sheets(demo)
    return {"demo": demo, "sheets": demo.folder / "sheets", "root": root}


def open_window(qtbot, session_dir: Path, **kw) -> SecretariatWindow:
    if kw:
        window = SecretariatWindow(None, session_dir, **kw)
    else:
        window = create_secretariat_window(QApplication.instance(), session_dir, "en")
    qtbot.addWidget(window)
    window.show()
    return window


def fresh_session(world, tmp_path) -> Path:
    """A copy of the session without the verification cache: every sheet is verified."""
    copy = tmp_path / "session"
    shutil.copytree(world["demo"].session, copy, ignore=shutil.ignore_patterns(CACHE))
    return copy


def core_result(world, folder: Path, listed=True):
    demo = world["demo"]
    session = open_session(demo.session)
    candidates = (
        read_candidate_list(demo.folder / "candidates.csv", [r.id for r in session.rubrics])
        if listed
        else None
    )
    imported = import_sheets(
        session,
        folder,
        pack_ids=[demo.pack_id],
        candidate_categories={c.candidate_id: c.category for c in candidates}
        if candidates
        else None,
    )
    return aggregate(session, imported, AggregateOptions(), candidates)


@pytest.fixture
def window(qtbot, world, messages, english):
    """The window on the demo session, with the pack and the candidate list, imported."""
    demo = world["demo"]
    w = open_window(qtbot, demo.session)
    w.set_candidate_list(demo.folder / "candidates.csv")
    w.set_packs([demo.pack])
    w.import_sheets(world["sheets"])
    assert w.result is not None, messages
    return w


def texts(view, header: str) -> list[str]:
    return view.column_values(header)


def test_the_table_shows_every_candidate_with_the_core_numbers(window, world):
    expected = core_result(world, world["sheets"])
    result = window.result
    assert not result.has_conflicts and len(result.imported.counted) == 30
    assert result.imported.packs_checked
    view = window.results.candidates_view
    assert view.model_.rowCount() == len(expected.candidates) == 6
    table = candidates_table(expected)
    # Cell for cell what candidates.csv will hold.
    shown_rows = [
        [view.model_.index(r, c).data() for c in range(view.model_.columnCount())]
        for r in range(view.model_.rowCount())
    ]
    assert shown_rows == [["" if v is None else str(v) for v in row] for row in table.rows]
    # And the same numbers as the AggregateResult, by candidate.
    by_id = dict(zip(texts(view, "Candidate ID"), range(6), strict=True))
    for a in expected.candidates:
        row = by_id[a.candidate_id]
        assert texts(view, "Mean")[row] == str(shown(a.mean))
        assert texts(view, "Trimmed mean")[row] == str(shown(a.trimmed_mean) or "")
        assert texts(view, "Median")[row] == str(shown(a.median))
        assert texts(view, "Valid sheets")[row] == str(a.count)
    assert window.export_button.isEnabled() and not window.results.banner.isVisible()
    assert "30 sheets counted, 0 refused" in window.status.text()
    assert window.stack.currentWidget() is window.work


def test_sorting_by_any_column_and_changing_the_method(window, qtbot):
    view = window.results.candidates_view
    for header in ("Mean", "Median", "Standard deviation (sample)", "Candidate"):
        column = view.model_.column(header)
        view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        values = texts(view, header)
        filled = [v for v in values if v]
        if header == "Candidate":
            assert filled == sorted(filled, reverse=True)
        else:
            assert [float(v) for v in filled] == sorted((float(v) for v in filled), reverse=True)
    # A click on a header sorts too (ascending first).
    header = view.horizontalHeader()
    column = view.model_.column("Trimmed mean")
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.scrollTo(view.proxy.index(0, column))
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == column
    values = [float(v) for v in texts(view, "Trimmed mean") if v]
    assert values == sorted(values) or values == sorted(values, reverse=True)
    # Another ranking method: aggregated again, same import.
    imported = window.imported
    method = window.options_bar.method
    method.setCurrentIndex(method.findData(Method.MEDIAN.value))
    assert window.result.options.method is Method.MEDIAN
    assert window.imported is imported


def test_candidate_detail_shows_each_reviewer(window):
    result = window.result
    a = max(result.candidates, key=lambda c: len(c.sheets))
    window.results.show_candidate(a.candidate_id)
    detail = window.results.detail
    assert detail.candidate_id == a.candidate_id
    rows = detail.sheet_cells()
    assert [r[0] for r in rows] == [s.reviewer for s in a.sheets]
    for row, sheet in zip(rows, a.sheets, strict=True):
        data = sheet.record.data
        if data.recused:
            assert row[1] == "recused"
        elif sheet.total is None:
            assert row[1] == "veto"
        else:
            assert row[1] == str(shown(sheet.total))
        if data.review.opinion:
            assert data.review.opinion in detail.opinion_labels[sheet.reviewer]
        assert row[-2] == (data.viewing.brief() if data.viewing else "")  # what was watched
    # The opinions are on screen, as plain text.
    labels = [lb for lb in detail.widget().findChildren(QLabel)]
    opinions = [s.record.data.review.opinion for s in a.sheets if s.record.data.review.opinion]
    for opinion in opinions:
        shown_as = [lb for lb in labels if lb.text() == opinion]
        assert len(shown_as) == opinions.count(opinion)
        assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in shown_as)
    assert a.name in detail.findChild(QLabel, "detailTitle").text()


def test_refused_and_missing_lists_match_the_core(world, qtbot, tmp_path, messages, english):
    folder = tmp_path / "sheets"
    shutil.copytree(world["sheets"], folder)
    # One sheet tampered (a byte flipped in the middle), its original gone.
    original = sorted((folder / "2").glob("*.pdf"))[3]
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0x01
    original.unlink()
    (folder / "2" / "tampered.pdf").write_bytes(bytes(data))
    expected = core_result(world, folder)
    assert expected.imported.refused and expected.missing

    w = open_window(qtbot, world["demo"].session)
    w.set_candidate_list(world["demo"].folder / "candidates.csv")
    w.set_packs([world["demo"].pack])
    w.import_sheets(folder)
    assert w.result is not None, messages

    refused = refused_table(expected)
    assert w.results.refused_view.model_.table == refused
    assert texts(w.results.refused_view, "File") == ["2/tampered.pdf"]
    # The codes are for scripts (refused.csv keeps them); the window shows the reasons.
    view = w.results.refused_view
    assert view.isColumnHidden(view.model_.column("Code"))
    assert not view.isColumnHidden(view.model_.column("Reason"))
    (reason,) = texts(w.results.refused_view, "Reason")
    assert reason == refused.rows[0][1] and reason
    missing = missing_table(expected)
    assert w.results.missing_view.model_.table == missing
    reviewer = open_session(world["demo"].session).roster[1].name
    assert (reviewer, original.name.split("_")[0]) in {(r[0], r[1]) for r in missing.rows}
    assert texts(w.results.missing_view, "Reviewer") == [str(r[0]) for r in missing.rows]
    assert "1 refused" in w.status.text() and "1 missing" in w.status.text()


def test_export_writes_every_report(window, monkeypatch, tmp_path, messages):
    out = tmp_path / "reports"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    answers = iter([("wrong", True), (DEMO_PASSPHRASE, True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    # A wrong passphrase: said so, nothing written.
    window.export_reports()
    assert messages and messages[-1].startswith("warning:")
    assert list(out.iterdir()) == []
    assert not window.busy and window.export_button.isEnabled()
    window.export_reports()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "summary.pdf",
            "results.xlsx",
            "candidates.csv",
            "opinions.csv",
            "checks.csv",
            "counted.csv",
            "refused.csv",
            "missing.csv",
        ]
    )
    assert window.last_export.signed
    assert not window.secretariat.can_sign  # the key is forgotten after the export
    pdf = (out / "summary.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
    csv_text = (out / "candidates.csv").read_text("utf-8-sig")
    for a in window.result.candidates:
        assert a.candidate_id in csv_text and str(shown(a.mean)) in csv_text
    assert messages[-1].startswith("information:")


def test_cancelled_export_dialogs_write_nothing(window, monkeypatch, tmp_path):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    window.export_reports()
    assert list(tmp_path.iterdir()) == [] and window.last_export is None


def test_a_held_candidate_is_named_and_the_rest_can_be_exported(
    world, qtbot, tmp_path, messages, english, monkeypatch
):
    """Two different sheets, one reviewer, one candidate, one version: that candidate is
    held, named in the banner and the tables; every other result shows and exports."""
    demo = world["demo"]
    session = open_session(demo.session)
    folder = tmp_path / "sheets"
    shutil.copytree(world["sheets"], folder)
    first = sorted((folder / "5").glob("*_v01.pdf"))[0]
    data = verify_sheet(first.read_bytes(), session.ca_certificate).data
    # A different review under the same version (the same one signed again is a copy).
    data = replace(data, review=data.review.with_opinion(data.review.opinion + "（另一份）"))
    station = Workstation(demo.reviewers[4])
    try:
        station.unlock(DEMO_PASSPHRASE)
        signer = station.sheet_signer(session.id)
        again = embed_and_sign(render_sheet(data, find_rubric(data.rubric_id)), data, signer)
    finally:
        station.close()
    (folder / "5" / "resigned.pdf").write_bytes(again)

    w = open_window(qtbot, demo.session)
    w.import_sheets(folder)
    assert w.result is not None and w.result.held == (data.candidate_id,), messages
    assert w.results.banner.isVisible()
    reason = w.results.banner.text()
    assert "Held until the conflicts are resolved" in reason
    assert data.reviewer_name in reason and data.candidate_id in reason
    assert "resigned.pdf" in reason
    assert w.results.tabs.currentWidget() is w.results.conflicts_view
    assert w.results.conflicts_view.model_.rowCount() == 1
    assert w.results.candidates_view.model_.rowCount() == len(w.result.candidates) > 1
    assert w.export_button.isEnabled() and w.export_action.isEnabled()

    w.results.show_candidate(data.candidate_id)
    held = w.results.detail.findChild(QLabel, "detailHeld")
    assert held is not None and "Conflicts tab" in held.text()
    other = next(a for a in w.result.candidates if not a.held)
    w.results.show_candidate(other.candidate_id)
    assert w.results.detail.findChild(QLabel, "detailHeld") is None

    out = tmp_path / "reports"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (DEMO_PASSPHRASE, True))
    w.export_reports()
    qtbot.waitUntil(lambda: w.last_export is not None, timeout=60_000)
    assert (out / "conflicts.csv").exists() and (out / "summary.pdf").exists()


def test_cancel_during_import(world, qtbot, tmp_path, messages, english):
    session_dir = fresh_session(world, tmp_path)
    w = open_window(qtbot, session_dir, workers=1)
    seen = []
    original = w._progressed

    def progressed(done, total):
        original(done, total)
        seen.append(done)
        assert w.cancel_button.isVisible() and w.busy
        if done >= 2:
            w.cancel_button.click()

    w._progressed = progressed
    w.import_sheets(world["sheets"])
    assert w.result is None and not w.busy
    assert max(seen) < 30
    assert "cancelled" in w.status.text()
    assert not w.cancel_button.isVisible() and not messages
    # And it can be imported again afterwards.
    w._progressed = original
    w.import_sheets(world["sheets"])
    assert w.result is not None and len(w.result.imported.counted) == 30


def test_import_with_the_real_worker(world, qtbot, tmp_path, messages):
    worker.set_synchronous(False)
    session_dir = fresh_session(world, tmp_path)
    w = open_window(qtbot, session_dir)
    w.import_sheets(world["sheets"])
    assert w.busy and w.progress.isVisible() and w.cancel_button.isVisible()
    assert not w.import_button.isEnabled()
    qtbot.waitUntil(lambda: not w.busy, timeout=120_000)
    assert not messages
    assert w.result is not None and len(w.result.imported.counted) == 30
    assert w.result.imported.verified == 30  # no cache: every sheet verified here
    assert w.results.candidates_view.model_.rowCount() == 6
    assert w.progress.maximum() in (30, 0)
    # The charts: the summary PDF rendered in memory and shown with QtPdf. Asked for
    # while a second import runs, they wait for it, and the import keeps its progress
    # bar and Cancel button meanwhile.
    w.import_sheets(world["sheets"])
    w.results.tabs.setCurrentWidget(w.results.preview)
    assert w.busy and w.cancel_button.isVisible() and "…" in w.status.text()
    qtbot.waitUntil(lambda: w.results.preview.document.pageCount() > 0, timeout=60_000)
    qtbot.waitUntil(lambda: not w.busy, timeout=60_000)
    assert w.results.preview.result is w.result
    assert not messages


# Qt 6 marks the QPoint constructor of QDragEnterEvent deprecated but offers no other.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_drop_a_session_folder_then_a_sheets_folder(world, qtbot, messages):
    w = open_window(qtbot, None)
    assert w.stack.currentWidget() is w.welcome and not w.import_button.isEnabled()

    def drop(folder: Path) -> bool:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(folder))])
        enter = QDragEnterEvent(
            QPoint(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        w.dragEnterEvent(enter)
        if not enter.isAccepted():
            return False
        event = QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        w.dropEvent(event)
        return True

    assert not drop(world["sheets"])  # no session yet: a sheets folder is not taken
    assert drop(world["demo"].session)
    assert w.session is not None and w.stack.currentWidget() is w.work
    assert drop(world["sheets"])
    assert w.result is not None and len(w.result.candidates) == 6, messages


def test_charts_preview_and_language_switch(window, qtbot):
    results = window.results
    results.tabs.setCurrentWidget(results.preview)
    assert results.preview.document.pageCount() > 1
    assert results.preview.result is window.result
    results.show_candidate(window.result.candidates[0].candidate_id)
    before = window.status.text()
    window.change_language("zh_CN")
    assert results.candidates_view.current_key() == window.result.candidates[0].candidate_id
    assert results.candidates_view.model_.table.headers[0] == "类别"
    # The status bar is said again in the new language, not left in the old one.
    from reviewer.secretariat.service import counts_line

    assert window.status.text() == counts_line(window.result) != before


def test_sealed_sheets_open_with_the_session_passphrase(qtbot, tmp_path, messages, monkeypatch):
    demo = build_demo(tmp_path / "sealed", reviewers=1, candidates=2, seal=True)
    write_demo_sheets(demo)
    asked: list[str] = []

    def passphrase(*args, **kwargs):
        asked.append(args[1])
        return "demo", True

    monkeypatch.setattr(QInputDialog, "getText", passphrase)
    window = open_window(qtbot, demo.session)
    window.import_sheets(demo.folder / "sheets")
    assert window.result is not None, messages
    assert len(window.result.imported.counted) == 2
    assert not window.result.imported.refused
    window.import_sheets(demo.folder / "sheets")  # the key stays unlocked: asked once
    assert len(asked) == 1
