"""What the reviewer works in once unlocked with a pack open: the candidate list on the
left, the page of the chosen candidate on the right.

Built after unlocking and thrown away on lock; it holds ids and the widgets showing
them, and asks the workstation for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoGroup
from PySide6.QtWidgets import QSplitter, QStackedWidget

from reviewer.base.i18n import _
from reviewer.review.scoring import Review
from reviewer.station.workstation import Workstation
from reviewer.workspace.model import ReviewHistory
from ui.common.labels import plain_label
from ui.common.window_keys import keep_window_keys
from ui.reviewer.candidate_list import CandidateList
from ui.reviewer.candidate_page import CandidatePage


class ReviewWork(QSplitter):
    message = Signal(str)  # for the status bar
    sign_requested = Signal()  # a page's 签署并导出

    def __init__(
        self,
        station: Workstation,
        pack_id: str,
        undo_group: QUndoGroup,
        window_keys: Sequence[QKeySequence] = (),
    ):
        super().__init__(Qt.Orientation.Horizontal)
        self.station, self.pack_id, self.undo_group = station, pack_id, undo_group
        self.window_keys = list(window_keys)
        self.pages: dict[str, CandidatePage] = {}
        pack = station.workspace.pack(pack_id)
        self.candidate_list = CandidateList({r.id: r for r in pack.rubrics})
        self.candidate_list.setMinimumWidth(380)
        self.candidate_list.set_entries(station.workspace.candidates(pack_id))
        self.candidate_list.candidate_selected.connect(self.show_candidate)
        self.page_stack = QStackedWidget()
        hint = plain_label(_("Choose a candidate from the list."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_stack.addWidget(hint)
        self.addWidget(self.candidate_list)
        self.addWidget(self.page_stack)
        self.setSizes([430, 936])
        self._split_before_reading: QByteArray | None = None  # in the large viewer

    @property
    def large_viewer(self) -> bool:
        return self._split_before_reading is not None

    def set_large_viewer(self, on: bool) -> None:
        """The materials as large as the window allows: the candidate list and the
        page's scoring form hidden; left, both splits as they were."""
        if on == self.large_viewer:
            return
        page = self._page()
        if on:
            self._split_before_reading = self.saveState()
            self.candidate_list.hide()
        else:
            state, self._split_before_reading = self._split_before_reading, None
            self.candidate_list.show()
            if state is not None:
                self.restoreState(state)
        if page is not None:
            page.set_reading(on)

    def current_candidate(self) -> str | None:
        page = self.page_stack.currentWidget()
        return page.candidate_id if isinstance(page, CandidatePage) else None

    def show_candidate(self, candidate_id: str) -> None:
        page = self.pages.get(candidate_id)
        if page is None:
            page = CandidatePage(self.station, self.pack_id, candidate_id)
            page.changed.connect(self.refresh_candidate)
            page.message.connect(self.message)
            page.sign_requested.connect(self.sign_requested)
            keep_window_keys(page, self.window_keys, before=page.flush)
            self.pages[candidate_id] = page
            self.page_stack.addWidget(page)
            self.undo_group.addStack(page.editor.stack)
        previous = self.page_stack.currentWidget()
        if isinstance(previous, CandidatePage):
            previous.flush()
            if previous is not page:
                previous.set_reading(False)
        page.set_reading(self.large_viewer)
        self.page_stack.setCurrentWidget(page)
        self.undo_group.setActiveStack(page.editor.stack)
        self.candidate_list.select(candidate_id)

    def refresh_candidate(self, candidate_id: str) -> None:
        """Update one candidate's row after its review changed."""
        entry = self.station.workspace.candidate_entry(self.pack_id, candidate_id)
        self.candidate_list.update_entry(entry)

    def flush(self, candidate_id: str | None = None) -> bool:
        """Save what is being typed, and what a refused write left unsaved: on one page,
        or on every open page. True when nothing is left unsaved."""
        pages = self.pages.values() if candidate_id is None else [self.pages[candidate_id]]
        return all([page.flush() for page in pages])

    def typed_problems(self, candidate_id: str | None = None) -> list[str]:
        """Scores typed but not taken on the open pages (or one), in words."""
        pages = self.pages.values() if candidate_id is None else [self.pages[candidate_id]]
        return [text for page in pages for text in page.panel.typed_problems()]

    def unsaved(self) -> list[Review]:
        """The edits on screen that could not be written (a full disk …)."""
        return [p.editor.unsaved_review for p in self.pages.values() if p.editor.unsaved_review]

    def restore_unsaved(self, reviews: list[Review]) -> None:
        """Put edits kept across a lock back on their pages and write them again."""
        for review in reviews:
            self.show_candidate(review.candidate_id)
            self.pages[review.candidate_id].editor.push(review)

    def _page(self) -> CandidatePage | None:
        page = self.page_stack.currentWidget()
        return page if isinstance(page, CandidatePage) else None

    def declare_no_conflict(self) -> None:
        page = self._page()
        if page is not None and page.stack.currentWidget() is page.conflict:
            page.conflict.no_conflict.click()

    def go_to(self, part: str) -> None:
        """Put the focus on a part of the form: "checks", "scores" or "opinion"."""
        page = self._page()
        if page is not None and page.stack.currentWidget() is page.work:
            page.panel.go_to(part)

    def playing(self) -> bool:
        """A work is playing on the page shown (watching is not idleness)."""
        page = self._page()
        player = page.viewer.player if page is not None else None
        return player is not None and player.playing

    def has_candidate(self, candidate_id: str) -> bool:
        return any(e.candidate_id == candidate_id for e in self.candidate_list.model.entries)

    def histories(self) -> list[ReviewHistory]:
        """Every open page's undo history (kept across a lock, sealed)."""
        return [
            ReviewHistory(cid, *page.editor.history())
            for cid, page in self.pages.items()
            if page.editor.stack.count()
        ]

    def restore_histories(self, histories: list[ReviewHistory]) -> None:
        """Put undo histories back on their pages, where the review is still what the
        history says it is (nothing else may have changed it meanwhile)."""
        for history in histories:
            if not self.has_candidate(history.candidate_id):
                continue
            self.show_candidate(history.candidate_id)
            self.pages[history.candidate_id].editor.restore_history(history.edits, history.index)

    def tear_down(self) -> None:
        """Drop every page (and its undo history): nothing decrypted stays on screen."""
        for page in self.pages.values():
            page.tear_down()  # a work playing stops now, its buffers dropped
            self.undo_group.removeStack(page.editor.stack)
            page.deleteLater()
        self.pages.clear()
