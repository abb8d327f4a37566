"""The summary PDF of an aggregation, and its signature by the secretariat.

Laid out with reportlab in the embedded CJK fonts (``pdf_fonts``; every name and note
from a sheet goes through ``SheetFonts.markup``, so hostile text is escaped and rare
characters such as 𠮷 and 䶮 are set in the fallback font). Charts are drawn with
``reportlab.graphics`` shapes: one strip per candidate (each reviewer's score a dot,
the range a line, the mean a red bar, the trimmed mean a blue one) and one per reviewer
(their scores across candidates), each strip in a table row beside its label.

For the decision body each category's ranking is followed by every candidate's
particulars from the candidate list (工作单位, 地区, the plan's tilt flags), the
recommendation counts, each reviewer's opinion and every check recorded as 有疑虑 or
不通过 with its note. At the end: the counted sheets with their SHA-256, the SHA-256 of
every other report file (``report.write_reports`` writes them first), and a sign-off
block for the secretary and the committee chair.

The signature is PAdES (pyHanko), invisible, by the secretariat's certificate: the
decision body can check with any PDF reader that the summary is the secretariat's and
unchanged, and through the hashes it states, that the workbook and CSV files are too.
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
    KeepTogether,
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
from reviewer.secretariat.report import OutputFile
from reviewer.secretariat.stats import shown
from reviewer.secretariat.tables import (
    check_name,
    conflict_lines,
    info_rows,
    recommendation_counts,
    recommendation_name,
    tilt_text,
)
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
_QUORUM = colors.Color(0.99, 0.89, 0.84)


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


def render_summary(result: AggregateResult, outputs: Sequence[OutputFile] = ()) -> bytes:
    """The summary; ``outputs`` are the other report files it vouches for (none in a
    preview, which says that their hashes come with the written reports)."""
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
            _("Recommended / not"),
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
            recommended, not_recommended = recommendation_counts(
                a, result.imported.rubrics.get(a.rubric_id)
            )
            rows.append(
                [
                    rank_text,
                    Paragraph(m(a.candidate_id), st.small),
                    _who(a, fonts, st),
                    # The quorum in the cell itself, so that no reader takes a thin
                    # result for a full one.
                    f"{a.count} < {result.options.quorum}" if a.below_quorum else str(a.count),
                    _num(a.mean),
                    _num(a.trimmed_mean) + ("" if a.trimmed else "*"),
                    _num(a.median),
                    "—" if a.sd is None else f"{a.sd:.2f}",
                    _num(a.minimum),
                    _num(a.maximum),
                    ranks,
                    f"{recommended} / {not_recommended}",
                    Paragraph(m("；".join(notes)), st.small),
                ]
            )
            if a.vetoed or a.held:
                extra.append(("BACKGROUND", (0, i), (-1, i), _VETO))
            elif a.below_quorum:
                extra.append(("BACKGROUND", (0, i), (-1, i), _QUORUM))
            elif row.method_dependent or a.disagreement:
                extra.append(("BACKGROUND", (0, i), (-1, i), _FLAG))
        # Rank, id, candidate, valid; mean, trimmed mean (a longer header), median, SD, min,
        # max; ranks, recommendations, notes: 268 mm of the page's 269.
        widths = [12 * mm, 14 * mm, 52 * mm, 13 * mm, 14 * mm, 17 * mm] + [14 * mm] * 4
        widths += [24 * mm, 24 * mm, 42 * mm]
        story.append(_table(rows, widths, font, extra))
        story.append(
            Paragraph(
                m(
                    _("* fewer than {n} scores: the plain mean, nothing trimmed.").format(
                        n=result.options.trim_min
                    )
                    + " "
                    + _(
                        "“n < {quorum}” under Valid: below quorum, fewer valid sheets than the "
                        "{quorum} required."
                    ).format(quorum=result.options.quorum)
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
        _opinions(story, result, [by_id[row.candidate_id] for row in category.rows], fonts, st)

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
    _counted_sheets(story, result, fonts, st)
    _outputs(story, outputs, fonts, st)
    _sign_off(story, fonts, st)

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


def _who(a: CandidateAggregate, fonts: SheetFonts, st: _Styles) -> Paragraph:
    """The candidate's name, and below it what the candidate list says of them."""
    m = fonts.markup
    text = m(a.name)
    listed = a.listed
    if listed is not None:
        details = [d for d in (listed.affiliation, listed.region, tilt_text(listed)) if d]
        if details:
            text += f'<br/><font size="7">{m(" · ".join(details))}</font>'
    return Paragraph(text, st.body)


