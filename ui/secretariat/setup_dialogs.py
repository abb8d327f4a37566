"""The secretariat's set-up dialogs (会话设置): a new session, the check of one enrolment
request before its response is written, and what a pack is built from.

The dialogs only gather what the secretary types and chooses; the window hands it to
the core's set-up service (``reviewer.secretariat.setup``), which checks it exactly as
``reviewer session init|enroll`` and ``reviewer pack build`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.crypto.passphrase_strength import strength
from reviewer.people.enrolment import fingerprint_groups
from reviewer.people.quorum import DEFAULT_QUORUM, QuorumError, quorum_text
from reviewer.rubric.file import bundled_rubrics
from reviewer.secretariat import setup
from reviewer.secretariat.setup import PendingEnrolment
from ui.common.labels import plain_label


class PathField(QWidget):
    """A path typed or chosen with a file dialog: ``kind`` is "dir", "open" or "save"."""

    def __init__(self, kind: str, title: str, filter_text: str = ""):
        super().__init__()
        self.kind, self.title, self.filter_text = kind, title, filter_text
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.browse = QPushButton(_("Choose…"))
        self.browse.clicked.connect(self._choose)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def _choose(self) -> None:
        start = self.edit.text() or str(Path.home())
        if self.kind == "dir":
            chosen = QFileDialog.getExistingDirectory(self, self.title, start)
        elif self.kind == "open":
            chosen, _f = QFileDialog.getOpenFileName(self, self.title, start, self.filter_text)
        else:
            chosen, _f = QFileDialog.getSaveFileName(self, self.title, start, self.filter_text)
        if chosen:
            self.edit.setText(chosen)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text) if text else None


def _error_label() -> QLabel:
    label = plain_label("")
    label.setObjectName("error")
    label.setStyleSheet("color: #a40000;")
    return label


def _passphrase_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


@dataclass(frozen=True)
class NewSessionForm:
    folder: Path
    name: str
    short_name: str | None
    programme: str | None
    rubric_ids: list[str]
    seal_sheets: bool
    quorum: str  # as typed: the service reads it, and refuses it as the CLI does
    passphrase: str


# The rules committees commonly use; any other share can be typed.
QUORUM_CHOICES = (Fraction(2, 3), Fraction(3, 4), Fraction(4, 5))
_VULGAR = {Fraction(1, 2): "½", Fraction(2, 3): "⅔", Fraction(3, 4): "¾", Fraction(4, 5): "⅘"}


def quorum_help(text: str) -> str:
    """The line under the quorum field: the rule in words, or why it is refused."""
    try:
        share = setup.read_quorum(text)
    except QuorumError as exc:
        return str(exc)
    return _("{share} of the committee's members must attend a meeting").format(
        share=_VULGAR.get(share, quorum_text(share))
    )


class NewSessionDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("New session"))
        # The rubrics' English names are long: the list shows them without a sideways scroll.
        self.setMinimumWidth(640)
        form = QFormLayout()
        self.folder = PathField("dir", _("An empty folder for the session"))
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.short_name = QLineEdit()
        self.short_name.setObjectName("shortName")
        self.short_name.setPlaceholderText(_("only when the name is too long for certificates"))
        self.programme = QLineEdit()
        self.programme.setObjectName("programme")
        self.rubrics = QListWidget()
        self.rubrics.setObjectName("rubrics")
        for rubric in bundled_rubrics():
            item = QListWidgetItem(f"{rubric.category.get()} ({rubric.id})")
            item.setData(Qt.ItemDataRole.UserRole, rubric.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.rubrics.addItem(item)
        self.seal = QCheckBox(_("Sheets travel age-encrypted to the secretariat only (sealed)"))
        self.seal.setObjectName("seal")
        self.quorum = QComboBox()
        self.quorum.setObjectName("quorum")
        self.quorum.setEditable(True)
        self.quorum.addItems([quorum_text(q) for q in QUORUM_CHOICES])
        self.quorum.setCurrentText(quorum_text(DEFAULT_QUORUM))
        self.quorum_hint = plain_label("")
        self.quorum_hint.setObjectName("quorumHint")
        self.quorum.currentTextChanged.connect(self._quorum_hint)
        self.passphrase = _passphrase_edit("passphrase")
        self.repeat = _passphrase_edit("repeat")
        self.hint = QLabel()
        self.hint.setObjectName("strength")
        self.error = _error_label()
        form.addRow(_("Folder"), self.folder)
        form.addRow(_("Session name"), self.name)
        form.addRow(_("Short name"), self.short_name)
        form.addRow(_("Programme"), self.programme)
        form.addRow(_("Rubrics"), self.rubrics)
        form.addRow("", self.seal)
        form.addRow(_("Quorum"), self.quorum)
        form.addRow("", self.quorum_hint)
        form.addRow(_("Session passphrase"), self.passphrase)
        form.addRow(_("Passphrase again"), self.repeat)
        form.addRow("", self.hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.passphrase.textChanged.connect(self._hint)
        self._hint("")
        self._quorum_hint(self.quorum.currentText())

    def _quorum_hint(self, text: str) -> None:
        self.quorum_hint.setText(quorum_help(text))

    def _hint(self, text: str) -> None:
        self.hint.setText(strength(text).message())

    def _checked_rubrics(self) -> list[str]:
        items = (self.rubrics.item(i) for i in range(self.rubrics.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def accept(self) -> None:
        # What can be told without the core stays in the dialog, so nothing typed is lost;
        # the service checks everything again (name, folder, strength) when it creates.
        if self.folder.path() is None:
            self.error.setText(_("Choose the folder for the session."))
        elif not self.name.text().strip():
            self.error.setText(_("Enter the session's name."))
        elif not self._checked_rubrics():
            self.error.setText(_("Choose at least one rubric."))
        elif (quorum_refused := self._quorum_refusal()) is not None:
            self.error.setText(quorum_refused)
        elif self.passphrase.text() != self.repeat.text():
            self.error.setText(_("The two passphrases differ."))
        elif not strength(self.passphrase.text()).acceptable:
            self.error.setText(strength(self.passphrase.text()).message())
        else:
            self.error.setText("")
            super().accept()

    def _quorum_refusal(self) -> str | None:
        try:
            setup.read_quorum(self.quorum.currentText())
        except QuorumError as exc:
            return str(exc)
        return None

    def form(self) -> NewSessionForm:
        folder = self.folder.path()
        assert folder is not None  # accept() refuses an empty folder
        return NewSessionForm(
            folder=folder,
            name=self.name.text().strip(),
            short_name=self.short_name.text().strip() or None,
            programme=self.programme.text().strip() or None,
            rubric_ids=self._checked_rubrics(),
            seal_sheets=self.seal.isChecked(),
            quorum=self.quorum.currentText(),
            passphrase=self.passphrase.text(),
        )


class EnrolmentCheck(QDialog):
    """One request, its name and key fingerprint large, to compare on the phone with
    what the reviewer's own screen shows before the response is written."""

    def __init__(self, pending: PendingEnrolment, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Check the enrolment request"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Call the reviewer and ask them to read their key fingerprint aloud "
                    "(shown when they saved the request, or by `reviewer identity show`). "
                    "Write the response only if every group matches."
                )
            )
        )
        self.name = plain_label(pending.name, bold=True)
        self.name.setObjectName("reviewerName")
        self.fingerprint = QLabel(fingerprint_groups(pending.key_fingerprint))
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setTextFormat(Qt.TextFormat.PlainText)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont("monospace")
        big.setStyleHint(QFont.StyleHint.Monospace)
        big.setPointSize(20)
        self.fingerprint.setFont(big)
        bigger = self.name.font()
        bigger.setPointSize(20)
        self.name.setFont(bigger)
        layout.addWidget(self.name)
        layout.addWidget(self.fingerprint)
        if pending.already_enrolled:
            layout.addWidget(
                plain_label(_("Already enrolled: the same response is written again."))
            )
        self.buttons = QDialogButtonBox()
        self.confirm = self.buttons.addButton(
            _("It matches: write the response"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


@dataclass(frozen=True)
class BuildForm:
    candidates: Path
    materials: Path
    out: Path
    passphrase: str


class BuildPackDialog(QDialog):
    def __init__(self, start: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Build the pack"))
        form = QFormLayout()
        self.candidates = PathField(
            "open", _("The candidate list"), _("Candidate lists (*.xlsx *.csv)")
        )
        self.materials = PathField("dir", _("The materials folder"))
        self.out = PathField("save", _("Where to write the pack"), _("Dossier packs (*.rvpack)"))
        self.out.edit.setText(str(start / "pack.rvpack"))
        self.passphrase = _passphrase_edit("passphrase")
        self.error = _error_label()
        form.addRow(_("Candidate list"), self.candidates)
        form.addRow(_("Materials folder"), self.materials)
        form.addRow(_("Pack"), self.out)
        form.addRow(_("Session passphrase"), self.passphrase)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if self.candidates.path() is None:
            self.error.setText(_("Choose the candidate list."))
        elif self.materials.path() is None:
            self.error.setText(_("Choose the materials folder."))
        elif self.out.path() is None:
            self.error.setText(_("Choose where to write the pack."))
        elif not self.passphrase.text():
            self.error.setText(_("Enter the session passphrase."))
        else:
            self.error.setText("")
            super().accept()

    def form(self) -> BuildForm:
        candidates, materials, out = self.candidates.path(), self.materials.path(), self.out.path()
        assert candidates is not None and materials is not None and out is not None
        return BuildForm(candidates, materials, out, self.passphrase.text())
