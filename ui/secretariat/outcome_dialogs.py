"""The decision's outputs of a counted round (决定与归档): the signed minutes and the 公示
list, each a dialog on the open session.

The dialogs gather what the secretary types and chooses and show what the core says:
``committee.minutes`` checks the opinion and writes the minutes, ``committee.publicity``
computes the period and writes the list, exactly as ``reviewer meeting minutes`` and
``reviewer meeting publicity`` do. Signing (the passphrase's Argon2id, the PDF) runs
through ``ui.common.worker``; a refusal is shown with every problem by ``show_error``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.committee import minutes, overview, publicity
from reviewer.committee.meeting import Round
from reviewer.committee.overview import RoundState
from reviewer.people.session import Session
from reviewer.secretariat.candidates import listed_by_id
from ui.common import worker
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField

_ERROR_STYLE = "color: #a40000;"


def _error_label(name: str) -> QLabel:
    label = plain_label("")
    label.setObjectName(name)
    label.setStyleSheet(_ERROR_STYLE)
    return label


class RoundChoice(QWidget):
    """The session's rounds, oldest first, each with its state; the last counted one is
    chosen. An uncounted round can be chosen: the core refuses it, with its reason."""

    def __init__(self, session: Session):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setObjectName("round")
        layout.addWidget(self.combo)
        found = overview.overview(session)
        self._rounds: list[Round] = []
        for status in found.rounds:
            self._rounds.append(status.round)
            self.combo.addItem(f"{status.round.round_id} · {status.state.label}")
        counted = [i for i, s in enumerate(found.rounds) if s.state is RoundState.COUNTED]
        if counted:
            self.combo.setCurrentIndex(counted[-1])
        notes = [_("No round has been opened in this session.")] if not found.rounds else []
        notes += [
            _("Round folder {name} cannot be read: {reason}").format(name=name, reason=why)
            for name, why in found.damaged
        ]
        self.note = plain_label("\n".join(notes))
        self.note.setVisible(bool(notes))
        layout.addWidget(self.note)

    def choose(self, round_id: str) -> None:
        ids = [r.round_id for r in self._rounds]
        self.combo.setCurrentIndex(ids.index(round_id))

    def current(self) -> Round | None:
        i = self.combo.currentIndex()
        return self._rounds[i] if 0 <= i < len(self._rounds) else None


class _SigningDialog(QDialog):
    """What both dialogs share: the round, the candidate list, the passphrase, one
    signing task at a time, and no closing while it runs."""

    def __init__(self, session: Session, title: str, parent: QWidget | None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.setMinimumWidth(620)
        self.rounds = RoundChoice(session)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("passphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.form.addRow(_("Round"), self.rounds)
        self.error = _error_label("error")
        self.status = plain_label("")
        self.status.setObjectName("status")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = self.buttons.addButton(
            _("Sign and write"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.write_button.setObjectName("write")  # each dialog connects its own write()
        self.buttons.rejected.connect(self.reject)
        self.busy = False

    def _finish_layout(self, *below: QWidget) -> None:
        self.form.addRow(_("Session passphrase"), self.passphrase_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        for widget in below:
            layout.addWidget(widget)
        layout.addWidget(self.buttons)

    def _ready(self) -> Round | None:
        """The chosen round once the passphrase is given, else None with the reason."""
        rnd = self.rounds.current()
        if rnd is None:
            self.error.setText(_("Choose a round."))
        elif not self.passphrase_edit.text():
            self.error.setText(_("Enter the session passphrase."))
        else:
            self.error.setText("")
            return rnd
        return None

    def _run(self, busy: str, job: Callable[[worker.TaskContext], Any], done: Callable) -> None:
        def finished(value: Any) -> None:
            self._set_busy(False)
            done(value)

        def failed(exc: Exception) -> None:
            self._set_busy(False)
            self.status.setText("")
            show_error(self, exc, self.windowTitle())

        self._set_busy(True)
        self.status.setText(busy)
        worker.run_task(job, finished, failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.write_button.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:  # the task would report to a dialog nobody sees
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)


class MinutesDialog(_SigningDialog):
    """会议记录: the committee's opinion typed (or read from a text file) and checked as
    it is typed, then the minutes signed and written."""

    def __init__(
        self, session: Session, candidates: Path | None = None, parent: QWidget | None = None
    ):
        super().__init__(session, _("Minutes of a counted round"), parent)
        self.opinion = QPlainTextEdit()
        self.opinion.setObjectName("opinion")
        self.opinion.setPlaceholderText(_("The committee's opinion, as it will be printed"))
        self.opinion.textChanged.connect(self._check_opinion)
        self.from_file = QPushButton(_("From a text file…"))
        self.from_file.clicked.connect(self._choose_opinion_file)
        self.opinion_error = _error_label("opinionError")
        opinion_box = QWidget()
        box = QVBoxLayout(opinion_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.opinion)
        row = QHBoxLayout()
        row.addWidget(self.opinion_error, 1)
        row.addWidget(self.from_file)
        box.addLayout(row)
        self.candidates = PathField(
            "open", _("The candidate list"), _("Candidate lists (*.xlsx *.csv)")
        )
        if candidates is not None:
            self.candidates.edit.setText(str(candidates))
        self.candidates.edit.setPlaceholderText(_("optional: for names and categories"))
        self.out = PathField("save", _("Where to write the minutes"), _("PDF files (*.pdf)"))
        self.out.edit.setPlaceholderText(_("default: minutes.pdf in the round folder"))
        self.form.addRow(_("Committee's opinion"), opinion_box)
        self.form.addRow(_("Candidate list"), self.candidates)
        self.form.addRow(_("Minutes PDF"), self.out)
        self.written: Path | None = None
        self.open_button = QPushButton(_("Open the minutes"))
        self.open_button.setObjectName("openMinutes")
        self.open_button.setVisible(False)
        self.open_button.clicked.connect(self.open_written)
        self._finish_layout(self.open_button)
        self.write_button.clicked.connect(self.write)

    def _check_opinion(self) -> bool:
        try:
            minutes.check_opinion(self.opinion.toPlainText())
        except minutes.MinutesError as exc:
            self.opinion_error.setText(exc.message)
            return False
        self.opinion_error.setText("")
        return True

    def _choose_opinion_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, _("The committee's opinion"), str(Path.home()), _("Text files (*.txt)")
        )
        if path:
            self.load_opinion(Path(path))

    def load_opinion(self, path: Path) -> None:
        try:
            self.opinion.setPlainText(minutes.read_opinion(path))
        except ReviewerError as exc:
            show_error(self, exc, self.windowTitle())

    def write(self) -> None:
        if not self._check_opinion():
            return
        rnd = self._ready()
        if rnd is None:
            return
        session, opinion = self.session, self.opinion.toPlainText()
        passphrase, listed_file, out = (
            self.passphrase_edit.text(),
            self.candidates.path(),
            self.out.path(),
        )

        def job(_ctx: worker.TaskContext) -> Path:
            listed = listed_by_id(session, listed_file) if listed_file else None
            return minutes.write_minutes(session, rnd, opinion, passphrase, listed=listed, out=out)

        self._run(_("Signing the minutes…"), job, self._written)

    def _written(self, path: Path) -> None:
        self.written = path
        self.status.setText(_("Minutes signed and written to {file}.").format(file=path))
        self.open_button.setVisible(True)

    def open_written(self) -> None:
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written)))


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(edit: QDateEdit) -> dt.date:
    chosen = edit.date()
    return dt.date(chosen.year(), chosen.month(), chosen.day())


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class PublicityDialog(_SigningDialog):
    """公示: the period from a start date to an end date that defaults to the earliest
    allowed (five working days), its working days shown as the dates change, then the
    signed PDF, the CSV and the XLSX written."""

    def __init__(
        self,
        session: Session,
        candidates: Path | None = None,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ):
        super().__init__(session, _("Publicity list of a counted round"), parent)
        self.start = _date_edit("start")
        self.end = _date_edit("end")
        self.days = plain_label("")
        self.days.setObjectName("workingDays")
        self.period_error = _error_label("periodError")
        self.holidays = plain_label(
            _(
                "Working days are Monday to Friday only: public holidays and 调休 working "
                "weekends cannot be known offline. If the period crosses one, set a later end."
            )
        )
        self.holidays.setObjectName("holidays")
        self.candidates = PathField(
            "open", _("The candidate list"), _("Candidate lists (*.xlsx *.csv)")
        )
        if candidates is not None:
            self.candidates.edit.setText(str(candidates))
        self.out = PathField("dir", _("Where to write the publicity list"))
        self.out.edit.setPlaceholderText(_("default: the round folder"))
        self.form.addRow(_("Publication starts"), self.start)
        self.form.addRow(_("Publication ends"), self.end)
        self.form.addRow("", self.days)
        self.form.addRow("", self.period_error)
        self.form.addRow("", self.holidays)
        self.form.addRow(_("Candidate list"), self.candidates)
        self.form.addRow(_("Folder"), self.out)
        self.files = QListWidget()
        self.files.setObjectName("files")
        self.files.setVisible(False)
        self._finish_layout(self.files)
        self.write_button.clicked.connect(self.write)
        self.start.dateChanged.connect(self._start_changed)
        self.end.dateChanged.connect(self._show_period)
        self.start.setDate(_qdate(today or dt.date.today()))
        self._start_changed()

    def _start_changed(self) -> None:
        self.end.setDate(_qdate(publicity.earliest_end(_day(self.start))))
        self._show_period()

    def period(self) -> publicity.Period:
        return publicity.period(_day(self.start), _day(self.end))

    def _show_period(self) -> bool:
        try:
            when = self.period()
        except publicity.PublicityError as exc:
            self.days.setText("")
            self.period_error.setText(exc.message)
            return False
        self.period_error.setText("")
        self.days.setText(
            _("Publication period: {start} to {end}, {days} working days.").format(
                start=when.start, end=when.end, days=when.working_days
            )
        )
        return True

    def write(self) -> None:
        if not self._show_period():
            return
        listed_file = self.candidates.path()
        if listed_file is None:
            self.error.setText(_("Choose the candidate list."))
            return
        rnd = self._ready()
        if rnd is None:
            return
        session, when, out = self.session, self.period(), self.out.path()
        passphrase = self.passphrase_edit.text()

        def job(_ctx: worker.TaskContext) -> tuple[Path, ...]:
            listed = listed_by_id(session, listed_file)
            return publicity.write_publicity(session, rnd, listed, when, passphrase, out)

        self._run(_("Signing the publicity list…"), job, self._written)

    def _written(self, files: tuple[Path, ...]) -> None:
        self.status.setText(_("The publicity list was written:"))
        self.files.clear()
        self.files.addItems([str(f) for f in files])
        self.files.setVisible(True)
