"""The page layout the meeting's documents share (minutes, the 公示 list): A4 portrait,
the embedded CJK fonts, headed tables, a footer with the session and page number.

Every text from outside (names, affiliations, the committee's opinion) goes through
``SheetFonts.markup``: escaped for reportlab's mini-markup, rare characters in the
fallback font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph, SimpleDocTemplate, Table
from reportlab.platypus.tables import TableStyle

from reviewer.base.pdf_fonts import SheetFonts, sheet_fonts

PAGE = A4
MARGIN = 18 * mm
TEXT_WIDTH = PAGE[0] - 2 * MARGIN


class Layout:
    """The fonts and paragraph styles of one document."""

    def __init__(self) -> None:
        self.fonts: SheetFonts = sheet_fonts()
        font = self.fonts.primary
        base = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("s", parent=base, fontSize=8.5, leading=12)
        self.title = ParagraphStyle(
            "t", parent=base, fontSize=18, leading=28, alignment=1, spaceAfter=6
        )
        self.signed = ParagraphStyle("r", parent=base, alignment=2)
        self.h2 = ParagraphStyle("h2", parent=base, fontSize=12.5, leading=20, spaceBefore=8)

    def para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(self.fonts.markup(text), style or self.body)

    def table(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        extra: Sequence[tuple[Any, ...]] = (),
    ) -> Table:
        """A table with a grey header row; every cell is text, set as a paragraph so it
        wraps and takes its fallback fonts."""
        cells = [[self.para(str(v), self.small) for v in row] for row in rows]
        table = Table(cells, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.Color(0.5, 0.5, 0.5)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    *extra,
                ]
            )
        )
        return table

    def build(self, story: list[Flowable], title: str, footer: str) -> bytes:
        buf = io.BytesIO()
        font = self.fonts.primary
        doc = SimpleDocTemplate(
            buf,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            initialFontName=font,
            invariant=1,
            lang="zh-CN",
        )
        line = self.fonts.plain(footer)[:90]

        def on_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
            canvas.saveState()
            canvas.setFont(font, 8)
            canvas.drawString(MARGIN, 9 * mm, line)
            canvas.drawRightString(PAGE[0] - MARGIN, 9 * mm, str(canvas.getPageNumber()))
            canvas.restoreState()

        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
        return buf.getvalue()
