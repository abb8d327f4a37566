"""The scoring panel: the two checks first, then each criterion, the opinion and the
recommendation, with the live total and a list of what is still missing.

The panel holds no rules. It shows a ``Review`` and its ``Evaluation`` (both from the
core) and reports each edit as a new ``Review`` through ``review_edited``; the editor
that owns it saves through the core and calls ``show`` with the result. Keyboard: Tab
moves between fields; a score box takes digits and Up/Down moves by the step.

Nothing changes behind the reviewer's back: the wheel scrolls the panel unless the box
under the pointer has the focus (a committee member scrolling past a score must not
change it), and a typed score is kept exactly as typed. One off the step or out of range
("7.3", "11") is not rounded or clamped: the core's evaluation calls it a problem, which
is shown in red beside the field and in the list of what is missing, and the review
cannot be signed until it is corrected.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QResizeEvent, QStandardItemModel, QWheelEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.review.scoring import (
    CheckEntry,
    Evaluation,
    Outcome,
    Review,
    recommendation_allowed,
    score_problem,
)
from reviewer.rubric.model import CheckKind, CheckResult, Criterion, Rubric, canonical_decimal
from ui.common.labels import plain_label

TEXT_DEBOUNCE_MS = 300


def _decimals(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N" or "F": NaN or infinity
        raise ValueError(f"a score step must be a finite number, not {step}")
    return max(0, -exponent)


# Room for what a reviewer might type beyond a criterion's maximum ("85" for 8.5), so it
# is kept and called wrong rather than clamped; Up/Down still stop at the maximum.
_TYPED_CEILING = 10_000.0
# Decimals a typed score may carry beyond its step's ("7.25" on a step of 0.5).
_EXTRA_DECIMALS = 2


class ScoreBox(QDoubleSpinBox):
    """A score on the criterion's step; the value one step below 0 means "not scored"."""

    focused = Signal(str)  # the criterion id, when the box takes the focus

    def __init__(self, criterion: Criterion):
        super().__init__()
        self.criterion = criterion
        step = float(criterion.step)
        self.setDecimals(_decimals(criterion.step) + _EXTRA_DECIMALS)
        self.setRange(-step, _TYPED_CEILING)
        self.setSingleStep(step)
        self.setSpecialValueText("—")
        self.setKeyboardTracking(False)  # commit on Enter, Tab or the arrows, not per digit
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not take focus
        self.setObjectName(f"score-{criterion.id}")
        self.setAccessibleName(criterion.name.get())
        self.setValue(-step)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.hasFocus():
            event.ignore()  # to the scroll area, which scrolls
            return
        super().wheelEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit(self.criterion.id)

    def textFromValue(self, value: float) -> str:
        # The exact value, without the padding zeros of the extra decimals.
        return str(_exact(value, self.decimals()))

    def score(self) -> Decimal | None:
        if self.value() < 0:
            return None
        return _exact(self.value(), self.decimals())

    def set_score(self, score: Decimal | None) -> None:
        self.setValue(-float(self.criterion.step) if score is None else float(score))

    def stepBy(self, steps: int) -> None:
        """Up/Down move to the next value on the step, within 0 to the maximum (from a
        typed value off the step, to the nearest one in that direction)."""
        step = self.criterion.step
        current = self.score()
        if current is None:
            n = steps - 1  # Up from "not scored" is 0; Down stays not scored
        else:
            units = current / step
            base = units.to_integral_value(rounding=ROUND_FLOOR if steps > 0 else ROUND_CEILING)
            n = int(base) + steps
        n = min(n, int(self.criterion.max_score / step))
        self.set_score(None if n < 0 else n * step)


def _exact(value: float, decimals: int) -> Decimal:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


