"""Screenshots of the member's secret ballot in the reviewer's window (for
docs/reviewer-guide.md), taken by scripts/screenshots.py's ``Shots``.

``take`` expects the reviewer's window of a practice session built by ``build_demo``
(as ``reviewer_states`` opens it), unlocked with the pack open: it opens a round in that
session as the secretariat would, then walks the ballot window through its steps with
the real widgets, the secretariat's side done with the core.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from reviewer.committee.count import count_electronic
from reviewer.committee.meeting import open_round, record_attendance
from reviewer.committee.tally import Choice
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.people.session import open_session
from scripts.screenshots import Shots, wait_until

# (state, what it shows), as in scripts/screenshots.py.
STATES: list[tuple[str, str]] = [
    ("ballot-signed", "The secret ballot: the round opened, the token signed, its hash shown"),
    ("ballot-over-cap", "Marking the ballot: more 同意 than allowed, the cast button off"),
    ("ballot-counted", "The bulletin check: the member's ballot was counted"),
]


@contextmanager
def _answers(**dialogs: object) -> Iterator[None]:
    """The file dialogs and the confirmation answered as the member would."""
    saved = {name: getattr(QFileDialog, name) for name in dialogs if hasattr(QFileDialog, name)}
    question = QMessageBox.question
    for name, value in dialogs.items():
        if name == "question":
            QMessageBox.question = lambda *a, _v=value, **k: _v  # type: ignore[method-assign]
        else:
            setattr(QFileDialog, name, staticmethod(lambda *a, _v=value, **k: _v))
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(QFileDialog, name, original)
        QMessageBox.question = question  # type: ignore[method-assign]


def take(window, shots: Shots, tmp: Path) -> None:
    from ui.reviewer.ballot_window import open_ballot_window

    session = open_session(Path(window.home).parent.parent / "session")
    ids = [c.id for c in window.station.manifest(window.pack_id).candidates][:4]
    rnd = open_round(session, "表决一", ids, DEMO_PASSPHRASE, places=2, quorum=Fraction(1, 2))
    usb = tmp / "ballot-usb"
    (usb / "ballots").mkdir(parents=True)
    request = usb / "token.request.json"

    ballot = open_ballot_window(window, window.station)
    ballot.open_round(rnd.folder / "round.json")
    with _answers(getSaveFileName=(str(request), "")):
        ballot.request_button.click()
        wait_until(lambda: ballot.accept_button.isEnabled())
    response = record_attendance(session, rnd, DEMO_PASSPHRASE, [request.read_bytes()])
    (usb / "token-001.response.json").write_bytes(next(iter(response.values())))
    with _answers(getOpenFileName=(str(usb / "token-001.response.json"), "")):
        ballot.accept_button.click()
        wait_until(lambda: ballot.vote_box.isEnabled())
    shots.window(ballot, "ballot-signed")

    for cid in ids[:3]:
        ballot.marks.set_choice(cid, Choice.YES)
    shots.window(ballot, "ballot-over-cap")
    ballot.marks.set_choice(ids[2], Choice.NO)
    with _answers(
        question=QMessageBox.StandardButton.Yes, getExistingDirectory=str(usb / "ballots")
    ):
        ballot.cast_button.click()
        wait_until(lambda: any((usb / "ballots").iterdir()))
    count_electronic(rnd, DEMO_PASSPHRASE, usb / "ballots")
    with _answers(getOpenFileName=(str(rnd.folder / "bulletin.json"), "")):
        ballot.check_button.click()
        wait_until(lambda: ballot.check_status.text() != "")
    shots.window(ballot, "ballot-counted")
    ballot.close()
