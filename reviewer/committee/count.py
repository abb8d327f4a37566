"""Counting a round from its ballots folder: quorum, issuance and ballots, then
``result.json`` and ``bulletin.json`` (each counted token's hash, for members to
check). The result is written once; counting a counted round is refused."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from reviewer.base.atomic_file import write_atomically
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.committee import ballot, paper_ballot
from reviewer.committee.meeting import (
    MAX_FILE_BYTES,
    RESULT_FILE,
    MeetingError,
    Round,
    attendance,
    issued,
    load_secrets,
    read_state_file,
)
from reviewer.committee.tally import CandidateTally, CastBallot, RoundResult, tally

BULLETIN_FILE = "bulletin.json"
BULLETIN_FORMAT = "reviewer-meeting-bulletin"


def _quorate_present(rnd: Round) -> int:
    present = len(attendance(rnd))
    if present < rnd.quorum_needed():
        raise MeetingError(
            _("no quorum: {present} present, {needed} needed").format(
                present=present, needed=rnd.quorum_needed()
            )
        )
    return present


def finish(rnd: Round, cast: list[CastBallot], issued_count: int) -> RoundResult:
    """Tally and write result.json and bulletin.json (shared with paper ballots)."""
    assert rnd.folder is not None
    if (rnd.folder / RESULT_FILE).exists():
        raise MeetingError(_("round {name} has already been counted").format(name=rnd.round_id))
    result = tally(
        session_id=rnd.session_id,
        round_id=rnd.round_id,
        candidates=rnd.candidates,
        present=_quorate_present(rnd),
        issued=issued_count,
        ballots=cast,
        places=rnd.places,
        pass_fraction=rnd.pass_fraction,
    )
    bulletin = {
        "format": BULLETIN_FORMAT,
        "version": 1,
        "session": rnd.session_id,
        "round": rnd.round_id,
        "counted": list(result.bulletin),
    }
    write_atomically(rnd.folder / BULLETIN_FILE, (json.dumps(bulletin, indent=2) + "\n").encode())
    write_atomically(
        rnd.folder / RESULT_FILE,
        (json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n").encode(),
    )
    return result


def count_round(
    rnd: Round,
    passphrase: str,
    *,
    ballot_dir: Path | None = None,
    marks_csv: bytes | None = None,
    scanned: list[str] | None = None,
) -> RoundResult:
    """Count a round, electronic and paper ballots together when it had both: each
    channel is checked against what it issued (tokens signed, ballots printed), so a
    surplus on one cannot hide behind a shortfall on the other."""
    tokens, papers = len(issued(rnd)), len(paper_ballot.printed(rnd))
    if tokens and ballot_dir is None:
        raise MeetingError(_("this round signed tokens: give the folder of electronic ballots"))
    if papers and marks_csv is None:
        raise MeetingError(_("this round printed ballots: give the entered marks"))
    secrets_ = load_secrets(rnd, passphrase)
    cast: list[CastBallot] = []
    if ballot_dir is not None:
        electronic = ballot.read_ballots(rnd, secrets_, ballot_dir)
        if len(electronic) > tokens:
            raise MeetingError(
                _("{n} electronic ballots but only {issued} tokens were signed").format(
                    n=len(electronic), issued=tokens
                )
            )
        cast += electronic
    if marks_csv is not None:
        cast += paper_ballot.read_marks(rnd, secrets_, marks_csv, scanned)
    return finish(rnd, cast, tokens + papers)


def count_electronic(rnd: Round, passphrase: str, folder: Path) -> RoundResult:
    return count_round(rnd, passphrase, ballot_dir=folder)


def count_paper(
    rnd: Round, passphrase: str, marks_csv: bytes, scanned: list[str] | None = None
) -> RoundResult:
    return count_round(rnd, passphrase, marks_csv=marks_csv, scanned=scanned)


def load_result(rnd: Round) -> RoundResult:
    """A counted round's ``result.json`` (the next round's shortlist comes from it)."""
    assert rnd.folder is not None
    path = rnd.folder / RESULT_FILE
    if not path.exists():
        raise MeetingError(_("round {name} has not been counted yet").format(name=rnd.round_id))
    try:
        doc = load_json(read_state_file(path), MAX_FILE_BYTES)
        num, den = (int(x) for x in doc["pass_fraction"].split("/"))
        result = RoundResult(
            session_id=doc["session"],
            round_id=doc["round"],
            present=int(doc["present"]),
            issued=int(doc["issued"]),
            ballots=int(doc["ballots"]),
            pass_fraction=Fraction(num, den),
            threshold=int(doc["threshold"]),
            places=doc["places"],
            candidates=tuple(
                CandidateTally(
                    str(c["id"]),
                    int(c["yes"]),
                    int(c["no"]),
                    int(c["abstain"]),
                    c["passed"] is True,
                )
                for c in doc["candidates"]
            ),
            bulletin=tuple(str(b) for b in doc["bulletin"]),
        )
    except (StrictJsonError, ValueError, KeyError, TypeError, AttributeError, ZeroDivisionError):
        raise MeetingError(_("{file} is damaged").format(file=path)) from None
    if (result.session_id, result.round_id) != (rnd.session_id, rnd.round_id):
        raise MeetingError(_("{file} belongs to another round").format(file=path))
    return result
