"""Paper ballots: printed one per present member, each with a serial that only the
secretariat could have made, then counted from the marks the secretariat types in.

A serial is ``NNNN-CCCCCCCCCC``: the ballot's number and ten base32 characters of
HMAC-SHA256 under the round's secret (sealed in ``round.key``) over the session, the
round and the number. A forged or foreign serial (another round's, a number never
printed) fails that check; a serial entered twice is refused; never more ballots than
were printed. The QR code on each ballot carries ``RWB1|session|round|serial`` so a
scanner (``zbarimg``) gives the serials without typing; the marks are still entered.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.pdf_fonts import draw_string, sheet_fonts
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.committee.meeting import Round, RoundSecrets, attendance, issued, read_state_file
from reviewer.committee.tally import CastBallot, Choice
from reviewer.sheet.render import draw_qr

PAPER_FILE = "paper.json"
PAPER_FORMAT = "reviewer-meeting-paper-ballots"
QR_PREFIX = "RWB1"
MAX_CSV_BYTES = 1024 * 1024
_SERIAL = re.compile(r"^(\d{4})-([A-Z2-7]{10})$")
# What the secretariat may type for each mark; a blank cell is an abstention, as an
# unmarked line on a paper ballot is.
MARKS = {
    "同意": Choice.YES, "yes": Choice.YES, "○": Choice.YES,
    "不同意": Choice.NO, "no": Choice.NO, "×": Choice.NO,
    "弃权": Choice.ABSTAIN, "abstain": Choice.ABSTAIN, "": Choice.ABSTAIN,
}  # fmt: skip


class PaperBallotError(ReviewerError):
    """Paper ballots cannot be printed or counted; ``problems`` name each line."""


def serial(rnd: Round, secrets_: RoundSecrets, number: int) -> str:
    mac = hmac.new(
        secrets_.hmac_secret, f"{rnd.session_id}\n{rnd.round_id}\n{number}".encode(), hashlib.sha256
    ).digest()
    return f"{number:04d}-{base64.b32encode(mac).decode('ascii')[:10]}"


def printed(rnd: Round) -> tuple[str, ...]:
    assert rnd.folder is not None
    path = rnd.folder / PAPER_FILE
    if not path.exists():
        return ()
    try:
        doc = load_json(read_state_file(path), MAX_CSV_BYTES)
        return tuple(str(s) for s in doc["serials"])
    except (StrictJsonError, KeyError, TypeError):
        raise PaperBallotError(_("{file} is damaged").format(file=path)) from None


def print_ballots(rnd: Round, secrets_: RoundSecrets, title: str, out: Path) -> tuple[str, ...]:
    """One ballot per member present on paper (present, with no electronic token), once
    per round: printing again, or for token holders, would put more ballots in the room
    than voters. Returns the serials printed."""
    assert rnd.folder is not None
    if printed(rnd):
        raise PaperBallotError(_("the ballots of this round were already printed"))
    count = len(attendance(rnd)) - len(issued(rnd))
    if count <= 0:
        raise PaperBallotError(_("nobody is marked present on paper in this round"))
    serials = tuple(serial(rnd, secrets_, n) for n in range(1, count + 1))
    fonts = sheet_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    for s in serials:
        y = height - 30 * mm
        draw_string(canvas, 20 * mm, y, f"{title} 无记名投票选票", 16)
        y -= 10 * mm
        draw_string(canvas, 20 * mm, y, f"轮次：{rnd.round_id}", 11)
        y -= 7 * mm
        rule = "在每位候选人的“同意”“不同意”“弃权”中选一项划○；不划视为弃权。"
        if rnd.places is not None:
            rule += f"“同意”不得超过 {rnd.places} 名，超过则选票无效。"
        draw_string(canvas, 20 * mm, y, rule, 9)
        y -= 12 * mm
        for label, x in (("候选人", 20), ("同意", 110), ("不同意", 135), ("弃权", 165)):
            draw_string(canvas, x * mm, y, label, 11)
        for candidate in rnd.candidates:
            y -= 10 * mm
            draw_string(canvas, 20 * mm, y, candidate, 11)
            for x in (112, 138, 166):
                canvas.rect(x * mm, y - 1 * mm, 6 * mm, 6 * mm)
        draw_qr(
            canvas, f"{QR_PREFIX}|{rnd.session_id}|{rnd.round_id}|{s}", 20 * mm, 20 * mm, 28 * mm
        )
        canvas.setFont(fonts.primary, 10)
        draw_string(canvas, 52 * mm, 30 * mm, f"选票编号 {s}", 10)
        draw_string(canvas, 52 * mm, 24 * mm, "本票不记名；请勿在票面上书写姓名。", 9)
        canvas.showPage()
    canvas.save()
    write_atomically(out, buffer.getvalue())
    write_atomically(
        rnd.folder / PAPER_FILE,
        (
            json.dumps(
                {"format": PAPER_FORMAT, "version": 1, "session": rnd.session_id,
                 "round": rnd.round_id, "serials": list(serials)},
                indent=2,
            ) + "\n"
        ).encode(),
    )  # fmt: skip
    return serials


def scanned_serials(rnd: Round, images: Sequence[Path]) -> list[str]:
    """The serials in the QR codes of scanned ballots (zbarimg); a code of another
    session or round is refused here, the serial's own check comes at the count."""
    tool = shutil.which("zbarimg")
    if tool is None:
        raise PaperBallotError(_("zbarimg is not installed: type the serials instead"))
    found: list[str] = []
    problems: list[Problem] = []
    for image in images:
        run = subprocess.run(
            [tool, "-q", "--raw", str(image)], capture_output=True, text=True, timeout=120
        )
        codes = [line for line in run.stdout.splitlines() if line.strip()]
        if not codes:
            problems.append(Problem(image.name, _("no QR code found")))
        for code in codes:
            parts = code.strip().split("|")
            if len(parts) != 4 or parts[0] != QR_PREFIX:
                problems.append(Problem(image.name, _("not a ballot's QR code")))
            elif (parts[1], parts[2]) != (rnd.session_id, rnd.round_id):
                problems.append(Problem(image.name, _("a ballot of another session or round")))
            else:
                found.append(parts[3])
    if problems:
        raise PaperBallotError(_("the scans cannot be used"), problems)
    return found


