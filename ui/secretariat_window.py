"""The secretariat's window: open a session folder, import a folder of signed sheets,
see the ranking, each candidate's sheets, the refused and missing lists and the charts,
and export the reports.

It wires the core exactly as ``reviewer aggregate`` does (``cli/aggregate_cmd.py``):
``import_sheets`` → ``aggregate`` → ``write_reports`` with a ``SheetSigner`` made from the
secretariat key. Every slow step (verifying, aggregating, rendering the summary,
unlocking the key: Argon2id, signing) runs through ``ui.worker``. The tables are the
core's ``aggregate_tables``, so the screen shows what the reports contain.
"""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.aggregate import AggregateOptions, AggregateResult, Method, aggregate
from reviewer.aggregate_candidates import ListedCandidate, read_candidate_list
from reviewer.aggregate_import import (
    DEFAULT_WORKERS,
    AggregateError,
    ImportCancelled,
    ImportResult,
    import_sheets,
    session_pack_ids,
)
from reviewer.aggregate_pdf import render_summary
from reviewer.aggregate_report import ReportError, WrittenReports, write_reports
from reviewer.aggregate_tables import (
    Table,
    candidates_table,
    conflicts_table,
    info_rows,
    methods_table,
    missing_table,
    other_sheets_table,
    refused_table,
)
from reviewer.candidates import CandidatesError
from reviewer.i18n import LANGUAGES, _, language
from reviewer.passphrase import WrongPassphrase
from reviewer.session import SESSION_FILE, Session, SessionError, open_session
from reviewer.sheet_sign import SheetSigner, SheetSigningError
from ui import worker
from ui.actions import add_action
from ui.aggregate_views import (
    FLAG_COLOUR,
    VETO_COLOUR,
    CandidateDetail,
    SummaryPreview,
    TableView,
)
from ui.labels import plain_label
from ui.welcome_page import WelcomePage

# Errors the core raises with a message for people; anything else is a bug, shown too.
_EXPECTED = (
    AggregateError,
    ReportError,
    SessionError,
    SheetSigningError,
    WrongPassphrase,
    CandidatesError,
    OSError,
)


