"""The decision's outputs in the secretariat window (决定与归档): the minutes of a counted
round signed through the dialog, an uncounted round refused, the 公示 period's five
working days, the archive built through the window and a changed file in it named."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from PySide6.QtCore import QDate
from PySide6.QtGui import QDesktopServices

from reviewer.archive.verify import verify_archive
from reviewer.committee import publicity
from reviewer.committee.count import finish
from reviewer.committee.meeting import open_round, record_attendance
from reviewer.committee.tally import CastBallot, Choice
from reviewer.people.session import open_session
from ui.secretariat import outcome_dialogs
from ui.secretariat.window import SecretariatWindow

pytestmark = pytest.mark.usefixtures("synchronous_worker")

PASS = "demo"
ROUND, UNCOUNTED = "表决一", "表决二"
THURSDAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def counted(demo, tmp_path_factory):
    """A copy of the practice session with one round counted (C001 passed) and one
    opened but not counted; the candidate list beside it."""
    base = tmp_path_factory.mktemp("outcome")
    shutil.copytree(demo.session, base / "session")
    session = open_session(base / "session")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rnd = open_round(session, ROUND, ["C001", "C002"], PASS, testing_key=key)
    record_attendance(session, rnd, PASS, paper_members=[e.name for e in session.active])
    yes, no = Choice.YES, Choice.NO
    finish(
        rnd,
        [CastBallot("p1", {"C001": yes, "C002": no}), CastBallot("p2", {"C001": yes, "C002": no})],
        2,
    )
    open_round(session, UNCOUNTED, ["C001"], PASS, testing_key=key)
    return base, demo.folder / "candidates.csv"


@pytest.fixture
def window(qtbot, counted, monkeypatch):
    base, listed = counted
    monkeypatch.setattr(outcome_dialogs.QDialog, "exec", lambda self: 0)  # shown, not modal
    win = SecretariatWindow(session_dir=base / "session")
    qtbot.addWidget(win)
    win.set_candidate_list(listed)
    return win


def _signed_by_the_session(path, session) -> bool:
    root = asn1_x509.Certificate.load(
        session.ca_certificate.public_bytes(serialization.Encoding.DER)
    )
    with path.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[0]
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root]))
    return status.intact and status.valid and status.trusted


def test_minutes_written_through_the_dialog_are_signed(window, tmp_path, monkeypatch, messages):
    dialog = window.outcome.minutes()
    assert dialog.rounds.current().round_id == ROUND  # the counted round comes first
    assert dialog.candidates.path() == window.candidate_list.path
    out = tmp_path / "minutes.pdf"
    dialog.out.edit.setText(str(out))
    dialog.passphrase_edit.setText(PASS)
    dialog.opinion.setPlainText("   ")
    dialog.write_button.click()
    assert dialog.opinion_error.text() == "评审委员会意见为空" and not out.exists()
    dialog.opinion.setPlainText("委员会认为候选人C001业绩突出，同意推荐。")
    assert dialog.opinion_error.text() == ""
    dialog.write_button.click()
    assert not messages and dialog.written == out
    assert str(out) in dialog.status.text()
    assert _signed_by_the_session(out, window.session)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    dialog.open_button.click()
    assert [u.toLocalFile() for u in opened] == [str(out)]


def test_an_uncounted_round_is_refused_with_the_cores_message(window, tmp_path, messages):
    dialog = window.outcome.minutes()
    dialog.rounds.choose(UNCOUNTED)
    dialog.opinion.setPlainText("同意。")
    dialog.passphrase_edit.setText(PASS)
    dialog.out.edit.setText(str(tmp_path / "m.pdf"))
    dialog.write_button.click()
    assert messages == [f"warning: 轮次 {UNCOUNTED} 尚未计票"]
    assert not (tmp_path / "m.pdf").exists()


def test_the_publicity_period_holds_five_working_days(window, tmp_path, messages):
    dialog = window.outcome.publicity()
    dialog.start.setDate(QDate(2026, 12, 3))  # a Thursday
    assert dialog.end.date().toPython() == publicity.earliest_end(THURSDAY) == dt.date(2026, 12, 9)
    assert "5" in dialog.days.text() and "2026-12-09" in dialog.days.text()
    assert "调休" in dialog.holidays.text()
    out = tmp_path / "gongshi"
    dialog.out.edit.setText(str(out))
    dialog.passphrase_edit.setText(PASS)
    dialog.end.setDate(QDate(2026, 12, 8))  # four working days
    with pytest.raises(publicity.PublicityError) as core:
        publicity.period(THURSDAY, dt.date(2026, 12, 8))
    assert dialog.period_error.text() == core.value.message
    dialog.write_button.click()
    assert not out.exists() and not messages
    dialog.end.setDate(QDate(2026, 12, 14))  # pushed later for a holiday: eight days
    assert "8" in dialog.days.text() and dialog.period_error.text() == ""
    dialog.write_button.click()
    assert not messages
    names = [dialog.files.item(i).text() for i in range(dialog.files.count())]
    assert names == [str(out / n) for n in ("publicity.pdf", "publicity.csv", "publicity.xlsx")]
    assert "2026-12-14" in (out / "publicity.csv").read_text("utf-8-sig")
    assert _signed_by_the_session(out / "publicity.pdf", window.session)


def test_an_archive_built_in_the_window_verifies_and_a_changed_file_is_named(
    window, counted, tmp_path, messages
):
    base, _listed = counted
    sheets = tmp_path / "usb"
    sheets.mkdir()
    (sheets / "C001-张明华.pdf").write_bytes(b"%PDF-1.7 sheet one\n")
    window.sheets_dir = sheets  # as an import leaves it: the archive's default
    dialog = window.outcome.archive()
    assert dialog.sheets.paths() == [sheets]
    dialog.out.edit.setText(str(tmp_path / "归档"))  # a folder, to change a file in it
    dialog.passphrase.setText(PASS)
    steps = []
    dialog.progress.valueChanged.connect(steps.append)
    dialog.build_button.click()
    assert not messages, messages
    out = tmp_path / "归档"
    assert dialog.built is not None and dialog.built.path == out
    assert steps and steps[-1] == len(dialog.built.manifest.files)
    checked = verify_archive(out, window.session.ca_certificate, session_id=window.session.id)
    paths = {f.path for f in checked.manifest.files}
    assert {"sheets/usb/C001-张明华.pdf", f"session/meetings/{ROUND}/result.json"} <= paths

    verify = window.outcome.verify()
    verify.path.setText(str(out))
    verify.verify_button.click()
    assert verify.verdict.text().startswith("完好")
    assert str(len(checked.manifest.files)) in verify.verdict.text()
    sheet = out / "sheets" / "usb" / "C001-张明华.pdf"
    sheet.write_bytes(sheet.read_bytes().replace(b"one", b"eno"))
    verify.verify_button.click()
    problems = [verify.problems.item(i).text() for i in range(verify.problems.count())]
    assert len(problems) == 1 and problems[0].startswith("sheets/usb/C001-张明华.pdf")
    assert "内容不同" in problems[0] and verify.verified is None and not messages
