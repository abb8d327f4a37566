"""The review sheet as a printable PDF: an official 评审表 laid out with reportlab.

Every text on the page uses an embedded TrueType font (the bundled WenQuanYi Micro Hei,
plus any fallback font found beside it for rare ideographs it lacks), so the sheet
prints the same anywhere. The form's labels are fixed Chinese, as on the paper form;
everything that came from a person (names, opinions, notes) is escaped before it reaches
reportlab's paragraph markup, because it is hostile input. The last page keeps a fixed
area free for the signature box (``SIGNATURE_BOX``), which the signer fills.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from reviewer.base.pdf_fonts import PRIMARY_FONT, SheetFonts, sheet_fonts
from reviewer.review.scoring import Conflict
from reviewer.review.viewing import CandidateViewing, clock
from reviewer.rubric.model import CheckResult, Rubric
from reviewer.sheet.data import SheetData

PAGE_SIZE = A4
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 22 * mm  # the footer lives below the frame
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
RESERVED_HEIGHT = 40 * mm
# The visible signature's place on the last page (PDF points, x1 y1 x2 y2); the signer
# creates its field here, and the layout keeps the area free.
SIGNATURE_BOX: tuple[int, int, int, int] = (
    int(PAGE_WIDTH - MARGIN_X - 86 * mm),
    int(MARGIN_BOTTOM + 2 * mm),
    int(PAGE_WIDTH - MARGIN_X),
    int(MARGIN_BOTTOM + 26 * mm),
)
QR_SIZE = 24 * mm
BEIJING = timezone(timedelta(hours=8), "UTC+8")


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    right: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    cell_small: ParagraphStyle
    head: ParagraphStyle
    label: ParagraphStyle


def _styles(font: str) -> _Styles:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13.5)
    return _Styles(
        title=ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=2
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=base, fontSize=13, leading=19, alignment=TA_CENTER
        ),
        right=ParagraphStyle("right", parent=base, fontSize=9, leading=13, alignment=TA_RIGHT),
        heading=ParagraphStyle(
            "heading", parent=base, fontSize=12.5, leading=18, spaceBefore=6, spaceAfter=3
        ),
        body=ParagraphStyle("text", parent=base, firstLineIndent=21, spaceAfter=3),
        cell=cell,
        cell_small=ParagraphStyle("small", parent=cell, fontSize=8.5, leading=12),
        head=ParagraphStyle("head", parent=cell, alignment=TA_CENTER),
        label=ParagraphStyle("label", parent=cell, alignment=TA_CENTER),
    )


_GRID: list[_Command] = [
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]
_HEAD_BG = colors.Color(0.93, 0.93, 0.93)


# One TableStyle command: ("NAME", (col, row), (col, row), *values).
_Command = tuple[Any, ...]


def _table(
    rows: Sequence[Sequence[Paragraph | str]],
    widths: Sequence[float],
    extra: Sequence[_Command] = (),
    header: bool = True,
) -> Table:
    # Cells select their font even when they hold paragraphs; the default is Helvetica.
    style: list[_Command] = [("FONT", (0, 0), (-1, -1), PRIMARY_FONT, 9.5), *_GRID, *extra]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG))
    # splitInRow: one long note or list must be able to continue on the next page.
    table = Table(
        [list(row) for row in rows],
        colWidths=widths,
        repeatRows=1 if header else 0,
        splitInRow=1,
        hAlign="CENTER",
    )
    table.setStyle(TableStyle(style))
    return table


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def local_date(moment: datetime) -> str:
    day = moment.astimezone(BEIJING)
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


class _Reserved(Flowable):
    """The last flowable: keeps the bottom of the last page free, and draws there, at a
    fixed place whatever the length of the sheet, the QR code and the signature frame."""

    def __init__(self, fonts: SheetFonts, data_hash: str, signer: Paragraph):
        super().__init__()
        self.fonts = fonts
        self.data_hash = data_hash
        self.signer = signer

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab's names)
        return availWidth, RESERVED_HEIGHT

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        canvas.saveState()
        x1, y1, x2, y2 = SIGNATURE_BOX
        _, height = self.signer.wrapOn(canvas, FRAME_WIDTH, 20 * mm)
        self.signer.drawOn(canvas, MARGIN_X, MARGIN_BOTTOM + RESERVED_HEIGHT - height)
        canvas.setFont(self.fonts.primary, 9)
        canvas.drawString(x1, y2 + 2 * mm, "评审专家签名（数字签名）：")
        canvas.setStrokeColor(colors.Color(0.55, 0.55, 0.55))
        canvas.setDash(2, 2)
        canvas.setLineWidth(0.6)
        canvas.rect(x1, y1, x2 - x1, y2 - y1)
        canvas.setDash()
        qx, qy = MARGIN_X, y1
        draw_qr(canvas, qr_payload(self.data_hash), qx, qy, QR_SIZE)
        canvas.setFillColor(colors.black)
        canvas.setFont(self.fonts.primary, 7)
        canvas.drawString(qx + QR_SIZE + 3 * mm, qy + QR_SIZE - 8, "数据摘要（SHA-256）")
        for i in range(4):
            chunk = self.data_hash[i * 16 : (i + 1) * 16]
            canvas.drawString(qx + QR_SIZE + 3 * mm, qy + QR_SIZE - 19 - i * 9, chunk)
        canvas.drawString(qx + QR_SIZE + 3 * mm, qy + 2, "扫码核对附件 review.json")
        canvas.restoreState()


def qr_payload(data_hash: str) -> str:
    # Upper case keeps the code in QR's alphanumeric mode: a smaller, faster symbol.
    return f"SHA256:{data_hash.upper()}"


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    # The encoder straight to rectangles, one per run of dark modules: reportlab's widget
    # builds a shape object per module (slow), and renderPDF would select base-14
    # Helvetica as the drawing's font, leaving an unembedded font on the page.
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    # One fixed mask instead of scoring all eight (make()): any mask is a valid symbol,
    # and the scoring cost more than the rest of the page's drawing.
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    count = code.getModuleCount()
    quiet = 2
    unit = size / (count + 2 * quiet)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for row in range(count):
        top = y + size - (quiet + row + 1) * unit
        col = 0
        while col < count:
            if code.isDark(row, col):
                start = col
                while col < count and code.isDark(row, col):
                    col += 1
                path.rect(x + (quiet + start) * unit, top, (col - start) * unit, unit)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _canvas_maker(fonts: SheetFonts, data: SheetData) -> type[Canvas]:
    footer_ids = "  ".join(
        [
            f"评审包 {_short(fonts.plain(data.pack_id), 24)}",
            f"清单 {data.manifest_sha256[:12]}",
            f"细则 {_short(fonts.plain(data.rubric_id), 16)} "
            f"{_short(fonts.plain(data.rubric_version), 12)} {data.rubric_fingerprint[:12]}",
            f"第 {data.version} 版",
        ]
    )

    class NumberedCanvas(Canvas):
        """Defers each page's footer to the end, when "共 y 页" is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802
            self._pages.append(dict(self.__dict__))
            # Canvas's own page reset; types-reportlab leaves out its private methods.
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setStrokeColor(colors.Color(0.4, 0.4, 0.4))
            self.setLineWidth(0.4)
            self.line(
                MARGIN_X, MARGIN_BOTTOM - 6 * mm, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 6 * mm
            )
            self.setFont(fonts.primary, 7.5)
            self.drawString(MARGIN_X, MARGIN_BOTTOM - 10 * mm, footer_ids)
            self.setFont(fonts.primary, 9)
            self.drawRightString(
                PAGE_WIDTH - MARGIN_X,
                MARGIN_BOTTOM - 10 * mm,
                f"第 {self.getPageNumber()} 页 共 {total} 页",
            )
            self.restoreState()

    return NumberedCanvas


