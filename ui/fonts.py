"""Register the bundled fonts so Chinese, rare name characters included, renders where
the system has no CJK font."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from reviewer.resources import CJK_FONT_FILE, RARE_FONT_FILE, fonts_dir


def _add(file: str) -> str | None:
    font_id = QFontDatabase.addApplicationFont(str(fonts_dir() / file))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else None


def register_bundled_font(app: QApplication) -> str | None:
    """Add WenQuanYi Micro Hei (and BabelStone Han for the rare ideographs it lacks, such
    as 䶮 and 𠮷) and make them the application font.

    Returns the main family, or None if it could not be loaded (the caller says so)."""
    family = _add(CJK_FONT_FILE)
    if family is None:
        return None
    rare = _add(RARE_FONT_FILE)
    font = QFont(family)
    font.setFamilies([family, rare] if rare else [family])
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)
    return family
