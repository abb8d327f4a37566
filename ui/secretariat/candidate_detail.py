"""One candidate's detail in the secretariat window: the aggregates, each reviewer's
sheet and the opinions.

Every text from a sheet (names, opinions, notes, file names) is hostile input: it is
shown as plain text only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHeaderView,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.rubric.model import CheckKind
from reviewer.secretariat.aggregate import AggregateResult, CandidateAggregate
from reviewer.secretariat.stats import shown
from reviewer.secretariat.tables import Table, check_name, criterion_name
from ui.common.labels import plain_label
from ui.secretariat.table_view import VETO_COLOUR, cell_text, plain_tooltip


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""


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

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
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
        if a.held:
            held = plain_label(
                _(
                    "Held: sheets for this candidate conflict, so none of them is counted "
                    "until the wrong one is removed (see the Conflicts tab)."
                )
            )
            held.setObjectName("detailHeld")
            held.setStyleSheet("color: #c62828;")
            layout.addWidget(held)

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
            _("Watched"),
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
            chosen = data.review.recommendation
            option = rubric.recommendation(chosen) if rubric and chosen else None
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
                data.viewing.brief() if data.viewing else "",  # a format 1 sheet: not known
                sheet.record.path,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if len(text) > 24:
                    item.setToolTip(plain_tooltip(text))
                table.setItem(row, column, item)
            if data.vetoes:
                for column in range(len(cells)):
                    cell = table.item(row, column)
                    if cell is not None:
                        cell.setBackground(QColor(VETO_COLOUR))
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
            [_text(table.item(r, c)) for c in range(table.columnCount())]
            for r in range(table.rowCount())
        ]
