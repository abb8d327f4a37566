"""Edits of one candidate's review: undoable, and saved through the core on each step.

Each edit the panel reports becomes a ``QUndoCommand`` holding the review before and
after; doing or undoing it saves that review through the workspace (which validates it
with the scoring core and writes it with its audit event) and shows the result.

An edit the core refuses (an invalid value) is undone on screen. An edit the computer
could not write (a full disk, a read-only folder: ``WorkspaceWriteError``) stays on
screen as ``unsaved`` and is saved again by ``retry`` (on flush: switching candidate,
locking, closing, signing) or with the next edit, which carries it along.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMessageBox

from reviewer.base.i18n import _
from reviewer.review.scoring import Evaluation, Review, evaluate
from reviewer.workspace.model import Status
from reviewer.workspace.store import Workspace, WorkspaceError, WorkspaceWriteError
from ui.reviewer.scoring_panel import ScoringPanel


class _SetReview(QUndoCommand):
    def __init__(self, editor: ReviewEditor, before: Review, after: Review):
        super().__init__(_("edit the review of {id}").format(id=after.candidate_id))
        self._editor, self._before, self._after = editor, before, after

    @property
    def edit(self) -> tuple[Review, Review]:
        return self._before, self._after

    def redo(self) -> None:
        self._editor.apply(self._after)

    def undo(self) -> None:
        self._editor.apply(self._before)


class ReviewEditor(QObject):
    saved = Signal(object)  # Evaluation
    failed = Signal(str)  # refused by the core: the saved state is shown again
    unsaved = Signal(object)  # WorkspaceWriteError: the edit stays on screen, not saved

    def __init__(self, workspace: Workspace, pack_id: str, panel: ScoringPanel, review: Review):
        super().__init__(panel)
        self.workspace, self.pack_id, self.panel = workspace, pack_id, panel
        self.stack = QUndoStack(self)
        self.review = review  # as saved
        self.unsaved_review: Review | None = None  # on screen, but not written yet
        self._replaying = False
        self._signed_change_allowed: int | None = None  # the signed version said yes to
        panel.review_edited.connect(self.push)
        panel.show_review(review, workspace.evaluation(pack_id, review.candidate_id))

    def push(self, new: Review) -> None:
        """Do an edit (undoably): the panel's, or a declaration from the page. The first
        change to a signed review asks first (it will need a new signed version)."""
        if not self._may_change_signed():
            self.panel.show_review(
                self.review, self.workspace.evaluation(self.pack_id, self.review.candidate_id)
            )
            return
        self.stack.push(_SetReview(self, self.review, new))

    def _may_change_signed(self) -> bool:
        try:
            entry = self.workspace.candidate_entry(self.pack_id, self.review.candidate_id)
        except WorkspaceError:
            return True  # the save that follows says what is wrong
        if entry.status is not Status.SIGNED or self._signed_change_allowed == entry.version:
            return True
        answer = QMessageBox.question(
            self.panel,
            _("Change a signed review?"),
            _(
                "You signed this review as version {v}. If you change it, you must sign and "
                "export a new version, which replaces the sheet you exported. Change it?"
            ).format(v=entry.version),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._signed_change_allowed = entry.version
        return True

    def history(self) -> tuple[tuple[tuple[Review, Review], ...], int]:
        """The edits on the undo stack, (before, after) each, and how many are done."""
        edits = []
        for i in range(self.stack.count()):
            command = self.stack.command(i)
            if isinstance(command, _SetReview):
                edits.append(command.edit)
        return tuple(edits), self.stack.index()

    def restore_history(self, edits: Sequence[tuple[Review, Review]], index: int) -> bool:
        """Put a history kept across a lock back, without saving anything: only when the
        review saved now is the one the history left (else the history is dropped)."""
        if not 0 <= index <= len(edits) or self.stack.count():
            return False
        expected = edits[index - 1][1] if index else (edits[0][0] if edits else self.review)
        if expected != self.review:
            return False
        self._replaying = True
        try:
            for before, after in edits:
                self.stack.push(_SetReview(self, before, after))
            self.stack.setIndex(index)
        finally:
            self._replaying = False
        return True

    def apply(self, review: Review) -> None:
        if self._replaying:
            return  # restoring a history: the review is already saved as it stands
        try:
            evaluation: Evaluation = self.workspace.save_review(self.pack_id, review)
        except WorkspaceWriteError as exc:
            # The computer refused the write: the widgets show (keep) what was entered.
            self.unsaved_review = review
            self.panel.show_review(review, evaluate(self.panel.rubric, review))
            self.unsaved.emit(exc)
            return
        except WorkspaceError as exc:
            # Refused by the core: show the saved state again, and why.
            self.panel.show_review(
                self.review, self.workspace.evaluation(self.pack_id, self.review.candidate_id)
            )
            self.failed.emit(str(exc))
            return
        self.review, self.unsaved_review = review, None
        self.panel.show_review(review, evaluation)
        self.saved.emit(evaluation)

    def retry(self) -> bool:
        """Write the edit left unsaved, if any; True when nothing is left unsaved."""
        if self.unsaved_review is not None:
            self.apply(self.unsaved_review)
        return self.unsaved_review is None
