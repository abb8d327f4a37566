"""The 公示 list: the candidates who passed a counted round, made public for a period.

The list names each candidate who passed (``RoundResult.passed``, in the round's order)
with the name, affiliation (工作单位) and category of the candidate list the packs were
built from. The period runs from a start date to an end date that leaves at least
``MIN_WORKING_DAYS`` working days, the start day included when it is one.

Working days here are Monday to Friday. Public holidays and the weekend days the State
Council makes working days (调休) are set each year and cannot be known offline, so a
period over a holiday is the secretary's to extend with a later end date; a date
earlier than the fifth weekday is refused.

Written as a signed PDF and as CSV and XLSX (cells guarded against spreadsheet formulas
like the aggregation reports'), atomically, by default into the round's folder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.committee import count
from reviewer.committee.meeting import Round
from reviewer.committee.pdf_layout import TEXT_WIDTH, Layout
from reviewer.committee.signed_pdf import secretariat_signer, sign_document
from reviewer.committee.tally import RoundResult
from reviewer.people.session import Session
from reviewer.rubric.file import category_label
from reviewer.secretariat.candidates import ListedCandidate
from reviewer.secretariat.report import csv_bytes, table_xlsx_bytes
from reviewer.secretariat.tables import Table
from reviewer.sheet.sign import common_name

MIN_WORKING_DAYS = 5
PUBLICITY_PDF = "publicity.pdf"
PUBLICITY_CSV = "publicity.csv"
PUBLICITY_XLSX = "publicity.xlsx"
_LONGEST_PERIOD = dt.timedelta(days=366)


class PublicityError(ReviewerError):
    """The 公示 list cannot be made as asked."""


@dataclass(frozen=True)
class Period:
    """The publication period, both days included."""

    start: dt.date
    end: dt.date

    @property
    def working_days(self) -> int:
        return working_days_between(self.start, self.end)


@dataclass(frozen=True)
class PublicEntry:
    candidate_id: str
    name: str
    affiliation: str
    category: str  # the category's name, as printed


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5  # Monday..Friday; holidays are not known offline


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days from ``start`` to ``end``, both included."""
    days = (end - start).days + 1
    return sum(1 for i in range(max(days, 0)) if is_working_day(start + dt.timedelta(days=i)))


def earliest_end(start: dt.date, working_days: int = MIN_WORKING_DAYS) -> dt.date:
    """The first day by which the period from ``start`` holds ``working_days`` working
    days: from a Monday, that Friday; from a Thursday, the next Wednesday."""
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD``, nothing looser."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise PublicityError(_("'{text}' is not a date such as 2026-12-07").format(text=text))


def period(start: dt.date, end: dt.date | None = None) -> Period:
    """The period from ``start``: to ``end`` if given and long enough, else to the
    earliest end allowed."""
    first = earliest_end(start)
    if end is None:
        return Period(start, first)
    if end < first:
        raise PublicityError(
            _(
                "the period from {start} to {end} holds {n} working days; at least {min} are "
                "needed, so it may end on {first} at the earliest"
            ).format(
                start=start,
                end=end,
                n=working_days_between(start, end),
                min=MIN_WORKING_DAYS,
                first=first,
            )
        )
    if end - start > _LONGEST_PERIOD:
        raise PublicityError(_("the period is longer than a year"))
    return Period(start, end)


def entries(result: RoundResult, listed: Mapping[str, ListedCandidate]) -> tuple[PublicEntry, ...]:
    """Those who passed, with what the candidate list says of them; every one passed
    must be on the list (a 公示 without a name or affiliation is no 公示)."""
    missing = [c for c in result.passed if c not in listed]
    if missing:
        raise PublicityError(
            _("candidates who passed are not in the candidate list"),
            [Problem(c, _("not in the candidate list")) for c in missing],
        )
    return tuple(
        PublicEntry(c, listed[c].name, listed[c].affiliation, category_label(listed[c].category))
        for c in result.passed
    )


def table(rows: Sequence[PublicEntry], when: Period) -> Table:
    return Table(
        _("Publicity list"),
        (
            _("No."),
            _("ID"),
            _("Name"),
            _("Affiliation"),
            _("Category"),
            _("Publication starts"),
            _("Publication ends"),
        ),
        tuple(
            (i, e.candidate_id, e.name, e.affiliation, e.category, str(when.start), str(when.end))
            for i, e in enumerate(rows, start=1)
        ),
    )


def render_publicity(
    session: Session, rnd: Round, rows: Sequence[PublicEntry], when: Period
) -> bytes:
    """The unsigned 公示 PDF."""
    lay = Layout()
    story: list[Flowable] = [
        lay.para(_("Publicity of the candidates who passed the committee's review"), lay.title),
        lay.para(session.name, lay.h2),
        lay.para(
            _(
                "The following {n} candidates passed the committee's vote (round {round}) and "
                "are made public from {start} to {end} ({days} working days). Objections "
                "may be made to the secretariat within this period, in writing and under "
                "one's real name."
            ).format(
                n=len(rows),
                round=rnd.round_id,
                start=f"{when.start:%Y-%m-%d}",
                end=f"{when.end:%Y-%m-%d}",
                days=when.working_days,
            )
        ),
        Spacer(1, 3 * mm),
    ]
    head = [_("No."), _("ID"), _("Name"), _("Affiliation"), _("Category")]
    body = [
        [str(i), e.candidate_id, e.name, e.affiliation or "—", e.category]
        for i, e in enumerate(rows, start=1)
    ]
    widths = [12 * mm, 24 * mm, 32 * mm, 0.0, 40 * mm]
    widths[3] = TEXT_WIDTH - sum(widths)
    story.append(lay.table([head, *body], widths))
    if not rows:
        story.append(lay.para(_("No candidate passed this round.")))
    story.append(Spacer(1, 10 * mm))
    story.append(lay.para(common_name(session.secretariat_certificate), lay.signed))
    story.append(lay.para(f"{when.start:%Y-%m-%d}", lay.signed))
    return lay.build(story, _("Publicity list"), f"{session.name} · {rnd.round_id}")


def write_publicity(
    session: Session,
    rnd: Round,
    listed: Mapping[str, ListedCandidate],
    when: Period,
    passphrase: str,
    out_dir: Path | None = None,
) -> tuple[Path, ...]:
    """The signed PDF, the CSV and the XLSX of the counted round's 公示 list, written
    into ``out_dir`` (else the round folder); returns the files."""
    assert rnd.folder is not None
    rows = entries(count.load_result(rnd), listed)
    signer = secretariat_signer(session, passphrase)
    folder = out_dir or rnd.folder
    folder.mkdir(parents=True, exist_ok=True)
    tab = table(rows, when)
    files = {
        PUBLICITY_PDF: sign_document(render_publicity(session, rnd, rows, when), signer, "公示"),
        PUBLICITY_CSV: csv_bytes(tab),
        PUBLICITY_XLSX: table_xlsx_bytes(tab),
    }
    for name, data in files.items():
        write_atomically(folder / name, data)
    return tuple(folder / name for name in files)
