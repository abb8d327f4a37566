"""Register the bundled CJK font so Chinese renders where the system has none."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from reviewer.resources import CJK_FONT_FILE, fonts_dir


def register_bundled_font(app: QApplication) -> str | None:
    """Add WenQuanYi Micro Hei to the application and make it the default font.

    Returns the family name, or None if the font file could not be loaded (the app
    then falls back to whatever the system has, and says so on stderr)."""
    font_id = QFontDatabase.addApplicationFont(str(fonts_dir() / CJK_FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    family = families[0]
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)
    return family