def _opinions(
    story: list,
    result: AggregateResult,
    members: Sequence[CandidateAggregate],
    fonts: SheetFonts,
    st: _Styles,
) -> None:
    """Per candidate: particulars, recommendation counts, opinions and flagged checks."""
    m = fonts.markup
    story.append(Paragraph(m(_("Opinions and checks")), st.h2))
    for a in members:
        rubric = result.imported.rubrics.get(a.rubric_id)
        recommended, not_recommended = recommendation_counts(a, rubric)
        listed = a.listed
        facts = (
            [
                _("Affiliation: {value}").format(value=listed.affiliation or "—"),
                _("Region: {value}").format(value=listed.region or "—"),
                _("Tilt: {value}").format(value=tilt_text(listed) or _("none")),
            ]
            if listed is not None
            else [_("not in a candidate list: affiliation and region not known")]
        )
        facts.append(
            _("recommended {n} / not recommended {m}").format(n=recommended, m=not_recommended)
        )
        block: list[Flowable] = [
            Paragraph(m(f"{a.candidate_id} {a.name}"), st.body),
            Paragraph(m("；".join(facts)), st.small),
        ]
        if a.opinions:
            rows: list[list[Flowable | str]] = [
                [
                    Paragraph(m(h), st.small)
                    for h in (_("Reviewer"), _("Recommendation"), _("Opinion"))
                ]
            ]
            for o in a.opinions:
                rows.append(
                    [
                        Paragraph(m(o.reviewer), st.small),
                        Paragraph(
                            m(recommendation_name(rubric, o.recommendation) or "—"), st.small
                        ),
                        Paragraph(m(o.text or "—"), st.small),
                    ]
                )
            block.append(_table(rows, [34 * mm, 30 * mm, 205 * mm], fonts.primary))
        if a.flagged_checks:
            block.append(Spacer(1, 1 * mm))
            rows = [
                [
                    Paragraph(m(h), st.small)
                    for h in (_("Reviewer"), _("Check"), _("Result"), _("Note"))
                ]
            ]
            for f in a.flagged_checks:
                rows.append(
                    [
                        Paragraph(m(f.reviewer), st.small),
                        Paragraph(m(check_name(f.check)), st.small),
                        Paragraph(m(f.result.label()), st.small),
                        Paragraph(m(f.note or "—"), st.small),
                    ]
                )
            block.append(
                _table(rows, [34 * mm, 30 * mm, 20 * mm, 185 * mm], fonts.primary, [_flagged()])
            )
        block.append(Spacer(1, 2 * mm))
        # A long panel may split over pages; a short one starts on a page it fits on.
        if len(a.opinions) < 12:
            story.append(KeepTogether(block))
        else:
            story.extend(block)


def _flagged() -> _Command:
    return ("BACKGROUND", (0, 1), (-1, -1), _FLAG)


def _counted_sheets(story: list, result: AggregateResult, fonts: SheetFonts, st: _Styles) -> None:
    m = fonts.markup
    story.append(Paragraph(m(_("Counted sheets")), st.h1))
    counted = [r for r in result.imported.counted if r.data is not None]
    if not counted:
        story.append(Paragraph(m(_("none")), st.body))
        return
    rows: list[list[Flowable | str]] = [
        [
            Paragraph(m(h), st.small)
            for h in (_("File"), _("Reviewer"), _("Candidate"), _("Version"), _("SHA-256"))
        ]
    ]
    for r in counted:
        assert r.data is not None
        rows.append(
            [
                Paragraph(m(r.path), st.small),
                Paragraph(m(r.reviewer or "—"), st.small),
                Paragraph(m(r.data.candidate_id), st.small),
                str(r.data.version),
                Paragraph(m(r.sha256 or "—"), st.small),
            ]
        )
    story.append(_table(rows, [80 * mm, 34 * mm, 22 * mm, 14 * mm, 119 * mm], fonts.primary))


def _outputs(story: list, outputs: Sequence[OutputFile], fonts: SheetFonts, st: _Styles) -> None:
    m = fonts.markup
    story.append(Paragraph(m(_("Report files")), st.h1))
    if not outputs:
        story.append(
            Paragraph(
                m(_("a preview: the files' SHA-256 are stated when the reports are written")),
                st.body,
            )
        )
        return
    story.append(
        Paragraph(
            m(
                _(
                    "Written with this summary, in the same folder; a file whose SHA-256 "
                    "differs is not the secretariat's."
                )
            ),
            st.small,
        )
    )
    rows: list[list[Flowable | str]] = [
        [Paragraph(m(h), st.small) for h in (_("File"), _("Bytes"), _("SHA-256"))]
    ]
    for f in outputs:
        rows.append([Paragraph(m(f.name), st.body), str(f.size), Paragraph(m(f.sha256), st.small)])
    story.append(_table(rows, [50 * mm, 25 * mm, 125 * mm], fonts.primary))


def _sign_off(story: list, fonts: SheetFonts, st: _Styles) -> None:
    m = fonts.markup
    line = "_" * 28
    date = "_" * 16
    rows = [
        [
            Paragraph(m(role), st.body),
            Paragraph(m(line), st.body),
            Paragraph(m(_("Date")), st.body),
            Paragraph(m(date), st.body),
        ]
        for role in (_("Secretary (signature)"), _("Committee chair (signature)"))
    ]
    table = Table(rows, colWidths=[55 * mm, 80 * mm, 18 * mm, 50 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.primary, 9),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    story.append(KeepTogether([Spacer(1, 4 * mm), Paragraph(m(_("Sign-off")), st.h1), table]))


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
