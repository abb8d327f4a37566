"""What shows while locked: nothing confidential, only a passphrase field."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from reviewer.base.i18n import _
from ui.common.labels import plain_label


class LockScreen(QWidget):
    unlock_requested = Signal(str, bool)  # passphrase, remember it

    def __init__(self, name: str | None = None, can_remember: bool | None = None):
        """``None``: not known yet (the window paints before the identity and the
        keyring are loaded); ``set_identity`` fills them in."""
        super().__init__()
        self.setObjectName("lockScreen")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = plain_label("", bold=True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.reason = plain_label("")
        self.reason.setObjectName("lockReason")
        self.reason.setWordWrap(False)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.reason, 0, Qt.AlignmentFlag.AlignHCenter)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Your passphrase"))
        self.passphrase.setMaximumWidth(360)
        layout.addWidget(self.passphrase, 0, Qt.AlignmentFlag.AlignHCenter)
        self.remember = QCheckBox(_("Remember on this computer (system keyring)"))
        layout.addWidget(self.remember, 0, Qt.AlignmentFlag.AlignHCenter)
        # Common on Kylin/UOS and in bureaus: say why there is no "remember" box.
        self.no_keyring = plain_label(
            _("This computer has no system keyring, so the passphrase cannot be remembered.")
        )
        self.no_keyring.setObjectName("noKeyring")
        self.no_keyring.setWordWrap(False)  # centred in the layout, a wrapped label collapses
        self.no_keyring.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.no_keyring, 0, Qt.AlignmentFlag.AlignHCenter)
        self.button = QPushButton(_("Unlock"))
        self.button.setObjectName("unlock")
        self.button.setDefault(True)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.error = QLabel()
        self.error.setObjectName("lockError")
        self.error.setStyleSheet("color: #a40000;")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.button.clicked.connect(self._submit)
        self.passphrase.returnPressed.connect(self._submit)
        self.set_identity(name, can_remember)

    def set_identity(self, name: str | None, can_remember: bool | None) -> None:
        self.title.setText(_("Locked · {name}").format(name=name) if name else _("Locked"))
        self.remember.setVisible(can_remember is True)
        self.no_keyring.setVisible(can_remember is False)

    def _submit(self) -> None:
        if self.passphrase.text():
            self.set_busy(True)
            self.unlock_requested.emit(self.passphrase.text(), self.remember.isChecked())

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.error.setText(_("Unlocking…") if busy else "")

    def failed(self, message: str) -> None:
        self.set_busy(False)
        self.error.setText(message)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def set_reason(self, text: str) -> None:
        """Why the window locked ("after 5 minutes without input"), or nothing."""
        self.reason.setText(text)
        self.reason.setVisible(bool(text))

    def reset(self) -> None:
        self.set_busy(False)
        self.passphrase.clear()
        self.passphrase.setFocus()
