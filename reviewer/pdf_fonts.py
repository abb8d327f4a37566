"""Fonts for the PDFs the core writes (sheets, reports, demo materials), with reportlab.

WenQuanYi Micro Hei sets everything it can; characters it lacks (rare ideographs of
CJK Extension A–G, common in names: 䶮, 𠮷) are set in the bundled BabelStone Han
subset. ``markup`` escapes hostile text for reportlab's Paragraph mini-markup and wraps
each run the main font cannot show in the fallback font, so nothing renders as a box.
"""

from __future__ import annotations

import threading
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reviewer.resources import CJK_FONT_FILE, RARE_FONT_FILE, fonts_dir

MAIN = "WQYMicroHei"
RARE = "BabelStoneHanRare"
_lock = threading.Lock()
_main_cmap: frozenset[int] = frozenset()
_rare_cmap: frozenset[int] = frozenset()


def register() -> str:
    """Register both fonts with reportlab once per process; returns the main font name."""
    global _main_cmap, _rare_cmap
    with _lock:
        if MAIN not in pdfmetrics.getRegisteredFontNames():
            main = TTFont(MAIN, str(fonts_dir() / CJK_FONT_FILE), subfontIndex=0)
            rare = TTFont(RARE, str(fonts_dir() / RARE_FONT_FILE))
            pdfmetrics.registerFont(main)
            pdfmetrics.registerFont(rare)
            _main_cmap = frozenset(main.face.charToGlyph)
            _rare_cmap = frozenset(rare.face.charToGlyph)
    return MAIN


def runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font name, run) pieces by which font has the glyphs."""
    register()
    out: list[tuple[str, str]] = []
    for ch in text:
        code = ord(ch)
        font = RARE if code not in _main_cmap and code in _rare_cmap else MAIN
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return out


def markup(text: str) -> str:
    """Escaped Paragraph markup for untrusted text, with fallback-font runs."""
    parts = []
    for font, run in runs(text):
        safe = escape(run).replace("\n", "<br/>")
        parts.append(safe if font == MAIN else f'<font name="{RARE}">{safe}</font>')
    return "".join(parts)


def draw_string(canvas, x: float, y: float, text: str, size: float) -> float:
    """Draw plain text on a canvas with fallback runs; returns the x after it."""
    for font, run in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)
    return x
