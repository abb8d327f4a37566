"""``reviewer-app``: start the GUI.

Without an identity in the reviewer's home the first-run wizard comes first; then the
review window opens locked. ``--pack`` opens a pack right after unlocking (``make demo``
uses it); ``--rubrics`` shows only the rubric browser; ``--secretariat DIR`` opens the
secretariat's window on the session folder DIR.

Start-up is kept to what the first window needs: the windows' modules are imported
when chosen, and the reviewer's window loads the core itself after it has painted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMainWindow

from reviewer.base import i18n
from reviewer.base.i18n import _
from reviewer.people.home import identity_exists, resolve_home
from ui import startup_probe
from ui.common.errors import install_excepthook, show_error
from ui.common.first_paint import after_first_paint
from ui.common.fonts import load_rare_font_in_background, register_bundled_font
from ui.common.screen_fit import show_fitted
from ui.common.translation import Translations

if TYPE_CHECKING:
    from reviewer.crypto.secret_store import SecretStore
    from ui.rubrics.window import MainWindow


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reviewer-app")
    parser.add_argument("--lang", choices=["zh", "en"], default=None)
    parser.add_argument("--home", type=Path, default=None, help="the reviewer's home folder")
    parser.add_argument("--pack", type=Path, default=None, help="open this pack after unlocking")
    parser.add_argument("--rubrics", action="store_true", help="only browse the rubrics")
    parser.add_argument(
        "--secretariat", type=Path, default=None, metavar="DIR", help="secretariat mode"
    )
    parser.add_argument("--self-test", action="store_true", help=_("check this installation"))
    return parser.parse_args(argv)


def prepare(app: QApplication, lang: str | None = None) -> Translations:
    """Fonts and translations for ``app``; the language comes from the argument, the
    saved setting, or the default (Chinese)."""
    app.setApplicationName("Reviewer Workstation")
    app.setOrganizationName("reviewer-workstation")
    if register_bundled_font(app) is None:
        print(_("warning: the bundled Chinese font could not be loaded"), file=sys.stderr)
    translations = Translations(app)
    saved = QSettings().value("language")
    translations.apply(lang or (str(saved) if saved else i18n.initial_language()))
    return translations


def _finish(app: QApplication, window: QMainWindow, translations: Translations) -> None:
    # Owned by the window, which lives as long as the app; a plain attribute on any window.
    setattr(window, "translations", translations)  # noqa: B010
    # Names with rare characters appear only later (after unlocking, after importing), so
    # the font waits for the first paint, and in the reviewer's window for the core to
    # load: on two cores, unpacking it alongside would slow loading by half.
    ready = getattr(window, "ready", None)
    if ready is not None:
        ready.connect(lambda: load_rare_font_in_background(app))
    else:
        after_first_paint(window, lambda: load_rare_font_in_background(app))


def create_window(app: QApplication, lang: str | None = None) -> MainWindow:
    """The rubric browser window (``--rubrics``)."""
    from reviewer.rubric.file import RubricError, bundled_rubrics
    from ui.rubrics.window import MainWindow

    translations = prepare(app, lang)
    try:
        rubrics = bundled_rubrics()
    except RubricError as exc:
        show_error(None, exc, _("Rubrics could not be loaded"), fatal=True)
        rubrics = []
    window = MainWindow(rubrics, translations.apply)
    _finish(app, window, translations)
    return window


def create_review_window(
    app: QApplication,
    home: Path,
    pack: Path | None = None,
    lang: str | None = None,
    store: SecretStore | None = None,
) -> QMainWindow | None:
    """The reviewer's window for ``home``, after the first-run wizard if needed.
    ``store``: where a remembered passphrase is kept (default: the OS keyring)."""
    from ui.reviewer.window import ReviewWindow

    translations = prepare(app, lang)
    if not identity_exists(home):
        from reviewer.crypto.secret_store import default_store
        from ui.reviewer.first_run import FirstRunWizard

        store = store or default_store()
        wizard = FirstRunWizard(home, store)
        if not wizard.exec() or wizard.identity_page.identity is None:
            return None
    window = ReviewWindow(home, translations.apply, pack, store)
    _finish(app, window, translations)
    return window


def create_secretariat_window(
    app: QApplication, session_dir: Path | None = None, lang: str | None = None
) -> QMainWindow:
    """The secretariat's window (``--secretariat DIR``): import, rank, report."""
    from ui.secretariat.window import SecretariatWindow

    translations = prepare(app, lang)
    window = SecretariatWindow(translations.apply, session_dir)
    _finish(app, window, translations)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.self_test:  # field readiness: see ui/self_test.py
        from ui import self_test

        return self_test.main(args.lang)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if not isinstance(app, QApplication):
        raise RuntimeError("the GUI needs a QApplication, not a QCoreApplication")
    window: QMainWindow | None
    # A bug escaping a slot is logged and shown, not printed on a terminal nobody reads.
    install_excepthook()
    if args.rubrics:
        window = create_window(app, args.lang)
    elif args.secretariat is not None:
        window = create_secretariat_window(app, args.secretariat, args.lang)
    else:
        window = create_review_window(app, resolve_home(args.home), args.pack, args.lang)
        if window is None:
            return 1
    show_fitted(window)
    startup_probe.watch(window)
    status = app.exec()
    # The reviewer's window may find, while loading, that the workspace is damaged.
    return 1 if getattr(window, "load_error", None) else status


if __name__ == "__main__":
    sys.exit(main())
