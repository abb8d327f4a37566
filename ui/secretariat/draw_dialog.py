"""Expert draw… (专家与分组): experts drawn from a pool file with a published seed.

The dialog gathers the pool, the categories, how many and the seed; the draw itself,
its record in the session and the command that re-runs it come from the planning
service, exactly as ``reviewer session draw`` makes them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.panel.draw import new_seed
from reviewer.people.session import Session
from reviewer.rubric.file import category_label
from reviewer.secretariat import planning
from reviewer.secretariat.planning import DrawDone
from ui.common.errors import show_error
from ui.common.labels import plain_label
from ui.secretariat.setup_dialogs import PathField


class DrawDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.drawn: DrawDone | None = None
        self.setWindowTitle(_("Expert draw"))
        self.setMinimumWidth(680)
        self.pool = PathField("open", _("The expert pool"), _("Expert pools (*.xlsx *.csv)"))
        self.categories = QListWidget()
        self.categories.setObjectName("categories")
        self.categories.setMaximumHeight(110)
        # The plan's name in the current language; the id, which the pool file and the
        # re-run command use, beside it.
        self.names = {r.id: f"{category_label(r.id)} ({r.id})" for r in session.rubrics}
        for category in planning.session_categories(session):
            item = QListWidgetItem(self.names[category])
            item.setData(Qt.ItemDataRole.UserRole, category)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.categories.addItem(item)
        self.per_category = QSpinBox()
        self.per_category.setObjectName("perCategory")
        self.per_category.setRange(1, 999)
        self.per_category.setValue(5)
        self.seed = QLineEdit()
        self.seed.setObjectName("seed")
        self.seed.setPlaceholderText(_("the seed announced before the draw"))
        self.new_seed = QPushButton(_("New random seed"))
        self.new_seed.clicked.connect(lambda: self.seed.setText(new_seed()))
        seed_row = QWidget()
        row = QHBoxLayout(seed_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.seed, 1)
        row.addWidget(self.new_seed)
        form = QFormLayout()
        form.addRow(_("Expert pool"), self.pool)
        form.addRow(_("Categories"), self.categories)
        form.addRow(_("Experts a category"), self.per_category)
        form.addRow(_("Seed"), seed_row)
        self.result_text = QPlainTextEdit()
        self.result_text.setObjectName("drawResult")
        self.result_text.setReadOnly(True)
        self.draw_button = QPushButton(_("Draw"))
        self.draw_button.setObjectName("drawButton")
        self.draw_button.clicked.connect(self.draw)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                _(
                    "Announce the seed before the draw: anyone can then re-run it with the "
                    "same pool file and get the same experts."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.draw_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result_text, 1)
        layout.addWidget(buttons)

    def chosen_categories(self) -> list[str]:
        items = (self.categories.item(i) for i in range(self.categories.count()))
        checked = (i for i in items if i.checkState() == Qt.CheckState.Checked)
        return [i.data(Qt.ItemDataRole.UserRole) for i in checked]

    def draw(self) -> None:
        pool = self.pool.path()
        if pool is None:
            self.result_text.setPlainText(_("Choose the expert pool file."))
            return
        if not self.seed.text().strip():
            self.seed.setText(new_seed())
        try:
            self.drawn = planning.draw_experts(
                self.session,
                pool,
                self.per_category.value(),
                self.chosen_categories() or None,
                self.seed.text().strip(),
            )
        except ReviewerError as exc:
            self.result_text.setPlainText("")
            show_error(self, exc, _("Expert draw"))
            return
        draw = self.drawn.draw
        lines = [
            _("Seed: {seed} (publish it: anyone can re-run the draw)").format(seed=draw.seed),
            _("Pool: {file}, SHA-256 {sha}").format(file=pool, sha=draw.pool_sha256),
            "",
            *(
                f"{self.names.get(c.category, c.category)}: {'、'.join(c.drawn)}"
                for c in draw.categories
            ),
            "",
            _("Recorded in {file}").format(file=self.drawn.record),
            _("To re-run the draw: {command}").format(command=self.drawn.rerun),
        ]
        self.result_text.setPlainText("\n".join(lines))