def read_marks(
    rnd: Round, secrets_: RoundSecrets, data: bytes, scanned: Sequence[str] | None = None
) -> list[CastBallot]:
    """The entered CSV (``serial`` then one column per candidate of the round): every
    serial checked, duplicates refused, and, with ``scanned``, the entered serials must
    be exactly the scanned ones."""
    if len(data) > MAX_CSV_BYTES:
        raise PaperBallotError(_("the file is too large"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PaperBallotError(_("the file is not UTF-8 text")) from None
    rows = list(csv.reader(io.StringIO(text)))
    expected = ["serial", *rnd.candidates]
    if not rows or [c.strip() for c in rows[0]] != expected:
        raise PaperBallotError(
            _("the first line must be: {header}").format(header=",".join(expected))
        )
    issued = set(printed(rnd))
    problems: list[Problem] = []
    cast: list[CastBallot] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        where = _("line {n}").format(n=line)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(expected):
            problems.append(Problem(where, _("expected {n} columns").format(n=len(expected))))
            continue
        s = row[0].strip().upper()
        match = _SERIAL.match(s)
        if not match or not hmac.compare_digest(s, serial(rnd, secrets_, int(match[1]))):
            problems.append(
                Problem(where, _("{serial} is not a serial of this round").format(serial=s))
            )
            continue
        if s not in issued:
            problems.append(Problem(where, _("ballot {serial} was never printed").format(serial=s)))
            continue
        if s in seen:
            problems.append(Problem(where, _("ballot {serial} is entered twice").format(serial=s)))
            continue
        seen.add(s)
        choices = {}
        for candidate, cell in zip(rnd.candidates, row[1:], strict=True):
            mark = MARKS.get(cell.strip().lower())
            if mark is None:
                problems.append(
                    Problem(where, _("'{mark}' is not 同意, 不同意 or 弃权").format(mark=cell))
                )
                break
            choices[candidate] = mark
        else:
            cast.append(CastBallot(s, choices))
    if scanned is not None:
        scanned_set = {x.strip().upper() for x in scanned}
        for s in sorted(scanned_set - seen):
            problems.append(Problem(s, _("scanned but not entered")))
        for s in sorted(seen - scanned_set):
            problems.append(Problem(s, _("entered but not among the scans")))
    if problems:
        raise PaperBallotError(_("the paper ballots cannot be counted"), problems)
    return cast
