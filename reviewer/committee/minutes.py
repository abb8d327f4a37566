"""The signed minutes (会议记录) of a counted round.

Everything the minutes state about the vote comes from the round's ``RoundResult`` as
the count wrote it (``count.load_result``): the counts, the threshold and who passed are
printed, never worked out again here, so the minutes cannot disagree with
``result.json``. The quorum is the round's rule (``round.json``) against the members
present; the attendees are ``attendance.json``'s. The committee's opinion is the
secretary's text, set as given. The PDF is signed by the secretariat
(``signed_pdf``) and written atomically, by default beside the round's other files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.committee import count
from reviewer.committee.meeting import Attendee, Round, attendance
from reviewer.committee.pdf_layout import TEXT_WIDTH, Layout
from reviewer.committee.signed_pdf import secretariat_signer, sign_document
from reviewer.committee.tally import RoundResult
from reviewer.people.session import Session
from reviewer.rubric.file import category_label
from reviewer.secretariat.candidates import ListedCandidate
from reviewer.sheet.render import BEIJING
from reviewer.sheet.sign import common_name

MINUTES_FILE = "minutes.pdf"
MAX_OPINION_CHARS = 10_000
# Four bytes a character at most, and a byte-order mark: a longer file cannot hold an
# opinion the check accepts, so it is refused unread.
MAX_OPINION_BYTES = 4 * MAX_OPINION_CHARS + 3
_PASSED = colors.Color(0.86, 0.94, 0.86)


class MinutesError(ReviewerError):
    """The minutes cannot be written as asked."""


def check_opinion(text: str) -> str:
    """The committee's opinion as the secretary wrote it: not empty, not a book."""
    cleaned = text.strip()
    if not cleaned:
        raise MinutesError(_("the committee's opinion is empty"))
    if len(cleaned) > MAX_OPINION_CHARS:
        raise MinutesError(
            _("the committee's opinion is longer than {n} characters").format(n=MAX_OPINION_CHARS)
        )
    return cleaned


def read_opinion(path: Path) -> str:
    """The committee's opinion from a UTF-8 text file (a byte-order mark allowed),
    checked as ``check_opinion`` checks a typed one."""
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_OPINION_BYTES + 1)
    except OSError as exc:
        raise MinutesError(
            _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from None
    if len(data) > MAX_OPINION_BYTES:
        raise MinutesError(
            _("the committee's opinion is longer than {n} characters").format(n=MAX_OPINION_CHARS)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MinutesError(_("{file} is not UTF-8 text").format(file=path)) from None
    return check_opinion(text)


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def render_minutes(
    session: Session,
    rnd: Round,
    result: RoundResult,
    attendees: Sequence[Attendee],
    opinion: str,
    listed: Mapping[str, ListedCandidate] | None = None,
    *,
    made: datetime | None = None,
) -> bytes:
    """The unsigned minutes PDF."""
    if (result.session_id, result.round_id) != (rnd.session_id, rnd.round_id):
        raise MinutesError(_("this result belongs to another round"))
    opinion = check_opinion(opinion)
    lay = Layout()
    moment = (made or datetime.now(UTC)).astimezone(BEIJING)
    needed = rnd.quorum_needed()
    met = result.present >= needed
    story: list[Flowable] = [
        lay.para(_("Minutes of the committee's vote"), lay.title),
        lay.para(session.name, lay.h2),
        lay.para(
            _("Round: {round}. Minutes made {time} (Beijing time).").format(
                round=rnd.round_id, time=f"{moment:%Y-%m-%d %H:%M}"
            )
        ),
        lay.para(_("Attendance and quorum"), lay.h2),
        lay.para(
            _(
                "Rule: at least {quorum} of the {members} members of the committee attend, "
                "that is {needed}. Present: {present}. The quorum is {verdict}."
            ).format(
                quorum=_fraction(rnd.quorum),
                members=rnd.members,
                needed=needed,
                present=result.present,
                verdict=_("met") if met else _("NOT met"),
            )
        ),
        lay.para(
            _("Members present: {names}").format(names="、".join(a.name for a in attendees) or "—")
        ),
        lay.para(_("The vote"), lay.h2),
        lay.para(
            _(
                "Secret ballot. {issued} ballots issued, {ballots} counted. A candidate passes "
                "with at least {fraction} of the members present voting approve, that is "
                "{threshold} approvals."
            ).format(
                issued=result.issued,
                ballots=result.ballots,
                fraction=_fraction(result.pass_fraction),
                threshold=result.threshold,
            )
        ),
    ]
    if result.places is not None:
        story.append(
            lay.para(_("At most {places} approvals on one ballot.").format(places=result.places))
        )
    story.append(Spacer(1, 2 * mm))
    rows = [
        [
            _("ID"),
            _("Candidate"),
            _("Category"),
            _("Approve"),
            _("Disapprove"),
            _("Abstain"),
            _("Outcome"),
        ]
    ]
    shade = []
    for i, row in enumerate(result.candidates, start=1):
        who = (listed or {}).get(row.candidate)
        rows.append(
            [
                row.candidate,
                who.name if who else "—",
                category_label(who.category) if who else "—",
                str(row.yes),
                str(row.no),
                str(row.abstain),
                _("passed") if row.passed else _("not passed"),
            ]
        )
        if row.passed:
            shade.append(("BACKGROUND", (0, i), (-1, i), _PASSED))
    widths = [22 * mm, 34 * mm, 40 * mm, 16 * mm, 18 * mm, 16 * mm]
    widths.append(TEXT_WIDTH - sum(widths))
    story.append(lay.table(rows, widths, shade))
    story.append(Spacer(1, 2 * mm))
    story.append(
        lay.para(_("Passed: {ids}").format(ids="、".join(result.passed) or _("none")), lay.body)
    )
    story.append(lay.para(_("The committee's opinion"), lay.h2))
    story.append(lay.para(opinion))
    story.append(Spacer(1, 8 * mm))
    story.append(
        lay.para(
            _(
                "Signed electronically by the secretariat ({name}); the signature covers the "
                "whole document."
            ).format(name=common_name(session.secretariat_certificate))
        )
    )
    return lay.build(
        story, _("Minutes of the committee's vote"), f"{session.name} · {rnd.round_id}"
    )


def write_minutes(
    session: Session,
    rnd: Round,
    opinion: str,
    passphrase: str,
    *,
    listed: Mapping[str, ListedCandidate] | None = None,
    out: Path | None = None,
) -> Path:
    """Render the counted round's minutes, sign them and write them (to ``out``, else
    ``minutes.pdf`` in the round folder); returns where."""
    assert rnd.folder is not None
    result = count.load_result(rnd)
    signer = secretariat_signer(session, passphrase)
    pdf = render_minutes(session, rnd, result, attendance(rnd), opinion, listed)
    path = out or rnd.folder / MINUTES_FILE
    write_atomically(path, sign_document(pdf, signer, reason="会议记录"))
    return path