class ValueComboBox(QComboBox):
    """A combo box the wheel changes only when it has the focus."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.hasFocus():
            event.ignore()
            return
        super().wheelEvent(event)


class CheckRow(QWidget):
    changed = Signal()

    def __init__(self, kind: CheckKind, title: str):
        super().__init__()
        self.kind = kind
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(plain_label(title, bold=True), 0, 0)
        self.group = QButtonGroup(self)
        for col, result in enumerate(CheckResult, start=1):
            button = QRadioButton(result.label())
            button.setObjectName(f"{kind.value}-{result.value}")
            button.setProperty("result", result.value)
            self.group.addButton(button)
            layout.addWidget(button, 0, col)
        self.note = QLineEdit()
        self.note.setObjectName(f"{kind.value}-note")
        self.note.setPlaceholderText(_("Note (required unless the check is passed)"))
        self.note.setMaxLength(2000)
        layout.addWidget(self.note, 1, 0, 1, 4)
        self.group.buttonClicked.connect(lambda _b: self.changed.emit())
        self._timer = QTimer(self, singleShot=True, interval=TEXT_DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed.emit)
        self.note.textEdited.connect(lambda _t: self._timer.start())
        self.note.editingFinished.connect(self.flush)

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    def entry(self) -> CheckEntry:
        button = self.group.checkedButton()
        result = CheckResult(button.property("result")) if button else None
        return CheckEntry(result, self.note.text())

    def show_entry(self, entry: CheckEntry) -> None:
        # Non-exclusive for a moment so that "no result yet" can be shown too.
        self.group.setExclusive(False)
        for button in self.group.buttons():
            button.setChecked(
                entry.result is not None and button.property("result") == entry.result.value
            )
        self.group.setExclusive(True)
        if self.note.text() != entry.note:
            self.note.setText(entry.note)


class _ElidedButton(QPushButton):
    """A flat button whose long text is cut with … to the width it gets, so that what is
    missing never widens the form (the whole text is its tooltip)."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width() - 16, 20)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class ScoringFooter(QWidget):
    """Always in view below the form: the total, what is still missing (a click goes to
    it) and 签署并导出."""

    go_to_missing = Signal()
    sign_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("scoringFooter")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.total = plain_label("", bold=True)
        self.total.setObjectName("footerTotal")
        self.total.setWordWrap(False)
        layout.addWidget(self.total)
        self.missing = _ElidedButton()
        self.missing.setObjectName("footerMissing")
        self.missing.setFlat(True)
        self.missing.setStyleSheet("text-align: left; color: #a40000;")
        self.missing.clicked.connect(self.go_to_missing.emit)
        layout.addWidget(self.missing, 1)
        self.sign = QPushButton(_("Sign and export"))
        self.sign.setObjectName("footerSign")
        self.sign.setToolTip(_("Sign and export this sheet (Ctrl+E)"))
        self.sign.clicked.connect(self.sign_requested.emit)
        layout.addWidget(self.sign)

    def show_state(self, total: str, missing: list[str], complete: bool) -> None:
        self.total.setText(total)
        if missing:
            first = (
                missing[0]
                if len(missing) == 1
                else _("{first} (and {n} more)").format(first=missing[0], n=len(missing) - 1)
            )
            self.missing.set_full_text(_("Missing: {what} ▸").format(what=first))
        else:
            self.missing.set_full_text(_("Complete") if complete else "")
        self.missing.setEnabled(bool(missing))
        self.sign.setEnabled(complete)


