"""The rubric browser window (``reviewer-app --rubrics``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from reviewer import __version__
from reviewer.base.i18n import _
from reviewer.rubric.model import Rubric
from ui.common.actions import add_action, add_language_menu
from ui.rubrics.browser import RubricBrowser


class MainWindow(QMainWindow):
    def __init__(self, rubrics: list[Rubric], switch_language: Callable[[str], str]):
        super().__init__()
        self._switch_language = switch_language
        self.setObjectName("mainWindow")
        self.browser = RubricBrowser(rubrics)
        self.setCentralWidget(self.browser)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)
        self.resize(1280, 760)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Reviewer Workstation · rubrics of the national talent plan"))
        menu = self.menuBar()
        menu.clear()
        file_menu = menu.addMenu(_("&File"))
        add_action(self, file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        add_language_menu(self, menu.addMenu(_("&Settings")), self.change_language)

        help_menu = menu.addMenu(_("&Help"))
        add_action(self, help_menu, _("&About"), self.show_about)

        self.status.setText(_("{n} rubrics · offline").format(n=len(self.browser.rubrics)))
        self.browser.retranslate()

    def change_language(self, code: str) -> None:
        self._switch_language(code)
        self.retranslate()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            _("About Reviewer Workstation"),
            _(
                "Reviewer Workstation {version}\n"
                "Offline review of candidates under the national radio, television and online "
                "audiovisual talent plan."
            ).format(version=__version__),
        )
