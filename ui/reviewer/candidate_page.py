"""One candidate: the conflict declaration first; then profile, works, the attachment
viewer and the scoring panel; or, after a recusal, only the recusal.

Materials are requested from the core only after the reviewer has declared no
conflict (the core refuses otherwise, too). Decryption runs in the worker helper. A
material is recorded as viewed when the viewer says it is on screen (a document shown,
a work's first frame), not when it is decrypted.
"""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.pack.manifest import Attachment
from reviewer.review.scoring import Conflict
from reviewer.station.workstation import Workstation, WorkstationError
from ui.common import worker
from ui.common.errors import error_text, show_error
from ui.common.labels import plain_label
from ui.reviewer.attachment_viewer import AttachmentViewer, watermark_text
from ui.reviewer.media_stream import MediaStream, is_media
from ui.reviewer.review_editor import ReviewEditor
from ui.reviewer.scoring_panel import ScoringPanel


class ConflictPanel(QWidget):
    """Conflict before content: affirm no conflict, or recuse with a reason."""

    declared = Signal()
    recused = Signal(str)

    def __init__(self, name: str, affiliation: str):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Before the materials of {name} ({affiliation}) are opened, declare whether "
                    "you have a conflict of interest (回避). Your declaration is recorded and "
                    "signed with your sheet."
                ).format(name=name, affiliation=affiliation)
            )
        )
        self.no_conflict = QPushButton(_("I have no conflict of interest with this candidate"))
        self.no_conflict.setObjectName("declareNoConflict")
        self.no_conflict.clicked.connect(self.declared.emit)
        layout.addWidget(self.no_conflict)
        box = QGroupBox(_("Recuse (回避)"))
        row = QHBoxLayout(box)
        self.reason = QLineEdit()
        self.reason.setObjectName("recusalReason")
        self.reason.setPlaceholderText(_("Reason, e.g. same employer, supervisor, relative"))
        self.reason.setMaxLength(2000)
        self.recuse = QPushButton(_("Recuse"))
        self.recuse.setObjectName("recuse")
        self.recuse.setEnabled(False)
        self.reason.textChanged.connect(lambda t: self.recuse.setEnabled(bool(t.strip())))
        self.recuse.clicked.connect(lambda: self.recused.emit(self.reason.text().strip()))
        self.reason.returnPressed.connect(self.recuse.click)
        row.addWidget(self.reason, 1)
        row.addWidget(self.recuse)
        layout.addWidget(box)
        layout.addStretch(1)


