"""Where a session's meeting stands: its rounds, oldest first, each open, with its
attendance recorded, or counted, so a secretary sees what comes next."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from reviewer.base.i18n import _
from reviewer.committee.count import RESULT_FILE
from reviewer.committee.meeting import (
    ATTENDANCE_FILE,
    MEETINGS_DIR,
    ROUND_FILE,
    MeetingError,
    Round,
    attendance,
    load_round,
)
from reviewer.people.session import Session


class RoundState(Enum):
    OPEN = "open"
    ATTENDED = "attended"
    COUNTED = "counted"

    @property
    def label(self) -> str:
        return {
            RoundState.OPEN: _("open: attendance not recorded"),
            RoundState.ATTENDED: _("attendance recorded: voting"),
            RoundState.COUNTED: _("counted"),
        }[self]


@dataclass(frozen=True)
class RoundStatus:
    round: Round
    state: RoundState
    present: int


@dataclass(frozen=True)
class Overview:
    rounds: tuple[RoundStatus, ...]
    # A round folder that cannot be read: its name and why (shown, never hidden).
    damaged: tuple[tuple[str, str], ...]

    def find(self, round_id: str) -> RoundStatus | None:
        return next((r for r in self.rounds if r.round.round_id == round_id), None)


def _state(rnd: Round) -> RoundState:
    assert rnd.folder is not None
    if (rnd.folder / RESULT_FILE).exists():
        return RoundState.COUNTED
    if (rnd.folder / ATTENDANCE_FILE).exists():
        return RoundState.ATTENDED
    return RoundState.OPEN


def overview(session: Session) -> Overview:
    base = session.folder / MEETINGS_DIR
    folders = [f for f in base.iterdir() if (f / ROUND_FILE).is_file()] if base.is_dir() else []
    # round.json is written once, when the round opens: its age orders the rounds.
    folders.sort(key=lambda f: ((f / ROUND_FILE).stat().st_mtime_ns, f.name))
    rounds: list[RoundStatus] = []
    damaged: list[tuple[str, str]] = []
    for folder in folders:
        try:
            rnd = load_round(session, folder.name)
            rounds.append(RoundStatus(rnd, _state(rnd), len(attendance(rnd))))
        except MeetingError as exc:
            damaged.append((folder.name, exc.message))
    return Overview(tuple(rounds), tuple(damaged))
