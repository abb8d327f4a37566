"""The summary PDF of an aggregation, and its signature by the secretariat.

Laid out with reportlab in the embedded CJK fonts (``pdf_fonts``; every name and note
from a sheet goes through ``SheetFonts.markup``, so hostile text is escaped and rare
characters such as 𠮷 and 䶮 are set in the fallback font). Charts are drawn with
``reportlab.graphics`` shapes: one strip per candidate (each reviewer's score a dot,
the range a line, the mean a red bar, the trimmed mean a blue one) and one per reviewer
(their scores across candidates), each strip in a table row beside its label.

The signature is PAdES (pyHanko), invisible, by the secretariat's certificate: the
decision body can check with any PDF reader that the summary is the secretariat's and
unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, Literal

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reviewer.base.i18n import _
from reviewer.base.pdf_fonts import SheetFonts, sheet_fonts
from reviewer.secretariat.aggregate import AggregateResult, CandidateAggregate, Method
from reviewer.secretariat.stats import shown
from reviewer.secretariat.tables import check_name, conflict_lines, info_rows
from reviewer.sheet.render import BEIJING
from reviewer.sheet.sign import SheetSigner, SheetSigningError

SIGNATURE_FIELD = "SecretariatSignature"
PAGE = landscape(A4)
MARGIN = 14 * mm
STRIP_WIDTH = 110 * mm
STRIP_HEIGHT = 11
# One TableStyle command: ("NAME", (col, row), (col, row), *values).
_Command = tuple[Any, ...]

_GRID: list[_Command] = [
    ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
]
_FLAG = colors.Color(1.0, 0.95, 0.8)
_VETO = colors.Color(0.95, 0.88, 0.88)


class _Styles:
    def __init__(self, font: str):
        base = ParagraphStyle("b", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("s", parent=base, fontSize=7.5, leading=9.5)
        self.title = ParagraphStyle("t", parent=base, fontSize=18, leading=26, spaceAfter=4)
        self.h1 = ParagraphStyle("h1", parent=base, fontSize=14, leading=20, spaceBefore=8)
        self.h2 = ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=6)


def _num(value: Fraction | None) -> str:
    v = shown(value)
    return "—" if v is None else str(v)


def _table(
    rows: Sequence[Sequence[object]],
    widths: Sequence[float] | None,
    font: str,
    extra: Sequence[_Command] = (),
) -> Table:
    table = Table(
        [list(row) for row in rows], colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT"
    )
    style: list[_Command] = [("FONT", (0, 0), (-1, -1), font, 8), *_GRID, *extra]
    table.setStyle(TableStyle(style))
    return table


def _drawing(width: float, height: float) -> Drawing:
    # The renderer sets this font first, even with no text: the default is Helvetica,
    # which would then be an unembedded font in the file.
    return Drawing(width, height, initialFontName=sheet_fonts().primary)


def _strip(values: Sequence[Fraction], marks: Sequence[tuple[Fraction | None, Color]]) -> Drawing:
    """Scores on a 0–100 axis: the range, each value a dot, each mark a coloured bar."""
    d = _drawing(STRIP_WIDTH, STRIP_HEIGHT)
    scale = STRIP_WIDTH / 100
    mid = STRIP_HEIGHT / 2
    # types-reportlab's Rect lacks Unpack[...] on **kw, so no keyword type-checks there.
    d.add(Rect(0, 0, STRIP_WIDTH, STRIP_HEIGHT, fillColor=None, strokeColor=colors.white))  # type: ignore[arg-type]
    for tick in range(0, 101, 10):
        d.add(
            Line(
                tick * scale,
                1,
                tick * scale,
                STRIP_HEIGHT - 1,
                strokeColor=colors.Color(0.88, 0.88, 0.88),
                strokeWidth=0.3,
            )
        )
    if values:
        low, high = float(min(values)) * scale, float(max(values)) * scale
        d.add(Line(low, mid, high, mid, strokeColor=colors.Color(0.5, 0.5, 0.5), strokeWidth=1))
        for v in values:
            d.add(
                Circle(
                    float(v) * scale,
                    mid,
                    2.2,
                    fillColor=colors.Color(0.2, 0.35, 0.6, alpha=0.55),
                    strokeColor=None,
                )
            )
    for value, colour in marks:
        if value is not None:
            x = float(value) * scale
            d.add(Line(x, 0.5, x, STRIP_HEIGHT - 0.5, strokeColor=colour, strokeWidth=1.4))
    return d


def _axis(font: str) -> Drawing:
    d = _drawing(STRIP_WIDTH, 10)
    scale = STRIP_WIDTH / 100
    for tick in range(0, 101, 20):
        anchor: Literal["start", "middle", "end"] = (
            "start" if tick == 0 else "end" if tick == 100 else "middle"
        )
        d.add(String(tick * scale, 2, str(tick), fontName=font, fontSize=6.5, textAnchor=anchor))
    return d


def _legend(fonts: SheetFonts, st: _Styles) -> Paragraph:
    return Paragraph(
        fonts.markup(
            _(
                "Each dot is one reviewer's total (0–100); the grey line spans lowest to "
                "highest; red bar: mean; blue bar: trimmed mean."
            )
        ),
        st.small,
    )


def render_summary(result: AggregateResult) -> bytes:
    fonts = sheet_fonts()
    font = fonts.primary
    st = _Styles(font)
    m = fonts.markup
    story: list = []
    now = datetime.now(UTC).astimezone(BEIJING)

    story.append(Paragraph(m(_("Aggregated review results")), st.title))
    story.append(Paragraph(m(result.session_name), st.h2))
    story.append(
        Paragraph(m(_("Made {time} (Beijing time)").format(time=f"{now:%Y-%m-%d %H:%M}")), st.small)
    )
    story.append(Spacer(1, 3 * mm))
    info = [[Paragraph(m(_("Item")), st.body), Paragraph(m(_("Value")), st.body)]]
    for label, value in info_rows(result):
        info.append([Paragraph(m(label), st.body), Paragraph(m(str(value)), st.body)])
    story.append(_table(info, [70 * mm, 170 * mm], font))
    if result.has_conflicts:
        # On the first page: a reader must not take a held candidate's absence from the
        # ranking for a low score.
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph(
                m(
                    _(
                        "Held until the secretariat resolves conflicting sheets (not scored, "
                        "not ranked): {ids}"
                    ).format(ids=", ".join(result.held))
                ),
                st.h2,
            )
        )
        for line in conflict_lines(result):
            story.append(Paragraph(m(line), st.small))

    method = result.options.method
    by_id = {a.candidate_id: a for a in result.candidates}
    for category in result.categories:
        story.append(PageBreak())
        story.append(
            Paragraph(
                m(
                    _("{category}: ranking by {method}").format(
                        category=category.category, method=method.label()
                    )
                ),
                st.h1,
            )
        )
        head = [
            _("Rank"),
            _("ID"),
            _("Candidate"),
            _("Valid"),
            _("Mean"),
            _("Trimmed mean"),
            _("Median"),
            _("SD"),
            _("Min"),
            _("Max"),
            _("Ranks: mean / trimmed / median"),
            _("Notes"),
        ]
        rows: list[list] = [[Paragraph(m(h), st.small) for h in head]]
        extra = []
        for i, row in enumerate(category.rows, start=1):
            a = by_id[row.candidate_id]
            rank = row.ranks.get(method)
            rank_text = "—" if rank is None else (f"{rank}=" if row.tied else str(rank))
            notes = []
            if a.held:
                notes.append(_("held: conflicting sheets"))
            elif a.vetoed:
                notes.append(_("veto (not ranked)"))
            elif row.excluded == "no_scores":
                notes.append(_("no scores"))
            if row.method_dependent:
                notes.append(_("rank depends on method"))
            if a.disagreement:
                notes.append(_("reviewers disagree"))
            if a.below_quorum:
                notes.append(_("below quorum"))
            if a.recusals:
                notes.append(_("{n} recused").format(n=len(a.recusals)))
            if a.missing:
                notes.append(_("{n} missing").format(n=len(a.missing)))
            ranks = " / ".join(
                "—" if row.ranks.get(x) is None else str(row.ranks[x])
                for x in (Method.MEAN, Method.TRIMMED, Method.MEDIAN)
            )
            rows.append(
                [
                    rank_text,
                    Paragraph(m(a.candidate_id), st.small),
                    Paragraph(m(a.name), st.body),
                    str(a.count),
                    _num(a.mean),
                    _num(a.trimmed_mean) + ("" if a.trimmed else "*"),
                    _num(a.median),
                    "—" if a.sd is None else f"{a.sd:.2f}",
                    _num(a.minimum),
                    _num(a.maximum),
                    ranks,
                    Paragraph(m("；".join(notes)), st.small),
                ]
            )
            if a.vetoed or a.held:
                extra.append(("BACKGROUND", (0, i), (-1, i), _VETO))
            elif row.method_dependent or a.disagreement:
                extra.append(("BACKGROUND", (0, i), (-1, i), _FLAG))
        widths = [14 * mm, 16 * mm, 42 * mm, 12 * mm] + [16 * mm] * 6 + [32 * mm, 50 * mm]
        story.append(_table(rows, widths, font, extra))
        story.append(
            Paragraph(
                m(
                    _("* fewer than {n} scores: the plain mean, nothing trimmed.").format(
                        n=result.options.trim_min
                    )
                ),
                st.small,
            )
        )
        least = "、".join(
            f"{a.reviewer}（r={a.correlation:.2f}）"
            for a in category.least_agreeing
            if a.correlation is not None
        )
        story.append(
            Paragraph(
                m(
                    _(
                        "Agreement: ICC(2,1) {icc}, Kendall's W {w} on {n} candidates × {k} "
                        "reviewers with every score; least in line with the others: {least}"
                    ).format(
                        icc=_num3(category.icc),
                        w=_num3(category.kendall_w),
                        n=category.block[0],
                        k=category.block[1],
                        least=least or "—",
                    )
                ),
                st.body,
            )
        )
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(m(_("Score distribution per candidate")), st.h2))
        story.append(_legend(fonts, st))
        chart = [[Paragraph(m(_("Candidate")), st.small), _axis(font)]]
        for row in category.rows:
            a = by_id[row.candidate_id]
            chart.append(
                [
                    Paragraph(m(f"{a.candidate_id} {a.name}"), st.small),
                    _strip(a.scores, [(a.mean, colors.red), (a.trimmed_mean, colors.blue)]),
                ]
            )
        story.append(_table(chart, [60 * mm, STRIP_WIDTH + 4], font))

    story.append(PageBreak())
    story.append(Paragraph(m(_("Scores per reviewer")), st.h1))
    story.append(_legend(fonts, st))
    per_reviewer: list[list[Flowable | str]] = [
        [Paragraph(m(_("Reviewer")), st.small), _axis(font), Paragraph(m(_("Mean")), st.small)]
    ]
    for r in result.reviewers:
        per_reviewer.append(
            [
                Paragraph(m(r.reviewer), st.body),
                _strip(r.scores, [(r.mean, colors.red)]),
                _num(r.mean),
            ]
        )
    story.append(_table(per_reviewer, [50 * mm, STRIP_WIDTH + 4, 20 * mm], font))

    _vetoes_and_recusals(story, result, fonts, st)
    _lists(story, result, fonts, st)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Aggregated review results"),
        author=_("Secretariat"),
        initialFontName=font,
        invariant=1,
        lang="zh-CN",
    )

    def footer(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.drawString(MARGIN, 7 * mm, fonts.plain(result.session_name)[:80])
        canvas.drawRightString(PAGE[0] - MARGIN, 7 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _num3(value: Fraction | None) -> str:
    from decimal import Decimal

    v = shown(value, Decimal("0.001"))
    return "—" if v is None else str(v)


def _vetoes_and_recusals(
    story: list, result: AggregateResult, fonts: SheetFonts, st: _Styles
) -> None:
    m = fonts.markup
    vetoed: list[tuple[CandidateAggregate, object]] = [
        (a, v) for a in result.candidates for v in a.vetoes
    ]
    story.append(Paragraph(m(_("Vetoes (一票否决)")), st.h1))
    if vetoed:
        rows = [
            [
                Paragraph(m(h), st.small)
                for h in (_("Candidate"), _("Reviewer"), _("Check"), _("Note"))
            ]
        ]
        for a, v in vetoed:
            rows.append(
                [
                    Paragraph(m(f"{a.candidate_id} {a.name}"), st.body),
                    Paragraph(m(v.reviewer), st.body),  # type: ignore[attr-defined]
                    Paragraph(m(check_name(v.check)), st.body),  # type: ignore[attr-defined]
                    Paragraph(m(v.note), st.small),  # type: ignore[attr-defined]
                ]
            )
        story.append(_table(rows, [55 * mm, 40 * mm, 35 * mm, 130 * mm], fonts.primary))
    else:
        story.append(Paragraph(m(_("none")), st.body))
    story.append(Paragraph(m(_("Recusals (回避)")), st.h1))
    recusals = [(a, r) for a in result.candidates for r in a.recusals]
    if recusals:
        rows = [[Paragraph(m(h), st.small) for h in (_("Candidate"), _("Reviewer"), _("Reason"))]]
        for a, r in recusals:
            rows.append(
                [
                    Paragraph(m(f"{a.candidate_id} {a.name}"), st.body),
                    Paragraph(m(r.reviewer), st.body),
                    Paragraph(m(r.reason), st.small),
                ]
            )
        story.append(_table(rows, [55 * mm, 40 * mm, 165 * mm], fonts.primary))
    else:
        story.append(Paragraph(m(_("none")), st.body))


def _lists(story: list, result: AggregateResult, fonts: SheetFonts, st: _Styles) -> None:
    m = fonts.markup
    story.append(Paragraph(m(_("Missing sheets")), st.h1))
    by_reviewer = result.missing_by_reviewer()
    if by_reviewer:
        rows: list[list[Paragraph | str]] = [
            [Paragraph(m(h), st.small) for h in (_("Reviewer"), _("Number"), _("Candidates"))]
        ]
        for reviewer, ids in by_reviewer.items():
            rows.append(
                [
                    Paragraph(m(reviewer), st.body),
                    str(len(ids)),
                    Paragraph(m("、".join(ids)), st.small),
                ]
            )
        story.append(_table(rows, [45 * mm, 18 * mm, 197 * mm], fonts.primary))
    else:
        story.append(
            Paragraph(
                m(_("none: every reviewer sent a sheet or recused for every candidate")), st.body
            )
        )
    story.append(Paragraph(m(_("Refused sheets")), st.h1))
    refused = result.imported.refused
    if refused:
        rows = [[Paragraph(m(h), st.small) for h in (_("File"), _("Signer"), _("Reason"))]]
        for r in refused:
            rows.append(
                [
                    Paragraph(m(r.path), st.small),
                    Paragraph(m(r.signer_name or "—"), st.small),
                    Paragraph(m(r.reason_text), st.small),
                ]
            )
        story.append(_table(rows, [90 * mm, 35 * mm, 135 * mm], fonts.primary))
    else:
        story.append(Paragraph(m(_("none")), st.body))
    if result.options.calibrate:
        from reviewer.secretariat.tables import calibration_table

        table = calibration_table(result)
        story.append(Paragraph(m(_("Rank changes with calibration")), st.h1))
        if table.rows:
            rows = [[Paragraph(m(h), st.small) for h in table.headers]]
            for row in table.rows:
                rows.append([Paragraph(m("—" if v is None else str(v)), st.small) for v in row])
            story.append(_table(rows, None, fonts.primary))
        else:
            story.append(Paragraph(m(_("no rank changes")), st.body))


def sign_summary(pdf: bytes, signer: SheetSigner) -> bytes:
    """One invisible PAdES signature by the secretariat over the whole summary."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
        pdf_signer = signers.PdfSigner(
            signer.metadata(SIGNATURE_FIELD, reason="评审结果汇总"),
            signer=signer.pyhanko_signer,
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
    except (PdfError, SigningError, ValueError) as exc:
        raise SheetSigningError(
            _("the summary could not be signed: {error}").format(error=exc)
        ) from exc
    return out.getvalue()
