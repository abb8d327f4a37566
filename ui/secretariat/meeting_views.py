"""What the meeting shows: a counted round's result as a table, and the overview of
the session's rounds (which exist, where each stands) from which the next step is
taken. Both only display what the core computed (``count``, ``overview``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.committee.overview import Overview, RoundState, RoundStatus
from reviewer.committee.tally import Choice, RoundResult
from reviewer.people.quorum import quorum_text
from ui.common.labels import plain_label


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def result_rows(result: RoundResult, labels: Mapping[str, str]) -> list[list[str]]:
    """One row per candidate: what the table shows, the verdict under the ⅔ rule."""
    return [
        [
            labels.get(row.candidate, row.candidate),
            str(row.yes),
            str(row.no),
            str(row.abstain),
            _("passed") if row.passed else _("not passed"),
        ]
        for row in result.candidates
    ]


class ResultDialog(QDialog):
    def __init__(
        self,
        result: RoundResult,
        bulletin: Path,
        labels: Mapping[str, str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Result · {round}").format(round=result.round_id))
        self.setMinimumSize(620, 420)
        layout = QVBoxLayout(self)
        self.summary = plain_label(
            _(
                "{ballots} ballots counted; {present} present; {threshold} 同意 needed to pass "
                "({share} of those present)."
            ).format(
                ballots=result.ballots,
                present=result.present,
                threshold=result.threshold,
                share=quorum_text(result.pass_fraction),
            ),
            bold=True,
        )
        self.summary.setObjectName("summary")
        layout.addWidget(self.summary)
        if result.places is not None:
            layout.addWidget(plain_label(_("Places: {n}").format(n=result.places)))
        self.table = _table(
            [_("Candidate"), Choice.YES.label, Choice.NO.label, Choice.ABSTAIN.label, _("Result")],
            result_rows(result, labels),
        )
        self.table.setObjectName("resultTable")
        layout.addWidget(self.table, 1)
        self.bulletin = plain_label(
            _(
                "Bulletin of counted tokens: {file}. Publish it: each member checks their "
                "own token in it."
            ).format(file=bulletin)
        )
        self.bulletin.setObjectName("bulletin")
        self.bulletin.setWordWrap(True)
        layout.addWidget(self.bulletin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class RoundsDialog(QDialog):
    """The session's rounds, oldest first, with buttons for the selected round's next
    step. ``steps`` maps each button to what it does with a round id; the dialog closes
    before the step runs (its own dialogs come next, not behind this one)."""

    def __init__(
        self,
        overview: Overview,
        steps: Mapping[str, Callable[[str | None], None]],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Meeting rounds"))
        self.setMinimumSize(720, 380)
        self.overview = overview
        self.steps = steps
        layout = QVBoxLayout(self)
        rows = [self._row(s) for s in overview.rounds]
        rows += [[name, _("damaged: {reason}").format(reason=why), "", "", ""]
                 for name, why in overview.damaged]  # fmt: skip
        self.table = _table(
            [_("Round"), _("State"), _("Candidates"), _("Present"), _("After round")], rows
        )
        self.table.setObjectName("roundsTable")
        layout.addWidget(self.table, 1)
        if not rows:
            layout.addWidget(plain_label(_("No round yet: open the first one.")))
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("open", _("Open a round…")),
            ("next", _("Open the next round…")),
            ("attend", _("Attendance…")),
            ("print", _("Print paper ballots…")),
            ("count", _("Count…")),
            ("result", _("Show the result")),
        ):
            button = QPushButton(text)
            button.setObjectName(f"{key}Step")
            button.clicked.connect(lambda _c=False, k=key: self._step(k))
            self.buttons[key] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update)
        if overview.rounds:
            self.table.selectRow(len(overview.rounds) - 1)  # where the meeting is now
        self._update()

    @staticmethod
    def _row(status: RoundStatus) -> list[str]:
        rnd = status.round
        needed = rnd.quorum_needed()
        return [
            rnd.round_id,
            status.state.label,
            str(len(rnd.candidates)),
            _("{present} of {members} ({needed} needed)").format(
                present=status.present, members=rnd.members, needed=needed
            ),
            rnd.previous or "",
        ]

    def selected(self) -> RoundStatus | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.overview.rounds):
            return None
        return self.overview.rounds[rows[0].row()]

    def _update(self) -> None:
        status = self.selected()
        state = status.state if status else None
        self.buttons["next"].setEnabled(state is RoundState.COUNTED)
        # Late arrivals are added while the round is not counted.
        self.buttons["attend"].setEnabled(state in (RoundState.OPEN, RoundState.ATTENDED))
        self.buttons["print"].setEnabled(state is RoundState.ATTENDED)
        self.buttons["count"].setEnabled(state is RoundState.ATTENDED)
        self.buttons["result"].setEnabled(state is RoundState.COUNTED)

    def _step(self, key: str) -> None:
        status = self.selected()
        self.accept()
        self.steps[key](status.round.round_id if status and key != "open" else None)
