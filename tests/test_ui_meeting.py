"""The committee meeting in the secretariat window (会议): a round opened through its
dialog and read back by the core, attendance held back below quorum, a whole round
(tokens and paper) cast through the members' own API and counted in the window to the
tally the core computes, and a duplicate ballot refused with its problem shown."""

from __future__ import annotations

import dataclasses
import json
import shutil
from fractions import Fraction

import pyrage
import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog

from reviewer.committee import ballot, ballot_token, member, paper_ballot
from reviewer.committee.count import count_round, load_result
from reviewer.committee.meeting import load_round, load_secrets
from reviewer.committee.overview import RoundState, overview
from reviewer.committee.tally import Choice
from tests.test_committee import CANDIDATES, NAMES, PASS, _attend, _open, committee, round_key
from ui.secretariat import meeting_dialogs, meeting_views
from ui.secretariat.window import SecretariatWindow

__all__ = ["committee", "round_key"]  # fixtures, shared with the core's tests

pytestmark = pytest.mark.usefixtures("synchronous_worker")
YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN


@pytest.fixture
def window(qtbot, committee, round_key, monkeypatch):
    # The product's RSA-3072 key, generated once for the module, not once per round.
    monkeypatch.setattr(ballot_token, "new_round_key", lambda: round_key)
    session, _people = committee
    w = SecretariatWindow(session_dir=session.folder)
    qtbot.addWidget(w)
    return w


@pytest.fixture
def shown(monkeypatch):
    """The dialogs the window opens: each is filled by the test's function and returns
    what that returns (Accepted/Rejected); the result dialog is only recorded."""
    fill: dict[type, object] = {}

    def exec_(dialog: QDialog) -> int:
        fill.setdefault("seen", []).append(dialog)
        return fill[type(dialog)](dialog) if type(dialog) in fill else 0

    for cls in (
        meeting_dialogs.OpenRoundDialog,
        meeting_dialogs.AttendanceDialog,
        meeting_dialogs.CountDialog,
        meeting_views.ResultDialog,
        meeting_views.RoundsDialog,
    ):
        monkeypatch.setattr(cls, "exec", exec_)
    return fill


def _ok(dialog) -> int:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    return dialog.result()


def test_a_round_opened_in_the_dialog_is_the_core_s(window, shown, committee, messages):
    session, _people = committee

    def fill(dialog: meeting_dialogs.OpenRoundDialog) -> int:
        assert dialog.quorum.text() == "2/3" and "5 名委员中需 4 名" in dialog.quorum_hint.text()
        dialog.name.setText("初评表决")
        dialog.more.setText("C01 C02 C03")
        dialog.places.setValue(2)
        dialog.quorum.setText("3/5")
        fill.hint = dialog.quorum_hint.text()
        assert _ok(dialog) == QDialog.DialogCode.Rejected
        fill.error = dialog.error.text()  # no passphrase yet
        dialog.passphrase.setText(PASS)
        return _ok(dialog)

    shown[meeting_dialogs.OpenRoundDialog] = fill
    window.meeting.open_round()
    assert "5 名委员中需 3 名" in fill.hint and fill.error
    rnd = load_round(session, "初评表决")
    assert (rnd.candidates, rnd.places, rnd.quorum) == (CANDIDATES, 2, Fraction(3, 5))
    assert str(rnd.folder / "round.json") in messages[-1]
    assert overview(session).find("初评表决").state is RoundState.OPEN
    # A round folder that cannot be read is listed as damaged, not hidden.
    broken = session.folder / "meetings" / "broken"
    broken.mkdir()
    (broken / "round.json").write_text("{}")
    try:
        shown[meeting_views.RoundsDialog] = lambda d: setattr(fill, "rounds", d) or 0
        window.meeting.show_rounds()
        table = fill.rounds.table
        names = [table.item(r, 0).text() for r in range(table.rowCount())]
        assert names[-1] == "broken" and "已损坏" in table.item(len(names) - 1, 1).text()
        assert "初评表决" in names
    finally:
        shutil.rmtree(broken)


