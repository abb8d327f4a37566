"""The screenshots of 决定与归档 (the minutes, the 公示 list, verifying an archive) in the
secretariat window, for scripts/screenshots.py to call with its ``Shots``.

``take(window, shots, tmp)`` expects the secretariat window open on a practice session
(``build_demo``, passphrase DEMO_PASSPHRASE) with its candidate list chosen; it counts a
round of its own in that session (all present on paper, the first candidate passing),
fills the dialogs as a secretary would, and builds an archive in ``tmp`` with one sheet
changed afterwards for the Verify dialog to name. Run alone (under Xvfb) it builds its
own practice session and writes the pictures as screenshots.py does.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from reviewer.archive.build import build_archive
from reviewer.committee.count import finish
from reviewer.committee.meeting import open_round, record_attendance
from reviewer.committee.tally import CastBallot, Choice
from reviewer.demo.practice import DEMO_PASSPHRASE
from scripts.screenshots import Shots, wait_until
from ui.secretariat.archive_dialogs import VerifyDialog
from ui.secretariat.outcome_dialogs import MinutesDialog, PublicityDialog

STATES: list[tuple[str, str]] = [
    ("outcome-minutes", "The minutes of a counted round: the committee's opinion, signed"),
    ("outcome-publicity", "The 公示 list: the period's working days and the holiday warning"),
    ("outcome-verify", "Verifying an archive: a changed sheet named"),
]

ROUND = "表决一"
START = dt.date(2026, 12, 3)  # a Thursday: the period runs to the next Wednesday
OPINION = (
    "经评审委员会无记名投票表决，候选人业绩突出、群众认可度高，"
    "委员会同意推荐其为本年度人才工程入选人选，报请审定。"
)


def _count_a_round(window) -> None:
    session = window.session
    listed = window.candidate_list.candidates if window.candidate_list else ()
    ids = [c.candidate_id for c in listed][:3] or ["C001", "C002", "C003"]
    rnd = open_round(session, ROUND, ids, DEMO_PASSPHRASE)
    members = [e.name for e in session.active]
    record_attendance(session, rnd, DEMO_PASSPHRASE, paper_members=members)
    cast = [
        CastBallot(f"p{i}", {c: Choice.YES if c == ids[0] else Choice.NO for c in ids})
        for i in range(len(members))
    ]
    finish(rnd, cast, len(members))


def take(window, shots: Shots, tmp: Path) -> None:
    session = window.session
    if session is None:
        return
    _count_a_round(window)
    listed = window.candidate_list.path if window.candidate_list else None

    minutes = MinutesDialog(session, listed, window)
    minutes.opinion.setPlainText(OPINION)
    minutes.passphrase_edit.setText(DEMO_PASSPHRASE)
    minutes.show()
    shots.window(minutes, "outcome-minutes")
    minutes.close()

    gongshi = PublicityDialog(session, listed, window, today=START)
    gongshi.passphrase_edit.setText(DEMO_PASSPHRASE)
    gongshi.show()
    shots.window(gongshi, "outcome-publicity")
    gongshi.close()

    sheets = tmp / "outcome-sheets"
    sheets.mkdir(parents=True, exist_ok=True)
    sheet = sheets / "C001-评审表.pdf"
    sheet.write_bytes(b"%PDF-1.7 the sheet as it was signed\n")
    archive = tmp / "归档-2026"
    build_archive(session, DEMO_PASSPHRASE, archive, sheets=[sheets])
    copied = archive / "sheets" / sheets.name / sheet.name
    copied.write_bytes(copied.read_bytes().replace(b"signed", b"edited"))
    verify = VerifyDialog(session, window)
    verify.path.setText(str(archive))
    verify.show()
    verify.verify()
    wait_until(lambda: not verify.busy)
    shots.window(verify, "outcome-verify")
    verify.close()


def main() -> int:  # alone: a practice session of its own, the pictures in docs/screenshots
    from scripts.screenshots import run_alone

    return run_alone(take, "screens-outcome-")


if __name__ == "__main__":
    sys.exit(main())
