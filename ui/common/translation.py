"""Language switching for the UI: our gettext catalogue plus Qt's own qtbase strings."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from reviewer.base import i18n
from ui.common.qt_strings import QtGaps

_QT_LOCALES = {"zh_CN": "zh_CN", "en": "en"}


class Translations:
    """Owns the QTranslator for Qt's standard dialogs (buttons like OK/Cancel)."""

    def __init__(self, app: QApplication):
        self._app = app
        self._qt = QTranslator(app)
        self._gaps = QtGaps(app)  # what qtbase leaves in English, from our catalogue
        self._installed = False

    def apply(self, language: str) -> str:
        language = i18n.set_language(language)
        if self._installed:
            self._app.removeTranslator(self._qt)
            self._app.removeTranslator(self._gaps.translator)
            self._installed = False
        if language != "en":
            folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if self._qt.load(f"qtbase_{_QT_LOCALES[language]}", folder):
                self._app.installTranslator(self._qt)
                self._installed = True
            # Installed last, so Qt asks it first; it knows only the gaps.
            if self._gaps.load():
                self._app.installTranslator(self._gaps.translator)
                self._installed = True
        QLocale.setDefault(QLocale(_QT_LOCALES[language]))
        return language

    @property
    def qt_installed(self) -> bool:
        return self._installed
