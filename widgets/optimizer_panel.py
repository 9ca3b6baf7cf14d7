"""The training panel: optimizer with its own hyperparameters, learning rate, schedule with a small
plot of the learning rate over the coming steps, regularization and gradient clipping."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from playground import catalog
from playground.fields import FIELDS_BY_NAME
from playground.tips import OPTIMIZER_TIPS, SCHEDULE_TIPS
from widgets import theme
from widgets.controls import ValueLabel, scrolling_body
from widgets.controls import DecimalBox, IntBox, LogSpinBox, hint_label, section_label, send

PREVIEW_POINTS = 200
HYPER_EDITOR_WIDTH = 84       # the least width of a hyperparameter's editor
FULL_BATCH = " (full batch)"
#: Row names of hyperparameters whose key is a symbol or an abbreviation (the row's tooltip
#: says what each one does).
HYPER_LABELS = {"beta1": "\u03b2\u2081", "beta2": "\u03b2\u2082", "eps": "\u03b5",
                "rho": "\u03c1", "c1": "Wolfe c\u2081", "c2": "Wolfe c\u2082", "k": "Decay k",
                "every_epochs": "Every (epochs)", "max_params": "Max weights",
                "damping": "Damping \u03bb"}


def learning_rate_text(value) -> str:
    """A learning rate for display, 3 significant digits: 0.01, 0.00312, 1.2e-05 (the
    Training panel and the status bar write it alike)."""
    if value is None or not np.isfinite(value):
        return "\u2013"
    return f"{value:.3g}"


def hyper_label(info) -> QLabel:
    label = QLabel(HYPER_LABELS.get(info.name, info.name.replace("_", " ").capitalize()))
    label.setToolTip(info.doc)
    return label


def hyper_editor(info) -> QWidget:
    """A control fitted to one hyperparameter's kind, range and scale."""
    if info.kind == "bool":
        box = QCheckBox()
    elif info.kind == "int":
        # typed values outside the range reach the experiment, which says why it refuses them
        box = IntBox(int(max(info.low, -2**31 + 1)), int(min(info.high, 2**31 - 1)))
    elif info.high <= 1.0 and info.default >= 0.01:
        box = DecimalBox(info.low if info.low_inclusive else info.low + 1e-4,
                         info.high if info.high_inclusive else info.high - 1e-4,
                         step=0.01, decimals=4)
    else:
        box = LogSpinBox(max(info.low, 1e-12), min(info.high, 1e9),
                         allow_zero=info.low <= 0 and info.low_inclusive)
        box.setSpecialValueText("0")            # a hyperparameter at zero is 0, not "off"
    box.setToolTip(info.doc)
    if not isinstance(box, QCheckBox):
        # Narrower than its widest value (10 digits for a step count) may make it: the row's
        # name ("Decay steps") is then whole beside it in the narrow Training panel.
        box.setMinimumWidth(HYPER_EDITOR_WIDTH)
    return box


def editor_value(box: QWidget):
    return box.isChecked() if isinstance(box, QCheckBox) else box.value()


def set_editor_value(box: QWidget, value) -> None:
    with QSignalBlocker(box):
        if isinstance(box, QCheckBox):
            box.setChecked(bool(value))
        else:
            box.setValue(value)


def on_edited(box: QWidget, slot) -> None:
    """Call slot() when the user has finished changing box."""
    if isinstance(box, QCheckBox):
        box.toggled.connect(lambda _: slot())
    else:
        box.editingFinished.connect(slot)


