"""A printable draft of one's own reviews: every candidate of the open pack, its checks,
scores, total, recommendation and opinion, marked on every page as a draft that is not
a review sheet. For reading on paper before signing; it carries no signature and no
data a secretariat would accept.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.base.pdf_fonts import sheet_fonts
from reviewer.review.scoring import Conflict
from reviewer.rubric.model import canonical_decimal
from reviewer.station.overview import overview
from reviewer.workspace.store import Workspace

_MARGIN = 16 * mm


class DraftError(ReviewerError):
    """The draft could not be written (a full or read-only disk …)."""


def render_draft(workspace: Workspace, pack_id: str, reviewer: str) -> bytes:
    """The draft as PDF bytes, in memory (the caller decides whether it is saved)."""
    fonts = sheet_fonts()
    m = fonts.markup
    base = ParagraphStyle("d", fontName=fonts.primary, fontSize=9.5, leading=13.5, wordWrap="CJK")
    title = ParagraphStyle("t", parent=base, fontSize=16, leading=22, spaceAfter=4)
    head = ParagraphStyle("h", parent=base, fontSize=12, leading=17, spaceBefore=6, spaceAfter=2)
    pack = workspace.pack(pack_id)
    story: list[Any] = [
        Paragraph(m(_("Draft of my reviews — not signed, not a review sheet")), title),
        Paragraph(
            m(
                _("{reviewer} · {session} · printed {time} (UTC)").format(
                    reviewer=reviewer,
                    session=pack.session_name,
                    time=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
                )
            ),
            base,
        ),
    ]
    for category in overview(workspace, pack_id):
        rubric = category.rubric
        story.append(Paragraph(m(rubric.category.get()), head))
        for row in category.rows:
            review = workspace.review(pack_id, row.candidate_id)
            story.append(
                Paragraph(m(f"{row.candidate_id} {row.name} · {row.status.label()}"), head)
            )
            cells: list[list[Any]] = []
            if review.conflict is Conflict.RECUSED:
                cells.append([_("Recused"), review.recusal_reason])
            for check in rubric.checks:
                entry = review.checks.get(check.kind)
                result = entry.result.label() if entry and entry.result else "—"
                note = f" — {entry.note}" if entry and entry.note else ""
                cells.append([check.name.get(), result + note])
            for criterion, score in zip(rubric.criteria, row.scores, strict=True):
                shown = "—" if score is None else canonical_decimal(score)
                cells.append(
                    [criterion.name.get(), f"{shown} / {canonical_decimal(criterion.max_score)}"]
                )
            total = "—" if row.total is None else canonical_decimal(row.total)
            level = f" ({row.level.label()})" if row.level else ""
            cells.append([_("Total"), total + level])
            cells.append([_("Recommendation"), row.recommendation or "—"])
            cells.append([_("Opinion"), review.opinion or "—"])
            table = Table(
                [[Paragraph(m(a), base), Paragraph(m(b), base)] for a, b in cells],
                colWidths=[55 * mm, A4[0] - 2 * _MARGIN - 55 * mm],
                splitInRow=1,
            )
            table.setStyle(
                TableStyle(
                    [
                        # Cells pick a font even when they hold paragraphs (else Helvetica).
                        ("FONT", (0, 0), (-1, -1), fonts.primary, 9.5),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [table, Spacer(1, 3 * mm)]
        story.append(PageBreak())
    mark = _("DRAFT · not signed")

    def page(canvas: Canvas, _doc: Any) -> None:
        # On every page, so that no page of it passes for a sheet.
        canvas.saveState()
        canvas.setFont(fonts.primary, 40)
        canvas.setFillColor(colors.Color(0.85, 0.2, 0.2, alpha=0.18))
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, fonts.plain(mark))
        canvas.restoreState()
        canvas.setFont(fonts.primary, 8)
        canvas.drawRightString(
            A4[0] - _MARGIN, 8 * mm, f"{fonts.plain(mark)} · {canvas.getPageNumber()}"
        )

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=_("Draft of my reviews"),
        initialFontName=fonts.primary,
        invariant=1,
    )
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()


def save_draft(workspace: Workspace, pack_id: str, reviewer: str, path: Path) -> Path:
    """Render the draft and write it to ``path`` whole or not at all. The file is the
    reviewer's own choice of a readable copy: the UI says so before asking where."""
    data = render_draft(workspace, pack_id, reviewer)
    try:
        write_atomically(Path(path), data, private=True)
    except OSError as exc:
        raise DraftError(
            _("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    return Path(path)
