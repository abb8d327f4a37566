"""The reviewer's own scores per category (candidates × criteria, with their spread),
and two candidates side by side. Shows what ``reviewer.station.overview`` computes;
opened from the View menu, non-modal, rebuilt each time it is opened.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.rubric.model import canonical_decimal
from reviewer.station.overview import CategoryOverview, OverviewRow, Spread
from ui.common.labels import plain_label

_SPREAD_COLOUR = QColor("#eef2f7")


def _cell(value: object) -> QTableWidgetItem:
    text = (
        "—"
        if value is None
        else (canonical_decimal(value) if isinstance(value, Decimal) else str(value))
    )
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if isinstance(value, Decimal):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class CategoryGrid(QWidget):
    """One category: a row per candidate, a column per criterion, then the spread."""

    def __init__(self, data: CategoryOverview):
        super().__init__()
        self.data = data
        rubric = data.rubric
        layout = QVBoxLayout(self)
        counts = " · ".join(f"{lv.label()} {n}" for lv, n in data.levels)
        layout.addWidget(plain_label(_("Totals by level: {counts}").format(counts=counts)))
        headers = [_("ID"), _("Name")]
        headers += [c.name.get() for c in rubric.criteria]
        headers += [_("Total"), _("Level"), _("Recommendation"), _("Status")]
        self.table = QTableWidget(len(data.rows) + 3, len(headers))
        self.table.setObjectName(f"overview-{rubric.id}")
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(data.rows):
            cells: list[object] = [row.candidate_id, row.name, *row.scores, row.total]
            note = _("vetoed") if row.vetoed else _("recused") if row.recused else None
            cells += [
                row.level.label() if row.level else note,
                row.recommendation,
                row.status.label(),
            ]
            for c, value in enumerate(cells):
                self.table.setItem(r, c, _cell(value))
        first = len(data.rows)
        for k, (label, pick) in enumerate(
            (
                (_("Mean"), lambda s: s.mean),
                (_("Lowest"), lambda s: s.minimum),
                (_("Highest"), lambda s: s.maximum),
            )
        ):
            spreads: list[Spread] = [*data.criteria, data.total]
            self.table.setItem(first + k, 1, _cell(label))
            for i, spread in enumerate(spreads):
                self.table.setItem(first + k, 2 + i, _cell(pick(spread)))
            for c in range(len(headers)):
                item = self.table.item(first + k, c)
                if item is None:  # a cell already in the table must not be set again
                    item = _cell("")
                    self.table.setItem(first + k, c, item)
                item.setBackground(_SPREAD_COLOUR)
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table, 1)

    def selected_rows(self) -> list[OverviewRow]:
        picked = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.data.rows[r] for r in picked if r < len(self.data.rows)]


class SideBySide(QDialog):
    """Two candidates of one category, criterion by criterion, with their opinions."""

    def __init__(self, parent: QWidget, data: CategoryOverview, a: OverviewRow, b: OverviewRow):
        super().__init__(parent)
        self.setWindowTitle(_("Side by side"))
        rubric = data.rubric
        layout = QVBoxLayout(self)
        labels = [c.name.get() for c in rubric.criteria]
        labels += [_("Total"), _("Level"), _("Recommendation"), _("Opinion")]
        self.table = QTableWidget(len(labels), 2)
        self.table.setObjectName("sideBySide")
        self.table.setVerticalHeaderLabels(labels)
        self.table.setHorizontalHeaderLabels(
            [f"{a.candidate_id} {a.name}", f"{b.candidate_id} {b.name}"]
        )
        for col, row in enumerate((a, b)):
            values: list[object] = [*row.scores, row.total]
            values += [row.level.label() if row.level else None, row.recommendation, row.opinion]
            for r, value in enumerate(values):
                self.table.setItem(
                    r, col, _cell(value or None if not isinstance(value, Decimal) else value)
                )
        self.table.setWordWrap(True)
        # The two candidates share the width: long opinions wrap instead of running off.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        self.resize(900, 560)


class OverviewDialog(QDialog):
    def __init__(
        self,
        parent: QWidget,
        data: tuple[CategoryOverview, ...],
        current: str | None = None,
    ):
        """`current`: the candidate being reviewed; the overview opens on their category
        with their row selected (the first tab is rarely the one the reviewer is in)."""
        super().__init__(parent)
        self.setObjectName("overview")
        self.setWindowTitle(_("My scores at a glance"))
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Your own scores only, as saved now (signed or not). Select two candidates "
                    "of one category to compare them side by side."
                )
            )
        )
        self.tabs = QTabWidget()
        self.grids: list[CategoryGrid] = []
        for category in data:
            grid = CategoryGrid(category)
            self.grids.append(grid)
            self.tabs.addTab(grid, category.rubric.category.get())
        layout.addWidget(self.tabs, 1)
        for index, grid in enumerate(self.grids):
            ids = [row.candidate_id for row in grid.data.rows]
            if current in ids:
                self.tabs.setCurrentIndex(index)
                grid.table.selectRow(ids.index(current))
        buttons = QHBoxLayout()
        self.compare = QPushButton(_("Side by side"))
        self.compare.setObjectName("compare")
        self.compare.clicked.connect(self.show_side_by_side)
        buttons.addStretch(1)
        buttons.addWidget(self.compare)
        layout.addLayout(buttons)
        self.side: SideBySide | None = None
        self.resize(1200, 640)

    def show_side_by_side(self) -> None:
        grid = self.grids[self.tabs.currentIndex()] if self.grids else None
        rows = grid.selected_rows() if grid else []
        if grid is None or len(rows) != 2:
            self.compare.setToolTip(_("Select exactly two candidates first."))
            return
        self.side = SideBySide(self, grid.data, rows[0], rows[1])
        self.side.show()