def _story(data: SheetData, rubric: Rubric, fonts: SheetFonts) -> list[Flowable]:
    s = _styles(fonts.primary)
    m = fonts.markup
    review = data.review
    recused = review.conflict is Conflict.RECUSED
    vetoed = bool(data.vetoes)

    def p(text: str, style: ParagraphStyle = s.cell) -> Paragraph:
        return Paragraph(text, style)

    story: list[Flowable] = [
        p(m(data.session_name), s.subtitle),
        p("评 审 表", s.title),
    ]
    version = f"第 {data.version} 版"
    if data.supersedes is not None:
        version += f"（替代第 {data.supersedes.version} 版）"
    story += [p(f"编号 {m(data.candidate_id)}　{version}", s.right), Spacer(1, 2 * mm)]

    works = (
        "<br/>".join(f"{i}. {m(w)}" for i, w in enumerate(data.representative_works, start=1))
        or "—"
    )
    label_w, value_w = 28 * mm, FRAME_WIDTH / 2 - 28 * mm
    info: list[list[Paragraph | str]] = [
        [
            p("评审会", s.label),
            p(m(data.session_name)),
            p("人才项目", s.label),
            p(m(data.programme)),
        ],
        [
            p("候选人", s.label),
            p(m(data.candidate_name)),
            p("人才类别", s.label),
            p(m(data.category)),
        ],
        [p("代表作", s.label), p(works), "", ""],
    ]
    watched = _viewing_lines(data.viewing, m)
    if watched:
        info.append([p("观看记录", s.label), p(watched), "", ""])
    story.append(
        _table(
            info,
            [label_w, value_w, label_w, value_w],
            extra=[
                *(("SPAN", (1, row), (3, row)) for row in range(2, len(info))),
                ("BACKGROUND", (0, 0), (0, -1), _HEAD_BG),
                ("BACKGROUND", (2, 0), (2, 1), _HEAD_BG),
            ],
            header=False,
        )
    )

    story.append(p("一、品德和政治素质考核", s.heading))
    rows: list[list[Paragraph | str]] = [
        [p("考核项目", s.head), p("考核结果", s.head), p("说明", s.head)]
    ]
    for check in rubric.checks:
        entry = review.checks.get(check.kind)
        if recused or entry is None or entry.result is None:
            result, note = "—", "（已回避，未考核）" if recused else "—"
        else:
            result = entry.result.zh + ("（一票否决）" if entry.result is CheckResult.FAIL else "")
            note = m(entry.note) or "—"
        rows.append([p(m(check.name.zh), s.label), p(result, s.label), p(note)])
    story.append(_table(rows, [34 * mm, 26 * mm, FRAME_WIDTH - 60 * mm]))

    story.append(p("二、评价指标", s.heading))
    rows = [
        [
            p("序号", s.head),
            p("评价指标", s.head),
            p("规划依据", s.head),
            p("权重", s.head),
            p("得分", s.head),
            p("等级", s.head),
        ]
    ]
    for i, c in enumerate(rubric.criteria, start=1):
        score = review.scores.get(c.id)
        counted = score if score is not None and not recused and not vetoed else None
        band = c.band(counted) if counted is not None else None
        rows.append(
            [
                p(str(i), s.label),
                p(m(c.name.zh)),
                p(f"“{m(c.source.quote)}”（{m(c.source.section)}）", s.cell_small),
                p(_num(c.weight), s.label),
                p(
                    f"{_num(counted)} / {_num(c.max_score)}" if counted is not None else "—",
                    s.label,
                ),
                p(band.level.zh if band else "—", s.label),
            ]
        )
    if recused:
        total_text = "回避，不评分"
    elif vetoed:
        names = "、".join(rubric.check(k).name.zh for k in data.vetoes)
        total_text = f"一票否决（{m(names)}不通过），不计总分"
    elif data.total is not None:
        total_text = f"{data.total:.2f}（百分制）"
    else:
        total_text = "—"
    level_text = data.level.zh if data.level else "—"
    rows.append(
        [p("加权总分", s.label), "", p(total_text), "", p("等级", s.label), p(level_text, s.label)]
    )
    story.append(
        _table(
            rows,
            [12 * mm, 42 * mm, 64 * mm, 14 * mm, 24 * mm, FRAME_WIDTH - 156 * mm],
            extra=[
                ("SPAN", (0, -1), (1, -1)),
                ("SPAN", (2, -1), (3, -1)),
                ("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.97, 0.97, 0.97)),
            ],
        )
    )

    story.append(p("三、评审意见", s.heading))
    opinion = review.opinion.strip()
    if opinion:
        story += [p(m(part), s.body) for part in opinion.split("\n") if part.strip()]
    else:
        story.append(p("（无）", s.body))

    story.append(p("四、推荐意见", s.heading))
    option = rubric.recommendation(review.recommendation or "")
    story.append(p(m(option.name.zh) if option else "—", s.body))

    story.append(p("五、利益冲突声明", s.heading))
    if recused:
        story.append(p("本人与该候选人存在利益冲突，申请回避，未对该候选人评分。", s.body))
        story.append(p(f"回避理由：{m(review.recusal_reason)}", s.body))
    else:
        story.append(p("本人与该候选人不存在利益冲突。", s.body))

    signer = p(
        f"评审专家：{m(data.reviewer_name)}{'&nbsp;' * 12}日期：{local_date(data.created)}",
        ParagraphStyle("signer", parent=s.body, firstLineIndent=0),
    )
    story.append(_Reserved(fonts, data.data_hash, signer))
    return story


def _viewing_lines(viewing: CandidateViewing | None, m: Callable[[str], str]) -> str:
    """What was watched of each audiovisual work, one a line (markup), or "" if none."""
    if viewing is None or not viewing.works:
        return ""
    lines = []
    for w in viewing.works:
        title = f"作品{w.number}《{m(w.title)}》"
        if w.duration_ms is None:
            lines.append(f"{title} 时长未知，未观看")
            continue
        line = f"已观看 {title} {w.percent}%（{clock(w.watched_ms)} / {clock(w.duration_ms)}）"
        if viewing.min_percent is not None and w.below(viewing.min_percent):
            line += " 未达要求"
        lines.append(line)
    if viewing.min_percent is not None:
        # On the last line, so that the block costs no more lines than there are works.
        lines[-1] += f"；要求不少于 {viewing.min_percent}%"
    return "<br/>".join(lines)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def render_sheet(data: SheetData, rubric: Rubric, *, fonts: SheetFonts | None = None) -> bytes:
    """The unsigned sheet (PDF bytes) for ``data``, set against its ``rubric``."""
    fonts = fonts or sheet_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title="评审表",
        author="",
        subject="",
        creator="Reviewer Workstation",
        # Without this the canvas opens every page with base-14 Helvetica selected.
        initialFontName=fonts.primary,
        invariant=1,
        lang="zh-CN",
    )
    doc.build(_story(data, rubric, fonts), canvasmaker=_canvas_maker(fonts, data))
    return buf.getvalue()