def test_the_round_dialog_offers_the_session_s_quorum(qtbot, committee, shown, tmp_path):
    """A session set up with 4/5 opens its rounds at 4/5 unless the secretary changes it."""
    session, _people = committee
    folder = tmp_path / "session"
    shutil.copytree(session.folder, folder)
    doc = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    (folder / "session.json").write_text(
        json.dumps({**doc, "format_version": 2, "quorum": "4/5"}), encoding="utf-8"
    )
    w = SecretariatWindow(session_dir=folder)
    qtbot.addWidget(w)
    seen = {}
    shown[meeting_dialogs.OpenRoundDialog] = lambda d: seen.update(
        quorum=d.quorum.text(), hint=d.quorum_hint.text()
    )
    w.meeting.open_round()
    assert seen["quorum"] == "4/5" and "5 名委员中需 4 名" in seen["hint"]


def test_attendance_below_quorum_is_held_back(
    window, shown, committee, round_key, tmp_path, messages
):
    session, people = committee
    rnd = _open(committee, round_key)
    request = tmp_path / "req.json"
    request.write_bytes(member.request_token(people["张伟"], rnd))
    garbage = tmp_path / "junk.json"
    garbage.write_text("{}")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (1024 * 1024 + 1))  # read no further than the cap

    def fill(dialog: meeting_dialogs.AttendanceDialog) -> int:
        dialog.add_requests([request, garbage, huge])
        fill.refused = dialog.error.text()
        fill.requests = dialog.request_list.text()
        dialog.members.item(1).setCheckState(meeting_dialogs.Qt.CheckState.Checked)
        dialog.members.item(2).setCheckState(meeting_dialogs.Qt.CheckState.Checked)
        fill.count = dialog.count.text()
        fill.enabled = dialog.record_button.isEnabled()
        fill.reason = dialog.reason
        dialog.passphrase.setText(PASS)
        # Were the button's rule wrong, the core would still refuse: its message is shown.
        dialog.accept()
        return dialog.result()

    shown[meeting_dialogs.AttendanceDialog] = fill
    window.meeting.attendance(rnd.round_id)
    assert "junk.json" in fill.refused and "huge.json 过大" in fill.refused
    assert fill.requests == "req.json：张伟"
    assert fill.count == "出席：5 名委员中 3 名；需要 4 名（2/3）。"
    assert not fill.enabled and "1" in fill.reason
    assert messages and "法定人数" in messages[-1] and "3" in messages[-1]
    assert not (rnd.folder / "attendance.json").exists()


