"""The candidate list: a table model over the core's ``CandidateEntry`` rows, with
filters by category and status, search by name, and counts."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.rubric.model import Rubric
from reviewer.workspace.model import CandidateEntry, Status

_STATUS_COLOURS = {
    Status.NOT_STARTED: "#777777",
    Status.IN_PROGRESS: "#b8860b",
    Status.COMPLETE: "#2e7d32",
    Status.SIGNED: "#1565c0",
    Status.RECUSED: "#6a1b9a",
}
_STATUS_MARKS = {
    Status.NOT_STARTED: "○",
    Status.IN_PROGRESS: "◐",
    Status.COMPLETE: "●",
    Status.SIGNED: "✔",
    Status.RECUSED: "⊘",
}


_Index = QModelIndex | QPersistentModelIndex
CATEGORY_COLUMN = 2


class CandidateModel(QAbstractTableModel):
    ID_ROLE = Qt.ItemDataRole.UserRole
    STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
    CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, rubrics: dict[str, Rubric]):
        super().__init__()
        self.rubrics = rubrics
        self.entries: list[CandidateEntry] = []

    def set_entries(self, entries: list[CandidateEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def update_entry(self, entry: CandidateEntry) -> None:
        for row, old in enumerate(self.entries):
            if old.candidate_id == entry.candidate_id:
                self.entries[row] = entry
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
                return

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return [_("No."), _("Name"), _("Category"), _("Status"), _("My total")][section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            rubric = self.rubrics.get(entry.rubric_id)
            category = rubric.category.get() if rubric else entry.rubric_id
            status = f"{_STATUS_MARKS[entry.status]} {entry.status.label()}"
            if entry.flagged:
                status += " ⚠"
            total = "" if entry.total is None else str(entry.total)
            return [entry.candidate_id, entry.name, category, status, total][col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            return QColor(_STATUS_COLOURS[entry.status])
        if role == Qt.ItemDataRole.ToolTipRole and entry.flagged:
            return entry.flagged
        if role == Qt.ItemDataRole.ToolTipRole and col == CATEGORY_COLUMN:
            rubric = self.rubrics.get(entry.rubric_id)
            return rubric.category.get() if rubric else entry.rubric_id  # when cut with …
        if role == self.ID_ROLE:
            return entry.candidate_id
        if role == self.STATUS_ROLE:
            return entry.status.value
        if role == self.CATEGORY_ROLE:
            return entry.rubric_id
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{entry.name} {entry.status.label()}"
        return None


class CandidateFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.category: str | None = None
        self.status: str | None = None
        self.text = ""
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_filters(self, category: str | None, status: str | None, text: str) -> None:
        self.category, self.status, self.text = category, status, text.strip().casefold()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:
        model = self.sourceModel()
        index = model.index(row, 0, parent)
        if self.category and model.data(index, CandidateModel.CATEGORY_ROLE) != self.category:
            return False
        if self.status and model.data(index, CandidateModel.STATUS_ROLE) != self.status:
            return False
        if self.text:
            name = model.data(model.index(row, 1, parent)) or ""
            cid = model.data(index) or ""
            return self.text in name.casefold() or self.text in cid.casefold()
        return True


class CandidateList(QWidget):
    candidate_selected = Signal(str)

    def __init__(self, rubrics: dict[str, Rubric], parent: QWidget | None = None):
        super().__init__(parent)
        self.model = CandidateModel(rubrics)
        self.proxy = CandidateFilter()
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Search by name or number"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        filters = QHBoxLayout()
        self.category = QComboBox()
        self.category.setObjectName("categoryFilter")
        self.category.addItem(_("All categories"), None)
        for rubric in rubrics.values():
            self.category.addItem(rubric.category.get(), rubric.id)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItem(_("All statuses"), None)
        for status in Status:
            self.status.addItem(status.label(), status.value)
        filters.addWidget(self.category)
        filters.addWidget(self.status)
        layout.addLayout(filters)
        self.table = QTableView()
        self.table.setObjectName("candidates")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; arrows move in it
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The category takes what is left and is cut with …: English category names are
        # long, and they pushed the status and the total out of the list.
        header.setSectionResizeMode(CATEGORY_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.table, 1)
        self.counts = QLabel()
        self.counts.setObjectName("counts")
        layout.addWidget(self.counts)
        self.search.textChanged.connect(self._refilter)
        self.category.currentIndexChanged.connect(self._refilter)
        self.status.currentIndexChanged.connect(self._refilter)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._activated)

    def set_entries(self, entries: list[CandidateEntry]) -> None:
        self.model.set_entries(entries)
        self._update_counts()

    def update_entry(self, entry: CandidateEntry) -> None:
        self.model.update_entry(entry)
        self._update_counts()

    def _update_counts(self) -> None:
        entries = self.model.entries
        done = sum(
            1 for e in entries if e.status in (Status.COMPLETE, Status.SIGNED, Status.RECUSED)
        )
        self.counts.setText(_("{done} / {total} completed").format(done=done, total=len(entries)))

    def _refilter(self) -> None:
        self.proxy.set_filters(
            self.category.currentData(), self.status.currentData(), self.search.text()
        )

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.candidate_selected.emit(self.proxy.data(current, CandidateModel.ID_ROLE))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.candidate_selected.emit(self.proxy.data(index, CandidateModel.ID_ROLE))

    def select(self, candidate_id: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, CandidateModel.ID_ROLE) == candidate_id:
                self.table.setCurrentIndex(index)
                return