class ScheduleChart(pg.PlotWidget):
    """The learning rate over the coming steps, with the current step marked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.setMaximumHeight(150)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "step")
        self.getAxis("left").setWidth(48)
        self.curve = self.plot(pen=pg.mkPen(theme.ACCENT, width=2.5))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.TEST_CURVE, width=2))
        self.addItem(self.marker)
        theme.cache_axes(self.getPlotItem())

    def set_curve(self, steps: np.ndarray, rates: np.ndarray) -> None:
        self.curve.setData(steps, rates)
        top = float(np.nanmax(rates)) if len(rates) else 1.0
        self.setYRange(0, top * 1.1 if top > 0 else 1.0, padding=0)
        self.setXRange(float(steps[0]), float(steps[-1]), padding=0)

    def set_step(self, step: int) -> None:
        self.marker.setValue(step)


class OptimizerPanel(QWidget):
    """Optimizer, learning rate, schedule and regularization, all applied live."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self._horizon = 0
        self._start = (0, 0)          # (step, epoch) where the charted schedule started
        self._dock = None
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(8)

        layout.addWidget(section_label("Optimizer"))
        self.optimizer = QComboBox()
        for name in catalog.optimizer_names():
            text = catalog.label(name)
            self.optimizer.addItem(text.replace(FULL_BATCH, ""), name)
            self.optimizer.setItemData(self.optimizer.count() - 1,
                                       f"{text}: {OPTIMIZER_TIPS[name]}",
                                       Qt.ItemDataRole.ToolTipRole)
        self.full_batch = hint_label("Full batch: every step uses the whole training set "
                                     "(the batch size does not apply).")
        self.optimizer.activated.connect(
            lambda i: send(experiment, "optimizer", self.optimizer.itemData(i), self.optimizer))
        self.learning_rate = LogSpinBox(FIELDS_BY_NAME["learning_rate"].low,
                                        FIELDS_BY_NAME["learning_rate"].high)
        self.learning_rate.setToolTip(FIELDS_BY_NAME["learning_rate"].doc)
        self.learning_rate.editingFinished.connect(
            lambda: self._send_number("learning_rate", self.learning_rate))
        top = QFormLayout()
        _tune(top)
        top.addRow(self.optimizer)          # the whole width: the section names it
        top.addRow("Learning rate", self.learning_rate)
        # The base rate above is what the user sets; the schedule scales it step by step.
        self.rate_now = ValueLabel("8.88e-08")
        self.rate_now.setToolTip("The learning rate the next update uses: the base rate "
                                 "times the schedule's factor, counted from the step where "
                                 "the schedule was chosen.")
        self.rate_now.setText(learning_rate_text(experiment.learning_rate))
        top.addRow("Rate now", self.rate_now)
        layout.addLayout(top)
        layout.addWidget(self.full_batch)
        self.hyper_form = QFormLayout()
        _tune(self.hyper_form)
        layout.addLayout(self.hyper_form)
        self.hyper_boxes: dict[str, QWidget] = {}

        layout.addWidget(section_label("Schedule"))
        self.schedule = QComboBox()
        self.schedule.setToolTip("Learning-rate schedule: " + FIELDS_BY_NAME["schedule"].doc)
        for name in catalog.schedule_names():
            self.schedule.addItem(catalog.label(name), name)
            self.schedule.setItemData(self.schedule.count() - 1, SCHEDULE_TIPS[name],
                                      Qt.ItemDataRole.ToolTipRole)
        self.schedule.activated.connect(
            lambda i: send(experiment, "schedule", self.schedule.itemData(i), self.schedule))
        sched_form = QFormLayout()
        _tune(sched_form)
        sched_form.addRow(self.schedule)
        layout.addLayout(sched_form)
        self.schedule_form = QFormLayout()
        _tune(self.schedule_form)
        layout.addLayout(self.schedule_form)
        self.schedule_boxes: dict[str, QWidget] = {}
        self.schedule_chart = ScheduleChart()
        layout.addWidget(self.schedule_chart)

        layout.addWidget(section_label("Regularization"))
        reg = QFormLayout()
        _tune(reg)
        self.l1 = LogSpinBox(1e-6, 1.0, allow_zero=True)
        self.l2 = LogSpinBox(1e-6, 1.0, allow_zero=True)
        self.clip_norm = LogSpinBox(1e-3, 1000.0, allow_zero=True)
        self.weight_decay = LogSpinBox(1e-6, FIELDS_BY_NAME["weight_decay"].high,
                                       allow_zero=True)
        self.max_norm = LogSpinBox(0.1, FIELDS_BY_NAME["max_norm"].high, allow_zero=True)
        for name, box in (("l1", self.l1), ("l2", self.l2), ("clip_norm", self.clip_norm),
                          ("weight_decay", self.weight_decay), ("max_norm", self.max_norm)):
            box.setToolTip(FIELDS_BY_NAME[name].doc)
            box.editingFinished.connect(lambda n=name, b=box: self._send_number(n, b))
            reg.addRow(FIELDS_BY_NAME[name].title, box)
        layout.addLayout(reg)
        numbers = QFormLayout()
        _tune(numbers)
        self.precision = QComboBox()
        for name in FIELDS_BY_NAME["precision"].allowed():
            self.precision.addItem(name, name)
        self.precision.setToolTip(FIELDS_BY_NAME["precision"].doc)
        self.precision.activated.connect(
            lambda i: send(experiment, "precision", self.precision.itemData(i), self.precision))
        numbers.addRow(FIELDS_BY_NAME["precision"].title, self.precision)
        layout.addLayout(numbers)
        layout.addWidget(hint_label("Every setting here applies at once, while training."))
        layout.addStretch(1)

        scrolling_body(self, inner)

        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.snapshot_ready.connect(self._on_session_snapshot_ready)
        session.network_rebuilt.connect(self._refresh_schedule_chart)
        for name in ("optimizer", "learning_rate", "schedule", "l1", "l2", "clip_norm",
                     "weight_decay", "max_norm", "precision"):
            self._on_experiment_state_changed(name)

    # ---- intent ---------------------------------------------------------------------------
    def _send_number(self, name: str, box) -> None:
        if not send(self.experiment, name, float(box.value()), box):
            self._on_experiment_state_changed(name)

    def _send_hyper(self, field: str, key: str, box) -> None:
        params = dict(self.experiment.get(field))
        value = editor_value(box)
        params[key] = value if isinstance(value, bool) else float(value)
        if not send(self.experiment, field, params, box):
            self._on_experiment_state_changed(field)

    # ---- model -> controls ----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "optimizer":
            _select(self.optimizer, e.optimizer)
            self.optimizer.setToolTip("Optimizer: " + self.optimizer.itemData(
                self.optimizer.currentIndex(), Qt.ItemDataRole.ToolTipRole))
            self.full_batch.setVisible(catalog.is_second_order(e.optimizer))
            for box in (self.weight_decay, self.max_norm, self.precision):   # first-order
                box.setEnabled(not catalog.is_second_order(e.optimizer))    # methods only
            self._rebuild_hypers(self.hyper_form, self.hyper_boxes, "optimizer_params",
                                 catalog.optimizer_hyperparams(e.optimizer))
        elif name == "optimizer_params":
            self._fill_hypers(self.hyper_boxes, catalog.optimizer_hyperparams(e.optimizer),
                              e.optimizer_params)
        elif name == "precision":
            _select(self.precision, e.precision)
        elif name == "schedule":
            _select(self.schedule, e.schedule)
            self.schedule.setToolTip(f"Learning-rate schedule: {SCHEDULE_TIPS[e.schedule]}")
            self._rebuild_hypers(self.schedule_form, self.schedule_boxes, "schedule_params",
                                 catalog.schedule_hyperparams(e.schedule))
            self._refresh_schedule_chart()
        elif name == "schedule_params":
            self._fill_hypers(self.schedule_boxes, catalog.schedule_hyperparams(e.schedule),
                              e.schedule_params)
            self._refresh_schedule_chart()
        elif name in ("learning_rate", "l1", "l2", "clip_norm", "weight_decay", "max_norm"):
            box = getattr(self, name)
            with QSignalBlocker(box):
                box.setValue(e.get(name))
            if name == "learning_rate":
                self._refresh_schedule_chart()
        elif name in ("batch_size", "n_points", "train_ratio"):
            self._refresh_schedule_chart()

    def _rebuild_hypers(self, form: QFormLayout, boxes: dict, field: str, infos) -> None:
        while form.rowCount():
            form.removeRow(0)
        boxes.clear()
        for info in infos:
            box = hyper_editor(info)
            on_edited(box, lambda f=field, k=info.name, b=box: self._send_hyper(f, k, b))
            boxes[info.name] = box
            form.addRow(hyper_label(info), box)
        self._fill_hypers(boxes, infos, self.experiment.get(field))

    def _fill_hypers(self, boxes: dict, infos, values: dict) -> None:
        for info in infos:
            box = boxes.get(info.name)
            if box is not None:
                set_editor_value(box, values.get(info.name, info.default))

    def _refresh_schedule_chart(self) -> None:
        """The schedule from where it started (its first step at the left) to well past the
        current step, which is marked."""
        e = self.experiment
        latest = self.session.latest
        step = latest.step if latest else 0
        start = tuple(latest.schedule_start) if latest else (0, 0)
        self._start = start
        span = max(1000, int(2 ** np.ceil(np.log2(max(step - start[0], 1) * 1.5))))
        self._horizon = span
        steps = np.linspace(start[0], start[0] + span, PREVIEW_POINTS).astype(np.int64)
        try:
            rates = catalog.schedule_preview(e.schedule, e.schedule_params, e.learning_rate,
                                             steps, self.session.steps_per_epoch, start)
        except (ValueError, TypeError):
            return
        self.schedule_chart.set_curve(steps, rates)
        self.schedule_chart.set_step(step)
        if latest is not None:
            self.rate_now.setText(learning_rate_text(latest.learning_rate))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refresh_schedule_chart()
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and dock is not self._dock:
            # A dock behind another's tab stays "visible" (no show event when its tab is
            # picked); its visibilityChanged says when it really shows.
            self._dock = dock
            dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._refresh_schedule_chart()

    def _on_session_snapshot_ready(self, snapshot) -> None:
        self.rate_now.setText(learning_rate_text(snapshot.learning_rate))
        if not self.isVisible() or self.visibleRegion().isEmpty():
            return                 # a hidden tab: brought up to date when it shows again
        # (the chart itself may be scrolled out of sight: no event says when it scrolls back)
        if snapshot.step - snapshot.schedule_start[0] > self._horizon * 0.9 or \
                tuple(snapshot.schedule_start) != self._start:
            self._refresh_schedule_chart()
        elif abs(snapshot.step - self.schedule_chart.marker.value()) >= self._horizon / 200:
            self.schedule_chart.set_step(snapshot.step)   # moves when it moves a pixel or so


def _select(combo: QComboBox, key: str) -> None:
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(0, combo.findData(key)))


def _tune(form: QFormLayout) -> None:
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
