"""The reviewer's main window: lock screen, then the work on the open pack.

The window paints first and loads second: at start it shows the lock screen with only
Qt and the catalogue imported, and the workstation (the crypto and database stack, about
0.4 s of imports) and the keyring are loaded on the worker once it has painted. A
passphrase typed meanwhile is held until they are ready. Functions that run only after loading
import names from those modules locally; the imports are then free.

Everything confidential is built after unlocking (``ReviewWork``) and torn down on
lock (a work playing stops first, its stream and buffers dropped); the core is asked to
forget what it decrypted. Slow work (loading; unlocking:
Argon2id; opening a pack: verifying and decrypting; exporting: rendering and signing)
goes through the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
)

from reviewer.base.i18n import _
from ui.common import worker
from ui.common.actions import add_action, add_language_menu
from ui.common.errors import error_text, is_refusal, show_error
from ui.common.first_paint import after_first_paint
from ui.common.welcome_page import WelcomePage
from ui.reviewer.ballot_menu import close_ballot_window, install_ballot_menu
from ui.reviewer.idle_lock import DEFAULT_IDLE_MINUTES, IdleLock
from ui.reviewer.lock_screen import LockScreen

if TYPE_CHECKING:
    from reviewer.crypto.secret_store import SecretStore
    from reviewer.station.export import ExportedSheet
    from reviewer.station.workstation import OpenResult, Workstation
    from ui.reviewer.candidate_list import CandidateList
    from ui.reviewer.overview import OverviewDialog
    from ui.reviewer.work import ReviewWork


@dataclass(frozen=True)
class _Loaded:
    station: Workstation
    store: SecretStore
    can_remember: bool
    remembered: str | None = field(repr=False)  # a passphrase kept in the OS keyring


def _load(home: Path, store: SecretStore | None) -> _Loaded:
    """Runs on the worker: the heavy imports, the identity's public part, the workspace,
    and the keyring (finding its backend takes 0.2 s; reading it may wait on D-Bus)."""
    from reviewer.crypto.secret_store import default_store
    from reviewer.station.workstation import Workstation
    from ui.reviewer import work as review_work  # noqa: F401 (imported now, so unlocking does not wait)

    store = store or default_store()
    station = Workstation(home, store)  # the keyring keeps a copy of the write counter
    remembered = store.get(station.identity.key_fingerprint)
    return _Loaded(station, store, store.available, remembered)


RECENT_PACKS = 5
PLAYING_CHECK_MS = 5_000


def _idle_minutes(settings: QSettings) -> float:
    """The saved idle time in minutes; the default if it is missing or not a number."""
    value = settings.value("idle_minutes", DEFAULT_IDLE_MINUTES)
    if isinstance(value, (int, float, str)):
        try:
            return float(value)
        except ValueError:
            pass
    return float(DEFAULT_IDLE_MINUTES)


class ReviewWindow(QMainWindow):
    ready = Signal()  # the workstation is loaded: unlocking starts at once

    def __init__(
        self,
        home: Path,
        switch_language: Callable[[str], str],
        pack_path: Path | None = None,
        store: SecretStore | None = None,
    ):
        super().__init__()
        self.setObjectName("reviewWindow")
        self.home, self._switch_language = home, switch_language
        self.station: Workstation | None = None  # until loaded
        self.store: SecretStore | None = store
        self._waiting: list[Callable[[], None]] | None = None  # run once loaded
        self._remembered: str | None = None
        self.load_error: str | None = None
        self._closed = False
        self.pack_path = pack_path
        self.pack_id: str | None = None
        self.work: ReviewWork | None = None
        self.overview: OverviewDialog | None = None  # scores: closed on lock
        self._opened: OpenResult | None = None  # the open pack's summary, for the status bar
        # Edits a full disk kept from being written, sealed under the workspace key
        # while locked; written again after the next unlock.
        self._unsaved: bytes | None = None
        # The chosen candidate and every page's undo history, sealed the same way across
        # a lock, so that unlocking puts the reviewer back where they were.
        self._screen: bytes | None = None
        self._warning_shown = False
        self.undo_group = QUndoGroup(self)
        self.settings = QSettings()
        self.setAcceptDrops(True)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.lock_screen = LockScreen()
        self.lock_screen.unlock_requested.connect(self.unlock)
        self.stack.addWidget(self.lock_screen)

        self.welcome = WelcomePage(self.choose_pack)
        self.stack.addWidget(self.welcome)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)

        app = QApplication.instance()
        if not isinstance(app, QApplication):
            raise RuntimeError("ReviewWindow needs a QApplication, not a QCoreApplication")
        self.idle = IdleLock(app, _idle_minutes(self.settings))
        self.idle.timed_out.connect(self._locked_by_timer)
        # Watching a long programme without touching anything is not being away.
        self._playing_check = QTimer(self, interval=PLAYING_CHECK_MS)
        self._playing_check.timeout.connect(self._keep_open_while_playing)
        self._playing_check.start()
        self.idle.warning.connect(self._lock_warning)
        self.idle.warning_over.connect(self._lock_warning_over)
        # Esc leaves the large viewer; it is no shortcut at all otherwise.
        self.leave_large_viewer = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.leave_large_viewer.setEnabled(False)
        self.leave_large_viewer.activated.connect(
            lambda: self.large_viewer_action.setChecked(False)
        )
        self.retranslate()
        self.resize(1366, 768)
        self.show_locked()
        after_first_paint(self, lambda: self._when_loaded(self._try_remembered))

    # --- loading ----------------------------------------------------------------------

    def _when_loaded(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the workstation is loaded; start loading if nobody has."""
        if self.station is not None:
            then()
            return
        if self._waiting is not None:
            self._waiting.append(then)
            return
        self._waiting = [then]
        worker.run_task(lambda _ctx: _load(self.home, self.store), self._loaded, self._load_failed)

    def _loaded(self, loaded: _Loaded) -> None:
        if self._closed:  # closed while loading
            loaded.station.close()
            return
        self.station, self.store = loaded.station, loaded.store
        self._remembered = loaded.remembered
        self.lock_screen.set_identity(loaded.station.name, loaded.can_remember)
        self.retranslate()
        waiting, self._waiting = self._waiting or [], []
        for then in waiting:
            then()
        self.ready.emit()

    def _load_failed(self, exc: Exception) -> None:
        self._waiting = None
        # ui.app exits with 1 when this is set.
        if self._closed:
            self.load_error = error_text(exc)
        else:
            self.load_error = show_error(self, exc, fatal=True)
            self.close()

    def _loaded_station(self) -> Workstation:
        """The workstation, for code that runs only once it is loaded."""
        if self.station is None:
            raise RuntimeError("ReviewWindow: the workstation was used before it was loaded")
        return self.station

    def _loaded_store(self) -> SecretStore:
        """The secret store, for code that runs only once the workstation is loaded."""
        if self.store is None:
            raise RuntimeError("ReviewWindow: the secret store was used before it was loaded")
        return self.store

    @property
    def unlocked(self) -> bool:
        return self.station is not None and self.station.unlocked

    @property
    def candidate_list(self) -> CandidateList | None:
        return None if self.work is None else self.work.candidate_list

    @property
    def pages(self) -> dict:
        return {} if self.work is None else self.work.pages

    # --- menus ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(
            _("Reviewer Workstation · {name}").format(name=self.station.name)
            if self.station
            else _("Reviewer Workstation")
        )
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
        self.recent_menu = file_menu.addMenu(_("&Recent packs"))
        self.recent_menu.setObjectName("recentPacks")
        self._fill_recent()
        self.export_action = add_action(
            self, file_menu, _("&Sign and export this sheet…"), self.export_current, "Ctrl+E"
        )
        self.export_all_action = add_action(
            self, file_menu, _("Sign and export &all completed sheets…"), self.export_everything
        )
        self.export_again_action = add_action(
            self, file_menu, _("Export a lost sheet a&gain…"), self.export_current_again
        )
        self.draft_action = add_action(
            self, file_menu, _("Save a &draft of my reviews (PDF)…"), self.save_draft
        )
        self.import_action = add_action(
            self, file_menu, _("&Import enrolment response…"), self.import_response
        )
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
        edit.addSeparator()
        # The form in the order of 以德为先, each part one key away.
        self.declare_action = add_action(
            self,
            edit,
            _("&No conflict of interest with this candidate"),
            lambda: self._on_work(lambda w: w.declare_no_conflict()),
            "Ctrl+D",
        )
        self.checks_action = add_action(
            self,
            edit,
            _("Go to the &checks"),
            lambda: self._on_work(lambda w: w.go_to("checks")),
            "Ctrl+1",
        )
        self.scores_action = add_action(
            self,
            edit,
            _("Go to the &scores"),
            lambda: self._on_work(lambda w: w.go_to("scores")),
            "Ctrl+2",
        )
        self.opinion_action = add_action(
            self,
            edit,
            _("Go to the &opinion and recommendation"),
            lambda: self._on_work(lambda w: w.go_to("opinion")),
            "Ctrl+3",
        )

        view = bar.addMenu(_("&View"))
        add_action(self, view, _("&Rubrics of the plan"), self.show_rubrics)
        self.overview_action = add_action(
            self, view, _("My scores at a &glance"), self.show_overview, "Ctrl+G"
        )
        view.addSeparator()
        self.large_viewer_action = QAction(_("&Large viewer (materials only)"), self)
        self.large_viewer_action.setObjectName("largeViewer")
        self.large_viewer_action.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+Shift+F")])
        self.large_viewer_action.setCheckable(True)
        self.large_viewer_action.setChecked(self.work is not None and self.work.large_viewer)
        self.large_viewer_action.toggled.connect(self._set_large_viewer)
        view.addAction(self.large_viewer_action)

        install_ballot_menu(self, bar, lambda: self.station if self.unlocked else None)

        settings = bar.addMenu(_("&Settings"))
        add_language_menu(self, settings, self.change_language)
        add_action(self, settings, _("Lock after &idle time…"), self.choose_idle_time)

        self.lock_action = QAction(_("&Lock now"), self)
        self.lock_action.setObjectName("lockNow")
        self.lock_action.setShortcut("Ctrl+L")
        self.lock_action.triggered.connect(lambda: self.lock())
        bar.addAction(self.lock_action)
        self._update_actions()

    def _set_large_viewer(self, on: bool) -> None:
        if on and self.work is None:  # nothing to read yet
            self.large_viewer_action.setChecked(False)
            return
        self._on_work(lambda w: w.set_large_viewer(on))
        self.leave_large_viewer.setEnabled(on)

    def _on_work(self, do: Callable[[ReviewWork], object]) -> None:
        if self.work is not None:
            do(self.work)

    def window_keys(self) -> list[QKeySequence]:
        """The shortcuts that must work from any field of the form."""
        actions = (
            self.undo_action,
            self.redo_action,
            self.export_action,
            self.declare_action,
            self.lock_action,
        )
        return [k for a in actions for k in a.shortcuts()]

    def _update_actions(self) -> None:
        if hasattr(self, "recent_menu"):
            self._fill_recent()
        for action in (
            self.open_action,
            self.export_action,
            self.export_all_action,
            self.lock_action,
            self.declare_action,
            self.checks_action,
            self.scores_action,
            self.opinion_action,
            self.overview_action,
            self.draft_action,
            self.large_viewer_action,
        ):
            action.setEnabled(self.unlocked)
        # Enrolling touches only public files, so it works while locked.
        self.import_action.setEnabled(self.station is not None)

    def change_language(self, code: str) -> None:
        self._switch_language(code)
        self.settings.setValue("language", code)
        current = self.current_candidate()
        self.retranslate()
        if self.unlocked and self.pack_id:
            self._build_work(self.pack_id)
            if current:
                self.show_candidate(current)
            if self._opened is not None and not self.progress.isVisible():
                self.status.setText(self._pack_status(self._opened))

    # --- lock and unlock --------------------------------------------------------------

    def _try_remembered(self) -> None:
        """At start only: after a lock, the reviewer must type the passphrase again."""
        remembered, self._remembered = self._remembered, None
        if remembered and not self.unlocked:
            self.unlock(remembered, False, quiet=True)

    def show_locked(self) -> None:
        self.idle.pause()
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        self._update_actions()

    def unlock(self, passphrase: str, remember: bool, quiet: bool = False) -> None:
        self.lock_screen.set_busy(True)
        if self.station is None:  # typed before loading finished: unlock right after
            self._when_loaded(lambda: self.unlock(passphrase, remember, quiet))
            return

        station = self.station

        def done(_result: object) -> None:
            if remember and not self._loaded_store().set(
                station.identity.key_fingerprint, passphrase
            ):
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
            if quiet and is_refusal(exc):  # a remembered passphrase that no longer works
                self.lock_screen.reset()
            else:
                self.lock_screen.failed(error_text(exc))

        worker.run_task(lambda _ctx: station.unlock(passphrase), done, failed)

    def _locked_by_timer(self, why: str) -> None:
        if why == "suspended":
            self.lock(_("Locked when the computer went to sleep."))
        else:
            minutes = max(1, round(self.idle.timeout_ms / 60_000))
            self.lock(
                _("Locked automatically after {n} minute(s) without input.").format(n=minutes)
            )

    def _keep_open_while_playing(self) -> None:
        if self.unlocked and self.work is not None and self.work.playing():
            self.idle.poke()

    def _lock_warning(self, seconds: int) -> None:
        if self.unlocked:
            self._warning_shown = True
            self.status.setText(
                _("No input: the window locks in {n} seconds. Move the mouse to stay.").format(
                    n=seconds
                )
            )

    def _lock_warning_over(self) -> None:
        if self._warning_shown:
            self._warning_shown = False
            self.status.setText("")

    def lock(self, reason: str = "") -> None:
        if not self.unlocked:
            return
        from reviewer.station.workstation import WorkstationError  # loaded with the station

        self._keep_screen()
        self._tear_down()
        close_ballot_window(self)
        self.status.setText("")
        self._warning_shown = False
        self.lock_screen.set_reason(reason)
        try:
            self._loaded_station().lock()
        except WorkstationError as exc:  # the keys are gone; the audit entry may not be
            self.status.setText(str(exc))
            show_error(self, exc, _("Locked, but the lock was not recorded"))
        self.show_locked()

    def _keep_screen(self) -> None:
        """Seal the chosen candidate and the undo histories before the key goes."""
        if self.work is None or self.pack_id is None or not self.unlocked:
            return
        self._screen = self._loaded_station().workspace.seal_screen(
            self.pack_id, self.work.current_candidate(), self.work.histories()
        )

    def _tear_down(self) -> None:
        if self.overview is not None:
            self.overview.close()
            self.overview.deleteLater()
            self.overview = None
        if self.work is not None:
            if not self.work.flush() and self.pack_id is not None and self.unlocked:
                # Still not written (a full disk): kept sealed under the workspace key,
                # which goes at a lock all the same; written again when the work is back.
                self._unsaved = self._loaded_station().workspace.seal_unsaved(
                    self.pack_id, self.work.unsaved()
                )
            self.work.tear_down()
            self.stack.removeWidget(self.work)
            self.work.deleteLater()
            self.work = None
            self.large_viewer_action.setChecked(False)  # the next work opens whole

    # --- packs ------------------------------------------------------------------------

    def choose_pack(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open dossier pack"), "", _("Dossier packs (*.rvpack)")
        )
        if path:
            self.open_pack(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        urls = event.mimeData().urls()
        if self.unlocked and urls and urls[0].toLocalFile().endswith(".rvpack"):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        self.open_pack(Path(event.mimeData().urls()[0].toLocalFile()))

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

    def _idle(self, text: str = "") -> None:
        self.progress.setVisible(False)
        self.status.setText(text)

    def open_pack(self, path: Path) -> None:
        station = self._loaded_station()
        self._busy(_("Verifying and opening {file}…").format(file=path.name))
        worker.run_task(
            lambda _ctx: station.open_pack(path),
            lambda result: self._pack_opened(path, result),
            self._pack_refused,
        )

    def recent_packs(self) -> list[Path]:
        """The packs opened last, newest first (paths only: no content is kept)."""
        value = self.settings.value("recent_packs", [])
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [Path(p) for p in items if isinstance(p, str) and p][:RECENT_PACKS]

    def _remember_pack(self, path: Path) -> None:
        kept = [p for p in self.recent_packs() if p != path.resolve()]
        self.settings.setValue(
            "recent_packs", [str(p) for p in [path.resolve(), *kept][:RECENT_PACKS]]
        )
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        packs = [p for p in self.recent_packs() if p.is_file()]
        for path in packs:
            action = self.recent_menu.addAction(f"{path.name} — {path.parent}")
            action.triggered.connect(lambda _checked=False, p=path: self.open_pack(p))
        if not packs:
            self.recent_menu.addAction(_("(none)")).setEnabled(False)
        self.recent_menu.setEnabled(self.unlocked and bool(packs))

    def _pack_opened(self, path: Path, result: OpenResult) -> None:
        self.pack_path, self.pack_id = path, result.pack_id
        self._opened = result
        self._remember_pack(path)
        self._idle(self._pack_status(result))
        self._build_work(result.pack_id)

    def _pack_status(self, result: OpenResult) -> str:
        """The status bar's line about the open pack (built again on a language switch)."""
        text = result.summary()
        if result.imported.flagged:
            text += " · " + _("{n} reviews need your attention (⚠)").format(
                n=len(result.imported.flagged)
            )
        return text

    def _pack_refused(self, exc: Exception) -> None:
        self._idle()
        show_error(self, exc, _("The pack was refused"))
        if self.unlocked and self.work is None:
            self.stack.setCurrentWidget(self.welcome)

    def _build_work(self, pack_id: str) -> None:
        from ui.reviewer.work import ReviewWork  # imported while loading

        self._tear_down()
        self.work = ReviewWork(self._loaded_station(), pack_id, self.undo_group, self.window_keys())
        self.work.message.connect(self.status.setText)
        self.work.sign_requested.connect(self.export_current)
        self.stack.addWidget(self.work)
        self.stack.setCurrentWidget(self.work)
        if self._unsaved is not None:
            held, self._unsaved = self._unsaved, None
            held_pack, reviews = self._loaded_station().workspace.open_unsaved(held)
            if held_pack == pack_id:
                self.work.restore_unsaved(reviews)
            else:
                self._unsaved = held  # for when that pack is open again
        if self._screen is not None:
            kept, self._screen = self._screen, None
            kept_pack, current, histories = self._loaded_station().workspace.open_screen(kept)
            if kept_pack == pack_id:
                self.work.restore_histories(histories)
                if current is not None and self.work.has_candidate(current):
                    self.work.show_candidate(current)

    def current_candidate(self) -> str | None:
        return None if self.work is None else self.work.current_candidate()

    def show_candidate(self, candidate_id: str) -> None:
        if self.work is not None:
            self.work.show_candidate(candidate_id)

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
        candidate_id = self.current_candidate()  # None when there is no work
        if self.work is None or candidate_id is None or self.pack_id is None:
            self.status.setText(_("Choose a candidate first."))
            return
        self.work.flush(candidate_id)
        if self._typed_problems_refuse(candidate_id):
            return
        # pyHanko: loaded when first needed
        from reviewer.station.export import export_sheet, not_exportable

        station, pack_id = self._loaded_station(), self.pack_id
        reason = not_exportable(station, pack_id, candidate_id)
        if reason is not None:  # said before a folder is asked for
            QMessageBox.information(
                self, _("Not signed"), _("{id}: {reason}").format(id=candidate_id, reason=reason)
            )
            return
        folder = self._sheet_folder()
        if folder is None:
            return
        self._busy(_("Signing the sheet…"))
        worker.run_task(
            lambda _ctx: export_sheet(station, pack_id, candidate_id, folder),
            lambda sheet: self._exported([sheet], [], [], folder),
            self._export_failed,
        )

    def export_current_again(self) -> None:
        """The current candidate's last signed sheet, written again where its file was
        lost: the same version and content, signed anew (the review is not touched)."""
        candidate_id = self.current_candidate()
        if self.work is None or candidate_id is None or self.pack_id is None:
            self.status.setText(_("Choose a candidate first."))
            return
        # pyHanko: loaded when first needed
        from reviewer.station.export import export_again

        station, pack_id = self._loaded_station(), self.pack_id
        folder = self._sheet_folder()
        if folder is None:
            return
        self._busy(_("Signing the sheet…"))
        worker.run_task(
            lambda _ctx: export_again(station, pack_id, candidate_id, folder),
            lambda sheet: self._exported([sheet], [], [], folder),
            self._export_failed,
        )

    def _typed_problems_refuse(self, candidate_id: str | None) -> bool:
        """A score on screen that was not taken must be corrected before anything is
        signed: the sheet would carry the saved score, not the one the reviewer sees."""
        assert self.work is not None
        problems = self.work.typed_problems(candidate_id)
        if problems:
            QMessageBox.warning(
                self,
                _("Reviewer Workstation"),
                _("Correct these scores before signing:") + "\n" + "\n".join(problems),
            )
        return bool(problems)

    def export_everything(self) -> None:
        if self.pack_id is None or self.work is None:
            return
        self.work.flush()
        if self._typed_problems_refuse(None):
            return
        # pyHanko: loaded when first needed
        from reviewer.station.export import export_all, exportable, skipped

        station, pack_id = self._loaded_station(), self.pack_id
        left_out = skipped(station, pack_id)
        if not exportable(station, pack_id):
            QMessageBox.information(
                self,
                _("Nothing to sign"),
                _("No review is complete and unsigned.")
                + "\n\n"
                + "\n".join(_("{id}: {reason}").format(id=c, reason=r) for c, r in left_out),
            )
            return
        folder = self._sheet_folder()
        if folder is None:
            return
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(_("Signing the sheets…"))

        def job(ctx: worker.TaskContext) -> tuple[list[ExportedSheet], list[tuple[str, str]]]:
            return export_all(
                station, pack_id, folder, progress=ctx.progress, cancelled=lambda: ctx.cancelled
            )

        def progressed(done: int, total: int) -> None:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

        worker.run_task(
            job,
            lambda result: self._exported(result[0], result[1], left_out, folder),
            self._export_failed,
            progressed,
        )

    def _exported(
        self,
        sheets: list[ExportedSheet],
        refused: list[tuple[str, str]],
        left_out: list[tuple[str, str]],
        folder: Path,
    ) -> None:
        """Say what was written where, and what was not and why."""
        self._idle(_("{n} sheet(s) signed and exported").format(n=len(sheets)))
        if self.work is not None:  # locked meanwhile: nothing to refresh
            for candidate_id in {s.candidate_id for s in sheets}:
                self.work.refresh_candidate(candidate_id)
        lines = [_("Signed and written to {folder}:").format(folder=folder)]
        lines += [f"  {s.path.name}" for s in sheets] or [_("  (none)")]
        if refused:
            lines += ["", _("Not written (the signing failed):")]
            lines += ["  " + _("{id}: {reason}").format(id=c, reason=r) for c, r in refused]
        if left_out:
            lines += ["", _("Not signed:")]
            lines += ["  " + _("{id}: {reason}").format(id=c, reason=r) for c, r in left_out]
        box = QMessageBox.warning if refused else QMessageBox.information
        box(self, _("Sheets exported"), "\n".join(lines))

    def _export_failed(self, exc: Exception) -> None:
        self._idle()
        show_error(self, exc, _("The sheet was not exported"))

    # --- other ------------------------------------------------------------------------

    def import_response(self) -> None:
        if self.station is None:
            return
        from reviewer.station.workstation import WorkstationError  # loaded with the station

        path, _filter = QFileDialog.getOpenFileName(
            self, _("Import enrolment response"), "", "JSON (*.json)"
        )
        if not path:
            return
        try:
            session_name = self.station.accept_enrolment(Path(path))
        except WorkstationError as exc:
            show_error(self, exc, _("The response was refused"))
            return
        QMessageBox.information(
            self, _("Enrolled"), _("You are enrolled in {session}.").format(session=session_name)
        )

    def save_draft(self) -> None:
        """A printable, unsigned draft of every review of the pack, where the reviewer
        chooses; the dialog's title says that the file can be read by anyone."""
        if self.work is None or self.pack_id is None:
            return
        self.work.flush()
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save a draft (unsigned; anyone with the file can read your scores)"),
            str(Path(str(self.settings.value("sheet_folder", str(Path.home())))) / "draft.pdf"),
            "PDF (*.pdf)",
        )
        if not path:
            return
        from reviewer.station.draft import save_draft

        station, pack_id = self._loaded_station(), self.pack_id
        self._busy(_("Writing the draft…"))
        worker.run_task(
            lambda _ctx: save_draft(station.workspace, pack_id, station.name, Path(path)),
            lambda written: self._idle(_("Draft written to {path}").format(path=written)),
            self._draft_failed,
        )

    def _draft_failed(self, exc: Exception) -> None:
        self._idle()
        show_error(self, exc, _("The draft was not written"))

    def show_overview(self) -> None:
        if self.work is None or self.pack_id is None:
            return
        from reviewer.station.overview import overview
        from ui.reviewer.overview import OverviewDialog

        self.work.flush()
        self.overview = OverviewDialog(
            self,
            overview(self._loaded_station().workspace, self.pack_id),
            self.current_candidate(),
        )
        self.overview.show()

    def show_rubrics(self) -> None:
        # The browser and the rubric files are needed only here.
        from reviewer.rubric.file import bundled_rubrics
        from ui.rubrics.browser import RubricBrowser

        dialog = QDialog(self)
        dialog.setWindowTitle(_("Rubrics of the plan"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(RubricBrowser(bundled_rubrics()))
        dialog.resize(1200, 700)
        dialog.exec()

    def choose_idle_time(self) -> None:
        current = _idle_minutes(self.settings)
        minutes, ok = QInputDialog.getInt(
            self, _("Automatic lock"), _("Lock after this many idle minutes:"), int(current), 1, 120
        )
        if ok:
            self.settings.setValue("idle_minutes", minutes)
            self.idle.set_timeout_ms(minutes * 60_000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.work is not None and not self.work.flush() and not self._quit_unsaved():
            event.ignore()
            return
        self._closed = True
        self._tear_down()
        close_ballot_window(self)
        if self.station is not None:
            from reviewer.station.workstation import WorkstationError  # loaded with it

            try:
                self.station.close()
            except WorkstationError as exc:  # closed, but the lock was not recorded
                show_error(self, exc)
        event.accept()

    def _quit_unsaved(self) -> bool:
        """Changes a full disk kept from being written: quit anyway (losing them)?"""
        ids = ", ".join(r.candidate_id for r in self.work.unsaved()) if self.work else ""
        answer = QMessageBox.question(
            self,
            _("Changes not saved"),
            _(
                "Your last changes to {candidates} could not be saved (see the red note on "
                "the candidate's page). If you quit now they are lost. Quit anyway?"
            ).format(candidates=ids),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
