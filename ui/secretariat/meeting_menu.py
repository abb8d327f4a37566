"""The secretariat window's Meeting menu (会议): open a round, record attendance, print
paper ballots, count, and the overview of the rounds.

Each step is the core's, as ``reviewer meeting open|attend|print-ballots|count`` run it
(``reviewer.committee``); this module only says when: a dialog gathers the input, the
slow part (an RSA-3072 key, blind signatures, the PDF, the count) runs through
``ui.common.worker``, and a refusal is shown with every problem by ``show_error``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMenuBar, QMessageBox

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.committee import count, meeting, overview, paper_ballot, rounds
from reviewer.committee.overview import RoundState
from reviewer.committee.tally import RoundResult
from reviewer.people.session import Session
from ui.common import worker
from ui.common.actions import add_action
from ui.common.errors import show_error
from ui.secretariat.meeting_dialogs import AttendanceDialog, CountDialog, OpenRoundDialog
from ui.secretariat.meeting_views import ResultDialog, RoundsDialog

if TYPE_CHECKING:
    from ui.secretariat.window import SecretariatWindow


class MeetingMenu(QObject):
    def __init__(self, window: SecretariatWindow):
        super().__init__(window)
        self.window = window
        self.actions: list[QAction] = []
        self.last_result: RoundResult | None = None  # what Count showed last
        self.last_written: list[Path] = []  # the responses or the PDF last written

    def install(self, bar: QMenuBar) -> None:
        menu = bar.addMenu(_("&Meeting"))
        w = self.window
        self.actions = [
            add_action(w, menu, _("&Rounds…"), self.show_rounds),
            add_action(w, menu, _("&Open a round…"), self.open_round),
            add_action(w, menu, _("&Attendance…"), self.attendance),
            add_action(w, menu, _("&Print paper ballots…"), self.print_ballots),
            add_action(w, menu, _("&Count…"), self.count),
        ]

    def set_enabled(self, enabled: bool) -> None:
        for action in self.actions:
            action.setEnabled(enabled)

    # --- helpers ----------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        return None if self.window.busy else self.window.session

    def _run(self, busy: str, job: Callable[[worker.TaskContext], Any], done: Callable) -> None:
        def finished(value: Any) -> None:
            self.window._idle()  # the window's busy state: one task at a time
            done(value)

        def failed(exc: Exception) -> None:
            self.window._idle()
            show_error(self.window, exc, _("Meeting"))

        self.window._busy(busy)
        worker.run_task(job, finished, failed)

    def _round(self, round_id: str | None, states: tuple[RoundState, ...]) -> meeting.Round | None:
        """The round a step acts on, among those in ``states``: the one given, else the
        only one, else the one the secretary chooses."""
        session = self.session
        if session is None:
            return None
        try:
            if round_id is not None:
                meeting.load_round(session, round_id)  # a missing or damaged one says why
            found = [
                s.round
                for s in overview.overview(session).rounds
                if s.state in states and round_id in (None, s.round.round_id)
            ]
        except ReviewerError as exc:
            show_error(self.window, exc, _("Meeting"))
            return None
        if not found:
            QMessageBox.information(
                self.window, _("Meeting"), _("No round is at this step: see Meeting › Rounds.")
            )
            return None
        if len(found) == 1:
            return found[0]
        names = [r.round_id for r in found]
        name, ok = QInputDialog.getItem(
            self.window, _("Meeting"), _("Round:"), names, len(names) - 1, False
        )
        return found[names.index(name)] if ok else None

    def _labels(self) -> dict[str, str]:
        """Candidate id → how the window knows them: the candidate list's names, else
        the candidates of the aggregated sheets."""
        w = self.window
        if w.candidate_list is not None:
            listed = w.candidate_list.candidates
            return {c.candidate_id: f"{c.candidate_id} {c.name}" for c in listed}
        if w.result is not None:
            return {c.candidate_id: c.candidate_id for c in w.result.candidates}
        return {}

    # --- the overview -----------------------------------------------------------------

    def show_rounds(self) -> None:
        session = self.session
        if session is None:
            return
        steps: dict[str, Callable[[str | None], None]] = {
            "open": lambda _r: self.open_round(),
            "next": lambda r: self.open_round(after=r),
            "attend": self.attendance,
            "print": self.print_ballots,
            "count": self.count,
            "result": self.show_result,
        }
        RoundsDialog(overview.overview(session), steps, self.window).exec()

    # --- opening ----------------------------------------------------------------------

    def open_round(self, after: str | None = None) -> None:
        session = self.session
        if session is None:
            return
        shortlists = {}
        for status in overview.overview(session).rounds:
            if status.state is RoundState.COUNTED:
                try:
                    shortlists[status.round.round_id] = rounds.carried_from(
                        session, status.round.round_id
                    )[1]
                except ReviewerError as exc:
                    show_error(self.window, exc, _("Meeting"))
        members = len(session.active)
        dialog = OpenRoundDialog(
            members, session.quorum, self._labels(), shortlists, after, self.window
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        form = dialog.form()

        def job(_ctx: worker.TaskContext) -> meeting.Round:
            previous, shortlist = (
                rounds.carried_from(session, form.after) if form.after else (None, None)
            )
            return meeting.open_round(
                session,
                form.round_id,
                form.candidates,
                form.passphrase,
                places=form.places,
                quorum=form.quorum,
                previous=previous,
                shortlist=shortlist,
            )

        self._run(_("Opening the round (a new signing key)…"), job, self._opened)

    def _opened(self, rnd: meeting.Round) -> None:
        assert rnd.folder is not None
        text = "\n".join(
            [
                _("Round {name} is open: give {file} to every member.").format(
                    name=rnd.round_id, file=rnd.folder / meeting.ROUND_FILE
                ),
                _("Quorum: {needed} of {members} members.").format(
                    needed=rnd.quorum_needed(), members=rnd.members
                ),
            ]
        )
        self.window.status.setText(text.splitlines()[0])
        QMessageBox.information(self.window, _("Open a round"), text)

    # --- attendance -------------------------------------------------------------------

    def attendance(self, round_id: str | None = None) -> None:
        rnd = self._round(round_id, (RoundState.OPEN, RoundState.ATTENDED))
        session = self.session
        if rnd is None or session is None:
            return
        try:
            present = meeting.attendance(rnd)
        except ReviewerError as exc:
            show_error(self.window, exc, _("Meeting"))
            return
        out = session.folder.parent / f"{rnd.round_id}-responses"
        dialog = AttendanceDialog(session, rnd, present, out, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        form = dialog.form()

        def job(_ctx: worker.TaskContext) -> tuple[int, list[Path]]:
            responses = meeting.record_attendance(
                session, rnd, form.passphrase, form.requests, form.paper
            )
            written = meeting.write_responses(form.out, responses) if form.out else []
            return len(meeting.attendance(rnd)), written

        self._run(_("Signing the members' tokens…"), job, self._attended)

    def _attended(self, done: tuple[int, list[Path]]) -> None:
        present, written = done
        self.last_written = written
        lines = [_("Attendance recorded: {n} members present.").format(n=present)]
        if written:
            lines.append(
                _("{n} tokens signed; responses in {folder}.").format(
                    n=len(written), folder=written[0].parent
                )
            )
        self.window.status.setText(lines[0])
        QMessageBox.information(self.window, _("Attendance"), "\n".join(lines))

    # --- paper ballots ----------------------------------------------------------------

    def _passphrase(self, title: str) -> str | None:
        text, ok = QInputDialog.getText(
            self.window, title, _("Session passphrase:"), QLineEdit.EchoMode.Password
        )
        return text if ok and text else None

    def print_ballots(self, round_id: str | None = None) -> None:
        rnd = self._round(round_id, (RoundState.ATTENDED,))
        session = self.session
        if rnd is None or session is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self.window,
            _("Print paper ballots"),
            str(session.folder.parent / f"{rnd.round_id}-ballots.pdf"),
            _("PDF (*.pdf)"),
        )
        if not path:
            return
        passphrase = self._passphrase(_("Print paper ballots"))
        if passphrase is None:
            return
        out = Path(path)

        def job(_ctx: worker.TaskContext) -> tuple[int, Path]:
            secrets_ = meeting.load_secrets(rnd, passphrase)
            return len(paper_ballot.print_ballots(rnd, secrets_, session.name, out)), out

        self._run(_("Printing the ballots…"), job, self._printed)

    def _printed(self, done: tuple[int, Path]) -> None:
        n, out = done
        self.last_written = [out]
        text = _("{n} ballots printed to {file}.").format(n=n, file=out)
        self.window.status.setText(text)
        QMessageBox.information(self.window, _("Print paper ballots"), text)

    # --- counting ---------------------------------------------------------------------

    def count(self, round_id: str | None = None) -> None:
        rnd = self._round(round_id, (RoundState.ATTENDED,))
        if rnd is None:
            return
        try:
            tokens, papers = len(meeting.issued(rnd)), len(paper_ballot.printed(rnd))
        except ReviewerError as exc:
            show_error(self.window, exc, _("Meeting"))
            return
        dialog = CountDialog(rnd, tokens, papers, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        form = dialog.form()

        def job(_ctx: worker.TaskContext) -> RoundResult:
            scanned = paper_ballot.scanned_serials(rnd, form.scans) if form.scans else None
            marks = meeting.read_input_file(form.marks) if form.marks else None
            return count.count_round(
                rnd, form.passphrase, ballot_dir=form.ballot_dir, marks_csv=marks, scanned=scanned
            )

        self._run(_("Counting the ballots…"), job, lambda result: self._counted(rnd, result))

    def _counted(self, rnd: meeting.Round, result: RoundResult) -> None:
        self.last_result = result
        self.window.status.setText(
            _("Round {name} counted: {n} passed.").format(name=rnd.round_id, n=len(result.passed))
        )
        self._show(rnd, result)

    def show_result(self, round_id: str | None = None) -> None:
        rnd = self._round(round_id, (RoundState.COUNTED,))
        if rnd is None:
            return
        try:
            result = count.load_result(rnd)
        except ReviewerError as exc:
            show_error(self.window, exc, _("Meeting"))
            return
        self._show(rnd, result)

    def _show(self, rnd: meeting.Round, result: RoundResult) -> None:
        assert rnd.folder is not None
        self.result_dialog = ResultDialog(
            result, rnd.folder / count.BULLETIN_FILE, self._labels(), self.window
        )
        self.result_dialog.exec()
