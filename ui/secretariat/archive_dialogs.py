"""The session's archive package in the window (归档): building it from the session
folder and the folders and files chosen, with progress and Cancel, and verifying an
archive, every missing, changed or added file named.

Building and verifying are the core's (``reviewer.archive.build``, ``.verify``), as
``reviewer archive build|verify`` run them; both run through ``ui.common.worker``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.archive.build import ArchiveCancelled, BuiltArchive, build_archive
from reviewer.archive.verify import VerifiedArchive, verify_archive
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.people.session import Session
from ui.common import worker
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField

_ERROR_STYLE = "color: #a40000;"


@dataclass(frozen=True)
class ArchiveDefaults:
    sheets: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    packs: list[Path] = field(default_factory=list)


class PathList(QWidget):
    """Folders and files added one by one (``files_filter`` None: folders only; empty:
    folders and files)."""

    def __init__(self, title: str, paths: list[Path], files_filter: str | None = ""):
        super().__init__()
        self.title, self.files_filter = title, files_filter
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setMaximumHeight(64)
        self.list.addItems([str(p) for p in paths])
        buttons = QVBoxLayout()
        if files_filter is None or files_filter == "":
            self.add_folder = QPushButton(_("Add a folder…"))
            self.add_folder.clicked.connect(self._choose_folder)
            buttons.addWidget(self.add_folder)
        if files_filter is not None:
            self.add_files = QPushButton(_("Add files…"))
            self.add_files.clicked.connect(self._choose_files)
            buttons.addWidget(self.add_files)
        self.remove = QPushButton(_("Remove"))
        self.remove.clicked.connect(self._remove)
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.title, str(Path.home()))
        if chosen:
            self.add(Path(chosen))

    def _choose_files(self) -> None:
        chosen, _f = QFileDialog.getOpenFileNames(
            self, self.title, str(Path.home()), self.files_filter or ""
        )
        for path in chosen:
            self.add(Path(path))

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def add(self, path: Path) -> None:
        if str(path) not in (self.list.item(i).text() for i in range(self.list.count())):
            self.list.addItem(str(path))

    def paths(self) -> list[Path]:
        return [Path(self.list.item(i).text()) for i in range(self.list.count())]


class ArchiveDialog(QDialog):
    def __init__(self, session: Session, defaults: ArchiveDefaults, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(_("Archive the session"))
        self.setMinimumWidth(720)
        form = QFormLayout()
        form.addRow(
            _("Session folder"),
            plain_label(
                _("{folder} (always archived, without its sealed keys)").format(
                    folder=session.folder
                )
            ),
        )
        self.sheets = PathList(_("Folders of signed review sheets"), defaults.sheets, None)
        self.ballots = PathList(_("Folders of the rounds' ballots"), [], None)
        self.reports = PathList(_("Reports: folders or files"), defaults.reports)
        self.logs = PathList(_("Audit logs and other records"), [])
        self.packs = PathList(_("Dossier packs"), defaults.packs, _("Dossier packs (*.rvpack)"))
        form.addRow(_("Sheets"), self.sheets)
        form.addRow(_("Ballots"), self.ballots)
        form.addRow(_("Reports"), self.reports)
        form.addRow(_("Logs"), self.logs)
        form.addRow(_("Packs (by SHA-256)"), self.packs)
        self.out = PathField("save", _("Where to write the archive"), _("ZIP archives (*.zip)"))
        self.out.edit.setText(str(session.folder.parent / f"{session.folder.name}-archive.zip"))
        form.addRow(_("Archive"), self.out)
        form.addRow("", plain_label(_("A name ending in .zip makes a ZIP, any other a folder.")))
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Session passphrase"), self.passphrase)
        self.error = plain_label("")
        self.error.setObjectName("error")
        self.error.setStyleSheet(_ERROR_STYLE)
        self.status = plain_label("")
        self.status.setObjectName("status")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.build_button = self.buttons.addButton(
            _("Build the archive"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.build_button.setObjectName("build")
        self.build_button.clicked.connect(self.build)
        self.cancel_button = self.buttons.addButton(
            _("Cancel"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.built: BuiltArchive | None = None
        self.busy = False
        self._cancel = threading.Event()

    def build(self) -> None:
        out = self.out.path()
        if out is None:
            self.error.setText(_("Choose where to write the archive."))
            return
        if not self.passphrase.text():
            self.error.setText(_("Enter the session passphrase."))
            return
        self.error.setText("")
        session, passphrase, cancel = self.session, self.passphrase.text(), self._cancel
        sheets, ballots = self.sheets.paths(), self.ballots.paths()
        reports, logs, packs = self.reports.paths(), self.logs.paths(), self.packs.paths()
        cancel.clear()

        def job(ctx: worker.TaskContext) -> BuiltArchive:
            return build_archive(
                session,
                passphrase,
                out,
                sheets=sheets,
                ballots=ballots,
                reports=reports,
                logs=logs,
                packs=packs,
                progress=ctx.progress,
                cancelled=lambda: ctx.cancelled or cancel.is_set(),
            )

        self._set_busy(True)
        self.status.setText(_("Unlocking the secretariat key and building the archive…"))
        worker.run_task(job, self._built, self._failed, self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(_("Archiving: {done}/{total} files").format(done=done, total=total))

    def cancel(self) -> None:
        self._cancel.set()
        self.status.setText(_("Cancelling…"))

    def _built(self, built: BuiltArchive) -> None:
        self._set_busy(False)
        self.built = built
        self.status.setText(
            _(
                "Archive written to {path}: {files} files, {packs} packs by hash; manifest signed."
            ).format(
                path=built.path, files=len(built.manifest.files), packs=len(built.manifest.packs)
            )
        )

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ArchiveCancelled):
            self.status.setText(exc.message)
            return
        self.status.setText("")
        show_error(self, exc, self.windowTitle())

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.cancel_button.setVisible(busy)
        self.build_button.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setEnabled(not busy)

    def reject(self) -> None:
        if self.busy:
            self.cancel()  # Escape while building cancels; the dialog closes once stopped
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.busy:
            self.cancel()
            event.ignore()
        else:
            super().closeEvent(event)


class VerifyDialog(QDialog):
    """An archive (ZIP or folder) checked against its signed manifest: "intact" with
    the files counted, or every problem, one a line."""

    def __init__(self, session: Session | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(_("Verify an archive"))
        self.setMinimumWidth(720)
        self.path = QLineEdit()
        self.path.setObjectName("archive")
        choose_zip = QPushButton(_("ZIP…"))
        choose_zip.clicked.connect(self._choose_zip)
        choose_folder = QPushButton(_("Folder…"))
        choose_folder.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose_zip)
        row.addWidget(choose_folder)
        self.trust_session = QCheckBox(
            _("Trust the CA of the open session ({name})").format(name=session.name)
            if session
            else _("No session open: the archive's own CA is used")
        )
        self.trust_session.setChecked(session is not None)
        self.trust_session.setEnabled(session is not None)
        self.verdict = plain_label("", bold=True)
        self.verdict.setObjectName("verdict")
        self.note = plain_label("")
        self.note.setObjectName("note")
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)  # a reason cut off would hide what changed
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.verify_button = self.buttons.addButton(
            _("Verify"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.verify_button.setObjectName("verify")
        self.verify_button.clicked.connect(self.verify)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow(_("Archive"), row)
        form.addRow("", self.trust_session)
        layout.addLayout(form)
        layout.addWidget(self.verdict)
        layout.addWidget(self.note)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.buttons)
        self.verified: VerifiedArchive | None = None
        self.busy = False

    def _choose_zip(self) -> None:
        chosen, _f = QFileDialog.getOpenFileName(
            self, _("Verify an archive"), str(Path.home()), _("ZIP archives (*.zip)")
        )
        if chosen:
            self.path.setText(chosen)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Verify an archive"), str(Path.home()))
        if chosen:
            self.path.setText(chosen)

    def verify(self) -> None:
        text = self.path.text().strip()
        if not text:
            self._show_refusal(_("Choose the archive to verify."), [])
            return
        path = Path(text)
        session = self.session if self.trust_session.isChecked() else None
        anchor = session.ca_certificate if session else None
        session_id = session.id if session else None

        def job(_ctx: worker.TaskContext) -> VerifiedArchive:
            return verify_archive(path, anchor, session_id=session_id)

        self.busy = True
        self.verify_button.setEnabled(False)
        self.verified = None
        self.verdict.setStyleSheet("")
        self.verdict.setText(_("Verifying {file}…").format(file=path))
        self.note.setText("")
        self.problems.clear()
        worker.run_task(job, self._verified, self._failed)

    def _done(self) -> None:
        self.busy = False
        self.verify_button.setEnabled(True)

    def _verified(self, result: VerifiedArchive) -> None:
        self._done()
        self.verified = result
        self.verdict.setStyleSheet("color: #1d6b1d;")
        self.verdict.setText(
            _(
                "Intact: all {files} files checked, as signed by {name} for {session}; "
                "{packs} packs recorded by hash."
            ).format(
                files=len(result.manifest.files),
                name=result.signer.name,
                session=result.manifest.session_name,
                packs=len(result.manifest.packs),
            )
        )
        self.problems.addItems([f"{p.sha256}  {p.name}" for p in result.manifest.packs])
        if result.ca_from_archive:
            self.note.setText(
                _(
                    "The CA was taken from the archive itself (SHA-256 {fp}): compare it "
                    "with the session's on record."
                ).format(fp=result.ca_fingerprint)
            )

    def _failed(self, exc: Exception) -> None:
        self._done()
        if isinstance(exc, ReviewerError):
            self._show_refusal(exc.message, [str(p) for p in exc.problems])
        else:
            self.verdict.setText("")
            show_error(self, exc, self.windowTitle())

    def _show_refusal(self, message: str, problems: list[str]) -> None:
        self.verdict.setStyleSheet(_ERROR_STYLE)
        self.verdict.setText(message)
        self.problems.clear()
        self.problems.addItems(problems)

    def reject(self) -> None:
        if not self.busy:
            super().reject()
