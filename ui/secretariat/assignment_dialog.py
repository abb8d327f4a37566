"""Assignment… (专家与分组): who reviews whom, in a candidate × reviewer grid of
checkboxes, filled by category (each reviewer's 专业评议组), automatically with the
loads balanced, or by hand; a confirmed conflict is a cell that cannot be ticked.

The grid only shows and collects ticks: the assignments by category and automatic, the
checks and the saved file are the planning service's, so that ``pack build`` (window or
command line) builds from what is saved here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.panel.candidates import PanelCandidate
from reviewer.people.session import Session
from reviewer.rubric.file import category_label
from reviewer.secretariat import planning
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField

_CHECKABLE = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled


def _checked(item: QTableWidgetItem | None) -> bool:
    return item is not None and item.checkState() == Qt.CheckState.Checked


class AssignmentDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.reviewers = [e.name for e in session.active]
        self.categories = planning.session_categories(session)
        # Shown by the plan's name in the current language; the ids stay in the files.
        self.category_names = {r.id: category_label(r.id) for r in session.rubrics}
        self.candidates: list[PanelCandidate] = []
        self.excluded: frozenset[tuple[str, str]] = frozenset()
        self.saved: Path | None = None
        self.setWindowTitle(_("Assignment"))
        self.resize(1100, 680)
        self.candidate_file = PathField(
            "open", _("The candidate list"), _("Candidate lists (*.xlsx *.csv)")
        )
        self.load_button = QPushButton(_("Load the candidates"))
        self.load_button.setObjectName("loadButton")
        self.load_button.clicked.connect(self.load)
        top = QFormLayout()
        top.addRow(_("Candidate list"), self.candidate_file)

        # Each reviewer's categories: their 专业评议组, for "by category" and the groups
        # automatic assignment keeps to.
        self.groups = QTableWidget(len(self.reviewers), len(self.categories))
        self.groups.setObjectName("groups")
        self.groups.setVerticalHeaderLabels(self.reviewers)
        self.groups.setHorizontalHeaderLabels([self.category_names[c] for c in self.categories])
        self.groups.setMaximumHeight(150)
        for r in range(len(self.reviewers)):
            for c in range(len(self.categories)):
                item = QTableWidgetItem()
                item.setFlags(_CHECKABLE)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.groups.setItem(r, c, item)
        self.category_button = QPushButton(_("Assign by category"))
        self.category_button.setObjectName("byCategoryButton")
        self.category_button.clicked.connect(self.assign_by_category)
        self.per_candidate = QSpinBox()
        self.per_candidate.setObjectName("perCandidate")
        self.per_candidate.setRange(1, max(1, len(self.reviewers)))
        self.per_candidate.setValue(min(3, max(1, len(self.reviewers))))
        self.within_groups = QCheckBox(_("only within each category's group"))
        self.within_groups.setObjectName("withinGroups")
        self.auto_button = QPushButton(_("Assign automatically"))
        self.auto_button.setObjectName("autoButton")
        self.auto_button.clicked.connect(self.assign_automatically)
        how = QHBoxLayout()
        how.addWidget(self.category_button)
        how.addSpacing(24)
        how.addWidget(QLabel(_("Reviewers a candidate")))
        how.addWidget(self.per_candidate)
        how.addWidget(self.within_groups)
        how.addWidget(self.auto_button)
        how.addStretch(1)

        self.grid = QTableWidget(0, len(self.reviewers))
        self.grid.setObjectName("grid")
        self.grid.setHorizontalHeaderLabels(self.reviewers)
        self.grid.itemChanged.connect(self._show_loads)
        self.loads = QLabel()
        self.loads.setObjectName("loads")
        self.loads.setWordWrap(True)
        self.save_button = QPushButton(_("Save the assignment"))
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Tick who reviews whom. A confirmed conflict (回避) cannot be ticked. "
                    "Build pack… then makes one pack per reviewer with only their candidates."
                )
            )
        )
        layout.addLayout(top)
        layout.addWidget(self.load_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel(_("Each reviewer's categories (专业评议组)")))
        layout.addWidget(self.groups)
        layout.addLayout(how)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.loads)
        layout.addWidget(self.save_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._set_enabled(False)

    def _set_enabled(self, loaded: bool) -> None:
        for widget in (self.category_button, self.auto_button, self.save_button):
            widget.setEnabled(loaded)

    def load(self) -> None:
        path = self.candidate_file.path()
        if path is None:
            self.status.setText(_("Choose the candidate list."))
            return
        try:
            candidates = planning.planning_candidates(self.session, path)
            excluded = planning.confirmed_pairs(self.session, candidates)
            saved = planning.read_saved_assignment(self.session, candidates)
        except ReviewerError as exc:
            show_error(self, exc, _("Assignment"))
            return
        self.candidates, self.excluded = candidates, excluded
        self.grid.blockSignals(True)
        self.grid.setRowCount(len(candidates))
        self.grid.setVerticalHeaderLabels(
            [
                f"{c.id} {c.name} ({self.category_names.get(c.category, c.category)})"
                for c in candidates
            ]
        )
        for row, c in enumerate(candidates):
            for col, name in enumerate(self.reviewers):
                item = QTableWidgetItem()
                if (c.id, name) in excluded:
                    # Not checkable and not enabled: the conflict cannot be assigned here.
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    item.setText(_("conflict (回避)"))
                    item.setBackground(QColor("#f4d6d6"))
                    item.setToolTip(_("a confirmed conflict: never assigned"))
                else:
                    item.setFlags(_CHECKABLE)
                    item.setCheckState(Qt.CheckState.Unchecked)
                self.grid.setItem(row, col, item)
        self.grid.blockSignals(False)
        if saved is not None:
            self.show_plan(saved)
            self.status.setText(_("The assignment saved before is shown."))
        else:
            self._show_loads()
            self.status.setText("")
        self._set_enabled(True)

    def chosen_groups(self) -> dict[str, tuple[str, ...]]:
        """Category → the reviewers ticked for it."""
        return {
            category: tuple(
                name for r, name in enumerate(self.reviewers) if _checked(self.groups.item(r, col))
            )
            for col, category in enumerate(self.categories)
        }

    def plan(self) -> dict[str, tuple[str, ...]]:
        """What the grid shows: candidate id → the reviewers ticked."""
        return {
            c.id: tuple(
                name
                for col, name in enumerate(self.reviewers)
                if _checked(self.grid.item(row, col))
            )
            for row, c in enumerate(self.candidates)
        }

    def show_plan(self, plan: planning.Plan) -> None:
        self.grid.blockSignals(True)
        for row, c in enumerate(self.candidates):
            for col, name in enumerate(self.reviewers):
                item = self.grid.item(row, col)
                if item is None:
                    continue
                if not item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                    item.setData(Qt.ItemDataRole.CheckStateRole, None)  # a conflict: no box
                    continue
                ticked = name in plan.get(c.id, ())
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.grid.blockSignals(False)
        self._show_loads()

    def _show_loads(self, *_args: object) -> None:
        counts = planning.loads(self.plan(), self.reviewers)
        self.loads.setText(
            _("Candidates a reviewer: {counts}").format(
                counts=" · ".join(f"{name} {n}" for name, n in counts.items())
            )
        )

    def assign_by_category(self) -> None:
        groups = self.chosen_groups()
        categories = {
            name: [c for c, names in groups.items() if name in names] for name in self.reviewers
        }
        self.show_plan(
            planning.by_category(self.candidates, self.reviewers, categories, self.excluded)
        )
        self.status.setText("")

    def assign_automatically(self) -> None:
        groups = self.chosen_groups() if self.within_groups.isChecked() else None
        try:
            plan = planning.auto_assign(
                self.candidates, self.reviewers, self.per_candidate.value(), self.excluded, groups
            )
        except ReviewerError as exc:
            show_error(self, exc, _("Assignment"))
            return
        self.show_plan(plan)
        self.status.setText("")

    def save(self) -> None:
        try:
            self.saved = planning.save_assignment(
                self.session, self.plan(), self.candidates, self.reviewers
            )
        except ReviewerError as exc:
            show_error(self, exc, _("Assignment"))
            return
        self.status.setText(_("Saved in {file}; Build pack… uses it.").format(file=self.saved))
