"""The screenshots of the committee meeting in the secretariat window (会议), for
scripts/screenshots.py: ``take(window, shots, tmp)`` drives the real window, opened
on the practice session (passphrase ``demo``, its reviewers' homes beside it), through
a round: opened, its attendance, counted from paper ballots, then the rounds' overview.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from reviewer.committee import member, paper_ballot
from reviewer.committee.meeting import load_round
from reviewer.committee.tally import Choice
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.people.identity import load_identity
from ui.secretariat import meeting_dialogs, meeting_views

STATES: list[tuple[str, str]] = [
    ("meeting-open-round", "Opening a round: candidates, places, the quorum it needs"),
    ("meeting-attendance", "Attendance: members on paper, token requests, the live quorum"),
    ("meeting-result", "A counted round: 同意, 不同意, 弃权 and who passed under the ⅔ rule"),
    ("meeting-rounds", "The meeting's rounds and where each stands"),
]
ROUND = "表决一"


@contextmanager
def _patched(owner: Any, name: str, value: Any):
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


def _filled(shots: Any, state: str, fill: Callable[[Any], None], accept: bool = True):
    """Stands in for a dialog's ``exec``: fills it, shows it for the shot, then accepts
    (or closes) it without blocking."""

    def exec_(dialog: QDialog) -> int:
        fill(dialog)
        dialog.show()
        shots.window(dialog, state)
        if accept:
            dialog.accept()
        else:
            dialog.reject()
        dialog.close()
        return dialog.result()

    return exec_


def take(window: Any, shots: Any, tmp: Path) -> None:
    from scripts.screenshots import wait_until

    session = window.session
    if session is None:
        return
    menu = window.meeting

    def idle() -> None:
        wait_until(lambda: not window.busy, 120_000)

    def open_round(dialog: meeting_dialogs.OpenRoundDialog) -> None:
        dialog.name.setText(ROUND)
        for i in range(dialog.candidates.count()):
            dialog.candidates.item(i).setCheckState(meeting_dialogs.Qt.CheckState.Checked)
        dialog.places.setValue(3)
        dialog.passphrase.setText(DEMO_PASSPHRASE)

    quiet = lambda *_a, **_k: QMessageBox.StandardButton.Ok  # noqa: E731
    with _patched(QMessageBox, "information", quiet):
        with _patched(
            meeting_dialogs.OpenRoundDialog,
            "exec",
            _filled(shots, "meeting-open-round", open_round),
        ):
            menu.open_round()
        idle()
        rnd = load_round(session, ROUND)
        # The first reviewer of the practice session asks for a token on their laptop.
        request = tmp / "request.json"
        home = session.folder.parent / "reviewers" / "1"
        unlocked = load_identity(home).unlock(DEMO_PASSPHRASE)
        request.write_bytes(member.request_token(unlocked, rnd))

        def attend(dialog: meeting_dialogs.AttendanceDialog) -> None:
            dialog.add_requests([request])
            last = dialog.members.item(dialog.members.count() - 1)
            last.setCheckState(meeting_dialogs.Qt.CheckState.Checked)
            dialog.out.edit.setText(str(tmp / "responses"))
            dialog.passphrase.setText(DEMO_PASSPHRASE)

        with _patched(
            meeting_dialogs.AttendanceDialog, "exec", _filled(shots, "meeting-attendance", attend)
        ):
            menu.attendance(ROUND)
        idle()
        member.accept_token(unlocked, rnd, next((tmp / "responses").glob("*.json")).read_bytes())
        pdf = tmp / "ballots.pdf"
        with (
            _patched(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(pdf), "")),
            _patched(QInputDialog, "getText", lambda *_a, **_k: (DEMO_PASSPHRASE, True)),
        ):
            menu.print_ballots(ROUND)
        idle()
        # Three places: 同意 for the first three on both ballots, the rest differ.
        choices = dict.fromkeys(rnd.candidates, Choice.ABSTAIN)
        choices.update(dict.fromkeys(rnd.candidates[:3], Choice.YES))
        choices[rnd.candidates[-1]] = Choice.NO
        member.cast(unlocked, rnd, choices, tmp / "box")
        (serial,) = paper_ballot.printed(rnd)
        marks = ",".join(["同意"] * 3 + ["不同意"] * (len(rnd.candidates) - 3))
        csv = tmp / "marks.csv"
        csv.write_text(f"serial,{','.join(rnd.candidates)}\n{serial},{marks}\n", "utf-8")

        def count(dialog: meeting_dialogs.CountDialog) -> None:
            dialog.ballots.edit.setText(str(tmp / "box"))
            dialog.marks.edit.setText(str(csv))
            dialog.passphrase.setText(DEMO_PASSPHRASE)

        with (
            _patched(meeting_dialogs.CountDialog, "exec", lambda d: (count(d), 1)[1]),
            _patched(
                meeting_views.ResultDialog,
                "exec",
                _filled(shots, "meeting-result", lambda _d: None, accept=False),
            ),
        ):
            menu.count(ROUND)
            idle()
        with _patched(
            meeting_views.RoundsDialog,
            "exec",
            _filled(shots, "meeting-rounds", lambda _d: None, accept=False),
        ):
            menu.show_rounds()
