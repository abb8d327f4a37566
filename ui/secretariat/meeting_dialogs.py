"""The committee meeting's dialogs (会议): open a round, record its attendance, count it.

They gather what the secretary chooses and types; the Meeting menu
(``ui.secretariat.meeting_menu``) hands it to the core (``reviewer.committee``), which
checks it exactly as ``reviewer meeting open|attend|count`` do. What a dialog shows
before that (the quorum needed, who a token request is from) comes from the core too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.committee.meeting import (
    Attendee,
    Round,
    check_round_id,
    quorum_needed,
    read_input_file,
    request_member,
)
from reviewer.people.quorum import parse_quorum, quorum_text
from reviewer.people.session import Session
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField


def _error_label() -> QLabel:
    label = plain_label("")
    label.setObjectName("error")
    label.setStyleSheet("color: #a40000;")
    return label


def _passphrase_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("passphrase")
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _checkable(text: str, data: str, checked: bool) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, data)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return item


def _checked(items: QListWidget) -> list[str]:
    return [
        str(items.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(items.count())
        if items.item(i).checkState() == Qt.CheckState.Checked
        and items.item(i).flags() & Qt.ItemFlag.ItemIsEnabled
    ]


# --- opening a round --------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRoundForm:
    round_id: str
    candidates: list[str]
    places: int | None
    quorum: Fraction
    after: str | None
    passphrase: str


class OpenRoundDialog(QDialog):
    """``candidates``: id → label (the candidate list's names when known);
    ``shortlists``: each counted round → those who passed it, offered as "after"."""

    def __init__(
        self,
        members: int,
        quorum: Fraction,
        candidates: Mapping[str, str],
        shortlists: Mapping[str, Sequence[str]],
        after: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Open a round"))
        self.setMinimumWidth(560)
        self.members, self.all_candidates, self.shortlists = members, candidates, shortlists
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("roundName")
        self.name.setPlaceholderText(_("e.g. 表决一"))
        self.after = QComboBox()
        self.after.setObjectName("after")
        self.after.addItem(_("none: the first round"), None)
        for round_id in shortlists:
            self.after.addItem(round_id, round_id)
        self.candidates = QListWidget()
        self.candidates.setObjectName("candidates")
        self.more = QLineEdit()
        self.more.setObjectName("moreCandidates")
        self.more.setPlaceholderText(_("candidate numbers not in the list, separated by spaces"))
        self.places = QSpinBox()
        self.places.setObjectName("places")
        self.places.setRange(0, 500)
        self.places.setSpecialValueText(_("no cap"))
        self.quorum = QLineEdit(quorum_text(quorum))
        self.quorum.setObjectName("quorum")
        self.quorum_hint = plain_label("")
        self.quorum_hint.setObjectName("quorumHint")
        self.passphrase = _passphrase_edit()
        form.addRow(_("Round name:"), self.name)
        form.addRow(_("After round:"), self.after)
        form.addRow(_("Candidates:"), self.candidates)
        form.addRow("", self.more)
        form.addRow(_("Places (most 同意 on one ballot):"), self.places)
        form.addRow(_("Quorum (share of members):"), self.quorum)
        form.addRow("", self.quorum_hint)
        form.addRow(_("Session passphrase:"), self.passphrase)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Open the round"))
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.after.currentIndexChanged.connect(self._fill_candidates)
        self.quorum.textChanged.connect(self._show_quorum)
        if after is not None and after in shortlists:
            self.after.setCurrentIndex(self.after.findData(after))
        self._fill_candidates()
        self._show_quorum()

    def _fill_candidates(self) -> None:
        after = self.after.currentData()
        self.candidates.clear()
        # A later round offers only what the earlier one carried forward, all preselected.
        ids = list(self.shortlists[after]) if after else list(self.all_candidates)
        for cid in ids:
            label = self.all_candidates.get(cid, cid)
            self.candidates.addItem(_checkable(label, cid, after is not None))
        self.more.setEnabled(after is None)

    def _show_quorum(self) -> None:
        try:
            needed = quorum_needed(parse_quorum(self.quorum.text()), self.members)
        except ReviewerError as exc:
            self.quorum_hint.setText(exc.message)
            return
        self.quorum_hint.setText(
            _("Quorum: {needed} of {members} members.").format(needed=needed, members=self.members)
        )

    def chosen_candidates(self) -> list[str]:
        more = self.more.text().split() if self.more.isEnabled() else []
        chosen = _checked(self.candidates)
        return chosen + [c for c in more if c not in chosen]

    def _check(self) -> None:
        try:
            check_round_id(self.name.text().strip())
            parse_quorum(self.quorum.text())
        except ReviewerError as exc:
            self.error.setText(exc.message)
            return
        if not self.chosen_candidates():
            self.error.setText(_("Choose the candidates of the round."))
        elif not self.passphrase.text():
            self.error.setText(_("Type the session passphrase."))
        else:
            self.accept()

    def form(self) -> OpenRoundForm:
        return OpenRoundForm(
            round_id=self.name.text().strip(),
            candidates=self.chosen_candidates(),
            places=self.places.value() or None,
            quorum=parse_quorum(self.quorum.text()),
            after=self.after.currentData(),
            passphrase=self.passphrase.text(),
        )


# --- attendance -------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceForm:
    requests: list[bytes]
    paper: list[str]
    out: Path | None
    passphrase: str


class AttendanceDialog(QDialog):
    """The members on the roster, a checkbox each for those present on paper, and the
    token requests of those voting electronically; the count against the quorum is
    live, and below it the record button stays off and says why."""

    def __init__(
        self,
        session: Session,
        rnd: Round,
        present: Sequence[Attendee],
        out: Path,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session, self.rnd = session, rnd
        self.setWindowTitle(_("Attendance · {round}").format(round=rnd.round_id))
        self.setMinimumWidth(560)
        self.already = {a.name for a in present}
        self.requests: dict[str, tuple[Path, bytes]] = {}  # member → their request
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(_("Members present who vote on paper:")))
        self.members = QListWidget()
        self.members.setObjectName("members")
        layout.addWidget(self.members)
        self.import_button = QPushButton(_("Import token requests…"))
        self.import_button.setObjectName("importRequests")
        self.import_button.clicked.connect(self.choose_requests)
        layout.addWidget(self.import_button)
        self.request_list = plain_label("")
        self.request_list.setObjectName("requests")
        layout.addWidget(self.request_list)
        form = QFormLayout()
        self.out = PathField("dir", _("Where the responses for the members are written"))
        self.out.edit.setText(str(out))
        self.passphrase = _passphrase_edit()
        form.addRow(_("Responses folder:"), self.out)
        form.addRow(_("Session passphrase:"), self.passphrase)
        layout.addLayout(form)
        self.count = plain_label("", bold=True)
        self.count.setObjectName("count")
        layout.addWidget(self.count)
        self.error = _error_label()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.record_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.record_button.setText(_("Record attendance"))
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._fill_members()
        self.members.itemChanged.connect(self._update)
        self._update()

    def _fill_members(self) -> None:
        self.members.blockSignals(True)
        self.members.clear()
        for entry in self.session.active:
            name = entry.name
            if name in self.already:
                item = _checkable(_("{name} (present)").format(name=name), name, True)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            elif name in self.requests:
                item = _checkable(_("{name} (token request)").format(name=name), name, False)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item = _checkable(name, name, False)
            self.members.addItem(item)
        self.members.blockSignals(False)

    def choose_requests(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Token requests"),
            str(self.session.folder.parent),
            _("Token requests (*.json)"),
        )
        self.add_requests([Path(p) for p in paths])

    def add_requests(self, paths: Sequence[Path]) -> None:
        """Read each request and say whose it is; one that is not from a member of this
        round is named in the dialog and left out."""
        refused = []
        for path in paths:
            try:
                data = read_input_file(path)
                name = request_member(self.session, self.rnd, data)
            except ReviewerError as exc:
                refused.append(f"{path.name}: {exc.message}")
                continue
            if name in self.already:
                refused.append(
                    _("{file}: {name} is already present").format(file=path.name, name=name)
                )
                continue
            self.requests[name] = (path, data)
        self._fill_members()
        self.request_list.setText(
            "\n".join(
                _("{file}: {name}").format(file=p.name, name=n)
                for n, (p, _d) in self.requests.items()
            )
        )
        self.error.setText("\n".join(refused))
        self._update()

    def present(self) -> int:
        return len(self.already) + len(self.requests) + len(_checked(self.members))

    def _update(self) -> None:
        present, needed = self.present(), self.rnd.quorum_needed()
        self.count.setText(
            _("Present: {present} of {members} members; {needed} needed ({quorum}).").format(
                present=present,
                members=self.rnd.members,
                needed=needed,
                quorum=quorum_text(self.rnd.quorum),
            )
        )
        new = len(self.requests) + len(_checked(self.members))
        self.record_button.setEnabled(present >= needed and new > 0)
        if present < needed:
            self.record_button.setToolTip(
                _("No quorum yet: {n} more members must be present.").format(n=needed - present)
            )
        elif not new:
            self.record_button.setToolTip(_("Mark a member present or import a request."))
        else:
            self.record_button.setToolTip("")
        self.count.setToolTip(self.record_button.toolTip())
        self.reason = self.record_button.toolTip()

    def _check(self) -> None:
        if self.requests and self.out.path() is None:
            self.error.setText(_("Choose where the responses are written."))
        elif not self.passphrase.text():
            self.error.setText(_("Type the session passphrase."))
        else:
            self.accept()

    def form(self) -> AttendanceForm:
        return AttendanceForm(
            requests=[data for _p, data in self.requests.values()],
            paper=_checked(self.members),
            out=self.out.path() if self.requests else None,
            passphrase=self.passphrase.text(),
        )


# --- counting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CountForm:
    ballot_dir: Path | None
    marks: Path | None
    scans: list[Path]
    passphrase: str


class CountDialog(QDialog):
    """What a round is counted from: the folder of electronic ballots and/or the typed
    marks of paper ballots (with their scans, to check the serials)."""

    def __init__(self, rnd: Round, tokens: int, papers: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Count · {round}").format(round=rnd.round_id))
        self.setMinimumWidth(560)
        form = QFormLayout()
        self.ballots = PathField("dir", _("The folder of electronic ballots"))
        self.ballots.setObjectName("ballots")
        self.marks = PathField("open", _("The typed marks"), _("Marks (*.csv)"))
        self.marks.setObjectName("marks")
        self.scans: list[Path] = []
        self.scans_button = QPushButton(_("Scans…"))
        self.scans_button.clicked.connect(self._choose_scans)
        self.scans_label = plain_label(_("none"))
        self.passphrase = _passphrase_edit()
        form.addRow(_("Electronic ballots ({n} tokens signed):").format(n=tokens), self.ballots)
        form.addRow(_("Paper marks CSV ({n} ballots printed):").format(n=papers), self.marks)
        form.addRow(self.scans_button, self.scans_label)
        form.addRow(_("Session passphrase:"), self.passphrase)
        self.ballots.setEnabled(tokens > 0)
        self.marks.setEnabled(papers > 0)
        self.scans_button.setEnabled(papers > 0)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Count"))
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(_("A round is counted once: the result cannot be changed after."))
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _choose_scans(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, _("Scanned ballots"), "", _("Images (*.png *.jpg *.jpeg *.tif *.tiff)")
        )
        self.set_scans([Path(p) for p in paths])

    def set_scans(self, paths: Sequence[Path]) -> None:
        self.scans = list(paths)
        self.scans_label.setText(
            _("{n} images").format(n=len(self.scans)) if self.scans else _("none")
        )

    def _check(self) -> None:
        if not self.passphrase.text():
            self.error.setText(_("Type the session passphrase."))
        else:
            self.accept()

    def form(self) -> CountForm:
        return CountForm(
            ballot_dir=self.ballots.path() if self.ballots.isEnabled() else None,
            marks=self.marks.path() if self.marks.isEnabled() else None,
            scans=self.scans,
            passphrase=self.passphrase.text(),
        )
