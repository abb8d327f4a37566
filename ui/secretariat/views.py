"""Widgets of the secretariat window that show an aggregation result.

The tables are the core's ``aggregate_tables.Table`` values, shown as they are, so the
screen and the reports (CSV, XLSX) always agree. Every text from a sheet (names,
opinions, notes, file names) is hostile input: it is shown as plain text only.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QIODevice,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHeaderView,
    QScrollArea,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.rubric.model import CheckKind
from reviewer.secretariat.aggregate import AggregateResult, CandidateAggregate
from reviewer.secretariat.stats import shown
from reviewer.secretariat.tables import Cell, Table, check_name, criterion_name
from ui.common.labels import plain_label

VETO_COLOUR = "#f2e0e0"  # as in the summary PDF
FLAG_COLOUR = "#fff2cc"
MAX_COLUMN_WIDTH = 320


def cell_text(value: Cell) -> str:
    """A cell as the CSV files write it (Decimals already rounded for display)."""
    return "" if value is None else str(value)


def _sort_key(value: Cell) -> tuple:
    # Numbers by value, then text; empty cells last (in ascending order).
    if value is None or value == "":
        return (2, 0, "")
    if isinstance(value, (int, Decimal)):
        return (0, value, "")
    return (1, 0, str(value))


def plain_tooltip(text: str) -> str:
    """A tooltip that Qt cannot take for rich text, whatever the text holds."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


class TableModel(QAbstractTableModel):
    """One ``Table``; ``colours`` optionally gives a background per row."""

    SORT_ROLE = Qt.ItemDataRole.UserRole + 10

    def __init__(self) -> None:
        super().__init__()
        self.table = Table("", (), ())
        self.colours: list[str | None] = []
        self.keys: list[str | None] = []

    def set_table(
        self,
        table: Table,
        colours: list[str | None] | None = None,
        keys: list[str | None] | None = None,
    ) -> None:
        self.beginResetModel()
        self.table = table
        self.colours = colours or [None] * len(table.rows)
        self.keys = keys or [None] * len(table.rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return self.table.headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.table.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = cell_text(value)
            return plain_tooltip(text) if len(text) > 24 else None
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, Decimal)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.colours[index.row()]:
            return QColor(self.colours[index.row()])
        if role == self.SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.UserRole:
            return self.keys[index.row()]
        return None

    def column(self, header: str) -> int:
        return self.table.headers.index(header)


class TableSort(QSortFilterProxyModel):
    """Sorts numbers as numbers, text as text, and empty cells last."""

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802
        a = self.sourceModel().data(left, TableModel.SORT_ROLE)
        b = self.sourceModel().data(right, TableModel.SORT_ROLE)
        return _sort_key(a) < _sort_key(b)


