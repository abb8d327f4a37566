"""The result tabs of the secretariat window: the candidates with each one's sheets, the
methods side by side, the refused, missing, superseded and duplicate sheets, the
conflicts, the summary with its charts and the information, under the banner that says
which candidates are held by conflicting sheets, and why.

The tables are the core's ``aggregate_tables``, so the screen shows what the reports
contain. Drawing the summary is slow and the window owns the busy state and the worker:
``preview_wanted`` asks it to draw, and it hands the PDF back to ``show_preview``.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from reviewer.base.i18n import _
from reviewer.secretariat.aggregate import AggregateResult
from reviewer.secretariat.tables import (
    Table,
    candidates_table,
    conflict_lines,
    conflicts_table,
    info_rows,
    methods_table,
    missing_table,
    other_sheets_table,
    refused_table,
)
from ui.common.labels import plain_label
from ui.secretariat.candidate_detail import CandidateDetail
from ui.secretariat.summary_preview import SummaryPreview
from ui.secretariat.table_view import FLAG_COLOUR, VETO_COLOUR, TableView


class ResultTabs(QWidget):
    preview_wanted = Signal(object)  # the AggregateResult whose summary is to be drawn

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result: AggregateResult | None = None
        self._candidates = Table("", (), ())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.banner = plain_label("")
        self.banner.setObjectName("blockedBanner")
        self.banner.setStyleSheet(
            "QLabel#blockedBanner { background: #fbe3e3; border: 1px solid #c62828;"
            " color: #7f0000; padding: 6px; }"
        )
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("resultTabs")
        self.candidates_view = TableView("candidatesTable")
        self.candidates_view.selectionModel().currentRowChanged.connect(self._candidate_chosen)
        self.detail = CandidateDetail()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.candidates_view)
        self.split.addWidget(self.detail)
        self.split.setSizes([760, 600])
        self.refused_view = TableView("refusedTable", hidden=("Code",))
        self.missing_view = TableView("missingTable")
        self.other_view = TableView("otherTable")
        self.conflicts_view = TableView("conflictsTable")
        self.methods_view = TableView("methodsTable")
        self.info_view = TableView("infoTable")
        self.preview = SummaryPreview()
        for widget in (
            self.split,
            self.methods_view,
            self.refused_view,
            self.missing_view,
            self.other_view,
            self.conflicts_view,
            self.preview,
            self.info_view,
        ):
            self.tabs.addTab(widget, "")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)

    def retranslate(self) -> None:
        for index, title in enumerate(
            (
                _("Candidates"),
                _("Methods side by side"),
                _("Refused sheets"),
                _("Missing sheets"),
                _("Superseded and duplicate sheets"),
                _("Conflicts"),
                _("Summary and charts"),
                _("Information"),
            )
        ):
            self.tabs.setTabText(index, title)

    def clear(self) -> None:
        self.result = None
        empty = Table("", (), ())
        self._candidates = empty
        for view in (
            self.candidates_view,
            self.refused_view,
            self.missing_view,
            self.other_view,
            self.conflicts_view,
            self.methods_view,
            self.info_view,
        ):
            view.set_table(empty)
        self.detail.clear()
        self.preview.clear()
        self.banner.setVisible(False)

    def show_result(self, result: AggregateResult, *, keep_selection: bool = False) -> None:
        """Every table of ``result``; held candidates (conflicting sheets) are named
        in the banner, and the rest of the result stands.

        With ``keep_selection``, the candidate chosen before is chosen again."""
        current = self.candidates_view.current_key() if keep_selection else None
        self.result = result
        self._candidates = candidates_table(result)
        flags = {
            row.candidate_id: row.method_dependent for c in result.categories for row in c.rows
        }
        colours = [
            VETO_COLOUR
            if a.vetoed or a.held
            else FLAG_COLOUR
            if flags.get(a.candidate_id)
            else None
            for a in result.candidates
        ]
        ids = [a.candidate_id for a in result.candidates]
        self.candidates_view.set_table(self._candidates, colours, ids)
        method_ids = [row.candidate_id for c in result.categories for row in c.rows]
        self.methods_view.set_table(
            methods_table(result),
            [FLAG_COLOUR if flags.get(cid) else None for cid in method_ids],
            method_ids,
        )
        self.refused_view.set_table(refused_table(result))
        self.missing_view.set_table(missing_table(result))
        self.other_view.set_table(other_sheets_table(result))
        self.conflicts_view.set_table(conflicts_table(result))
        self.info_view.set_table(
            Table(_("Information"), (_("Item"), _("Value")), info_rows(result))
        )
        self.preview.clear()
        held = result.has_conflicts
        self.banner.setText(self.held_reason(result) if held else "")
        self.banner.setVisible(held)
        self.detail.clear()
        if held:
            self.tabs.setCurrentWidget(self.conflicts_view)
        elif self.tabs.currentWidget() is self.conflicts_view:
            self.tabs.setCurrentWidget(self.split)
        self.preview.note.setText(
            ""
            if result.imported.packs_checked
            else _("The pack each sheet was made from was not checked (choose the packs).")
        )
        self.want_preview()
        if current:
            self.candidates_view.select_key(current)

    def held_reason(self, result: AggregateResult) -> str:
        lines = [
            _(
                "Held until the conflicts are resolved (remove the wrong sheets, then import "
                "again): {ids}. Every other result stands and can be exported."
            ).format(ids=", ".join(result.held))
        ]
        lines += conflict_lines(result)
        return "\n".join(lines)

    def _candidate_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        key = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if key and self.result is not None:
            self.detail.show_candidate(self.result, self._candidates, key)

    def show_candidate(self, candidate_id: str) -> None:
        self.tabs.setCurrentWidget(self.split)
        self.candidates_view.select_key(candidate_id)

    def _tab_changed(self, _index: int) -> None:
        self.want_preview()

    def want_preview(self) -> None:
        """Ask for the summary to be drawn if its tab is showing and it is not drawn yet."""
        result = self.result
        if self.tabs.currentWidget() is not self.preview:
            return
        if result is None or self.preview.result is result:
            return
        self.preview_wanted.emit(result)

    def show_preview(self, result: AggregateResult, pdf: bytes) -> None:
        """The summary drawn for ``result``, unless another result is shown by now."""
        if self.result is result:
            self.preview.set_pdf(result, pdf)
