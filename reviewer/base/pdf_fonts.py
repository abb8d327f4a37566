"""Fonts for the PDFs the core writes (sheets, reports, demo materials), with reportlab.

WenQuanYi Micro Hei sets everything it can; characters it lacks (rare ideographs of
CJK Extension A–G, common in names: 䶮 U+4DAE, 𠮷 U+20BB7) are set in the bundled
BabelStone Han subset. ``SheetFonts.markup`` escapes hostile text for reportlab's
Paragraph mini-markup and wraps each run in a font that has its glyphs, so nothing
renders as an empty box; a character no font has is shown as its code point.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from reviewer.base.resources import CJK_FONT_FILE, RARE_FONT_FILE, font_bytes, fonts_dir

PRIMARY_FONT = "WQYMicroHei"
# TrueType fonts covering what WenQuanYi Micro Hei lacks, used when present in the
# fonts folder, in this order.
FALLBACK_FONT_FILES = (RARE_FONT_FILE,)

_CONTROL = {c for c in range(0x20) if c not in (0x0A,)} | {0x7F}


@dataclass(frozen=True)
class SheetFonts:
    """The registered primary font and the fallback font files, and how to set text."""

    primary: str
    fallback_files: tuple[Path, ...] = ()

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """The fallbacks' registered names. Registered on first use: the rare-character
        font takes about half a second to unpack and parse, and most sheets never need
        it."""
        return _register_fallbacks(self.fallback_files)

    def _font_for(self, ch: str) -> str | None:
        code = ord(ch)
        if code in _tt_font(self.primary).face.charToGlyph:
            return self.primary
        for name in self.fallbacks:
            if code in _tt_font(name).face.charToGlyph:
                return name
        return None

    def covers(self, text: str) -> bool:
        return all(ch.isspace() or self._font_for(ch) for ch in _clean(text))

    def markup(self, text: str) -> str:
        """Paragraph markup for untrusted text: escaped, each run in a font that has its
        glyphs; a character no font has is shown as its code point, never as tofu."""
        runs: list[tuple[str | None, str]] = []  # (fallback font or None, markup)
        for ch in _clean(text):
            if ch == "\n":
                piece, font = "<br/>", None
            elif ch == " ":
                piece, font = ch, None
            else:
                found = self._font_for(ch)
                if found is None:
                    piece, font = f"〔U+{ord(ch):04X}〕", None
                else:
                    piece, font = escape(ch), None if found == self.primary else found
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + piece)
            else:
                runs.append((font, piece))
        return "".join(
            text if font is None else f'<font name="{font}">{text}</font>' for font, text in runs
        )

    def plain(self, text: str) -> str:
        """Text for a single line drawn in the primary font (footer, captions)."""
        return "".join(
            ch if ch == " " or self._font_for(ch) == self.primary else "?"
            for ch in _clean(text).replace("\n", " ")
        )


def _clean(text: str) -> str:
    # Control characters and lone surrogates have no glyph and break the markup parser.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(" " if ord(ch) in _CONTROL or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap with code points beyond the BMP as UTF-16 pairs.

    reportlab writes them as five hex digits, which viewers misread (王𠮷 is extracted
    and searched as 王₻); the glyphs are right, only copy, search and screen readers
    suffer. Same output as reportlab's for every BMP character.
    """
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
    ]
    for i, code in enumerate(subset):
        utf16 = chr(code).encode("utf-16-be").hex().upper() if 0 <= code <= 0x10FFFF else "FFFD"
        lines.append(f"<{i:02X}> <{utf16}>")
    lines += ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _patch_reportlab() -> None:
    if getattr(ttfonts.makeToUnicodeCMap, "__name__", "") != _to_unicode_cmap.__name__:
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap


_lock = threading.Lock()
_registered: dict[tuple[Path, ...], SheetFonts] = {}
_fallback_names: dict[tuple[Path, ...], tuple[str, ...]] = {}


def sheet_fonts(fallback_paths: Sequence[Path] | None = None) -> SheetFonts:
    """Register the bundled font (once per process); the fallbacks are the given paths,
    or else those of ``FALLBACK_FONT_FILES`` found in the fonts folder."""
    if fallback_paths is None:
        fallback_paths = [
            fonts_dir() / n for n in FALLBACK_FONT_FILES if (fonts_dir() / n).exists()
        ]
    key = tuple(Path(p) for p in fallback_paths)
    with _lock:
        _patch_reportlab()
        if key in _registered:
            return _registered[key]
        if PRIMARY_FONT not in pdfmetrics.getRegisteredFontNames():
            # A .ttc: subfont 0 is the proportional face, 1 the monospaced one.
            pdfmetrics.registerFont(
                TTFont(PRIMARY_FONT, str(fonts_dir() / CJK_FONT_FILE), subfontIndex=0)
            )
        fonts = SheetFonts(PRIMARY_FONT, key)
        _registered[key] = fonts
        return fonts


def _register_fallbacks(paths: tuple[Path, ...]) -> tuple[str, ...]:
    with _lock:
        if paths not in _fallback_names:
            names = []
            for i, path in enumerate(paths):
                name = f"SheetFallback{i}_{path.name.split('.')[0]}"
                if name not in pdfmetrics.getRegisteredFontNames():
                    data = io.BytesIO(font_bytes(path))
                    pdfmetrics.registerFont(TTFont(name, data, subfontIndex=0))
                names.append(name)
            _fallback_names[paths] = tuple(names)
        return _fallback_names[paths]


def _tt_font(name: str) -> TTFont:
    """A font registered here: always a TrueType font, whose glyph map says what it covers."""
    font = pdfmetrics.getFont(name)
    if not isinstance(font, TTFont):
        raise TypeError(f"font {name!r} is not a TrueType font")
    return font


def draw_string(canvas: Canvas, x: float, y: float, text: str, size: float) -> float:
    """Draw one line on a canvas, each run in a font that has it; returns the end x."""
    fonts = sheet_fonts()
    for ch_run, font in _runs(fonts, text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, ch_run)
        x += pdfmetrics.stringWidth(ch_run, font, size)
    return x


def _runs(fonts: SheetFonts, text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ch in _clean(text).replace("\n", " "):
        font = fonts._font_for(ch) or fonts.primary
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + ch, font)
        else:
            out.append((ch, font))
    return out
