"""The aggregation options of the secretariat window: those of ``reviewer aggregate``
(``--method``, ``--quorum``, ``--trim-min``, ``--disagreement``, ``--calibrate``).

``options()`` gives the core's ``AggregateOptions``; ``changed`` is emitted whenever one
of them changes, and the window aggregates the imported sheets again.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from reviewer.base.i18n import _
from reviewer.secretariat.aggregate import AggregateOptions, Method


class OptionsBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.method_label = QLabel()
        self.method = QComboBox()
        self.method.setObjectName("method")
        self.quorum_label = QLabel()
        self.quorum = QSpinBox()
        self.quorum.setRange(1, 99)
        self.quorum.setValue(AggregateOptions.quorum)
        self.trim_label = QLabel()
        self.trim_min = QSpinBox()
        self.trim_min.setRange(1, 99)
        self.trim_min.setValue(AggregateOptions.trim_min)
        self.spread_label = QLabel()
        self.disagreement = QDoubleSpinBox()
        self.disagreement.setRange(0, 100)
        self.disagreement.setDecimals(1)
        self.disagreement.setValue(float(AggregateOptions.disagreement))
        self.calibrate = QCheckBox()
        for label, widget in (
            (self.method_label, self.method),
            (self.quorum_label, self.quorum),
            (self.trim_label, self.trim_min),
            (self.spread_label, self.disagreement),
        ):
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget)
        layout.addWidget(self.calibrate)
        self.method.currentIndexChanged.connect(self._changed)
        self.quorum.valueChanged.connect(self._changed)
        self.trim_min.valueChanged.connect(self._changed)
        self.disagreement.valueChanged.connect(self._changed)
        self.calibrate.toggled.connect(self._changed)

    def _changed(self, *_args: object) -> None:
        self.changed.emit()

    def _inputs(self) -> tuple[QWidget, ...]:
        return (self.method, self.quorum, self.trim_min, self.disagreement, self.calibrate)

    def set_editable(self, editable: bool) -> None:
        """Off while the window is busy; the labels stay as they are."""
        for widget in self._inputs():
            widget.setEnabled(editable)

    def options(self) -> AggregateOptions:
        return AggregateOptions(
            method=Method(self.method.currentData() or Method.TRIMMED.value),
            quorum=self.quorum.value(),
            trim_min=self.trim_min.value(),
            disagreement=Decimal(str(round(self.disagreement.value(), 1))),
            calibrate=self.calibrate.isChecked(),
        )

    def retranslate(self) -> None:
        self.method_label.setText(_("Ranking:"))
        self.quorum_label.setText(_("Quorum:"))
        self.quorum.setToolTip(_("minimum valid sheets per candidate (default: 3)"))
        self.trim_label.setText(_("Trim from:"))
        self.trim_min.setToolTip(
            _("trim the highest and lowest score from this many scores on (default: 5)")
        )
        self.spread_label.setText(_("Disagreement:"))
        self.disagreement.setToolTip(
            _("flag candidates whose scores span more than X points (default: 20)")
        )
        self.calibrate.setText(_("Calibrate"))
        self.calibrate.setToolTip(_("also rank on calibrated (z-score) scores"))
        current = self.method.currentData() or Method.TRIMMED.value
        self.method.blockSignals(True)
        self.method.clear()
        for method in Method:
            self.method.addItem(method.label(), method.value)
        self.method.setCurrentIndex(max(0, self.method.findData(current)))
        self.method.blockSignals(False)
