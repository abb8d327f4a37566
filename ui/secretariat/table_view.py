"""The core's tables (``reviewer.secretariat.tables.Table``) in a read-only, sortable view.

A table is shown as the core made it, so the screen and the reports (CSV, XLSX) always
agree. Every text from a sheet (names, opinions, notes, file names) is hostile input: it
is shown as plain text only, and tooltips are escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from reviewer.base.i18n import _
from reviewer.secretariat.tables import Cell, Table

VETO_COLOUR = "#f2e0e0"  # as in the summary PDF
FLAG_COLOUR = "#fff2cc"
MAX_COLUMN_WIDTH = 320

_Index = QModelIndex | QPersistentModelIndex


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
        self.colours: Sequence[str | None] = []
        self.keys: Sequence[str | None] = []

    def set_table(
        self,
        table: Table,
        colours: Sequence[str | None] | None = None,
        keys: Sequence[str | None] | None = None,
    ) -> None:
        self.beginResetModel()
        self.table = table
        self.colours = colours or [None] * len(table.rows)
        self.keys = keys or [None] * len(table.rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return self.table.headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
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

    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802
        a = self.sourceModel().data(left, TableModel.SORT_ROLE)
        b = self.sourceModel().data(right, TableModel.SORT_ROLE)
        return _sort_key(a) < _sort_key(b)


class TableView(QTableView):
    """A read-only, sortable view of one ``Table``."""

    def __init__(self, name: str, parent: QWidget | None = None, hidden: Sequence[str] = ()):
        super().__init__(parent)
        self.setObjectName(name)
        # Columns kept in the files (for scripts) but not shown: machine codes. Their
        # English headers, translated when a table is shown (the language may change).
        self.hidden = tuple(hidden)
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

    def set_table(
        self,
        table: Table,
        colours: Sequence[str | None] | None = None,
        keys: Sequence[str | None] | None = None,
    ) -> None:
        self.model_.set_table(table, colours, keys)
        self.proxy.sort(-1)  # the core's order until a header is clicked
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.resizeColumnsToContents()
        hidden = {_(h) for h in self.hidden}
        for column in range(self.model_.columnCount()):
            self.setColumnHidden(column, table.headers[column] in hidden)
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
