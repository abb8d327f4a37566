"""First run: create the reviewer's identity and write the enrolment request.

The keys are made in the worker (the key derivation takes a moment) while a local event
loop keeps the window painting. The request goes to a file the reviewer carries to the
secretariat (USB stick); the response comes back through "Import enrolment response".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from reviewer.base.i18n import _
from reviewer.crypto.passphrase_strength import strength
from reviewer.crypto.secret_store import SecretStore
from reviewer.people.enrolment import fingerprint_groups
from reviewer.people.identity import UnlockedIdentity, create_identity, write_request
from ui.common import worker
from ui.common.errors import error_text
from ui.common.labels import plain_label

T = TypeVar("T")


def run_and_wait(fn: Callable[[], T]) -> T:
    """Run ``fn`` in the worker and wait for it without freezing the window."""
    loop = QEventLoop()
    box: dict[str, Any] = {}

    def done(key: str, value: object) -> None:
        box[key] = value
        loop.quit()

    worker.run_task(lambda _ctx: fn(), lambda r: done("result", r), lambda e: done("error", e))
    if not box:
        loop.exec()
    if "error" in box:
        raise box["error"]
    return box["result"]


class IdentityPage(QWizardPage):
    def __init__(self, home: Path, store: SecretStore):
        super().__init__()
        self.home, self.store = home, store
        self.identity: UnlockedIdentity | None = None
        self.setTitle(_("Your identity"))
        self.setSubTitle(
            _(
                "Your keys are created on this computer and never leave it. The passphrase "
                "protects them; nobody can recover it for you."
            )
        )
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.name.setMaxLength(64)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = QLabel()
        self.hint.setObjectName("strength")
        self.remember = QCheckBox(_("Remember the passphrase in the system keyring"))
        self.remember.setVisible(store.available)
        self.error = plain_label("")
        self.error.setStyleSheet("color: #a40000;")
        form.addRow(_("Name (as on your sheets)"), self.name)
        form.addRow(_("Passphrase"), self.passphrase)
        form.addRow(_("Passphrase again"), self.repeat)
        form.addRow("", self.hint)
        form.addRow("", self.remember)
        form.addRow(self.error)
        self.passphrase.textChanged.connect(self._hint)
        self._hint("")

    def _hint(self, text: str) -> None:
        self.hint.setText(strength(text).message())

    def validatePage(self) -> bool:  # noqa: N802 (Qt name)
        name, passphrase = self.name.text().strip(), self.passphrase.text()
        if not name:
            self.error.setText(_("Enter your name."))
            return False
        if passphrase != self.repeat.text():
            self.error.setText(_("The two passphrases differ."))
            return False
        verdict = strength(passphrase)
        if not verdict.acceptable:
            self.error.setText(verdict.message())
            return False
        self.error.setText(_("Creating your keys…"))
        try:
            self.identity = run_and_wait(lambda: create_identity(self.home, name, passphrase))
        except Exception as exc:  # noqa: BLE001 (a refusal, or a bug: logged, named)
            self.error.setText(error_text(exc))
            return False
        if self.remember.isChecked():
            self.store.set(self.identity.key_fingerprint, passphrase)
        self.error.setText("")
        return True


class RequestPage(QWizardPage):
    def __init__(self, identity_page: IdentityPage):
        super().__init__()
        self.identity_page = identity_page
        self.setTitle(_("Enrolment request"))
        self.setSubTitle(
            _(
                "Save the request and give it to the secretariat (e.g. on a USB stick). They "
                "return an enrolment response, which you import from the File menu."
            )
        )
        layout = QVBoxLayout(self)
        self.save = QPushButton(_("Save the enrolment request…"))
        self.save.setObjectName("saveRequest")
        self.status = plain_label("")
        # Read aloud to the secretariat, who checks it before answering the request.
        self.fingerprint = plain_label("")
        self.fingerprint.setObjectName("fingerprint")
        big = QFont("monospace")
        big.setStyleHint(QFont.StyleHint.Monospace)
        big.setPointSize(16)
        self.fingerprint.setFont(big)
        layout.addWidget(self.save)
        layout.addWidget(self.status)
        layout.addWidget(self.fingerprint)
        self.save.clicked.connect(self._save)
        self.saved_to: Path | None = None

    def _save(self) -> None:
        identity = self.identity_page.identity
        if identity is None:
            return
        default = str(self.identity_page.home / "enrolment-request.json")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the enrolment request"), default, "JSON (*.json)"
        )
        if path:
            self.write_to(Path(path))

    def write_to(self, path: Path) -> None:
        try:
            identity = self.identity_page.identity
            if identity is None:  # a bug: reported like any other below
                raise RuntimeError("RequestPage.write_to() before the identity was created")
            write_request(path, identity.enrolment_request())
        except Exception as exc:  # noqa: BLE001 (a refusal, or a bug: logged, named)
            self.status.setText(error_text(exc))
            return
        self.saved_to = path
        self.status.setText(
            _("Saved to {file}").format(file=path)
            + "\n\n"
            + _("Your key fingerprint: the secretariat may call you to check it.")
        )
        self.fingerprint.setText(fingerprint_groups(identity.key_fingerprint))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        return self.saved_to is not None


class FirstRunWizard(QWizard):
    def __init__(self, home: Path, store: SecretStore):
        super().__init__()
        self.setWindowTitle(_("Reviewer Workstation · first run"))
        self.identity_page = IdentityPage(home, store)
        self.request_page = RequestPage(self.identity_page)
        self.addPage(self.identity_page)
        self.addPage(self.request_page)
