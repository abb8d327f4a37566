"""The main window. For now it hosts the rubric browser; review screens come later."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from reviewer import __version__
from reviewer.i18n import LANGUAGES, _, language
from reviewer.rubric import Rubric
from ui.rubric_browser import RubricBrowser


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
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        settings = menu.addMenu(_("&Settings"))
        lang_menu = settings.addMenu(_("&Language"))
        group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True)
            action.setChecked(code == language())
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.change_language(c))
            group.addAction(action)
            lang_menu.addAction(action)

        help_menu = menu.addMenu(_("&Help"))
        about = QAction(_("&About"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

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
