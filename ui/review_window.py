"""The reviewer's main window: lock screen, candidate list, candidate pages.

Everything confidential is built after unlocking and torn down on lock; the core is
asked to forget what it decrypted. Slow work (unlocking: Argon2id; opening a pack:
verifying and decrypting; exporting: rendering and signing) goes through the worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
)

from reviewer.enrolment import MAX_RESPONSE_BYTES, EnrolmentError, parse_response, read_capped
from reviewer.i18n import LANGUAGES, _, language
from reviewer.identity import IdentityError
from reviewer.rubric_file import bundled_rubrics
from reviewer.secret_store import SecretStore
from reviewer.workspace import WorkspaceError
from reviewer.workstation import OpenResult, Workstation, WorkstationError
from ui import worker
from ui.actions import add_action
from ui.candidate_list import CandidateList
from ui.candidate_page import CandidatePage
from ui.idle_lock import DEFAULT_IDLE_MINUTES, IdleLock
from ui.lock_screen import LockScreen
from ui.rubric_browser import RubricBrowser, plain_label
from ui.welcome_page import WelcomePage


class ReviewWindow(QMainWindow):
    def __init__(
        self,
        station: Workstation,
        store: SecretStore,
        switch_language,
        pack_path: Path | None = None,
    ):
        super().__init__()
        self.setObjectName("reviewWindow")
        self.station, self.store, self._switch_language = station, store, switch_language
        self.pack_path = pack_path
        self.pack_id: str | None = None
        self.pages: dict[str, CandidatePage] = {}
        self.undo_group = QUndoGroup(self)
        self.settings = QSettings()
        self.setAcceptDrops(True)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.lock_screen = LockScreen(station.name, store.available)
        self.lock_screen.unlock_requested.connect(self.unlock)
        self.stack.addWidget(self.lock_screen)

        self.welcome = WelcomePage(self.choose_pack)
        self.stack.addWidget(self.welcome)

        self.work: QSplitter | None = None
        self.candidate_list: CandidateList | None = None
        self.page_stack: QStackedWidget | None = None

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)

        minutes = float(self.settings.value("idle_minutes", DEFAULT_IDLE_MINUTES))
        self.idle = IdleLock(QApplication.instance(), minutes)
        self.idle.timed_out.connect(self.lock)
        self.retranslate()
        self.resize(1366, 768)
        self.show_locked(try_remembered=True)

    # --- menus ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Reviewer Workstation · {name}").format(name=self.station.name))
        self.welcome.set_texts(
            _(
                "Open the dossier pack (*.rvpack) from the secretariat, or drop it on this "
                "window. Not enrolled yet? Import the enrolment response from the File menu."
            ),
            _("Open a dossier pack…"),
        )
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(_("&File"))
        self.open_action = add_action(
            self, file_menu, _("&Open dossier pack…"), self.choose_pack, "Ctrl+O"
        )
        self.export_action = add_action(
            self, file_menu, _("&Sign and export this sheet…"), self.export_current, "Ctrl+E"
        )
        self.export_all_action = add_action(
            self, file_menu, _("Sign and export &all completed sheets…"), self.export_everything
        )
        add_action(self, file_menu, _("&Import enrolment response…"), self.import_response)
        file_menu.addSeparator()
        add_action(self, file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu(_("&Edit"))
        undo = self.undo_group.createUndoAction(self, _("Undo"))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_group.createRedoAction(self, _("Redo"))
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(undo)
        edit.addAction(redo)
        self.undo_action, self.redo_action = undo, redo

        view = bar.addMenu(_("&View"))
        add_action(self, view, _("&Rubrics of the plan"), self.show_rubrics)

        settings = bar.addMenu(_("&Settings"))
        lang_menu = settings.addMenu(_("&Language"))
        group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True)
            action.setChecked(code == language())
            action.triggered.connect(lambda _c=False, c=code: self.change_language(c))
            group.addAction(action)
            lang_menu.addAction(action)
        add_action(self, settings, _("Lock after &idle time…"), self.choose_idle_time)

        self.lock_action = QAction(_("&Lock now"), self)
        self.lock_action.setObjectName("lockNow")
        self.lock_action.setShortcut("Ctrl+L")
        self.lock_action.triggered.connect(self.lock)
        bar.addAction(self.lock_action)
        self._update_actions()

    def _update_actions(self) -> None:
        unlocked = self.station.unlocked
        for action in (
            self.open_action,
            self.export_action,
            self.export_all_action,
            self.lock_action,
        ):
            action.setEnabled(unlocked)

    def change_language(self, code: str) -> None:
        self._switch_language(code)
        self.settings.setValue("language", code)
        current = self.current_candidate()
        self.retranslate()
        if self.station.unlocked and self.pack_id:
            self._build_work()
            if current:
                self.show_candidate(current)

    # --- lock and unlock --------------------------------------------------------------

    def show_locked(self, try_remembered: bool = False) -> None:
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        self._update_actions()
        # Only at start: after a lock, the reviewer must type the passphrase again.
        remembered = (
            self.store.get(self.station.identity.key_fingerprint) if try_remembered else None
        )
        if remembered:
            self.unlock(remembered, False, quiet=True)

    def unlock(self, passphrase: str, remember: bool, quiet: bool = False) -> None:
        self.lock_screen.set_busy(True)

        def done(_result) -> None:
            if remember and not self.store.set(self.station.identity.key_fingerprint, passphrase):
                QMessageBox.information(
                    self,
                    _("Passphrase not remembered"),
                    _(
                        "This computer has no usable system keyring, so the passphrase "
                        "cannot be remembered; you will be asked for it each time."
                    ),
                )
            self.lock_screen.reset()
            self.idle.resume()
            self._update_actions()
            if self.pack_path:
                self.open_pack(self.pack_path)
            else:
                self.stack.setCurrentWidget(self.welcome)

        def failed(exc: Exception) -> None:
            if quiet:
                self.lock_screen.reset()
            else:
                self.lock_screen.failed(str(exc))

        worker.run_task(lambda _ctx: self.station.unlock(passphrase), done, failed)

    def lock(self) -> None:
        if not self.station.unlocked:
            return
        for page in self.pages.values():
            page.flush()
        self._tear_down()
        try:
            self.station.lock()
        except (WorkstationError, WorkspaceError) as exc:
            self.status.setText(str(exc))
        self.status.setText("")
        self.show_locked()

    def _tear_down(self) -> None:
        for page in self.pages.values():
            self.undo_group.removeStack(page.editor.stack)
            page.deleteLater()
        self.pages.clear()
        if self.work is not None:
            self.stack.removeWidget(self.work)
            self.work.deleteLater()
            self.work = None
            self.candidate_list = None
            self.page_stack = None

    # --- packs ------------------------------------------------------------------------

    def choose_pack(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open dossier pack"), "", _("Dossier packs (*.rvpack)")
        )
        if path:
            self.open_pack(Path(path))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt name)
        urls = event.mimeData().urls()
        if self.station.unlocked and urls and urls[0].toLocalFile().endswith(".rvpack"):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.open_pack(Path(event.mimeData().urls()[0].toLocalFile()))

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

    def _idle(self, text: str = "") -> None:
        self.progress.setVisible(False)
        self.status.setText(text)

    def open_pack(self, path: Path) -> None:
        self._busy(_("Verifying and opening {file}…").format(file=path.name))
        worker.run_task(
            lambda _ctx: self.station.open_pack(path),
            lambda result: self._pack_opened(path, result),
            self._pack_refused,
        )

    def _pack_opened(self, path: Path, result: OpenResult) -> None:
        self.pack_path, self.pack_id = path, result.pack_id
        text = result.summary()
        if result.imported.flagged:
            text += " · " + _("{n} reviews need your attention (⚠)").format(
                n=len(result.imported.flagged)
            )
        self._idle(text)
        self._tear_down()
        self._build_work()

    def _pack_refused(self, exc: Exception) -> None:
        self._idle()
        QMessageBox.warning(self, _("The pack was refused"), str(exc))
        if self.station.unlocked and self.work is None:
            self.stack.setCurrentWidget(self.welcome)

    def _build_work(self) -> None:
        self._tear_down()
        pack = self.station.workspace.pack(self.pack_id)
        rubrics = {r.id: r for r in pack.rubrics}
        self.work = QSplitter(Qt.Orientation.Horizontal)
        self.candidate_list = CandidateList(rubrics)
        self.candidate_list.setMinimumWidth(380)
        self.candidate_list.set_entries(self.station.workspace.candidates(self.pack_id))
        self.candidate_list.candidate_selected.connect(self.show_candidate)
        self.page_stack = QStackedWidget()
        hint = plain_label(_("Choose a candidate from the list."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_stack.addWidget(hint)
        self.work.addWidget(self.candidate_list)
        self.work.addWidget(self.page_stack)
        self.work.setSizes([430, 936])
        self.stack.addWidget(self.work)
        self.stack.setCurrentWidget(self.work)

    def current_candidate(self) -> str | None:
        if self.page_stack is None:
            return None
        page = self.page_stack.currentWidget()
        return page.candidate_id if isinstance(page, CandidatePage) else None

    def show_candidate(self, candidate_id: str) -> None:
        if self.page_stack is None:
            return
        page = self.pages.get(candidate_id)
        if page is None:
            page = CandidatePage(self.station, self.pack_id, candidate_id)
            page.changed.connect(self._candidate_changed)
            page.message.connect(self.status.setText)
            self.pages[candidate_id] = page
            self.page_stack.addWidget(page)
            self.undo_group.addStack(page.editor.stack)
        previous = self.page_stack.currentWidget()
        if isinstance(previous, CandidatePage):
            previous.flush()
        self.page_stack.setCurrentWidget(page)
        self.undo_group.setActiveStack(page.editor.stack)
        self.candidate_list.select(candidate_id)

    def _candidate_changed(self, candidate_id: str) -> None:
        if self.candidate_list is not None:
            entry = self.station.workspace.candidate_entry(self.pack_id, candidate_id)
            self.candidate_list.update_entry(entry)

    # --- sheets -----------------------------------------------------------------------

    def _sheet_folder(self) -> Path | None:
        start = str(self.settings.value("sheet_folder", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(
            self, _("Where to write the signed sheets"), start
        )
        if not folder:
            return None
        self.settings.setValue("sheet_folder", folder)
        return Path(folder)

    def export_current(self) -> None:
        candidate_id = self.current_candidate()
        if candidate_id is None or self.pack_id is None:
            self.status.setText(_("Choose a candidate first."))
            return
        self.pages[candidate_id].flush()
        from reviewer.sheet_export import export_sheet  # pyHanko: loaded when first needed

        folder = self._sheet_folder()
        if folder is None:
            return
        self._busy(_("Signing the sheet…"))
        worker.run_task(
            lambda _ctx: export_sheet(self.station, self.pack_id, candidate_id, folder),
            lambda sheet: self._exported([sheet], []),
            self._export_failed,
        )

    def export_everything(self) -> None:
        if self.pack_id is None:
            return
        for page in self.pages.values():
            page.flush()
        from reviewer.sheet_export import export_all  # pyHanko: loaded when first needed

        folder = self._sheet_folder()
        if folder is None:
            return
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(_("Signing the sheets…"))

        def job(ctx):
            return export_all(
                self.station,
                self.pack_id,
                folder,
                progress=ctx.progress,
                cancelled=lambda: ctx.cancelled,
            )

        def progressed(done: int, total: int) -> None:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

        worker.run_task(
            job, lambda result: self._exported(*result), self._export_failed, progressed
        )

    def _exported(self, sheets, refused) -> None:
        self._idle(_("{n} sheet(s) signed and exported").format(n=len(sheets)))
        for candidate_id in {s.candidate_id for s in sheets}:
            self._candidate_changed(candidate_id)
        if refused:
            QMessageBox.warning(
                self,
                _("Some sheets were not exported"),
                "\n".join(f"{cid}: {reason}" for cid, reason in refused),
            )

    def _export_failed(self, exc: Exception) -> None:
        self._idle()
        QMessageBox.warning(self, _("The sheet was not exported"), str(exc))

    # --- other ------------------------------------------------------------------------

    def import_response(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Import enrolment response"), "", "JSON (*.json)"
        )
        if not path:
            return
        try:
            response = parse_response(read_capped(Path(path), MAX_RESPONSE_BYTES))
            _enrolment, _outcome = self.station.identity.accept(response)
        except (EnrolmentError, IdentityError, OSError) as exc:
            QMessageBox.warning(self, _("The response was refused"), str(exc))
            return
        QMessageBox.information(
            self,
            _("Enrolled"),
            _("You are enrolled in {session}.").format(session=response.session_name),
        )

    def show_rubrics(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Rubrics of the plan"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(RubricBrowser(bundled_rubrics()))
        dialog.resize(1200, 700)
        dialog.exec()

    def choose_idle_time(self) -> None:
        current = float(self.settings.value("idle_minutes", DEFAULT_IDLE_MINUTES))
        minutes, ok = QInputDialog.getInt(
            self, _("Automatic lock"), _("Lock after this many idle minutes:"), int(current), 1, 120
        )
        if ok:
            self.settings.setValue("idle_minutes", minutes)
            self.idle.set_timeout_ms(minutes * 60_000)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for page in self.pages.values():
            page.flush()
        self._tear_down()
        self.station.close()
        event.accept()
