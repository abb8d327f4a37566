"""Browse the rubrics: categories on the left; the checks, then each criterion with its
plan quote and level descriptors on the right.

Rubric files may come from outside, so every text is shown as plain text, never as
rich text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _, join_list
from reviewer.rubric.model import CheckResult, Criterion, Rubric, canonical_decimal
from reviewer.rubric.plan import PLAN_TITLE
from ui.common.labels import plain_label


def _quote_text(section: str, quote: str) -> str:
    return _("{plan}, section {section}:\n“{quote}”").format(
        plan=PLAN_TITLE, section=section, quote=quote
    )


class RubricView(QScrollArea):
    """One rubric, read-only."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.rubric: Rubric | None = None

    def show_rubric(self, rubric: Rubric) -> None:
        self.rubric = rubric
        page = QWidget()
        layout = QVBoxLayout(page)
        title = plain_label(rubric.category.get(), bold=True)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        title.setFont(font)
        title.setObjectName("rubricTitle")
        layout.addWidget(title)
        layout.addWidget(
            plain_label(
                _("Rubric {id}, version {version} · fingerprint {fp}").format(
                    id=rubric.id, version=rubric.version, fp=rubric.short_fingerprint
                )
            )
        )
        layout.addWidget(
            plain_label(_quote_text(rubric.source.section, rubric.source.quote), quote=True)
        )

        checks = QGroupBox(_("Checks before scoring"))
        checks_layout = QVBoxLayout(checks)
        results = " / ".join(r.label() for r in CheckResult)
        checks_layout.addWidget(
            plain_label(
                _(
                    "Each check is recorded before any score: {results}. A note is required "
                    "unless the result is a pass; a fail is a veto (一票否决)."
                ).format(results=results)
            )
        )
        for check in rubric.checks:
            checks_layout.addWidget(plain_label(check.name.get(), bold=True))
            checks_layout.addWidget(
                plain_label(
                    _("Covers: {aspects}").format(aspects=join_list(a.get() for a in check.aspects))
                )
            )
            checks_layout.addWidget(
                plain_label(_quote_text(check.source.section, check.source.quote), quote=True)
            )
            checks_layout.addWidget(plain_label(check.guidance.get()))
        layout.addWidget(checks)

        for index, criterion in enumerate(rubric.criteria, 1):
            layout.addWidget(self._criterion_box(index, criterion))
        layout.addStretch(1)
        self.setWidget(page)

    def _criterion_box(self, index: int, c: Criterion) -> QGroupBox:
        box = QGroupBox(f"{index}. {c.name.get()}")
        box.setObjectName(f"criterion-{c.id}")
        layout = QVBoxLayout(box)
        facts = _("Weight {weight}% · score 0–{max} in steps of {step}").format(
            weight=canonical_decimal(c.weight),
            max=canonical_decimal(c.max_score),
            step=canonical_decimal(c.step),
        )
        if c.representative_works:
            facts += " · " + _("judges the representative works (代表作)")
        layout.addWidget(plain_label(facts))
        layout.addWidget(plain_label(_quote_text(c.source.section, c.source.quote), quote=True))
        table = QTableWidget(len(c.bands), 3)
        table.setHorizontalHeaderLabels([_("Level"), _("Score band"), _("Descriptor")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, band in enumerate(reversed(c.bands)):
            upper = "]" if row == 0 else ")"
            cells = (
                band.level.label(),
                f"[{canonical_decimal(band.low)}, {canonical_decimal(band.high)}{upper}",
                band.description.get(),
            )
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        table.resizeRowsToContents()
        height = table.horizontalHeader().height() + sum(
            table.rowHeight(r) for r in range(table.rowCount())
        )
        table.setFixedHeight(height + 4)
        layout.addWidget(table)
        return box


class RubricBrowser(QSplitter):
    def __init__(self, rubrics: list[Rubric], parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.rubrics = rubrics
        self.categories = QListWidget()
        self.categories.setObjectName("categories")
        self.categories.setWordWrap(True)
        self.view = RubricView()
        self.addWidget(self.categories)
        self.addWidget(self.view)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.setSizes([320, 1040])
        self.categories.currentRowChanged.connect(self._select)
        self.retranslate()

    def retranslate(self) -> None:
        row = max(self.categories.currentRow(), 0)
        self.categories.blockSignals(True)
        self.categories.clear()
        for rubric in self.rubrics:
            item = QListWidgetItem(
                _("{category} ({n} criteria)").format(
                    category=rubric.category.get(), n=len(rubric.criteria)
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, rubric.id)
            self.categories.addItem(item)
        self.categories.blockSignals(False)
        if self.rubrics:
            self.categories.setCurrentRow(row)
            self._select(row)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.rubrics):
            self.view.show_rubric(self.rubrics[row])
