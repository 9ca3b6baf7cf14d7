"""Train and test loss curves (linear or log, hover readout, peak downsampling) and accuracy."""
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from widgets import theme
from widgets.controls import send

REFRESH_SECONDS = 0.1


def _style_plot(plot: pg.PlotItem, y_label: str, x_label: bool) -> None:
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setLabel("left", y_label)
    if x_label:
        plot.setLabel("bottom", "step")
    else:
        plot.getAxis("bottom").setStyle(showValues=False)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setStyle(tickFont=theme.font(-1))
        plot.getAxis(axis).label.setFont(theme.font(-1))
        plot.getAxis(axis).enableAutoSIPrefix(False)
    plot.getAxis("left").setWidth(56)
    theme.cache_axes(plot)


def _curve(plot: pg.PlotItem, color: str, name: str, dashed: bool = False) -> pg.PlotDataItem:
    pen = pg.mkPen(color, width=2.5,
                   style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    item = plot.plot(pen=pen, name=name)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class CurvesPanel(QWidget):
    """Loss and accuracy over steps, redrawn from the session's history at each snapshot."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.readout = {}
        numbers = QGridLayout()
        numbers.setContentsMargins(12, 6, 12, 0)
        numbers.setHorizontalSpacing(16)
        numbers.setVerticalSpacing(0)
        for col, (title, color) in enumerate((("Train", theme.TRAIN_CURVE),
                                              ("Test", theme.TEST_CURVE)), start=1):
            head = QLabel(title)
            head.setProperty("role", "hint")
            head.setStyleSheet(f"color: {color}; font-weight: bold;")
            numbers.addWidget(head, 0, col)
        for row, (kind, title) in enumerate((("loss", "Loss"), ("accuracy", "Accuracy")),
                                            start=1):
            label = QLabel(title)
            label.setProperty("role", "hint")
            numbers.addWidget(label, row, 0)
            for col, (split, color) in enumerate((("train", theme.TRAIN_CURVE),
                                                  ("test", theme.TEST_CURVE)), start=1):
                value = QLabel("\u2013")
                value.setFont(theme.font(4, bold=True))
                value.setStyleSheet(f"color: {color};")
                numbers.addWidget(value, row, col)
                self.readout[f"{split}_{kind}"] = value
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(lambda on: send(experiment, "log_loss", on,
                                                       self.log_scale))
        numbers.addWidget(self.log_scale, 0, 3, 2, 1,
                          Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        numbers.setColumnStretch(3, 1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumHeight(110)
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        _style_plot(self.loss_plot, "loss", x_label=False)
        # The coloured numbers above are the legend: train in ink, test in orange.
        self.train_curve = _curve(self.loss_plot, theme.TRAIN_CURVE, "train")
        self.test_curve = _curve(self.loss_plot, theme.TEST_CURVE, "test")
        self.accuracy_plot = self.graphics.addPlot(row=1, col=0)
        _style_plot(self.accuracy_plot, "accuracy", x_label=True)
        self.accuracy_plot.setYRange(0, 1.02, padding=0)
        self.accuracy_plot.setXLink(self.loss_plot)
        self.train_accuracy = _curve(self.accuracy_plot, theme.TRAIN_CURVE, "train")
        self.test_accuracy = _curve(self.accuracy_plot, theme.TEST_CURVE, "test")
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.graphics.ci.layout.setVerticalSpacing(0)

        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#9CA3AF", width=1))
        self.cursor.setVisible(False)
        self.loss_plot.addItem(self.cursor, ignoreBounds=True)
        self.hover_text = pg.TextItem(color=theme.INK, anchor=(0, 1),
                                      fill=pg.mkBrush(255, 255, 255, 230),
                                      border=pg.mkPen("#D1D5DB"))
        self.hover_text.setFont(theme.font(-1))
        self.hover_text.setVisible(False)
        self.loss_plot.addItem(self.hover_text, ignoreBounds=True)
        self.graphics.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

        self._refreshed = 0.0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        layout.addLayout(numbers)
        layout.addWidget(self.graphics, 1)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.snapshot_ready.connect(self.set_snapshot)
        session.network_rebuilt.connect(self.refresh)
        self._on_experiment_state_changed("log_loss")
        self.refresh()

    # ---- model -> view ----------------------------------------------------------------------
    def set_snapshot(self, snapshot) -> None:
        """Redraw at most every REFRESH_SECONDS (curves need no 60 Hz); the last one waits."""
        now = time.perf_counter()
        if now - self._refreshed >= REFRESH_SECONDS:
            self.refresh()
        elif not self._pending.isActive():
            self._pending.start(int(REFRESH_SECONDS * 1000))

    def refresh(self) -> None:
        self._refreshed = time.perf_counter()
        self._pending.stop()
        h = self.session.history
        steps = h.column("step")
        self.train_curve.setData(steps, h.column("train_loss"))
        self.test_curve.setData(steps, h.column("test_loss"))
        self.train_accuracy.setData(steps, h.column("train_accuracy"))
        self.test_accuracy.setData(steps, h.column("test_accuracy"))
        has_accuracy = self.session.data is not None and self.session.data.task != "regression"
        shown = self.accuracy_plot.scene() is not None
        if has_accuracy and not shown:
            self.graphics.addItem(self.accuracy_plot, row=1, col=0)
            self._style_axes_for(accuracy=True)
        elif shown and not has_accuracy:
            self.graphics.removeItem(self.accuracy_plot)
            self._style_axes_for(accuracy=False)
        for key, label in self.readout.items():
            value = h.last(key) if len(h) else float("nan")
            if not np.isfinite(value):
                label.setText("\u2013" if len(h) == 0 or "accuracy" in key else "NaN")
            elif "accuracy" in key:
                label.setText(f"{value * 100:.1f}%")
            else:
                label.setText(theme.number(value))

    def _style_axes_for(self, accuracy: bool) -> None:
        """The step axis sits under the lowest plot: the accuracy plot when it is shown."""
        bottom = self.loss_plot.getAxis("bottom")
        bottom.setStyle(showValues=not accuracy)
        self.loss_plot.setLabel("bottom", "" if accuracy else "step")
        if accuracy:
            bottom.showLabel(False)

    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "log_loss":
            with QSignalBlocker(self.log_scale):
                self.log_scale.setChecked(self.experiment.log_loss)
            self.loss_plot.setLogMode(y=self.experiment.log_loss)

    def _on_scene_mouse_moved(self, pos) -> None:
        vb = self.loss_plot.vb
        h = self.session.history
        if not vb.sceneBoundingRect().contains(pos) or len(h) == 0:
            self.cursor.setVisible(False)
            self.hover_text.setVisible(False)
            return
        x = vb.mapSceneToView(pos).x()
        steps = h.column("step")
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
            i -= 1
        train, test = h.column("train_loss")[i], h.column("test_loss")[i]
        text = f"step {int(steps[i])}\ntrain {theme.number(train)}"
        if np.isfinite(test):
            text += f"\ntest {theme.number(test)}"
        self.cursor.setValue(steps[i])
        self.cursor.setVisible(True)
        y_view = vb.mapSceneToView(pos).y()
        self.hover_text.setText(text)
        self.hover_text.setPos(steps[i], y_view)
        self.hover_text.setVisible(True)

    def hover_readout(self) -> str:
        return self.hover_text.toPlainText() if self.hover_text.isVisible() else ""
