"""``reviewer-app``: start the GUI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer import i18n
from reviewer.i18n import _
from reviewer.rubric_file import RubricError, bundled_rubrics
from ui.fonts import register_bundled_font
from ui.main_window import MainWindow
from ui.translation import Translations


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reviewer-app")
    parser.add_argument("--lang", choices=["zh", "en"], default=None)
    return parser.parse_args(argv)


def create_window(app: QApplication, lang: str | None = None) -> MainWindow:
    """Set up fonts and translations on ``app`` and build the main window."""
    if register_bundled_font(app) is None:
        print(_("warning: the bundled Chinese font could not be loaded"), file=sys.stderr)
    translations = Translations(app)
    translations.apply(lang or i18n.initial_language())
    try:
        rubrics = bundled_rubrics()
    except RubricError as exc:
        QMessageBox.critical(None, _("Rubrics could not be loaded"), exc.report())
        rubrics = []
    window = MainWindow(rubrics, translations.apply)
    window.translations = translations  # owned by the window, which lives as long as the app
    return window


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Reviewer Workstation")
    app.setOrganizationName("reviewer-workstation")
    window = create_window(app, args.lang)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
