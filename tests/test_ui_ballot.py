"""The member's secret ballot in the reviewer's window, with real widgets: the round
file, the token, the marks, the bulletin; the secretariat's side is the core's."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from reviewer.committee import ballot_token, member
from reviewer.committee.count import count_electronic
from reviewer.committee.meeting import open_round, record_attendance
from reviewer.committee.tally import Choice
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.people.enrolment import fingerprint_groups
from reviewer.people.session import open_session
from tests.test_ui_review import open_window, unlock
from ui.reviewer.ballot_window import BallotWindow

pytestmark = pytest.mark.usefixtures("synchronous_worker")


@pytest.fixture(scope="module")
def round_key():
    """One RSA key for the module (the product's size, generated once)."""
    return ballot_token.new_round_key()


@pytest.fixture
def window(qtbot, reviewer_home, demo, messages):
    w = open_window(qtbot, reviewer_home, demo.pack)
    unlock(w)
    assert w.candidate_list is not None, messages
    return w


@pytest.fixture
def meeting(demo, tmp_path, round_key):
    """A round of three of the pack's candidates, at most two 同意, on a copy of the
    practice session (one member present is a quorum here)."""
    shutil.copytree(demo.session, tmp_path / "session")
    session = open_session(tmp_path / "session")
    ids = sorted(p.name for p in (demo.folder / "materials").iterdir())[:3]
    rnd = open_round(
        session, "表决一", ids, DEMO_PASSPHRASE, places=2, quorum=Fraction(1, 2),
        testing_key=round_key,
    )  # fmt: skip
    usb = tmp_path / "usb"
    usb.mkdir()
    shutil.copy(rnd.folder / "round.json", usb / "round.json")
    return session, rnd, usb


def ballot_window(window) -> BallotWindow:
    window.findChild(QAction, "secretBallot").trigger()
    found = window.findChild(BallotWindow)
    assert found is not None and found.isVisible()
    return found


def open_file(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_request_accept_cast_and_check_in_the_window(window, meeting, monkeypatch, messages):
    session, rnd, usb = meeting
    bw = ballot_window(window)
    open_file(monkeypatch, usb / "round.json")
    bw.open_button.click()
    assert "表决一" in bw.summary.text() and "2" in bw.summary.text(), messages
    names = window.station.candidate_names(rnd.session_id)
    shown = {w.text() for w in bw.marks.findChildren(type(bw.summary))}
    assert all(names[c] in shown for c in rnd.candidates)  # names from the open pack
    assert not bw.vote_box.isEnabled() and not bw.accept_button.isEnabled()

    request = usb / "request.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(request), ""))
    bw.request_button.click()
    assert request.is_file() and not bw.request_button.isEnabled(), messages
    response = record_attendance(session, rnd, DEMO_PASSPHRASE, [request.read_bytes()])
    (usb / "response.json").write_bytes(next(iter(response.values())))
    open_file(monkeypatch, usb / "response.json")
    bw.accept_button.click()
    me = window.station.ballot_identity()
    assert fingerprint_groups(member.my_token_hash(me, rnd), 8) in bw.accept_status.text()

    first, second, third = rnd.candidates
    for cid in rnd.candidates:
        bw.marks.set_choice(cid, Choice.YES)
    assert not bw.cast_button.isEnabled() and "2" in bw.cast_status.text()  # over the cap
    assert "3" in bw.marks.count.text()
    bw.marks.set_choice(third, Choice.NO)
    assert bw.cast_button.isEnabled() and bw.cast_status.text() == ""
    bw.marks.set_choice(second, Choice.ABSTAIN)
    box = usb / "ballots"
    box.mkdir()
    asked: list[str] = []

    def confirm(*args, **_kw):
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(box))
    bw.cast_button.click()
    assert asked and first in asked[0] and third in asked[0], messages
    assert len(list(box.iterdir())) == 1 and not bw.vote_box.isEnabled()
    assert bw.marks is None  # the marks leave the screen once cast

    result = count_electronic(rnd, DEMO_PASSPHRASE, box)
    marks = {row.candidate: (row.yes, row.no, row.abstain) for row in result.candidates}
    assert marks == {first: (1, 0, 0), second: (0, 0, 1), third: (0, 1, 0)}
    open_file(monkeypatch, rnd.folder / "bulletin.json")
    bw.check_button.click()
    assert bw.check_status.text() == "您的选票已计入。", messages
    other = json.loads((rnd.folder / "bulletin.json").read_text()) | {"counted": ["0" * 64]}
    (usb / "other.json").write_text(json.dumps(other))
    open_file(monkeypatch, usb / "other.json")
    bw.check_button.click()
    assert bw.check_status.text().startswith("您的选票未列入计票公告")


def test_a_bad_round_file_is_refused_and_a_lock_closes_the_window(window, meeting, qtbot, messages):
    _session, rnd, usb = meeting
    bw = ballot_window(window)
    bad = usb / "bad.json"
    bad.write_text(json.dumps({"format": "reviewer-meeting-round"}))
    bw.open_round(bad)
    assert bw.round is None and messages and "轮次" in messages[-1]
    bw.open_round(usb / "round.json")
    assert bw.round is not None
    bw.marks.set_choice(rnd.candidates[0], Choice.YES)
    window.lock()
    qtbot.waitUntil(lambda: window.findChild(BallotWindow) is None, timeout=2000)
    menu = window.findChild(QMenu, "ballotMenu")
    menu.aboutToShow.emit()
    assert not window.findChild(QAction, "secretBallot").isEnabled()  # locked: no ballot
