"""First run: the wizard creates the identity and writes the enrolment request; the
lock screen says why a passphrase cannot be remembered where there is no keyring."""

from __future__ import annotations

import json

import pytest

from reviewer.crypto.secret_store import MemorySecretStore
from reviewer.people.enrolment import fingerprint_groups
from reviewer.people.home import identity_exists
from reviewer.people.identity import load_identity
from ui.common import worker
from ui.reviewer.first_run import FirstRunWizard
from ui.reviewer.lock_screen import LockScreen

pytestmark = pytest.mark.usefixtures("english")


def test_wizard_refuses_weak_or_mismatched_passphrases(qtbot, tmp_path):
    wizard = FirstRunWizard(tmp_path / "home", MemorySecretStore())
    qtbot.addWidget(wizard)
    page = wizard.identity_page
    page.name.setText("格桑卓玛")
    page.passphrase.setText("abc")
    page.repeat.setText("abc")
    assert not page.validatePage() and "too weak" in page.error.text()
    page.passphrase.setText("草原上的格桑花 2026")
    page.repeat.setText("草原上的格桑花 2027")
    assert not page.validatePage() and "differ" in page.error.text()
    assert not identity_exists(tmp_path / "home")


def test_wizard_creates_identity_and_request(qtbot, tmp_path):
    worker.set_synchronous(True)
    try:
        store = MemorySecretStore()
        wizard = FirstRunWizard(tmp_path / "home", store)
        qtbot.addWidget(wizard)
        page = wizard.identity_page
        page.name.setText("格桑卓玛")
        page.passphrase.setText("草原上的格桑花 2026")
        page.repeat.setText("草原上的格桑花 2026")
        page.remember.setChecked(True)
        assert page.validatePage(), page.error.text()
    finally:
        worker.set_synchronous(False)
    identity = load_identity(tmp_path / "home")
    assert identity.name == "格桑卓玛"
    assert store.get(identity.key_fingerprint) == "草原上的格桑花 2026"
    request = tmp_path / "request.json"
    assert not wizard.request_page.isComplete()
    wizard.request_page.write_to(request)
    assert wizard.request_page.isComplete()
    # What the secretariat's enrolment check shows too, to compare on the phone.
    assert wizard.request_page.fingerprint.text() == fingerprint_groups(identity.key_fingerprint)
    doc = json.loads(request.read_text(encoding="utf-8"))
    assert doc["name"] == "格桑卓玛" and doc["age_recipient"] == identity.age_recipient


def test_lock_screen_says_why_nothing_is_remembered(qtbot):
    without = LockScreen("格桑卓玛", can_remember=False)
    qtbot.addWidget(without)
    assert without.remember.isHidden() and not without.no_keyring.isHidden()
    assert "no system keyring" in without.no_keyring.text()
    with_keyring = LockScreen("格桑卓玛", can_remember=True)
    qtbot.addWidget(with_keyring)
    assert with_keyring.no_keyring.isHidden() and not with_keyring.remember.isHidden()