class SecretariatWindow(QMainWindow):
    def __init__(
        self,
        switch_language=None,
        session_dir: Path | None = None,
        workers: int = DEFAULT_WORKERS,
    ):
        super().__init__()
        self.setObjectName("secretariatWindow")
        self._switch_language = switch_language
        self.workers = workers
        self.settings = QSettings()
        self.session: Session | None = None
        self.sheets_dir: Path | None = None
        self.pack_paths: list[Path] = []
        self.pack_ids: list[str] | None = None
        self.candidate_file: Path | None = None
        self.listed: list[ListedCandidate] | None = None
        self.imported: ImportResult | None = None
        self.result: AggregateResult | None = None
        self.last_export: WrittenReports | None = None
        self._task: worker.TaskHandle | None = None
        self._cancel = threading.Event()
        self._sealing = None  # the secretariat's sealing identity, once unlocked
        self._busy_now = False
        self._summary = ""  # what the last import found, for the status bar
        self._previous_sheets: Path | None = None
        self._candidates = Table("", (), ())
        self.setAcceptDrops(True)
        # pyHanko logs every untrusted signature with a traceback; the refusal says it all.
        logging.getLogger("pyhanko").addHandler(logging.NullHandler())
        logging.getLogger("pyhanko").propagate = False

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
        self.method_label = QLabel()
        self.method = QComboBox()
        self.method.setObjectName("method")
        self.quorum_label = QLabel()
        self.quorum = QSpinBox()
        self.quorum.setRange(1, 99)
        self.quorum.setValue(AggregateOptions.quorum)
        self.trim_label = QLabel()
        self.trim_min = QSpinBox()
        self.trim_min.setRange(1, 99)
        self.trim_min.setValue(AggregateOptions.trim_min)
        self.spread_label = QLabel()
        self.disagreement = QDoubleSpinBox()
        self.disagreement.setRange(0, 100)
        self.disagreement.setDecimals(1)
        self.disagreement.setValue(float(AggregateOptions.disagreement))
        self.calibrate = QCheckBox()
        for label, widget in (
            (self.method_label, self.method),
            (self.quorum_label, self.quorum),
            (self.trim_label, self.trim_min),
            (self.spread_label, self.disagreement),
        ):
            label.setBuddy(widget)
            buttons.addWidget(label)
            buttons.addWidget(widget)
        buttons.addWidget(self.calibrate)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self.method.currentIndexChanged.connect(self.options_changed)
        self.quorum.valueChanged.connect(self.options_changed)
        self.trim_min.valueChanged.connect(self.options_changed)
        self.disagreement.valueChanged.connect(self.options_changed)
        self.calibrate.toggled.connect(self.options_changed)

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
        self.refused_view = TableView("refusedTable")
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
        self.import_button.setText(_("Import a folder of sheets…"))
        self.packs_button.setText(_("Packs…"))
        self.packs_button.setToolTip(
            _("the packs built for this session; sheets made from any other are refused")
        )
        self.list_button.setText(_("Candidate list…"))
        self.list_button.setToolTip(_("the candidate list (CSV or XLSX) the packs were built from"))
        self.export_button.setText(_("Export the reports…"))
        self.method_label.setText(_("Ranking:"))
        self.quorum_label.setText(_("Quorum:"))
        self.quorum.setToolTip(_("minimum valid sheets per candidate (default: 3)"))
        self.trim_label.setText(_("Trim from:"))
        self.trim_min.setToolTip(
            _("trim the highest and lowest score from this many scores on (default: 5)")
        )
        self.spread_label.setText(_("Disagreement:"))
        self.disagreement.setToolTip(
            _("flag candidates whose scores span more than X points (default: 20)")
        )
        self.calibrate.setText(_("Calibrate"))
        self.calibrate.setToolTip(_("also rank on calibrated (z-score) scores"))
        self.cancel_button.setText(_("Cancel"))
        current = self.method.currentData() or Method.TRIMMED.value
        self.method.blockSignals(True)
        self.method.clear()
        for method in Method:
            self.method.addItem(method.label(), method.value)
        self.method.setCurrentIndex(max(0, self.method.findData(current)))
        self.method.blockSignals(False)
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
        if self._switch_language is not None:
            settings = bar.addMenu(_("&Settings"))
            lang_menu = settings.addMenu(_("&Language"))
            group = QActionGroup(self)
            for code, name in LANGUAGES.items():
                action = QAction(name, self, checkable=True)
                action.setChecked(code == language())
                action.triggered.connect(lambda _c=False, c=code: self.change_language(c))
                group.addAction(action)
                lang_menu.addAction(action)
        self._update_actions()

    def _update_actions(self) -> None:
        if not hasattr(self, "open_action"):
            return
        has_session = self.session is not None and not self._busy_now
        can_export = has_session and self.result is not None and not self.result.blocked
        self.open_action.setEnabled(not self._busy_now)
        for widget in (
            self.import_action,
            self.import_button,
            self.packs_action,
            self.packs_button,
            self.list_action,
            self.list_button,
        ):
            widget.setEnabled(has_session)
        self.export_action.setEnabled(can_export)
        self.export_button.setEnabled(can_export)

    def change_language(self, code: str) -> None:
        if self._switch_language is not None:
            self._switch_language(code)
        self.settings.setValue("language", code)
        current = self.candidates_view.current_key()
        self.retranslate()
        if self.result is not None:
            # Headers and labels are translated when the tables are built.
            self.show_result(self.result)
            if current:
                self.candidates_view.select_key(current)

    # --- the session and what is checked against it ------------------------------------

    def choose_session(self) -> None:
        start = str(self.settings.value("session_folder", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, _("Open a session folder"), start)
        if folder:
            self.open_session(Path(folder))

    def open_session(self, folder: Path) -> None:
        try:
            session = open_session(Path(folder))
        except SessionError as exc:
            QMessageBox.warning(self, _("The session could not be opened"), str(exc))
            return
        self.settings.setValue("session_folder", str(folder))
        self.session = session
        self._sealing = None
        self.sheets_dir = None
        self.pack_paths, self.pack_ids = [], None
        self.candidate_file, self.listed = None, None
        self._clear_result()
        self.retranslate()
        self.stack.setCurrentWidget(self.work)
        self._idle(
            _("Session opened: {n} reviewers on the roster. Import the folder of sheets.").format(
                n=len(session.roster)
            )
        )

    def _update_sources(self) -> None:
        if self.session is None:
            self.session_label.setText("")
            self.sources_label.setText("")
            return
        s = self.session
        self.session_label.setText(
            _("{name} · {n} reviewers · {folder}").format(
                name=s.name, n=len(s.roster), folder=s.folder
            )
        )
        parts = [
            _("Sheets: {folder}").format(folder=self.sheets_dir)
            if self.sheets_dir
            else _("Sheets: none imported yet"),
            _("Packs: {files}").format(files=", ".join(p.name for p in self.pack_paths))
            if self.pack_paths
            else _("Packs: not checked"),
            _("Candidate list: {file}").format(file=self.candidate_file.name)
            if self.candidate_file
            else _("Candidate list: none (candidates from the sheets)"),
        ]
        self.sources_label.setText("   ·   ".join(parts))

    def choose_packs(self) -> None:
        if self.session is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Packs built for this session"),
            str(self.session.folder.parent),
            _("Dossier packs (*.rvpack)"),
        )
        if not paths:
            return
        try:
            ids = session_pack_ids(self.session, [Path(p) for p in paths])
        except AggregateError as exc:
            QMessageBox.warning(self, _("The pack was refused"), str(exc))
            return
        self.pack_paths, self.pack_ids = [Path(p) for p in paths], ids
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
        assert self.session is not None
        try:
            listed = read_candidate_list(path, [r.id for r in self.session.rubrics])
        except CandidatesError as exc:
            QMessageBox.warning(self, _("The candidate list was refused"), exc.report())
            return
        self.candidate_file, self.listed = path, listed
        self._sources_changed()

    def set_packs(self, paths: list[Path]) -> None:
        """As choosing the packs (for ``--pack`` and tests)."""
        assert self.session is not None
        self.pack_ids = session_pack_ids(self.session, paths)
        self.pack_paths = list(paths)
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
        return AggregateOptions(
            method=Method(self.method.currentData() or Method.TRIMMED.value),
            quorum=self.quorum.value(),
            trim_min=self.trim_min.value(),
            disagreement=Decimal(str(round(self.disagreement.value(), 1))),
            calibrate=self.calibrate.isChecked(),
        )

    def import_sheets(self, folder: Path) -> None:
        if self.session is None or self._busy_now:
            return
        session, options, listed = self.session, self.options(), self.listed
        pack_ids = self.pack_ids
        categories = {c.candidate_id: c.category for c in listed} if listed is not None else None
        self._previous_sheets = self.sheets_dir  # shown again if this import fails
        self.sheets_dir = Path(folder)
        self._update_sources()
        self._cancel.clear()
        cancel = self._cancel
        workers = self.workers
        sealing, unlock_with = self._sealing, None
        if session.seal_recipient and sealing is None and any(Path(folder).rglob("*.pdf.age")):
            passphrase, ok = QInputDialog.getText(
                self,
                _("Sealed sheets"),
                _("Session passphrase (to open the sealed sheets):"),
                QLineEdit.EchoMode.Password,
            )
            unlock_with = passphrase if ok and passphrase else None

        def job(ctx: worker.TaskContext) -> tuple[AggregateResult, object]:
            # Without the passphrase, sealed sheets are listed as refused, with the reason.
            key = sealing or (session.load_sealing_identity(unlock_with) if unlock_with else None)
            imported = import_sheets(
                session,
                folder,
                pack_ids=pack_ids,
                candidate_categories=categories,
                workers=workers,
                progress=lambda p: ctx.progress(p.done, p.total),
                cancelled=lambda: ctx.cancelled or cancel.is_set(),
                sealing=key,
            )
            return aggregate(session, imported, options, listed), key

        def done(outcome: tuple[AggregateResult, object]) -> None:
            result, self._sealing = outcome
            self._imported(result)

        self._busy(_("Verifying the sheets in {folder}…").format(folder=folder), cancellable=True)
        self._task = worker.run_task(job, done, self._failed, self._progressed)

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
        self.imported = result.imported
        self.show_result(result)
        imp = result.imported
        text = _(
            "{counted} sheets counted, {refused} refused, {superseded} superseded, "
            "{duplicates} duplicate, {missing} missing"
        ).format(
            counted=len(imp.counted),
            refused=len(imp.refused),
            superseded=len(imp.superseded),
            duplicates=len(imp.duplicates),
            missing=len(result.missing),
        )
        if imp.cache_note:
            text += " · " + imp.cache_note
        self._summary = text
        self._idle(text)

    def options_changed(self, *_args) -> None:
        if self.imported is None or self.session is None or self._busy_now:
            return
        session, imported, options, listed = (
            self.session,
            self.imported,
            self.options(),
            self.listed,
        )
        self._busy(_("Aggregating…"))
        self._task = worker.run_task(
            lambda _ctx: aggregate(session, imported, options, listed),
            self._reaggregated,
            self._failed,
        )

    def _reaggregated(self, result: AggregateResult) -> None:
        current = self.candidates_view.current_key()
        self.show_result(result)
        if current:
            self.candidates_view.select_key(current)
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
        if isinstance(exc, CandidatesError):
            message = exc.report()
        elif isinstance(exc, _EXPECTED):
            message = str(exc)
        else:
            message = _("Unexpected error: {error}").format(error=exc)
        QMessageBox.warning(self, _("Secretariat"), message)

    # --- showing a result -------------------------------------------------------------

    def _clear_result(self) -> None:
        self.imported = None
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
        self._update_actions()

    def show_result(self, result: AggregateResult) -> None:
        """Every table of ``result``; a blocked result shows why, and no ranking."""
        self.result = result
        blocked = result.blocked
        empty = Table("", (), ())
        self._candidates = empty if blocked else candidates_table(result)
        flags = {
            row.candidate_id: row.method_dependent for c in result.categories for row in c.rows
        }
        colours = [
            VETO_COLOUR if a.vetoed else FLAG_COLOUR if flags.get(a.candidate_id) else None
            for a in result.candidates
        ]
        ids = [a.candidate_id for a in result.candidates]
        self.candidates_view.set_table(self._candidates, colours, ids)
        method_ids = [row.candidate_id for c in result.categories for row in c.rows]
        self.methods_view.set_table(
            empty if blocked else methods_table(result),
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
        self.banner.setText(self.block_reason(result) if blocked else "")
        self.banner.setVisible(blocked)
        if blocked:
            self.detail.clear(_("The result is blocked: no ranking is shown."))
            self.tabs.setCurrentWidget(self.conflicts_view)
        else:
            self.detail.clear()
            if self.tabs.currentWidget() is self.conflicts_view:
                self.tabs.setCurrentWidget(self.split)
        for widget in (self.split, self.methods_view, self.preview):
            self.tabs.setTabEnabled(self.tabs.indexOf(widget), not blocked)
        self.preview.note.setText(
            ""
            if result.imported.packs_checked
            else _("The pack each sheet was made from was not checked (choose the packs).")
        )
        self._update_actions()
        if self.tabs.currentWidget() is self.preview:
            self._render_preview()

    def block_reason(self, result: AggregateResult) -> str:
        lines = [
            _(
                "The result is blocked until the conflicts are resolved (remove the wrong "
                "sheets, then import again). Nothing can be exported."
            )
        ]
        for c in result.imported.conflicts:
            lines.append(
                _(
                    "conflict: {reviewer} signed two different sheets as version {v} "
                    "for {candidate}: {files}"
                ).format(
                    reviewer=c.reviewer,
                    v=c.version,
                    candidate=c.candidate_id,
                    files=", ".join(c.files),
                )
            )
        for cid, ids in result.category_conflicts:
            lines.append(
                _("conflict: the sheets for {candidate} use different rubrics: {ids}").format(
                    candidate=cid, ids=", ".join(ids)
                )
            )
        return "\n".join(lines)

    def _candidate_chosen(self, current, _previous) -> None:
        key = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if key and self.result is not None:
            self.detail.show_candidate(self.result, self._candidates, key)

    def show_candidate(self, candidate_id: str) -> None:
        self.tabs.setCurrentWidget(self.split)
        self.candidates_view.select_key(candidate_id)

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.preview:
            self._render_preview()

    def _render_preview(self) -> None:
        result = self.result
        if result is None or result.blocked or self.preview.result is result:
            return
        self._busy(_("Drawing the summary and its charts…"))

        def shown_(pdf: bytes) -> None:
            if self.result is result:
                self.preview.set_pdf(result, pdf)
            self._idle(self._summary)

        worker.run_task(lambda _ctx: render_summary(result), shown_, self._failed)

    # --- exporting --------------------------------------------------------------------

    def export_reports(self) -> None:
        result, session = self.result, self.session
        if result is None or session is None or result.blocked or self._busy_now:
            return
        start = str(self.settings.value("reports_folder", str(session.folder.parent)))
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
            key = session.load_secretariat_key(passphrase)
            signer = SheetSigner(key, session.secretariat_certificate, session.ca_certificate)
            return write_reports(result, out, signer=signer)

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

    # --- busy and idle ----------------------------------------------------------------

    def _busy(self, text: str, cancellable: bool = False) -> None:
        self._busy_now = True
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(cancellable)
        for widget in (self.method, self.quorum, self.trim_min, self.disagreement, self.calibrate):
            widget.setEnabled(False)
        self._update_actions()

    def _idle(self, text: str | None = None) -> None:
        self._busy_now = False
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        for widget in (self.method, self.quorum, self.trim_min, self.disagreement, self.calibrate):
            widget.setEnabled(True)
        if text is not None:
            self.status.setText(text)
        self._update_actions()

    @property
    def busy(self) -> bool:
        return self._busy_now

    # --- drag and drop ----------------------------------------------------------------

    def _dropped_folder(self, event) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.is_dir() else None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt name)
        folder = self._dropped_folder(event)
        if (
            folder is not None
            and not self._busy_now
            and ((folder / SESSION_FILE).is_file() or self.session is not None)
        ):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt name)
        folder = self._dropped_folder(event)
        if folder is None or self._busy_now:
            return
        event.acceptProposedAction()
        if (folder / SESSION_FILE).is_file():
            self.open_session(folder)
        elif self.session is not None:
            self.import_sheets(folder)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.cancel()
        event.accept()