def test_a_round_counted_in_the_window_is_the_core_s_tally(
    window, shown, committee, round_key, tmp_path, monkeypatch, messages
):
    session, people = committee
    rnd = _open(committee, round_key)
    electronic, on_paper = NAMES[:3], NAMES[3]
    requests = []
    for name in electronic:
        requests.append(tmp_path / f"{name}.request.json")
        requests[-1].write_bytes(member.request_token(people[name], rnd))

    def attend(dialog: meeting_dialogs.AttendanceDialog) -> int:
        dialog.add_requests(requests)
        item = dialog.members.findItems(on_paper, meeting_dialogs.Qt.MatchFlag.MatchExactly)[0]
        item.setCheckState(meeting_dialogs.Qt.CheckState.Checked)
        dialog.out.edit.setText(str(tmp_path / "responses"))
        dialog.passphrase.setText(PASS)
        return _ok(dialog)

    shown[meeting_dialogs.AttendanceDialog] = attend
    window.meeting.attendance(rnd.round_id)
    responses = sorted((tmp_path / "responses").glob("token-*.response.json"))
    assert len(responses) == 3
    for name in electronic:  # each member's app takes the one answering their request
        taken = 0
        for path in responses:
            try:
                member.accept_token(people[name], rnd, path.read_bytes())
                taken += 1
            except member.MemberBallotError:
                pass
        assert taken == 1
    assert overview(session).find(rnd.round_id).state is RoundState.ATTENDED

    pdf = tmp_path / "ballots.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (PASS, True))
    window.meeting.print_ballots(rnd.round_id)
    assert pdf.read_bytes().startswith(b"%PDF") and window.meeting.last_written == [pdf]
    (serial,) = paper_ballot.printed(rnd)
    marks = {
        "张伟": {"C01": YES, "C02": YES, "C03": NO},
        "王芳": {"C01": YES, "C02": NO, "C03": YES},
        "李娜": {"C01": YES, "C02": ABSTAIN, "C03": NO},
    }
    for name, choice in marks.items():
        member.cast(people[name], rnd, choice, tmp_path / "box")
    (tmp_path / "marks.csv").write_text(f"serial,C01,C02,C03\n{serial},同意,同意,弃权\n")
    # The same round, copied before the window counts it, recounted by the core.
    copy = dataclasses.replace(rnd, folder=tmp_path / "copy")
    shutil.copytree(rnd.folder, copy.folder)
    expected = count_round(
        copy,
        PASS,
        ballot_dir=tmp_path / "box",
        marks_csv=(tmp_path / "marks.csv").read_bytes(),
    )

    def count(dialog: meeting_dialogs.CountDialog) -> int:
        dialog.ballots.edit.setText(str(tmp_path / "box"))
        dialog.marks.edit.setText(str(tmp_path / "marks.csv"))
        dialog.passphrase.setText(PASS)
        return _ok(dialog)

    shown[meeting_dialogs.CountDialog] = count
    window.meeting.count(rnd.round_id)
    table = window.meeting.result_dialog.table
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    assert rows == [
        [c.candidate, str(c.yes), str(c.no), str(c.abstain), "通过" if c.passed else "未通过"]
        for c in expected.candidates
    ]
    assert rows[0] == ["C01", "4", "0", "0", "通过"] and expected.passed == ("C01",)
    summary = window.meeting.result_dialog.summary.text()
    assert summary == "计入选票 4 张；到会 4 人；须 3 票“同意”方可通过（到会人数的 2/3）。"
    assert str(rnd.folder / "bulletin.json") in window.meeting.result_dialog.bulletin.text()
    assert load_result(rnd).candidates == expected.candidates
    window.meeting.attendance(rnd.round_id)  # a counted round takes no late arrival
    assert "没有处于这一步的表决轮次" in messages[-1]

    # The next round, from the overview: those who passed, preselected.
    shown[meeting_views.RoundsDialog] = lambda d: (d.table.selectRow(
        [s.round.round_id for s in d.overview.rounds].index(rnd.round_id)
    ), d.buttons["next"].click(), 1)[-1]  # fmt: skip

    def next_round(dialog: meeting_dialogs.OpenRoundDialog) -> int:
        next_round.offered = meeting_dialogs._checked(dialog.candidates)
        return 0

    shown[meeting_dialogs.OpenRoundDialog] = next_round
    window.meeting.show_rounds()
    assert next_round.offered == ["C01"]


def test_a_duplicate_ballot_is_refused_and_named(
    window, shown, committee, round_key, tmp_path, messages
):
    session, people = committee
    rnd = _open(committee, round_key)
    _attend(committee, rnd, NAMES[:4])
    box = tmp_path / "box"
    first = member.cast(people["张伟"], rnd, dict.fromkeys(CANDIDATES, YES), box)
    plain = pyrage.decrypt(first.read_bytes(), [load_secrets(rnd, PASS).ballot_identity])
    ballot.write_ballot(box, rnd, plain)  # the same ballot copied under another name

    def count(dialog: meeting_dialogs.CountDialog) -> int:
        assert not dialog.marks.isEnabled()  # nothing was printed: no paper to count
        dialog.ballots.edit.setText(str(box))
        dialog.passphrase.setText(PASS)
        return _ok(dialog)

    shown[meeting_dialogs.CountDialog] = count
    window.meeting.count(rnd.round_id)
    assert len(messages) == 1 and messages[0].startswith("warning: ")
    assert "同一" in messages[0] and "•" in messages[0]
    assert not (rnd.folder / "result.json").exists() and not window.busy
