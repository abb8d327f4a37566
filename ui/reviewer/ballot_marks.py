"""The ballot paper on screen: one row per candidate with 同意 / 不同意 / 弃权 (弃权
until changed), the 同意 counted live against the round's cap.

The marks live in these widgets only: nothing of them is kept or written anywhere but
in the sealed ballot the core writes when the member casts.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLabel, QRadioButton, QWidget

from reviewer.base.i18n import _
from reviewer.committee.tally import Choice
from ui.common.labels import plain_label

_ORDER = (Choice.YES, Choice.NO, Choice.ABSTAIN)


def _choice_text(choice: Choice) -> str:
    return {Choice.YES: _("Approve"), Choice.NO: _("Disapprove"), Choice.ABSTAIN: _("Abstain")}[
        choice
    ]


class BallotMarks(QWidget):
    changed = Signal()

    def __init__(self, candidates: tuple[str, ...], names: dict[str, str], places: int | None):
        super().__init__()
        self.setObjectName("ballotMarks")
        self.places = places
        self._groups: dict[str, QButtonGroup] = {}
        grid = QGridLayout(self)
        for col, text in enumerate((_("Candidate"), _("Name")), start=0):
            grid.addWidget(plain_label(text, bold=True), 0, col)
        for col, choice in enumerate(_ORDER, start=2):
            grid.addWidget(plain_label(_choice_text(choice), bold=True), 0, col)
        for row, cid in enumerate(candidates, start=1):
            grid.addWidget(plain_label(cid), row, 0)
            grid.addWidget(plain_label(names.get(cid, "")), row, 1)
            group = QButtonGroup(self)
            for col, choice in enumerate(_ORDER, start=2):
                button = QRadioButton(_choice_text(choice))
                button.setObjectName(f"{cid}:{choice.value}")
                button.setChecked(choice is Choice.ABSTAIN)
                group.addButton(button, col)
                grid.addWidget(button, row, col)
            group.idToggled.connect(self._toggled)
            self._groups[cid] = group
        self.count = QLabel()
        self.count.setObjectName("approvalCount")
        grid.addWidget(self.count, len(candidates) + 1, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(candidates) + 2, 1)  # the rows packed at the top
        self._update()

    def set_choice(self, candidate: str, choice: Choice) -> None:
        group = self._groups[candidate]
        button = group.button(2 + _ORDER.index(choice))
        button.setChecked(True)

    def choices(self) -> dict[str, Choice]:
        return {cid: _ORDER[group.checkedId() - 2] for cid, group in self._groups.items()}

    def marked(self, choice: Choice) -> list[str]:
        return [cid for cid, c in self.choices().items() if c is choice]

    def over_cap(self) -> bool:
        return self.places is not None and len(self.marked(Choice.YES)) > self.places

    def _toggled(self, _id: int, on: bool) -> None:
        if on:  # each change toggles two buttons; count once
            self._update()

    def _update(self) -> None:
        yes = len(self.marked(Choice.YES))
        if self.places is None:
            self.count.setText(_("同意: {yes}").format(yes=yes))
        else:
            self.count.setText(
                _("同意: {yes} of at most {places}").format(yes=yes, places=self.places)
            )
        self.count.setStyleSheet("color: #b00020; font-weight: bold;" if self.over_cap() else "")
        self.changed.emit()