class ScoringPanel(QWidget):
    review_edited = Signal(object)  # the new Review

    def __init__(self, rubric: Rubric, parent: QWidget | None = None):
        super().__init__(parent)
        self.rubric = rubric
        self._review: Review | None = None
        self._showing = False
        # Scores typed but not taken (off the step, out of range): criterion id → why.
        # The box keeps what was typed for correction; the review keeps the saved score.
        self._typed: dict[str, str] = {}
        self._evaluation: Evaluation | None = None
        self._targets: list[str | None] = []  # what each line of the missing list is about
        layout = QVBoxLayout(self)

        checks = QGroupBox(_("1. Ethics and political quality (before any score)"))
        checks_layout = QVBoxLayout(checks)
        self.check_rows: dict[CheckKind, CheckRow] = {}
        for check in rubric.checks:
            row = CheckRow(check.kind, check.name.get())
            row.setToolTip(check.guidance.get())
            row.changed.connect(self._edited)
            self.check_rows[check.kind] = row
            checks_layout.addWidget(row)
        self.veto_label = plain_label("")
        self.veto_label.setObjectName("vetoLabel")
        self.veto_label.setStyleSheet("color: #a40000; font-weight: bold;")
        checks_layout.addWidget(self.veto_label)
        layout.addWidget(checks)

        self.criteria_box = QGroupBox(_("2. Criteria"))
        form = QFormLayout(self.criteria_box)
        self.score_boxes: dict[str, ScoreBox] = {}
        self.level_labels: dict[str, QLabel] = {}
        self.problem_labels: dict[str, QLabel] = {}
        for c in rubric.criteria:
            box = ScoreBox(c)
            box.valueChanged.connect(lambda _v, cid=c.id: self._score_typed(cid))
            box.focused.connect(self.show_descriptors)
            level = QLabel()
            level.setObjectName(f"level-{c.id}")
            level.setTextFormat(Qt.TextFormat.PlainText)
            score_row = QHBoxLayout()
            score_row.addWidget(box)
            score_row.addWidget(
                QLabel(
                    _("/ {max} · weight {weight}%").format(
                        max=canonical_decimal(c.max_score), weight=canonical_decimal(c.weight)
                    )
                )
            )
            score_row.addWidget(level, 1)
            title = plain_label(c.name.get(), bold=True)
            title.setToolTip(
                "\n".join(
                    [f"{c.source.section}：“{c.source.quote}”"]
                    + [
                        f"{b.level.label()} {canonical_decimal(b.low)}–{canonical_decimal(b.high)}:"
                        f" {b.description.get()}"
                        for b in reversed(c.bands)
                    ]
                )
            )
            title.setBuddy(box)
            form.addRow(title, score_row)
            # What is wrong with a typed score goes on a line of its own under the field:
            # beside it, the message widened the panel past the screen.
            problem = plain_label("")
            problem.setObjectName(f"problem-{c.id}")
            problem.setWordWrap(True)
            problem.setStyleSheet("color: #a40000; font-weight: bold;")
            problem.hide()
            form.addRow(problem)
            self.score_boxes[c.id] = box
            self.level_labels[c.id] = level
            self.problem_labels[c.id] = problem
        self.total_label = plain_label("", bold=True)
        self.total_label.setObjectName("totalLabel")
        form.addRow(self.total_label)
        # The plan's wording and the four level descriptors of the criterion being
        # scored, in view while typing (a tooltip hides them the moment one types).
        self.descriptors = QLabel()
        self.descriptors.setObjectName("descriptors")
        self.descriptors.setTextFormat(Qt.TextFormat.RichText)
        self.descriptors.setWordWrap(True)
        self.descriptors.setStyleSheet(
            "QLabel#descriptors { background: #f6f6f2; border: 1px solid #d8d8d0; padding: 6px; }"
        )
        form.addRow(self.descriptors)
        layout.addWidget(self.criteria_box)
        self._described: str | None = None
        if rubric.criteria:
            self.show_descriptors(rubric.criteria[0].id)

        opinion_box = QGroupBox(_("3. Written opinion (评审意见) and recommendation"))
        opinion_layout = QVBoxLayout(opinion_box)
        self.opinion = QPlainTextEdit()
        self.opinion.setObjectName("opinion")
        self.opinion.setTabChangesFocus(True)
        self.opinion.setPlaceholderText(_("Your opinion of the candidate's work and contribution"))
        self.opinion.setMinimumHeight(90)
        opinion_layout.addWidget(self.opinion)
        self.recommendation = ValueComboBox()
        self.recommendation.setObjectName("recommendation")
        self.recommendation.addItem("—", None)
        for option in rubric.recommendations:
            self.recommendation.addItem(option.name.get(), option.id)
        self.recommendation.currentIndexChanged.connect(lambda _i: self._edited())
        opinion_layout.addWidget(self.recommendation)
        layout.addWidget(opinion_box)
        self._opinion_timer = QTimer(self, singleShot=True, interval=TEXT_DEBOUNCE_MS)
        self._opinion_timer.timeout.connect(self._edited)
        self.opinion.textChanged.connect(self._opinion_typed)

        self.footer = ScoringFooter()  # placed below the scrolled form by the page
        self.footer.go_to_missing.connect(self.go_to_first_missing)

        missing_box = QGroupBox(_("Still missing"))
        missing_layout = QVBoxLayout(missing_box)
        self.missing = QListWidget()
        self.missing.setObjectName("missing")
        self.missing.setMaximumHeight(120)
        self.missing.itemActivated.connect(self._missing_chosen)
        self.missing.itemClicked.connect(self._missing_chosen)
        missing_layout.addWidget(self.missing)
        layout.addWidget(missing_box)

    # --- from the widgets to a Review -----------------------------------------------

    def _opinion_typed(self) -> None:
        if not self._showing:
            self._opinion_timer.start()

    def flush(self) -> None:
        """Deliver any text still waiting for its debounce (before lock, close, sign)."""
        for row in self.check_rows.values():
            row.flush()
        if self._opinion_timer.isActive():
            self._opinion_timer.stop()
            self._edited()

    def current(self) -> Review:
        assert self._review is not None
        review = self._review
        for kind, row in self.check_rows.items():
            entry = row.entry()
            review = review.with_check(kind, entry.result, entry.note)
        for cid, box in self.score_boxes.items():
            if cid not in self._typed:
                review = review.with_score(cid, box.score())
        return review.with_opinion(self.opinion.toPlainText()).with_recommendation(
            self.recommendation.currentData()
        )

    def _score_typed(self, cid: str) -> None:
        if self._showing or self._review is None:
            return
        box = self.score_boxes[cid]
        score = box.score()
        problem = None if score is None else score_problem(box.criterion, score)
        if problem is not None:
            self._typed[cid] = _("{problem} (not saved: correct it)").format(problem=problem)
            self._mark(cid, self._typed[cid])
            self._list_missing()
            self.show_descriptors(cid)
            return
        self._typed.pop(cid, None)
        self._edited()

    def go_to(self, part: str) -> None:
        """Focus the first field of a part of the form (checks, scores, opinion)."""
        target: QWidget | None = None
        if part == "checks" and self.check_rows:
            row = next(iter(self.check_rows.values()))
            target = row.group.checkedButton() or row.group.buttons()[0]
        elif part == "scores" and self.criteria_box.isEnabled() and self.score_boxes:
            target = next(iter(self.score_boxes.values()))
        elif part == "opinion":
            target = self.opinion
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def typed_problems(self) -> list[str]:
        """Scores typed but not taken, in words (signing must wait for their correction)."""
        return list(self._typed.values())

    def _edited(self) -> None:
        if self._showing or self._review is None:
            return
        new = self.current()
        if new != self._review:
            self.review_edited.emit(new)

    # --- from a Review to the widgets -----------------------------------------------

    def show_review(self, review: Review, evaluation: Evaluation) -> None:
        self._showing = True
        try:
            if self._review is None or self._review.candidate_id != review.candidate_id:
                self._typed.clear()
            self._review, self._evaluation = review, evaluation
            for kind, row in self.check_rows.items():
                row.show_entry(review.checks.get(kind, CheckEntry()))
            wrong = {f.subject: str(f) for f in evaluation.problems if f.subject}
            for cid, box in self.score_boxes.items():
                if cid in self._typed:
                    continue  # what was typed stays for correction
                box.set_score(review.scores.get(cid))
                level = evaluation.criterion_levels.get(cid)
                self._mark(cid, wrong.get(cid), level.label() if level else "")
            if self.opinion.toPlainText() != review.opinion:
                self.opinion.setPlainText(review.opinion)
            vetoed = evaluation.outcome is Outcome.VETOED
            # Options a veto rules out are greyed, so the arrows pass over them to 不推荐
            # instead of stopping at a refused 推荐.
            model = self.recommendation.model()
            for i, option in enumerate(self.rubric.recommendations, start=1):
                item = model.item(i) if isinstance(model, QStandardItemModel) else None
                if item is not None:
                    item.setEnabled(recommendation_allowed(option, vetoed))
            index = self.recommendation.findData(review.recommendation)
            self.recommendation.setCurrentIndex(max(index, 0))
            self.criteria_box.setEnabled(not vetoed)
            self.veto_label.setText(
                next((str(n) for n in evaluation.notes if n.code == "veto"), "")
            )
            self.veto_label.setVisible(vetoed)
            self.total_label.setText(self._total_text(evaluation))
            self._list_missing()
            if self._described is not None:
                self.show_descriptors(self._described)
        finally:
            self._showing = False

    def show_descriptors(self, cid: str) -> None:
        """The criterion's source text and level descriptors, its current band in bold."""
        self._described = cid
        c = next(c for c in self.rubric.criteria if c.id == cid)
        score = None if cid in self._typed else self.score_boxes[cid].score()
        current = c.band(score) if score is not None and c.in_range(score) else None
        lines = [
            f"<b>{escape(c.name.get())}</b>",
            f"{escape(c.source.section)}：“{escape(c.source.quote)}”",
        ]
        for band in reversed(c.bands):
            text = escape(
                f"{band.level.label()} {canonical_decimal(band.low)}–"
                f"{canonical_decimal(band.high)}：{band.description.get()}"
            )
            lines.append(f"<b>▶ {text}</b>" if band is current else f"&nbsp;&nbsp;{text}")
        self.descriptors.setText("<br>".join(lines))

    def _mark(self, cid: str, problem: str | None, level: str = "") -> None:
        """Beside a score box its level; under it, in red, what is wrong with it."""
        box, shown = self.score_boxes[cid], self.problem_labels[cid]
        self.level_labels[cid].setText("" if problem else level)
        shown.setText(problem or "")
        shown.setVisible(bool(problem))
        box.setProperty("problem", bool(problem))
        box.setToolTip(problem or "")

    def _list_missing(self) -> None:
        ev = self._evaluation
        self.missing.clear()
        self._targets = []
        for cid, text in self._typed.items():
            self._add_missing(text, cid)
        if ev is None:
            return
        for finding in (*ev.problems, *ev.missing):
            self._add_missing(str(finding), finding.subject or finding.code)
        complete = ev.complete and not self._typed
        if complete:
            self.missing.addItem(_("Nothing is missing: the review is complete."))
        self.footer.show_state(
            self.total_label.text(),
            [self.missing.item(i).text() for i in range(len(self._targets))],
            complete,
        )

    def _add_missing(self, text: str, target: str | None) -> None:
        self.missing.addItem(text)
        self._targets.append(target)

    def _missing_chosen(self, item: QListWidgetItem) -> None:
        row = self.missing.row(item)
        if 0 <= row < len(self._targets):
            self.focus_subject(self._targets[row])

    def go_to_first_missing(self) -> None:
        if self._targets:
            self.focus_subject(self._targets[0])

    def focus_subject(self, subject: str | None) -> None:
        """Put the focus on the field a finding is about (a check, a criterion, the
        opinion or the recommendation); nothing for one without a field."""
        target: QWidget | None = None
        rows = {kind.value: row for kind, row in self.check_rows.items()}
        if subject in rows:
            row = rows[subject]
            button = row.group.checkedButton()
            target = row.note if button is not None else row.group.buttons()[0]
        elif subject in self.score_boxes:
            target = self.score_boxes[subject]
        elif subject in ("opinion", "opinion_length"):
            target = self.opinion
        elif subject in ("recommendation", "recommendation_veto"):
            target = self.recommendation
        if target is not None and target.isEnabled():
            self._scroll_to(target)
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _scroll_to(self, widget: QWidget) -> None:
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(widget)

    def _total_text(self, ev: Evaluation) -> str:
        if ev.outcome is Outcome.VETOED:
            return _("Total: not counted (veto)")
        if ev.total_display is not None:
            return _("Total: {total} / 100 ({level})").format(
                total=ev.total_display, level=ev.level.label() if ev.level else "—"
            )
        scored = sum(1 for c in self.rubric.criteria if c.id in ev.criterion_levels)
        return _("Scored {n} of {m} criteria").format(n=scored, m=len(self.rubric.criteria))

    def set_locked(self, locked: bool) -> None:
        """Scoring is locked for a recused candidate."""
        self.setEnabled(not locked)
