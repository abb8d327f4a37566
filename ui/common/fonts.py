"""Register the bundled fonts so Chinese, rare name characters included, renders where
the system has no CJK font.

WenQuanYi Micro Hei is registered at once: every window needs it. The rare-character
font (BabelStone Han, for the ideographs Micro Hei lacks, such as 䶮 and 𠮷) ships
xz-compressed and takes about 0.3 s to unpack, so the app unpacks it on the worker
after the first window is up; names are shown only later, after unlocking.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from reviewer.base.i18n import _
from reviewer.base.resources import CJK_FONT_FILE, RARE_FONT_FILE, font_bytes, fonts_dir
from ui.common import worker

_rare_family: str | None = None  # once registered, for the whole application
_rare_loading = False


def _family(font_id: int) -> str | None:
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else None


def _apply(app: QApplication, family: str) -> None:
    font = QFont(family)
    font.setFamilies([family, _rare_family] if _rare_family else [family])
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)


def register_bundled_font(app: QApplication) -> str | None:
    """Add WenQuanYi Micro Hei and make it the application font (with the rare-character
    font behind it, once that is loaded).

    Returns the family, or None if it could not be loaded (the caller says so)."""
    family = _family(QFontDatabase.addApplicationFont(str(fonts_dir() / CJK_FONT_FILE)))
    if family is not None:
        _apply(app, family)
    return family


def _add_rare(app: QApplication, data: bytes) -> str | None:
    global _rare_family
    if _rare_family is None:
        _rare_family = _family(QFontDatabase.addApplicationFontFromData(QByteArray(data)))
        main = app.font().families()
        if _rare_family and main:
            _apply(app, main[0])
    return _rare_family


def register_rare_font(app: QApplication) -> str | None:
    """Load the rare-character font now (the self-test); returns its family or None."""
    return _rare_family or _add_rare(app, font_bytes(fonts_dir() / RARE_FONT_FILE))


def load_rare_font_in_background(app: QApplication) -> None:
    """Unpack the rare-character font on the worker and add it when ready."""
    global _rare_loading
    if _rare_family is not None or _rare_loading:
        return
    _rare_loading = True

    def done(data: bytes) -> None:
        global _rare_loading
        _rare_loading = False
        if _add_rare(app, data) is None:
            failed(ValueError(RARE_FONT_FILE))

    def failed(exc: Exception) -> None:
        global _rare_loading
        _rare_loading = False
        # Not fatal: rare characters then show as boxes on screen (the sheets have
        # their own fallback), and the self-test names the damaged file.
        print(
            _("warning: the rare-character font could not be loaded: {error}").format(error=exc),
            file=sys.stderr,
        )

    worker.run_task(lambda _ctx: font_bytes(fonts_dir() / RARE_FONT_FILE), done, failed)
