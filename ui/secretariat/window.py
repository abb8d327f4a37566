"""The secretariat's window: open a session folder, import a folder of signed sheets,
see the ranking, each candidate's sheets, the refused and missing lists and the charts,
and export the reports.

The pipeline is the core's ``Secretariat`` service (``reviewer.secretariat.service``),
as for ``reviewer aggregate``. Every slow step (verifying, aggregating, rendering the
summary, unlocking a key: Argon2id, signing) runs through ``ui.common.worker``. The
options bar is ``ui.secretariat.options``, the result tabs ``ui.secretariat.results``;
this module holds what happens when: the session, the sources, the worker, the status
bar, the menus.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.pack.build import BuildProgress
from reviewer.pack.candidates import CandidatesError
from reviewer.people.quorum import quorum_text
from reviewer.people.session import SESSION_FILE, EnrolOutcome, Session, SessionError
from reviewer.secretariat import planning, setup
from reviewer.secretariat.aggregate import AggregateOptions, AggregateResult
from reviewer.secretariat.intake import (
    DEFAULT_WORKERS,
    AggregateError,
    ImportCancelled,
    ImportResult,
)
from reviewer.secretariat.report import WrittenReports
from reviewer.secretariat.service import CandidateList, Packs, Secretariat, counts_line
from reviewer.secretariat.setup import BuildCancelled, Enrolled, PacksBuilt, PendingEnrolment
from ui.common import worker
from ui.common.actions import add_action, add_language_menu
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.common.welcome_page import WelcomePage
from ui.secretariat.meeting_menu import MeetingMenu
from ui.secretariat.options import OptionsBar
from ui.secretariat.outcome_menu import OutcomeMenu
from ui.secretariat.panel_menu import add_panel_menu
from ui.secretariat.results import ResultTabs
from ui.secretariat.setup_dialogs import BuildPackDialog, EnrolmentCheck, NewSessionDialog


class SecretariatWindow(QMainWindow):
    def __init__(
        self,
        switch_language: Callable[[str], str] | None = None,
        session_dir: Path | None = None,
        workers: int = DEFAULT_WORKERS,
    ):
        super().__init__()
        self.setObjectName("secretariatWindow")
        self._switch_language = switch_language
        self.workers = workers
        self.settings = QSettings()
        self.secretariat: Secretariat | None = None
        self.sheets_dir: Path | None = None
        self.packs: Packs | None = None
        self.candidate_list: CandidateList | None = None
        self.last_export: WrittenReports | None = None
        self.last_build: PacksBuilt | None = None
        self.outcome = OutcomeMenu(self)  # 决定与归档
        self._task: worker.TaskHandle | None = None
        self._cancel = threading.Event()
        self._busy_now = False
        self._preview_pending = False  # asked for while busy: drawn when idle
        self._summary = ""  # what the last import found, for the status bar
        self._previous_sheets: Path | None = None
        self.setAcceptDrops(True)
        self.meeting = MeetingMenu(self)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self._build_welcome()
        self._build_work()
        self._build_status()
        self.retranslate()
        self.resize(1366, 768)
        self._update_actions()
        if session_dir is not None:
            self.open_session(session_dir)

    # --- building ---------------------------------------------------------------------

    def _build_welcome(self) -> None:
        self.welcome = WelcomePage(self.choose_session)
        self.welcome_new_button = QPushButton()
        self.welcome_new_button.setObjectName("welcomeNewSession")
        self.welcome_new_button.clicked.connect(self.new_session)
        welcome_layout = self.welcome.layout()
        assert isinstance(welcome_layout, QVBoxLayout)
        welcome_layout.insertWidget(3, self.welcome_new_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.stack.addWidget(self.welcome)

    def _build_work(self) -> None:
        self.work = QWidget()
        layout = QVBoxLayout(self.work)
        layout.setContentsMargins(6, 6, 6, 0)

        self.session_label = plain_label("", bold=True)
        self.session_label.setObjectName("sessionLabel")
        layout.addWidget(self.session_label)
        self.sources_label = plain_label("")
        self.sources_label.setObjectName("sourcesLabel")
        layout.addWidget(self.sources_label)

        # 会话设置: before the review, what the secretariat prepares.
        self.setup_box = QGroupBox()
        self.setup_box.setObjectName("setupBox")
        setup_row = QHBoxLayout(self.setup_box)
        self.new_session_button = QPushButton()
        self.new_session_button.clicked.connect(self.new_session)
        self.enrol_button = QPushButton()
        self.enrol_button.setObjectName("enrolButton")
        self.enrol_button.clicked.connect(self.import_enrolment_requests)
        self.build_button = QPushButton()
        self.build_button.setObjectName("buildButton")
        self.build_button.clicked.connect(self.build_pack)
        for button in (self.new_session_button, self.enrol_button, self.build_button):
            setup_row.addWidget(button)
        setup_row.addStretch(1)
        layout.addWidget(self.setup_box)

        buttons = QHBoxLayout()
        self.import_button = QPushButton()
        self.import_button.setObjectName("importButton")
        self.import_button.clicked.connect(self.choose_sheets)
        self.packs_button = QPushButton()
        self.packs_button.clicked.connect(self.choose_packs)
        self.list_button = QPushButton()
        self.list_button.clicked.connect(self.choose_candidate_list)
        self.export_button = QPushButton()
        self.export_button.setObjectName("exportButton")
        self.export_button.clicked.connect(self.export_reports)
        for button in (self.import_button, self.packs_button, self.list_button):
            buttons.addWidget(button)
        buttons.addSpacing(16)
        self.options_bar = OptionsBar()
        self.options_bar.changed.connect(self.options_changed)
        buttons.addWidget(self.options_bar)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

        self.results = ResultTabs()
        self.results.preview_wanted.connect(self._render_preview)
        layout.addWidget(self.results, 1)
        self.stack.addWidget(self.work)

    def _build_status(self) -> None:
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def retranslate(self) -> None:
        name = self.session.name if self.session else ""
        self.setWindowTitle(
            _("Secretariat · {name}").format(name=name) if name else _("Secretariat")
        )
        self.welcome.set_texts(
            _(
                "Open the session folder (the one with session.json), or drop it on this "
                "window. Then import the folder of signed sheets, or drop it here too."
            ),
            _("Open a session folder…"),
        )
        self.welcome_new_button.setText(_("New session…"))
        self.setup_box.setTitle(_("Session set-up"))
        self.new_session_button.setText(_("New session…"))
        self.enrol_button.setText(_("Import enrolment requests…"))
        self.build_button.setText(_("Build pack…"))
        self.import_button.setText(_("Import a folder of sheets…"))
        self.packs_button.setText(_("Packs…"))
        self.packs_button.setToolTip(
            _("the packs built for this session; sheets made from any other are refused")
        )
        self.list_button.setText(_("Candidate list…"))
        self.list_button.setToolTip(_("the candidate list (CSV or XLSX) the packs were built from"))
        self.export_button.setText(_("Export the reports…"))
        self.options_bar.retranslate()
        self.cancel_button.setText(_("Cancel"))
        self.results.retranslate()
        self._update_sources()
        self._build_menus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(_("&File"))
        self.open_action = add_action(
            self, file_menu, _("&Open a session folder…"), self.choose_session, "Ctrl+O"
        )
        self.import_action = add_action(
            self, file_menu, _("&Import a folder of sheets…"), self.choose_sheets, "Ctrl+I"
        )
        self.packs_action = add_action(self, file_menu, _("&Packs…"), self.choose_packs)
        self.list_action = add_action(
            self, file_menu, _("&Candidate list…"), self.choose_candidate_list
        )
        self.export_action = add_action(
            self, file_menu, _("&Export the reports…"), self.export_reports, "Ctrl+E"
        )
        file_menu.addSeparator()
        add_action(self, file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        setup_menu = bar.addMenu(_("Session &set-up"))
        self.new_session_action = add_action(
            self, setup_menu, _("&New session…"), self.new_session, "Ctrl+N"
        )
        self.enrol_action = add_action(
            self, setup_menu, _("Import &enrolment requests…"), self.import_enrolment_requests
        )
        self.build_action = add_action(self, setup_menu, _("&Build pack…"), self.build_pack)
        self.panel_actions = add_panel_menu(self)
        self.meeting.install(bar)
        self.outcome.install(bar)
        if self._switch_language is not None:
            settings = bar.addMenu(_("&Settings"))
            add_language_menu(self, settings, self.change_language)
        self._update_actions()

    def _update_actions(self) -> None:
        if not hasattr(self, "open_action"):
            return
        has_session = self.session is not None and not self._busy_now
        can_export = has_session and self.result is not None
        self.open_action.setEnabled(not self._busy_now)
        self.outcome.set_enabled(self.session is not None, idle=not self._busy_now)
        for widget in (self.new_session_action, self.new_session_button, self.welcome_new_button):
            widget.setEnabled(not self._busy_now)
        for widget in (
            self.import_action,
            self.import_button,
            self.packs_action,
            self.packs_button,
            self.list_action,
            self.list_button,
            self.enrol_action,
            self.enrol_button,
            self.build_action,
            self.build_button,
        ):
            widget.setEnabled(has_session)
        for action in self.panel_actions:
            action.setEnabled(has_session)
        self.export_action.setEnabled(can_export)
        self.meeting.set_enabled(has_session)
        self.export_button.setEnabled(can_export)

    def change_language(self, code: str) -> None:
        if self._switch_language is not None:
            self._switch_language(code)
        self.settings.setValue("language", code)
        self.retranslate()
        if self.result is not None:
            # Headers and labels are translated when the tables are built.
            self.show_result(self.result, keep_selection=True)
            if not self._busy_now:
                self._summary = counts_line(self.result)
                self.status.setText(self._summary)

    # --- the session and what is checked against it ------------------------------------

    def choose_session(self) -> None:
        start = str(self.settings.value("session_folder", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, _("Open a session folder"), start)
        if folder:
            self.open_session(Path(folder))

    @property
    def session(self) -> Session | None:
        return self.secretariat.session if self.secretariat is not None else None

    @property
    def imported(self) -> ImportResult | None:
        """The sheets last imported, which a change of options aggregates again."""
        return self.secretariat.imported if self.secretariat is not None else None

    def open_session(self, folder: Path) -> None:
        try:
            secretariat = Secretariat.open(Path(folder))
        except SessionError as exc:
            show_error(self, exc, _("The session could not be opened"))
            return
        self.settings.setValue("session_folder", str(folder))
        self.secretariat = secretariat
        session = secretariat.session
        self.sheets_dir = None
        self.packs, self.candidate_list = None, None
        self._clear_result()
        self.retranslate()
        self.stack.setCurrentWidget(self.work)
        self._idle(
            _("Session opened: {n} reviewers on the roster. Import the folder of sheets.").format(
                n=len(session.active)
            )
        )

    def _update_sources(self) -> None:
        if self.session is None:
            self.session_label.setText("")
            self.sources_label.setText("")
            return
        s = self.session
        self.session_label.setText(
            _("{name} · {n} reviewers · quorum {quorum} · {folder}").format(
                name=s.name, n=len(s.active), quorum=quorum_text(s.quorum), folder=s.folder
            )
        )
        parts = [
            _("Sheets: {folder}").format(folder=self.sheets_dir)
            if self.sheets_dir
            else _("Sheets: none imported yet"),
            _("Packs: {files}").format(files=", ".join(p.name for p in self.packs.paths))
            if self.packs
            else _("Packs: not checked"),
            _("Candidate list: {file}").format(file=self.candidate_list.path.name)
            if self.candidate_list
            else _("Candidate list: none (candidates from the sheets)"),
        ]
        self.sources_label.setText("   ·   ".join(parts))

    def choose_packs(self) -> None:
        if self.secretariat is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Packs built for this session"),
            str(self.secretariat.session.folder.parent),
            _("Dossier packs (*.rvpack)"),
        )
        if not paths:
            return
        try:
            packs = self.secretariat.read_packs(Path(p) for p in paths)
        except AggregateError as exc:
            show_error(self, exc, _("The pack was refused"))
            return
        self.packs = packs
        self._sources_changed()

    def choose_candidate_list(self) -> None:
        if self.session is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Candidate list"),
            str(self.session.folder.parent),
            _("Candidate lists (*.csv *.xlsx)"),
        )
        if path:
            self.set_candidate_list(Path(path))

    def set_candidate_list(self, path: Path) -> None:
        assert self.secretariat is not None
        try:
            candidate_list = self.secretariat.read_candidates(path)
        except CandidatesError as exc:
            show_error(self, exc, _("The candidate list was refused"))
            return
        self.candidate_list = candidate_list
        self._sources_changed()

    def set_packs(self, paths: list[Path]) -> None:
        """As choosing the packs (for ``--pack`` and tests)."""
        assert self.secretariat is not None
        self.packs = self.secretariat.read_packs(paths)
        self._sources_changed()

    def _sources_changed(self) -> None:
        # What a sheet is checked against changed: the sheets must be checked again.
        self._update_sources()
        if self.sheets_dir is not None:
            self.import_sheets(self.sheets_dir)

    # --- importing --------------------------------------------------------------------

    def choose_sheets(self) -> None:
        if self.session is None:
            return
        start = str(self.settings.value("sheets_folder", str(self.session.folder.parent)))
        folder = QFileDialog.getExistingDirectory(self, _("The folder of signed sheets"), start)
        if folder:
            self.settings.setValue("sheets_folder", folder)
            self.import_sheets(Path(folder))

    def options(self) -> AggregateOptions:
        return self.options_bar.options()

    def import_sheets(self, folder: Path) -> None:
        if self.secretariat is None or self._busy_now:
            return
        secretariat, options = self.secretariat, self.options()
        packs, candidate_list = self.packs, self.candidate_list
        self._previous_sheets = self.sheets_dir  # shown again if this import fails
        self.sheets_dir = Path(folder)
        self._update_sources()
        self._cancel.clear()
        cancel = self._cancel
        workers = self.workers
        unlock_with = None
        if secretariat.needs_unsealing(folder):
            passphrase, ok = QInputDialog.getText(
                self,
                _("Sealed sheets"),
                _("Session passphrase (to open the sealed sheets):"),
                QLineEdit.EchoMode.Password,
            )
            unlock_with = passphrase if ok and passphrase else None

        def job(ctx: worker.TaskContext) -> AggregateResult:
            # Without the passphrase, sealed sheets are listed as refused, with the reason.
            if unlock_with:
                secretariat.unlock(unlock_with, sign=False)
            secretariat.import_sheets(
                folder,
                packs=packs,
                candidates=candidate_list,
                workers=workers,
                progress=lambda p: ctx.progress(p.done, p.total),
                cancelled=lambda: ctx.cancelled or cancel.is_set(),
            )
            return secretariat.aggregate(options)

        self._busy(_("Verifying the sheets in {folder}…").format(folder=folder), cancellable=True)
        self._task = worker.run_task(job, self._imported, self._failed, self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(
            _("Verifying the sheets: {done}/{total}").format(done=done, total=total)
        )

    def cancel(self) -> None:
        self._cancel.set()
        if self._task is not None:
            self._task.cancel()
        self.status.setText(_("Cancelling…"))

    def _imported(self, result: AggregateResult) -> None:
        self._task = None
        self.show_result(result)
        text = counts_line(result)
        if result.imported.cache_note:
            text += " · " + result.imported.cache_note
        self._summary = text
        self._idle(text)

    def options_changed(self, *_args: object) -> None:
        if self.imported is None or self.secretariat is None or self._busy_now:
            return
        secretariat, options = self.secretariat, self.options()
        self._busy(_("Aggregating…"))
        self._task = worker.run_task(
            lambda _ctx: secretariat.aggregate(options),
            self._reaggregated,
            self._failed,
        )

    def _reaggregated(self, result: AggregateResult) -> None:
        self.show_result(result, keep_selection=True)
        self._idle(self._summary)

    def _failed(self, exc: Exception) -> None:
        self._task = None
        if self.imported is None or self.sheets_dir != self.imported.sheets_dir:
            self.sheets_dir = self._previous_sheets
            self._update_sources()
        if isinstance(exc, ImportCancelled):
            self._idle(_("The import was cancelled; nothing was changed."))
            return
        self._idle()
        show_error(self, exc, _("Secretariat"))

    # --- showing a result -------------------------------------------------------------

    @property
    def result(self) -> AggregateResult | None:
        return self.results.result

    def _clear_result(self) -> None:
        self.results.clear()
        self._update_actions()

    def show_result(self, result: AggregateResult, *, keep_selection: bool = False) -> None:
        self.results.show_result(result, keep_selection=keep_selection)
        self._update_actions()

    def _render_preview(self, result: AggregateResult) -> None:
        secretariat = self.secretariat
        if secretariat is None:
            return
        if self._busy_now:  # an import or aggregation is running: draw when it is done
            self._preview_pending = True
            return
        self._busy(_("Drawing the summary and its charts…"))

        def shown_(pdf: bytes) -> None:
            self.results.show_preview(result, pdf)
            self._idle(self._summary)

        worker.run_task(lambda _ctx: secretariat.preview_summary(result), shown_, self._failed)

    # --- exporting --------------------------------------------------------------------

    def export_reports(self) -> None:
        result, secretariat = self.result, self.secretariat
        if result is None or secretariat is None or self._busy_now:
            return
        start = str(self.settings.value("reports_folder", str(secretariat.session.folder.parent)))
        folder = QFileDialog.getExistingDirectory(self, _("Where to write the reports"), start)
        if not folder:
            return
        self.settings.setValue("reports_folder", folder)
        passphrase, ok = QInputDialog.getText(
            self,
            _("Sign the summary"),
            _("Session passphrase (to sign the summary with the secretariat's key):"),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        out = Path(folder)

        def job(_ctx: worker.TaskContext) -> WrittenReports:
            secretariat.unlock(passphrase, unseal=False)
            try:
                return secretariat.write_reports(out, result)
            finally:
                secretariat.lock(unseal=False)

        self._busy(_("Unlocking the secretariat key and writing the reports…"))
        self._task = worker.run_task(job, self._exported, self._failed)

    def _exported(self, written: WrittenReports) -> None:
        self._task = None
        self.last_export = written
        text = _("wrote {files} to {folder}").format(
            files=", ".join(written.files), folder=written.folder
        )
        self._idle(text)
        QMessageBox.information(self, _("The reports were written"), text)

    # --- the set-up: a session, its reviewers, the pack --------------------------------

    def new_session(self) -> None:
        if self._busy_now:
            return
        dialog = NewSessionDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        form = dialog.form()

        def job(_ctx: worker.TaskContext) -> Session:
            return setup.new_session(
                form.folder,
                form.name,
                form.passphrase,
                short_name=form.short_name,
                programme=form.programme,
                rubric_ids=form.rubric_ids,
                seal_sheets=form.seal_sheets,
                quorum=form.quorum,
            )

        self._busy(_("Creating the session's keys…"))
        self._task = worker.run_task(job, self._session_created, self._setup_failed)

    def _session_created(self, session: Session) -> None:
        self._task = None
        self._idle()
        self.open_session(session.folder)
        lines = [
            _("Created session {name} ({id}) in {folder}").format(
                name=session.name, id=session.id, folder=session.folder
            ),
            _("Session CA SHA-256: {fp}").format(fp=setup.ca_fingerprint(session)),
        ]
        QMessageBox.information(self, _("New session"), "\n".join(lines))

    def import_enrolment_requests(self) -> None:
        secretariat = self.secretariat
        if secretariat is None or self._busy_now:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Enrolment requests"),
            str(secretariat.session.folder.parent),
            _("Enrolment requests (*.json)"),
        )
        chosen: list[PendingEnrolment] = []
        for path in paths:
            try:
                pending = setup.read_request(secretariat.session, Path(path))
            except ReviewerError as exc:
                show_error(self, exc, _("The request could not be read"))
                continue
            if EnrolmentCheck(pending, self).exec() == QDialog.DialogCode.Accepted:
                chosen.append(pending)
        if not chosen:
            return
        passphrase: str | None = None
        if any(not p.already_enrolled for p in chosen):
            passphrase, ok = QInputDialog.getText(
                self,
                _("Enrol the reviewers"),
                _("Session passphrase (to issue the certificates with the session CA):"),
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return

        def job(_ctx: worker.TaskContext) -> list[Enrolled]:
            return setup.enrol_many(secretariat.session, chosen, passphrase)

        self._busy(_("Issuing the certificates…"))
        self._task = worker.run_task(job, self._enrolled, self._setup_failed)

    def _enrolled(self, done: list[Enrolled]) -> None:
        self._task = None
        if self.secretariat is not None:
            self.secretariat.reload_session()
            self.retranslate()
        lines = []
        for e in done:
            if e.outcome is EnrolOutcome.EXISTING:
                lines.append(
                    _("{name} was already enrolled; the response was written again.").format(
                        name=e.entry.name
                    )
                )
            else:
                lines.append(
                    _("Enrolled {name}; certificate SHA-256 {fp}").format(
                        name=e.entry.name, fp=e.entry.certificate_fingerprint
                    )
                )
            lines.append(
                _("Response written to {file}; give it back to the reviewer.").format(
                    file=e.response
                )
            )
        self._idle(lines[0] if len(done) == 1 else None)
        QMessageBox.information(self, _("Enrol the reviewers"), "\n".join(lines))

    def build_pack(self) -> None:
        secretariat = self.secretariat
        if secretariat is None or self._busy_now:
            return
        dialog = BuildPackDialog(secretariat.session.folder.parent, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        form = dialog.form()
        session = secretariat.session
        self._cancel.clear()
        cancel = self._cancel

        def job(ctx: worker.TaskContext) -> PacksBuilt:
            rows = setup.read_pack_candidates(session, form.candidates, form.materials)
            roster = setup.pack_roster(session)
            # The assignment saved in 专家与分组, as `pack build --assignment` takes it.
            saved = planning.saved_assignment(session)
            plan = setup.plan_packs(session, rows, roster, assignment_file=saved)

            def progressed(p: BuildProgress) -> None:
                ctx.progress(p.done, p.total)

            # One pack per reviewer goes in a folder named like the pack chosen.
            out = form.out if plan is None else form.out.with_suffix("")
            return setup.build_packs(
                session,
                form.passphrase,
                rows,
                roster,
                plan,
                out,
                progress=progressed,
                cancelled=lambda: ctx.cancelled or cancel.is_set(),
            )

        self._busy(_("Building the pack…"), cancellable=True)
        self._task = worker.run_task(job, self._built, self._setup_failed, self._build_progressed)

    def _build_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _built(self, built: PacksBuilt) -> None:
        self._task = None
        if self.secretariat is not None:
            self.secretariat.reload_session()
        lines = []
        if built.escrow_added:
            lines.append(
                _("Added the secretariat's escrow identity to the session (ca/escrow.key).")
            )
        for outcome in built.outcomes:
            if outcome.built is None:
                lines.append(
                    _("{name}: no candidate assigned, no pack").format(name=outcome.reviewer)
                )
                continue
            pack = outcome.built
            wrote = _(
                "Wrote {file}: pack {id}, {n} candidates, {a} attachments, for {r} reviewer(s)"
            )
            lines.append(
                wrote.format(
                    file=pack.path,
                    id=pack.pack_id,
                    n=pack.candidates,
                    a=pack.attachments,
                    r=pack.recipients,
                )
            )
        self.last_build = built
        self._idle(lines[-1])
        QMessageBox.information(self, _("Build the pack"), "\n".join(lines))

    def _setup_failed(self, exc: Exception) -> None:
        self._task = None
        if isinstance(exc, BuildCancelled):
            self._idle(exc.message)
            return
        self._idle()
        show_error(self, exc, _("Session set-up"))

    # --- busy and idle ----------------------------------------------------------------

    def _busy(self, text: str, cancellable: bool = False) -> None:
        self._busy_now = True
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(cancellable)
        self.options_bar.set_editable(False)
        self._update_actions()

    def _idle(self, text: str | None = None) -> None:
        self._busy_now = False
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.options_bar.set_editable(True)
        if text is not None:
            self.status.setText(text)
        self._update_actions()
        if self._preview_pending:
            self._preview_pending = False
            self.results.want_preview()

    @property
    def busy(self) -> bool:
        return self._busy_now

    # --- drag and drop ----------------------------------------------------------------

    def _dropped_folder(self, event: QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.is_dir() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        folder = self._dropped_folder(event)
        if (
            folder is not None
            and not self._busy_now
            and ((folder / SESSION_FILE).is_file() or self.session is not None)
        ):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        folder = self._dropped_folder(event)
        if folder is None or self._busy_now:
            return
        event.acceptProposedAction()
        if (folder / SESSION_FILE).is_file():
            self.open_session(folder)
        elif self.session is not None:
            self.import_sheets(folder)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self.cancel()
        event.accept()