class CandidatePage(QWidget):
    changed = Signal(str)  # candidate id, after every saved edit
    message = Signal(str)
    sign_requested = Signal()

    def __init__(self, station: Workstation, pack_id: str, candidate_id: str):
        super().__init__()
        self.station, self.pack_id, self.candidate_id = station, pack_id, candidate_id
        self.setObjectName("candidatePage")
        pack = station.workspace.pack(pack_id)
        info = pack.candidate(candidate_id)
        if info is None:
            raise WorkstationError(_("no candidate {id} in this pack").format(id=candidate_id))
        rubric = pack.rubric(info.rubric_id)
        if rubric is None:
            raise WorkstationError(_("the pack has no rubric {id}").format(id=info.rubric_id))
        details = info.details
        flags = []
        if details.get("central_western_border_ethnic"):
            flags.append(_("central/western, border or ethnic region (倾斜支持)"))
        if details.get("new_arts_group"):
            flags.append(_("new arts group (新文艺群体)"))
        layout = QVBoxLayout(self)
        title = plain_label(f"{info.name} · {rubric.category.get()}", bold=True)
        title.setObjectName("candidateTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        layout.addWidget(title)
        facts = " · ".join(
            x
            for x in (
                details.get("affiliation", ""),
                details.get("region", ""),
                details.get("programme", ""),
                *flags,
            )
            if x
        )
        layout.addWidget(plain_label(facts))
        self.unsaved_label = plain_label("")
        self.unsaved_label.setObjectName("unsavedLabel")
        self.unsaved_label.setStyleSheet("color: #a40000; font-weight: bold;")
        self.unsaved_label.setVisible(False)
        layout.addWidget(self.unsaved_label)

        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.conflict = ConflictPanel(info.name, details.get("affiliation", ""))
        self.stack.addWidget(self.conflict)

        self.work = QSplitter(Qt.Orientation.Horizontal)
        materials = QWidget()
        materials_layout = QVBoxLayout(materials)
        materials_layout.setContentsMargins(0, 0, 0, 0)
        materials_layout.addWidget(plain_label(_("Representative works and materials"), bold=True))
        self.materials = QListWidget()
        self.materials.setObjectName("materials")
        self.materials.setMaximumHeight(140)
        # A work's line (title, kind, length, share watched) is long: wrapped, it stays
        # readable without a sideways scroll at 1366×768.
        self.materials.setWordWrap(True)
        self.materials.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        materials_layout.addWidget(self.materials)
        self.viewer = AttachmentViewer(watermark_text(station.name, date.today().isoformat()))
        self.viewer.displayed.connect(self._viewed)
        self.viewer.watched.connect(self._watched)
        materials_layout.addWidget(self.viewer, 1)
        self.work.addWidget(materials)
        self.panel = ScoringPanel(rubric)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        scroll.setMinimumWidth(420)
        # The form scrolls; its footer (total, what is missing, 签署并导出) does not.
        self.scoring = QWidget()
        scoring_layout = QVBoxLayout(self.scoring)
        scoring_layout.setContentsMargins(0, 0, 0, 0)
        scoring_layout.setSpacing(0)
        scoring_layout.addWidget(scroll, 1)
        scoring_layout.addWidget(self.panel.footer)
        self.panel.footer.sign_requested.connect(self.sign_requested.emit)
        self.work.addWidget(self.scoring)
        self.work.setSizes([620, 520])
        self._split_before_reading: QByteArray | None = None
        self.stack.addWidget(self.work)

        self.recused_label = plain_label("")
        self.recused_label.setObjectName("recusedLabel")
        self.recused_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.recused_label)

        review = station.workspace.review(pack_id, candidate_id)
        self.editor = ReviewEditor(station.workspace, pack_id, self.panel, review)
        self.editor.saved.connect(lambda _ev: self._after_save())
        self.editor.failed.connect(self.message.emit)
        self.editor.unsaved.connect(self._not_saved)
        self.conflict.declared.connect(self._declare)
        self.conflict.recused.connect(self._recuse)
        self.materials.itemActivated.connect(self._open_item)
        self.materials.itemClicked.connect(self._open_item)
        self._show_state()

    # --- state ------------------------------------------------------------------------

    def _show_state(self) -> None:
        review = self.editor.review
        if review.conflict is Conflict.UNDECLARED:
            self.stack.setCurrentWidget(self.conflict)
        elif review.conflict is Conflict.RECUSED:
            self.recused_label.setText(
                _(
                    "You recused yourself (回避): {reason}\nThis candidate's materials stay closed."
                ).format(reason=review.recusal_reason)
            )
            self.stack.setCurrentWidget(self.recused_label)
        else:
            if self.materials.count() == 0:
                self._list_materials()
            self.stack.setCurrentWidget(self.work)

    def _after_save(self) -> None:
        self.unsaved_label.setVisible(False)
        self._show_state()
        self.changed.emit(self.candidate_id)

    def _not_saved(self, exc: Exception) -> None:
        """A full disk or a read-only folder: say so (a box the first time), keep the
        entry on screen and marked, and save it again later."""
        first = self.unsaved_label.isHidden()
        self.unsaved_label.setText(
            _(
                "Not saved: {reason}. What you entered is kept here and saved again with "
                "your next change."
            ).format(reason=str(exc))
        )
        self.unsaved_label.setVisible(True)
        self.message.emit(_("Your last change was not saved: {reason}").format(reason=exc))
        if first:
            show_error(self, exc, _("Your change was not saved"))

    @property
    def unsaved(self) -> bool:
        """An edit is on screen that could not be written."""
        return self.editor.unsaved_review is not None

    def _declare(self) -> None:
        self.editor.push(self.editor.review.with_conflict(Conflict.NONE))

    def _recuse(self, reason: str) -> None:
        self.editor.push(self.editor.review.with_conflict(Conflict.RECUSED, reason))

    # --- materials --------------------------------------------------------------------

    def _list_materials(self) -> None:
        try:
            candidate = self.station.candidate(self.pack_id, self.candidate_id)
        except WorkstationError as exc:
            self.viewer.show_message(str(exc))
            return
        manifest = self.station.manifest(self.pack_id)
        watched = self._watched_percent()
        for n, work in enumerate(candidate.works, start=1):
            text = _("Work {n}: {title} · {kind} · {year}").format(
                n=n, title=work.title, kind=work.kind, year=work.year
            )
            if not work.attachment:
                text += " " + _("(no file)")
            else:
                text += _facts(manifest.attachment(work.attachment), watched.get(work.attachment))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, work.attachment)
            self.materials.addItem(item)
        for sha in candidate.other_materials:
            meta = manifest.attachment(sha)
            item = QListWidgetItem(
                _("Material: {name}").format(name=meta.name if meta else sha[:12])
                + _facts(meta, watched.get(sha))
            )
            item.setData(Qt.ItemDataRole.UserRole, sha)
            self.materials.addItem(item)

    def _watched_percent(self) -> dict[str, int]:
        """How much of each audio or video material the reviewer has played, in percent."""
        try:
            records = self.station.viewing(self.pack_id, self.candidate_id)
        except ReviewerError:
            return {}
        return {r.sha256: r.percent for r in records if r.duration_ms}

    def _watched(self, sha: str, start_ms: int, end_ms: int) -> None:
        """A span the player played: into the sealed viewing record, and the list."""
        player = self.viewer.player
        meta = self.station.manifest(self.pack_id).attachment(sha) if sha else None
        duration = (player.duration_ms if player is not None else 0) or (
            meta.duration_ms if meta and meta.duration_ms else 0
        )
        if not sha or duration <= 0:
            return
        try:
            self.station.record_viewing(
                self.pack_id, self.candidate_id, sha, start_ms, end_ms, duration
            )
        except ReviewerError as exc:
            self.message.emit(error_text(exc))
            return
        current = self.materials.currentRow()
        self.materials.clear()
        self._list_materials()
        self.materials.setCurrentRow(current)

    def _open_item(self, item: QListWidgetItem) -> None:
        sha = item.data(Qt.ItemDataRole.UserRole)
        if not sha:
            self.viewer.show_message(_("No file was provided for this work."))
            return
        if sha == self.viewer.current_key:
            return  # a click and an activation of the same item: decrypt once
        meta = self.station.manifest(self.pack_id).attachment(sha)
        if meta is not None and is_media(meta.media_type):
            self.viewer.show_media(
                lambda: self._open_stream(sha), meta.media_type, meta.name, key=sha
            )
            return
        self.viewer.show_pending(_("Decrypting…"), sha)
        worker.run_task(
            # Recorded as viewed once shown (``_viewed``), not here: it may not be showable.
            lambda _ctx: self.station.attachment(
                self.pack_id, self.candidate_id, sha, record=False
            ),
            lambda result: self._show_attachment(sha, result),
            self._attachment_refused,
        )

    def _open_stream(self, sha: str) -> MediaStream:
        """Runs on the worker: the work's stream (its header and end checked; the blocks
        decrypted and checked as the player reads them)."""
        return self.station.attachment_stream(self.pack_id, self.candidate_id, sha)

    def _show_attachment(self, sha: str, result: tuple[bytes, Attachment]) -> None:
        # The page may have been torn down (locked), or another material chosen, while
        # the worker decrypted.
        if shiboken6.isValid(self.viewer) and self.viewer.current_key == sha:
            data, meta = result
            self.viewer.show_attachment(data, meta.media_type, meta.name, key=sha)

    def _attachment_refused(self, exc: Exception) -> None:
        if shiboken6.isValid(self.viewer):
            self.viewer.show_message(error_text(exc))

    def _viewed(self, sha: str) -> None:
        """On screen now: the audit entry. Not recorded, not shown."""
        if not sha:
            return
        try:
            self.station.record_viewed(self.pack_id, self.candidate_id, sha)
        except ReviewerError as exc:
            self.viewer.show_message(error_text(exc))
            self.message.emit(error_text(exc))

    def set_reading(self, reading: bool) -> None:
        """The large viewer: the scoring form out of the way, the materials across the
        page; left, the split is put back exactly as it was."""
        if reading == (self._split_before_reading is not None):
            return
        if reading:
            self._split_before_reading = self.work.saveState()
            self.scoring.hide()
            if self.stack.currentWidget() is self.work:
                self.viewer.focus_content()
        else:
            state, self._split_before_reading = self._split_before_reading, None
            self.scoring.show()
            if state is not None:
                self.work.restoreState(state)

    def tear_down(self) -> None:
        """Before the page goes (a lock, another pack, quitting): a work stops playing
        and its buffers go now, not when Qt deletes the page."""
        self.viewer.drop_media()

    def flush(self) -> bool:
        """Deliver what is being typed and write what a refused write left unsaved;
        True when nothing is left unsaved."""
        self.panel.flush()
        return self.editor.retry()


def _length(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def _facts(meta: Attachment | None, watched: int | None) -> str:
    """What the list says of a file before it is opened: its kind, a work's length, and
    how much of it was played."""
    if meta is None:
        return ""
    kind = meta.media_type.split(";")[0]
    words = {
        "application/pdf": "PDF",
        "text/plain": _("text"),
    }.get(kind) or (
        _("video")
        if kind.startswith("video/")
        else _("audio")
        if kind.startswith("audio/")
        else _("image")
        if kind.startswith("image/")
        else kind
    )
    parts = [words]
    if meta.duration_ms:
        parts.append(_length(meta.duration_ms))
    if watched is not None:
        parts.append(_("watched {p}%").format(p=watched))
    return " · " + " · ".join(parts)
