"""The member's secret ballot (投票): the round file from the secretariat, then the four
steps of ``reviewer ballot request|accept|cast|check`` as one window.

Everything the steps do is the core's (``reviewer.committee.member``) with the identity
the reviewer unlocked; the window only chooses files and shows where the member is. It
closes when the reviewer's window locks or closes, taking the marks with it: they are
never written anywhere but in the sealed ballot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.atomic_file import write_atomically
from reviewer.base.i18n import _
from reviewer.committee import member
from reviewer.committee.meeting import Round, read_round_file, read_state_file
from reviewer.committee.tally import Choice
from reviewer.people.enrolment import fingerprint_groups
from ui.common import worker
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.reviewer.ballot_marks import BallotMarks
from ui.reviewer.ballot_menu import WINDOW_NAME

if TYPE_CHECKING:
    from reviewer.station.workstation import Workstation


def _step(title: str, button_text: str, name: str) -> tuple[QGroupBox, QPushButton, QLabel]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    button = QPushButton(button_text)
    button.setObjectName(name)
    status = plain_label("")
    status.setObjectName(f"{name}Status")
    row = QHBoxLayout()
    row.addWidget(button)
    row.addWidget(status, 1)
    layout.addLayout(row)
    return box, button, status


class BallotWindow(QDialog):
    finished_step = Signal(str)  # a step's work is done (for tests and screenshots)

    def __init__(self, parent: QWidget, station: Workstation):
        super().__init__(parent)
        self.setObjectName(WINDOW_NAME)
        self.setWindowTitle(_("Secret ballot"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.station = station
        self.round: Round | None = None
        self.marks: BallotMarks | None = None
        self._over_shown = False  # the cast status says the marks are over the cap
        self._gone = False  # closed: a task finishing later must not touch the widgets

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.open_button = QPushButton(_("Open the round file…"))
        self.open_button.setObjectName("openRound")
        self.open_button.clicked.connect(self.choose_round)
        top.addWidget(self.open_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.summary = plain_label(
            _("Open the round file (round.json) the secretariat handed out for this round.")
        )
        self.summary.setObjectName("roundSummary")
        layout.addWidget(self.summary)

        box, self.request_button, self.request_status = _step(
            _("1. Ask for a token"), _("Write the token request…"), "requestToken"
        )
        self.request_button.clicked.connect(self.request)
        layout.addWidget(box)
        box, self.accept_button, self.accept_status = _step(
            _("2. Take the signed token"), _("Open the secretariat's response…"), "acceptToken"
        )
        self.accept_button.clicked.connect(self.accept_response)
        layout.addWidget(box)

        self.vote_box = QGroupBox(_("3. Vote"))
        vote = QVBoxLayout(self.vote_box)
        self.paper = QScrollArea()
        self.paper.setWidgetResizable(True)
        vote.addWidget(self.paper, 1)
        row = QHBoxLayout()
        self.cast_button = QPushButton(_("Cast the ballot…"))
        self.cast_button.setObjectName("castBallot")
        self.cast_button.clicked.connect(self.cast)
        row.addWidget(self.cast_button)
        self.cast_status = plain_label("")
        self.cast_status.setObjectName("castBallotStatus")
        row.addWidget(self.cast_status, 1)
        vote.addLayout(row)
        layout.addWidget(self.vote_box, 1)

        box, self.check_button, self.check_status = _step(
            _("4. Check the bulletin"), _("Open the bulletin…"), "checkBulletin"
        )
        self.check_button.clicked.connect(self.check)
        layout.addWidget(box)
        self._show_stage()
        self.resize(860, 680)

    # --- the round ----------------------------------------------------------------------

    def choose_round(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Open the round file"), "", _("Round file (*.json)")
        )
        if name:
            self.open_round(Path(name))

    def open_round(self, path: Path) -> None:
        try:
            rnd = read_round_file(path)
            me = self.station.ballot_identity()
            session = member.session_name(me, rnd)
            names = self.station.candidate_names(rnd.session_id)
        except Exception as exc:
            show_error(self, exc, _("The round file was not opened"))
            return
        self.round = rnd
        cap = (
            _("at most {places} 同意").format(places=rnd.places)
            if rnd.places is not None
            else _("no cap on 同意")
        )
        self.summary.setText(
            _("Session: {session} · Round: {round} · {n} candidates · {cap}").format(
                session=session, round=rnd.round_id, n=len(rnd.candidates), cap=cap
            )
        )
        self.marks = BallotMarks(rnd.candidates, names, rnd.places)
        self.marks.changed.connect(self._update_cast)
        self.paper.setWidget(self.marks)
        for label in (self.request_status, self.accept_status, self.cast_status):
            label.setText("")
        self.check_status.setText("")
        self.check_status.setStyleSheet("")
        self._show_stage()

    def _stage(self) -> member.Stage | None:
        if self.round is None:
            return None
        try:
            return member.stage(self.station.ballot_identity(), self.round)
        except Exception as exc:
            show_error(self, exc)
            return None

    def _show_stage(self) -> None:
        stage = self._stage()
        self.request_button.setEnabled(stage is member.Stage.NOT_REQUESTED)
        self.accept_button.setEnabled(stage is member.Stage.REQUESTED)
        self.check_button.setEnabled(stage in (member.Stage.SIGNED, member.Stage.CAST))
        self.vote_box.setEnabled(stage is member.Stage.SIGNED)
        if stage is member.Stage.REQUESTED and not self.request_status.text():
            self.request_status.setText(_("Asked already: accept the response next."))
        if stage in (member.Stage.SIGNED, member.Stage.CAST) and not self.accept_status.text():
            self._show_token()
        if stage is member.Stage.CAST:
            if not self.cast_status.text():
                self.cast_status.setText(_("You have cast your ballot in this round."))
            if self.marks is not None:  # a secret ballot's marks do not stay on screen
                self.paper.takeWidget().deleteLater()
                self.marks = None
        self._update_cast()

    def _show_token(self) -> None:
        assert self.round is not None
        digest = member.my_token_hash(self.station.ballot_identity(), self.round)
        self.accept_status.setText(
            _("Your token is signed; it will appear on the bulletin as {hash}").format(
                hash=fingerprint_groups(digest, 8)
            )
        )

    def _update_cast(self) -> None:
        if self.marks is None or self.round is None:
            self.cast_button.setEnabled(False)
            return
        over = self.marks.over_cap()
        self.cast_button.setEnabled(self.vote_box.isEnabled() and not over)
        if over:
            self.cast_status.setText(
                _("More 同意 than the {places} allowed: change some to 不同意 or 弃权.").format(
                    places=self.round.places
                )
            )
        elif self._over_shown:
            self.cast_status.setText("")
        self._over_shown = over

    # --- the steps ----------------------------------------------------------------------

    def _run(
        self, step: str, job: Callable[[], Any], done: Callable[[Any], object], title: str
    ) -> None:
        self.setEnabled(False)

        def finished(result: object) -> None:
            if self._gone:
                return
            self.setEnabled(True)
            done(result)
            self._show_stage()
            self.finished_step.emit(step)

        def failed(exc: Exception) -> None:
            if self._gone:
                return
            self.setEnabled(True)
            show_error(self, exc, title)
            self._show_stage()

        worker.run_task(lambda _ctx: job(), finished, failed)

    def request(self) -> None:
        rnd = self.round
        if rnd is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Write the token request"), "token.request.json", _("Request (*.json)")
        )
        if not name:
            return
        out, me = Path(name), self.station.ballot_identity()

        def job() -> Path:
            data = member.request_token(me, rnd)
            # Public: the member's certificate and a blinded token, nothing secret.
            write_atomically(out, data)
            return out

        self._run(
            "request",
            job,
            lambda path: self.request_status.setText(
                _("Hand {file} to the secretariat.").format(file=path)
            ),
            _("The request was not written"),
        )

    def accept_response(self) -> None:
        rnd = self.round
        if rnd is None:
            return
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Open the secretariat's response"), "", _("Response (*.json)")
        )
        if not name:
            return
        path, me = Path(name), self.station.ballot_identity()
        self._run(
            "accept",
            lambda: member.accept_token(me, rnd, read_state_file(path)),
            lambda _digest: self._show_token(),
            _("The response was not accepted"),
        )

    def cast(self) -> None:
        rnd, marks = self.round, self.marks
        if rnd is None or marks is None:
            return
        try:
            choices = member.choices_from_marks(
                rnd, marks.marked(Choice.YES), marks.marked(Choice.NO)
            )
        except member.MemberBallotError as exc:
            show_error(self, exc, _("The ballot was not cast"))
            return
        yes, no = marks.marked(Choice.YES), marks.marked(Choice.NO)
        answer = QMessageBox.question(
            self,
            _("Cast the ballot"),
            _(
                "同意: {yes}\n不同意: {no}\n弃权: the other {abstain}\n\n"
                "A ballot cannot be changed once cast. Cast it now?"
            ).format(
                yes=", ".join(yes) or "—",
                no=", ".join(no) or "—",
                abstain=len(choices) - len(yes) - len(no),
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        folder = QFileDialog.getExistingDirectory(self, _("Where the ballot is written"))
        if not folder:
            return
        out, me = Path(folder), self.station.ballot_identity()
        self._run(
            "cast",
            lambda: member.cast(me, rnd, choices, out),
            lambda path: self.cast_status.setText(
                _("Ballot sealed and written: {file}").format(file=path)
            ),
            _("The ballot was not cast"),
        )

    def check(self) -> None:
        rnd = self.round
        if rnd is None:
            return
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Open the bulletin"), "", _("Bulletin (*.json)")
        )
        if not name:
            return
        path, me = Path(name), self.station.ballot_identity()
        self._run(
            "check",
            lambda: member.check_bulletin(me, rnd, read_state_file(path)),
            self._show_check,
            _("The bulletin was not checked"),
        )

    def _show_check(self, counted: object) -> None:
        if counted:
            self.check_status.setText(_("Your ballot was counted."))
            colour = "#1b5e20"
        else:
            self.check_status.setText(
                _("Your ballot is NOT on the bulletin: tell the secretariat.")
            )
            colour = "#b00020"
        self.check_status.setStyleSheet(f"color: {colour}; font-size: 16pt; font-weight: bold;")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self._gone = True
        super().closeEvent(event)


def open_ballot_window(parent: QWidget, station: Workstation) -> BallotWindow:
    """The one ballot window of ``parent``, raised if open already."""
    window = parent.findChild(BallotWindow)
    if window is None or window._gone:
        window = BallotWindow(parent, station)
    window.show()
    window.raise_()
    return window