class TableView(QTableView):
    """A read-only, sortable view of one ``Table``."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.model_ = TableModel()
        self.proxy = TableSort()
        self.proxy.setSourceModel(self.model_)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionsMovable(True)

    def set_table(self, table: Table, colours=None, keys=None) -> None:
        self.model_.set_table(table, colours, keys)
        self.proxy.sort(-1)  # the core's order until a header is clicked
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.resizeColumnsToContents()
        for column in range(self.model_.columnCount()):
            if self.columnWidth(column) > MAX_COLUMN_WIDTH:
                self.setColumnWidth(column, MAX_COLUMN_WIDTH)

    def column_values(self, header: str) -> list[str]:
        """The shown texts of one column, in the current (sorted) order."""
        column = self.model_.column(header)
        return [self.proxy.index(r, column).data() for r in range(self.proxy.rowCount())]

    def current_key(self) -> str | None:
        index = self.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def select_key(self, key: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(Qt.ItemDataRole.UserRole) == key:
                self.setCurrentIndex(index)
                self.scrollTo(index)
                return


def _pairs_table(rows: list[tuple[str, str]], name: str) -> QTableWidget:
    """Name/value pairs, two pairs a line; a long value gets a line of its own."""
    short = [r for r in rows if len(r[1]) <= 24]
    long = [r for r in rows if len(r[1]) > 24]
    lines = (len(short) + 1) // 2 + len(long)
    table = FitTable(lines, 4, scroll_bar=False)
    table.setObjectName(name)
    table.horizontalHeader().setVisible(False)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    bold = table.font()
    bold.setBold(True)

    def put(line: int, column: int, key: str, value: str) -> None:
        item = QTableWidgetItem(key)
        item.setFont(bold)
        table.setItem(line, column, item)
        table.setItem(line, column + 1, QTableWidgetItem(value))

    for i, (key, value) in enumerate(short):
        put(i // 2, (i % 2) * 2, key, value)
    for i, (key, value) in enumerate(long):
        line = (len(short) + 1) // 2 + i
        put(line, 0, key, value)
        table.setSpan(line, 1, 1, 3)
    header = table.horizontalHeader()
    for column in (0, 2):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    for column in (1, 3):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    table.fit()
    return table


class FitTable(QTableWidget):
    """A table inside a scrolling page: as tall as its rows, without a vertical scroll
    bar of its own. Row heights are known only once the table is polished and shown,
    so the height is fitted again then."""

    def __init__(self, rows: int, columns: int, scroll_bar: bool = True):
        super().__init__(rows, columns)
        self.scroll_bar = scroll_bar
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if not scroll_bar:
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def fit(self) -> None:
        self.resizeRowsToContents()
        header = self.horizontalHeader()
        height = header.sizeHint().height() if not header.isHidden() else 0
        height += self.verticalHeader().length() + 2 * self.frameWidth()
        if self.scroll_bar:
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.fit()


class CandidateDetail(QScrollArea):
    """One candidate: the aggregates (the candidates table's row), then each reviewer's
    sheet (total, level, checks, recommendation, criterion scores), then the opinions."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("candidateDetail")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.candidate_id: str | None = None
        self.sheets_table: QTableWidget | None = None
        self.opinion_labels: dict[str, list[str]] = {}
        self.clear()

    def clear(self, text: str | None = None) -> None:
        self.candidate_id = None
        self.sheets_table = None
        self.opinion_labels = {}
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = plain_label(
            text or _("Choose a candidate in the table to see each reviewer's sheet.")
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        self.setWidget(page)

    def show_candidate(self, result: AggregateResult, table: Table, candidate_id: str) -> None:
        index = next(
            (i for i, c in enumerate(result.candidates) if c.candidate_id == candidate_id), None
        )
        if index is None:
            self.clear()
            return
        a = result.candidates[index]
        self.candidate_id = candidate_id
        page = QWidget()
        layout = QVBoxLayout(page)
        title = plain_label(f"{a.candidate_id} · {a.name} · {a.category}", bold=True)
        title.setObjectName("detailTitle")
        layout.addWidget(title)

        facts = QGroupBox(_("Aggregates"))
        facts_layout = QVBoxLayout(facts)
        row = table.rows[index]
        pairs = [(h, cell_text(v)) for h, v in zip(table.headers, row, strict=True)]
        facts_layout.addWidget(_pairs_table([p for p in pairs if p[1]], "detailFacts"))
        layout.addWidget(facts)

        sheets = QGroupBox(_("Sheets"))
        sheets_layout = QVBoxLayout(sheets)
        self.sheets_table = self._sheets_table(result, a)
        sheets_layout.addWidget(self.sheets_table)
        layout.addWidget(sheets)

        opinions = QGroupBox(_("Opinions and checks"))
        opinions_layout = QVBoxLayout(opinions)
        self.opinion_labels = {}
        for sheet in a.sheets:
            data = sheet.record.data
            if data is None:
                continue
            texts: list[str] = []
            if data.recused:
                texts.append(_("Recused: {reason}").format(reason=data.recusal_reason or ""))
            for kind in (CheckKind.POLITICAL, CheckKind.ETHICS):
                entry = data.review.checks.get(kind)
                if entry is not None and entry.note:
                    texts.append(f"{check_name(kind)}: {entry.note}")
            if data.review.opinion:
                texts.append(data.review.opinion)
            opinions_layout.addWidget(plain_label(sheet.reviewer, bold=True))
            for text in texts or [_("(no opinion)")]:
                opinions_layout.addWidget(plain_label(text))
            self.opinion_labels[sheet.reviewer] = texts
        layout.addWidget(opinions)
        layout.addStretch(1)
        self.setWidget(page)

    def _sheets_table(self, result: AggregateResult, a: CandidateAggregate) -> QTableWidget:
        rubric = result.imported.rubrics.get(a.rubric_id)
        criteria = [c.id for c in rubric.criteria] if rubric else [c for c, _m in a.criterion_means]
        headers = [
            _("Reviewer"),
            _("Total"),
            _("Level"),
            check_name(CheckKind.POLITICAL),
            check_name(CheckKind.ETHICS),
            _("Recommendation"),
            _("Version"),
            *(criterion_name(rubric, c) for c in criteria),
            _("File"),
        ]
        table = FitTable(len(a.sheets), len(headers))
        table.setObjectName("detailSheets")
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        for row, sheet in enumerate(a.sheets):
            data = sheet.record.data
            assert data is not None
            if data.recused:
                total = _("recused")
            elif sheet.total is None:
                total = _("veto")
            else:
                total = cell_text(shown(sheet.total))
            option = rubric.recommendation(data.review.recommendation) if rubric else None
            recommendation = option.name.get() if option else (data.review.recommendation or "")
            checks = []
            for kind in (CheckKind.POLITICAL, CheckKind.ETHICS):
                entry = data.review.checks.get(kind)
                checks.append(entry.result.label() if entry and entry.result else "")
            cells = [
                sheet.reviewer,
                total,
                data.level.label() if data.level else "",
                *checks,
                recommendation,
                str(data.version),
                *(cell_text(data.review.scores.get(c)) for c in criteria),
                sheet.record.path,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if len(text) > 24:
                    item.setToolTip(plain_tooltip(text))
                table.setItem(row, column, item)
            if data.vetoes:
                for column in range(len(cells)):
                    table.item(row, column).setBackground(QColor(VETO_COLOUR))
        table.resizeColumnsToContents()
        for column in range(len(headers)):
            table.setColumnWidth(column, min(table.columnWidth(column), 200))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.fit()
        return table

    def sheet_cells(self) -> list[list[str]]:
        """The sheets table as texts, one list per reviewer (for tests and people)."""
        table = self.sheets_table
        if table is None:
            return []
        return [
            [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())
        ]


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
