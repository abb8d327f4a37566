"""The secretariat window's 决定与归档 menu (Decision & archive): the minutes and the 公示
list of a counted round, the session's archive and the verification of an archive.

Kept out of window.py, which only installs the menu and enables it. The dialogs start
from what the window already knows (the candidate list chosen, the sheets imported,
the reports exported, the packs), so the secretary confirms rather than types again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenuBar

from reviewer.base.i18n import _
from ui.common.actions import add_action
from ui.secretariat.archive_dialogs import ArchiveDefaults, ArchiveDialog, VerifyDialog
from ui.secretariat.outcome_dialogs import MinutesDialog, PublicityDialog

if TYPE_CHECKING:
    from ui.secretariat.window import SecretariatWindow


class OutcomeMenu(QObject):
    def __init__(self, window: SecretariatWindow):
        super().__init__(window)
        self.window = window
        self.session_actions: list[QAction] = []
        self.verify_action: QAction | None = None

    def install(self, bar: QMenuBar) -> None:
        menu = bar.addMenu(_("&Decision && archive"))
        w = self.window
        self.session_actions = [
            add_action(w, menu, _("&Minutes…"), self.minutes),
            add_action(w, menu, _("&Publicity list…"), self.publicity),
        ]
        menu.addSeparator()
        self.session_actions.append(add_action(w, menu, _("&Archive…"), self.archive))
        self.verify_action = add_action(w, menu, _("&Verify an archive…"), self.verify)

    def set_enabled(self, has_session: bool, idle: bool) -> None:
        for action in self.session_actions:
            action.setEnabled(has_session and idle)
        if self.verify_action is not None:  # an auditor verifies without a session
            self.verify_action.setEnabled(idle)

    def _candidates(self) -> Path | None:
        listed = self.window.candidate_list
        return listed.path if listed is not None else None

    def minutes(self) -> MinutesDialog | None:
        session = self.window.session
        if session is None or self.window.busy:
            return None
        dialog = MinutesDialog(session, self._candidates(), self.window)
        dialog.exec()
        return dialog

    def publicity(self) -> PublicityDialog | None:
        session = self.window.session
        if session is None or self.window.busy:
            return None
        dialog = PublicityDialog(session, self._candidates(), self.window)
        dialog.exec()
        return dialog

    def defaults(self) -> ArchiveDefaults:
        """What the window has used in this session: the sheets imported, the folder the
        reports went to, the packs chosen or built."""
        w = self.window
        packs: list[Path] = list(w.packs.paths) if w.packs is not None else []
        if not packs and w.last_build is not None:
            packs = [p.path for p in w.last_build.packs]
        return ArchiveDefaults(
            sheets=[w.sheets_dir] if w.sheets_dir is not None else [],
            reports=[w.last_export.folder] if w.last_export is not None else [],
            packs=packs,
        )

    def archive(self) -> ArchiveDialog | None:
        session = self.window.session
        if session is None or self.window.busy:
            return None
        dialog = ArchiveDialog(session, self.defaults(), self.window)
        dialog.exec()
        return dialog

    def verify(self) -> VerifyDialog | None:
        if self.window.busy:
            return None
        dialog = VerifyDialog(self.window.session, self.window)
        dialog.exec()
        return dialog
