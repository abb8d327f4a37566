"""Conflicts… (专家与分组): the pairs the rules flag, each confirmed (the reviewer never
gets the candidate) or overridden with a reason, then signed into conflicts.json.

The flags, the check that every one is decided and the signature are the planning
service's (as ``reviewer session conflicts``); signing unlocks the secretariat's key,
which takes a second or more, so it runs through the worker.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.panel.conflicts import Decision, Flag, rule_text
from reviewer.people.session import Session
from reviewer.secretariat import planning
from reviewer.secretariat.planning import SignedConflicts
from ui.common import worker
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField

UNDECIDED, CONFIRM, OVERRIDE = 0, 1, 2
COL_CANDIDATE, COL_REVIEWER, COL_RULES, COL_DECISION, COL_REASON = range(5)


class ConflictsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.flags: tuple[Flag, ...] = ()
        self.signed: SignedConflicts | None = None
        self.setWindowTitle(_("Conflicts of interest"))
        self.resize(960, 680)
        self.candidates = PathField(
            "open", _("The candidate list"), _("Candidate lists (*.xlsx *.csv)")
        )
        self.relations = PathField(
            "open", _("Declared relations (optional)"), _("Tables (*.xlsx *.csv)")
        )
        self.find_button = QPushButton(_("Find the flagged pairs"))
        self.find_button.setObjectName("findButton")
        self.find_button.clicked.connect(self.find_flags)
        # The rule "same 工作单位" needs the reviewers' own, recorded in the session.
        self.affiliations = QTableWidget(len(session.active), 1)
        self.affiliations.setObjectName("affiliations")
        self.affiliations.setHorizontalHeaderLabels([_("Affiliation (工作单位)")])
        self.affiliations.setVerticalHeaderLabels([e.name for e in session.active])
        self.affiliations.horizontalHeader().setStretchLastSection(True)
        self.affiliations.setMaximumHeight(130)
        for row, entry in enumerate(session.active):
            self.affiliations.setItem(row, 0, QTableWidgetItem(entry.affiliation or ""))
        self.affiliation_button = QPushButton(_("Save the affiliations"))
        self.affiliation_button.setObjectName("affiliationButton")
        self.affiliation_button.clicked.connect(self.save_affiliations)
        form = QFormLayout()
        form.addRow(_("Reviewers"), self.affiliations)
        form.addRow("", self.affiliation_button)
        form.addRow(_("Candidate list"), self.candidates)
        form.addRow(_("Relations (编号, 评审专家, 类型, 说明)"), self.relations)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("flags")
        self.table.setHorizontalHeaderLabels(
            [_("Candidate"), _("Reviewer"), _("Flagged by"), _("Decision"), _("Reason")]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_RULES, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_REASON, QHeaderView.ResizeMode.Stretch)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_button = QPushButton(_("Sign the decisions"))
        self.sign_button.setObjectName("signButton")
        self.sign_button.clicked.connect(self.sign)
        sign_form = QFormLayout()
        sign_form.addRow(_("Session passphrase"), self.passphrase)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.signing = False
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Confirm a flag and the reviewer never gets the candidate; override it "
                    "only with a reason, which the signed record keeps. Packs are built only "
                    "when every flag is decided."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.find_button)
        layout.addWidget(self.table, 1)
        layout.addLayout(sign_form)
        layout.addWidget(self.sign_button)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def save_affiliations(self) -> None:
        typed = {}
        for row, entry in enumerate(self.session.active):
            item = self.affiliations.item(row, 0)
            typed[entry.name] = item.text() if item is not None else ""
        try:
            self.session = planning.record_affiliations(self.session, typed)
        except ReviewerError as exc:
            show_error(self, exc, _("Conflicts of interest"))
            return
        self.status.setText(_("The affiliations are recorded in the session."))
        if self.flags or self.candidates.path() is not None:
            self.find_flags()

    def find_flags(self) -> None:
        path = self.candidates.path()
        if path is None:
            self.status.setText(_("Choose the candidate list."))
            return
        try:
            candidates = planning.planning_candidates(self.session, path)
            review = planning.review_conflicts(self.session, candidates, self.relations.path())
        except ReviewerError as exc:
            show_error(self, exc, _("Conflicts of interest"))
            return
        self.flags = review.flags
        self.table.setRowCount(len(review.flags))
        for row, (flag, earlier) in enumerate(zip(review.flags, review.earlier, strict=True)):
            rules = "; ".join(
                f"{rule_text(r)}{f' ({d})' if d else ''}"
                for r, d in zip(flag.rules, flag.details, strict=True)
            )
            for col, text in (
                (COL_CANDIDATE, flag.candidate_id),
                (COL_REVIEWER, flag.reviewer),
                (COL_RULES, rules),
            ):
                self.table.setItem(row, col, QTableWidgetItem(text))
            choice = QComboBox()
            choice.addItems([_("To decide"), _("Confirm: not assigned"), _("Override")])
            reason = QLineEdit()
            if earlier is not None:
                choice.setCurrentIndex(CONFIRM if earlier.confirmed else OVERRIDE)
                reason.setText(earlier.reason)
            self.table.setCellWidget(row, COL_DECISION, choice)
            self.table.setCellWidget(row, COL_REASON, reason)
        self.table.resizeColumnToContents(COL_DECISION)
        self.status.setText(
            _("{n} flagged pair(s)").format(n=len(review.flags))
            if review.flags
            else _("No pair is flagged: nothing to decide.")
        )

    def choice(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, COL_DECISION)
        assert isinstance(widget, QComboBox)
        return widget

    def reason(self, row: int) -> QLineEdit:
        widget = self.table.cellWidget(row, COL_REASON)
        assert isinstance(widget, QLineEdit)
        return widget

    def decisions(self) -> list[Decision]:
        """The rows decided; a row left to decide is left out, which the core refuses."""
        found = []
        for row, flag in enumerate(self.flags):
            index = self.choice(row).currentIndex()
            if index != UNDECIDED:
                reason = self.reason(row).text().strip()
                found.append(Decision(flag.candidate_id, flag.reviewer, index == CONFIRM, reason))
        return found

    def sign(self) -> None:
        session, flags, decisions = self.session, self.flags, self.decisions()
        passphrase = self.passphrase.text()
        if not passphrase:
            self.status.setText(_("Enter the session passphrase."))
            return

        def job(_ctx: worker.TaskContext) -> SignedConflicts:
            return planning.sign_conflicts(session, passphrase, flags, decisions)

        self.signing = True
        self.sign_button.setEnabled(False)
        self.status.setText(_("Signing the decisions…"))
        worker.run_task(job, self._signed, self._failed)

    def reject(self) -> None:
        if not self.signing:  # the signature's result comes back to this dialog
            super().reject()

    def _signed(self, signed: SignedConflicts) -> None:
        self.signing = False
        self.signed = signed
        self.passphrase.clear()  # not kept in the dialog once it has served
        self.sign_button.setEnabled(True)
        self.status.setText(
            _("Wrote {file}: {c} confirmed, {o} overridden").format(
                file=signed.path, c=signed.confirmed, o=signed.overridden
            )
        )

    def _failed(self, exc: Exception) -> None:
        self.signing = False
        self.sign_button.setEnabled(True)
        self.status.setText("")
        show_error(self, exc, _("Conflicts of interest"))
