"""``reviewer-app --self-test``: the GUI's own checks, then the core self-test.

Runs with or without a display: when there is none (a bureau's server, CI, a bundle
checked over SSH), Qt's offscreen platform is chosen, so the test needs nothing but the
bundle.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from reviewer.base import i18n
from reviewer.base.i18n import _
from reviewer.base.resources import CJK_FONT_FAMILY, RARE_FONT_FAMILY, demo_dir
from reviewer.self_test import COMMON_TEXT, RARE_TEXT, StepFailed, StepRunner, run_self_test
from ui.common.fonts import register_rare_font

# Code points no font has (the last private-use plane's last character): what Qt draws
# for them is the "missing glyph", the tofu box the Chinese must never look like.
MISSING_GLYPH = "\U0010fffd"


def _ensure_platform() -> None:
    """Offscreen when no display can be reached, so the self-test runs anywhere."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _out(line: str) -> None:
    # A windowed Windows executable may have no stdout at all; never crash on it.
    if sys.stdout is not None:
        print(line, flush=True)


def render_text(text: str, font: QFont) -> QImage:
    """``text`` drawn by a QLabel in ``font``, black on white, as an image."""
    label = QLabel(text)
    label.setFont(font)
    label.setStyleSheet("color: black; background: white;")
    label.adjustSize()
    image = QImage(label.size(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    label.render(image)
    return image


def _ink(image: QImage) -> int:
    """How many pixels are not white: zero means nothing was drawn."""
    white = QColor("white").rgb()
    return sum(
        1 for y in range(image.height()) for x in range(image.width()) if image.pixel(x, y) != white
    )


def check_glyphs_render(font: QFont, text: str) -> None:
    """Each character of ``text`` must draw something, and something other than the
    missing-glyph box (tofu) that Qt draws when no font, bundled or system, has it."""
    tofu = render_text(MISSING_GLYPH, font)
    seen: list[tuple[str, QImage]] = []
    for ch in text:
        image = render_text(ch, font)
        if _ink(image) == 0:
            raise StepFailed(_("{char} renders as nothing").format(char=ch))
        if image == tofu:
            raise StepFailed(_("{char} renders as an empty box").format(char=ch))
        for other, picture in seen:
            if image == picture:  # two characters, one picture: a fallback box
                raise StepFailed(_("{a} and {b} render the same").format(a=other, b=ch))
        seen.append((ch, image))


def check_media_plays(timeout_ms: int = 15_000) -> str:
    """The practice video played from memory by the reviewer's player until its first
    frame: Qt Multimedia, its FFmpeg plugin and libraries are there and decode H.264."""
    from PySide6.QtCore import QEventLoop, QTimer

    try:
        from ui.reviewer.media_player import MediaPlayer
    except ImportError as exc:
        raise StepFailed(_("Qt Multimedia is not installed: {error}").format(error=exc)) from None
    from ui.reviewer.media_stream import DecryptedAttachment

    data = (demo_dir() / "video-work.mp4").read_bytes()
    player = MediaPlayer("self-test")
    loop = QEventLoop()
    failures: list[str] = []
    player.displayed.connect(loop.quit)
    player.failed.connect(failures.append)
    player.failed.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    try:
        player.play_stream(DecryptedAttachment(data, "video/mp4", "video-work.mp4"))
        loop.exec()
        frame = player.view.video.videoSink().videoFrame()
        if failures:
            raise StepFailed(failures[0])
        if not frame.isValid():
            raise StepFailed(_("no frame of the practice video was decoded"))
        return f"{frame.width()}×{frame.height()}"
    finally:
        player.drop()
        player.deleteLater()


def run_gui_self_test(print_line: Callable[[str], None] = _out, lang: str | None = None) -> bool:
    """The GUI steps (font registration, the main window, Chinese rendered with the
    bundled fonts, a video played), then the core self-test. Needs a QApplication."""
    from ui.app import create_window

    window: list[QWidget] = []
    step = StepRunner(print_line)

    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def build_window() -> str:
        created = create_window(app, lang)
        created.show()
        app.processEvents()
        window.append(created)
        register_rare_font(app)  # the app loads it in the background; here, wait for it
        families = app.font().families()
        if not families or families[0] != CJK_FONT_FAMILY:
            raise StepFailed(
                _("the application font is {family}, not {expected}").format(
                    family=", ".join(families) or "?", expected=CJK_FONT_FAMILY
                )
            )
        if RARE_FONT_FAMILY not in families:
            raise StepFailed(
                _("the rare-character font {family} is not loaded").format(family=RARE_FONT_FAMILY)
            )
        return f"{QApplication.platformName()}, {', '.join(families)}"

    def chinese_renders() -> str:
        check_glyphs_render(app.font(), COMMON_TEXT + RARE_TEXT)
        return COMMON_TEXT + RARE_TEXT

    step(_("main window with the bundled fonts"), build_window)
    step(_("Chinese renders with the bundled fonts"), chinese_renders)
    step(_("a video plays (Qt Multimedia, FFmpeg)"), check_media_plays)
    language = i18n.language()
    ok = run_self_test(print_line) and step.ok
    i18n.set_language(language)
    for created in window:
        created.close()
    return ok


def main(lang: str | None = None) -> int:
    """Entry point of ``reviewer-app --self-test``: 0 when every step passed, else 1."""
    _ensure_platform()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Reviewer Workstation")
    ok = run_gui_self_test(_out, lang)
    _out(_("self-test passed") if ok else _("self-test FAILED"))
    return 0 if ok else 1
